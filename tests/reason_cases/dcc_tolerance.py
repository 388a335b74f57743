"""EU DCC codes that verify with a note (issue #17): a DSC read leniently, an
``iss`` that is not a country code. The crafted certificates come from
``tests/test_dsc_tolerance.py``."""

from __future__ import annotations

import cccdqr
from cccdqr import Reason
from cccdqr.trust.store import make_trusted_certificate

from reason_cases import Case, Producer


def _case(*, lenient: bool, iss: str) -> Producer:
    def produce(_: object) -> Case:
        import test_dsc_tolerance as t

        der = (t.patch_extension(t.build(), t.OID_EKU, t.EMPTY_EKU) if lenient
               else t.strict_der())
        return Case(t.hc1(der, iss=iss), trust=cccdqr.TrustStore([make_trusted_certificate(der)]),
                    now=t.NOW)
    return produce


COVERAGE: dict[Reason, Producer] = {
    # a DSC whose extendedKeyUsage is an empty SEQUENCE (as EU vector CO15)
    Reason.SIGNER_CERTIFICATE_NOT_DER: _case(lenient=True, iss="VN"),
    # iss "Ministry of Health" under a VN DSC
    Reason.ISSUER_NOT_A_COUNTRY: _case(lenient=False, iss="Ministry of Health"),
}
