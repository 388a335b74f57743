"""Issuer(private_key, issuer="VN").issue(certificate, *, now, valid_for) -> "VN1:..." or "HC1:...".

``format="VN1"`` (default) signs the native format; ``format="HC1"`` signs an EU
Digital COVID Certificate with a signer certificate (DSC) and its private key.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from cryptography import x509

from cccdqr.wire import cose
from cccdqr.formats import dcc
from cccdqr.formats import native
from cccdqr.core.identity import validate_cccd_number
from cccdqr.core.model import HealthCertificate
from cccdqr.trust.store import TrustedKey, make_trusted_certificate, make_trusted_key

__all__ = ["DEFAULT_CTI_BYTES", "FORMATS", "Issuer"]

FORMATS = ("VN1", "HC1")
_NO_TIME = dt.timedelta(0)

DEFAULT_CTI_BYTES = 12
"""Random bytes in a default ``cti``: 96 bits, so that even a billion certificates
have no practical chance of two sharing a revocation handle."""


class Issuer:
    """Signs health certificates.

    ``format="VN1"`` (default): the native format. ``private_key`` is a P-256
    (ES256) or Ed25519 (EdDSA) private key; the kid is the first 8 bytes of
    SHA-256 of its public key's SubjectPublicKeyInfo.

    ``format="HC1"``: an EU DCC, as Viet Nam issues it. ``certificate`` is the
    signer certificate (DSC) of ``private_key``, an RSA key of 2048 bits or
    more (PS256, as Viet Nam) or a P-256 key (ES256); the kid is the first 8
    bytes of SHA-256 over the DSC DER. ``authority`` is the DGC's ``is`` text
    (default: the DSC subject's organisation, else ``issuer``). An EU DCC holds
    one event and no CCCD number: issue one per dose.

    ``deterministic=True`` uses RFC 6979 nonces for ES256, so the same input
    gives the same bytes (for test vectors); EdDSA is always deterministic
    (PS256 never is: its salt is random).
    """

    def __init__(
        self,
        private_key: cose.PrivateKey,
        issuer: str = "VN",
        *,
        format: str = "VN1",  # noqa: A002  # the public name the design uses
        certificate: x509.Certificate | None = None,
        authority: str | None = None,
        deterministic: bool = False,
        allow_unlisted_province: bool = False,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        if not isinstance(issuer, str) or not issuer:
            raise TypeError("issuer must be non-empty text")
        self.alg = cose.algorithm_for_key(private_key)
        self.format = format
        self._key = private_key
        self.issuer = issuer
        self.public_key: cose.PublicKey = private_key.public_key()
        self.certificate = certificate
        self._deterministic = deterministic
        self._allow_unlisted_province = allow_unlisted_province
        if format == "VN1":
            if certificate is not None or authority is not None:
                raise ValueError("certificate and authority are for format='HC1'")
            if self.alg not in native.ALGORITHMS:
                raise cose.KeyAlgorithmMismatch(
                    f"VN1 is signed with ES256 or EdDSA, not {self.alg.value}")
            self.kid = cose.spki_kid(self.public_key)
            self.authority = None
            self._writer = cose.Sign1Writer(self.alg, private_key, self.kid,
                                            deterministic=deterministic)
            return
        if not isinstance(certificate, x509.Certificate):
            raise TypeError("format='HC1' needs the signer certificate (x509.Certificate)")
        if self.alg not in dcc.ALGORITHMS:
            raise cose.KeyAlgorithmMismatch(
                f"EU DCC is signed with ES256 or PS256, not {self.alg.value}")
        if certificate.public_key() != self.public_key:
            raise ValueError("the certificate is not the private key's certificate")
        self.kid = cose.certificate_kid(certificate)
        if authority is None:
            orgs = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
            authority = str(orgs[0].value) if orgs else issuer
        if not isinstance(authority, str) or not 0 < len(authority) <= 80:
            raise ValueError("authority must be text of 1 to 80 characters")
        self.authority = authority

    def __repr__(self) -> str:  # never shows the private key
        return (f"Issuer({self.format}, {self.alg.value}, issuer={self.issuer!r}, "
                f"kid={self.kid.hex()})")

    def _times(self, now: dt.datetime, valid_for: dt.timedelta) -> tuple[int, int]:
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise TypeError("now must be a timezone-aware datetime")
        if not isinstance(valid_for, dt.timedelta) or valid_for <= _NO_TIME:
            raise ValueError("valid_for must be a positive timedelta")
        iat = int(now.timestamp())
        # Whole seconds, as int(total_seconds()) gives for a positive timedelta, without the float.
        exp = iat + valid_for.days * 86400 + valid_for.seconds
        if not 0 <= iat <= exp <= native.MAX_TIME:  # what the formats can carry
            raise ValueError("iat and exp must fall within 1970..9999")
        return iat, exp

    def issue(
        self,
        certificate: HealthCertificate,
        *,
        now: dt.datetime,
        valid_for: dt.timedelta,
        cti: bytes | None = None,
        uvci: str | None = None,
    ) -> str:
        """The signed text, valid from ``now`` for ``valid_for``.

        VN1: refuses (``InvalidCccdNumber``) a subject whose CCCD number breaks
        a rule, since an issuer must not sign what every verifier would reject;
        ``cti`` is the revocation handle (random by default).
        HC1: ``uvci`` is the certificate identifier (default: a fresh
        ``URN:UVCI:01:<issuer>:...#<check>``); refuses (``ValueError``) a ``now``
        outside the signer certificate's window.
        """
        if not isinstance(certificate, HealthCertificate):
            raise TypeError("certificate must be a HealthCertificate")
        iat, exp = self._times(now, valid_for)
        if self.format == "HC1":
            return self._issue_dcc(certificate, now=now, iat=iat, exp=exp, cti=cti, uvci=uvci)
        if uvci is not None:
            raise ValueError("uvci is for format='HC1'")
        if cti is None:
            cti = os.urandom(DEFAULT_CTI_BYTES)
        if not isinstance(cti, bytes) or not 8 <= len(cti) <= 16:
            raise ValueError("cti must be 8 to 16 bytes")
        subject = certificate.subject
        if subject.id_number is None:
            raise ValueError("a VN1 certificate needs the subject's CCCD number")
        validate_cccd_number(subject.id_number, dob=subject.dob, sex=subject.sex,
                             allow_unlisted_province=self._allow_unlisted_province)
        return native.encode_with(self._writer, certificate, issuer=self.issuer,
                                  iat=iat, exp=exp, cti=cti)

    def _issue_dcc(self, certificate: HealthCertificate, *, now: dt.datetime, iat: int,
                   exp: int, cti: bytes | None, uvci: str | None) -> str:
        assert self.certificate is not None and self.authority is not None
        if cti is not None:
            raise ValueError("an EU DCC has no cti: its revocation handle is the UVCI")
        dsc = self.certificate
        if not dsc.not_valid_before_utc <= now <= dsc.not_valid_after_utc:
            raise ValueError("now is outside the signer certificate's validity")
        if uvci is None:
            uvci = dcc.new_uvci(self.issuer)
        if not isinstance(uvci, str) or not 0 < len(uvci) <= 80:
            raise ValueError("uvci must be text of 1 to 80 characters")
        return dcc.encode(certificate, key=self._key, kid=self.kid, issuer=self.issuer,
                          iat=iat, exp=exp, uvci=uvci, authority=self.authority,
                          deterministic=self._deterministic)

    def trusted_key(
        self,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        record_types: Iterable[str] | None = None,
        label: str | None = None,
    ) -> TrustedKey:
        """The trust-list entry a verifier needs for this issuer's key (for HC1,
        the signer certificate, with its window and extended key usage)."""
        if self.certificate is not None:
            return make_trusted_certificate(self.certificate, issuer=self.issuer,
                                            not_before=not_before, not_after=not_after,
                                            record_types=record_types, label=label)
        return make_trusted_key(self.public_key, issuer=self.issuer, not_before=not_before,
                                not_after=not_after, record_types=record_types or "vtr",
                                label=label)
