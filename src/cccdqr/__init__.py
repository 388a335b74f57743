"""cccdqr: signed QR health certificates bound to Viet Nam's chip ID card (CCCD).

Issue with :class:`Issuer`, verify with :func:`verify` against a
:class:`TrustStore`. ``verify`` never raises on bad input: it returns a
:class:`VerificationResult` with a :class:`Status` and :class:`Reason` codes.
"""

from __future__ import annotations

from .cose import Algorithm
from .errors import (
    CccdqrError,
    InvalidCccdNumber,
    InvalidCertificate,
    KeyAlgorithmMismatch,
    TrustListError,
)
from .identity import CccdInfo, check_cccd_number, describe_cccd_number, validate_cccd_number
from .issue import Issuer
from .limits import Limits
from .model import (
    DISEASE_COVID19,
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Recovery,
    Sex,
    Subject,
    Test,
    Vaccination,
    certificate_from_dict,
    certificate_to_dict,
)
from .reasons import Reason, Status
from .result import Inspection, VerificationResult
from .trust import TrustedKey, TrustStore, make_trusted_certificate, make_trusted_key
from .verify import inspect, verify, verify_many

__version__ = "0.1.0"

__all__ = [
    "DISEASE_COVID19",
    "RESULT_DETECTED",
    "RESULT_NOT_DETECTED",
    "TEST_NAA",
    "TEST_RAT",
    "Algorithm",
    "CccdInfo",
    "CccdqrError",
    "HealthCertificate",
    "Inspection",
    "InvalidCccdNumber",
    "InvalidCertificate",
    "Issuer",
    "KeyAlgorithmMismatch",
    "Limits",
    "Reason",
    "Recovery",
    "Sex",
    "Status",
    "Subject",
    "Test",
    "TrustListError",
    "TrustStore",
    "TrustedKey",
    "Vaccination",
    "VerificationResult",
    "certificate_from_dict",
    "certificate_to_dict",
    "check_cccd_number",
    "describe_cccd_number",
    "inspect",
    "make_trusted_certificate",
    "make_trusted_key",
    "validate_cccd_number",
    "verify",
    "verify_many",
]
