"""cccdqr: signed QR health certificates bound to Viet Nam's chip ID card (CCCD).

Issue with :class:`Issuer`, verify with :func:`verify` against a
:class:`TrustStore`. ``verify`` never raises on bad input: it returns a
:class:`VerificationResult` with a :class:`Status` and :class:`Reason` codes.
It reads VN1, EU DCC (``HC1:``), SMART Health Cards (``shc:/``) and ICAO
VDS-NC. Around it: entry rules (:class:`Policy`), revocation lists
(:class:`RevocationList`), and the CCCD card's own QR (:func:`parse_card_qr`)
bound to a certificate (:func:`bind`).
"""

from __future__ import annotations

from cccdqr.checkpoint.binding import BindingResult, bind, fold_name
from cccdqr.checkpoint.card import CardIdentity, format_card_qr, parse_card_qr
from cccdqr.wire.cose import Algorithm
from cccdqr.checkpoint.decision import Decision, decide
from cccdqr.core.errors import (
    CccdqrError,
    InvalidCardQR,
    InvalidCccdNumber,
    InvalidCertificate,
    KeyAlgorithmMismatch,
    PolicyError,
    RevocationListError,
    TrustListError,
)
from cccdqr.core.identity import CccdInfo, check_cccd_number, describe_cccd_number, validate_cccd_number
from cccdqr.engine.issue import Issuer
from cccdqr.core.limits import Limits
from cccdqr.core.model import (
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
from cccdqr.trust.jwks import trusted_keys_from_jwks
from cccdqr.policy.toml_policy import Policy, PolicyOutcome, RuleResult
from cccdqr.core.reasons import Reason, Status
from cccdqr.engine.result import Inspection, VerificationResult
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.store import TrustedKey, TrustStore, make_trusted_certificate, make_trusted_key
from cccdqr.engine.verify import inspect, verify, verify_many

__version__ = "0.1.0"

__all__ = [
    "DISEASE_COVID19",
    "RESULT_DETECTED",
    "RESULT_NOT_DETECTED",
    "TEST_NAA",
    "TEST_RAT",
    "Algorithm",
    "BindingResult",
    "CardIdentity",
    "CccdInfo",
    "CccdqrError",
    "Decision",
    "HealthCertificate",
    "Inspection",
    "InvalidCardQR",
    "InvalidCccdNumber",
    "InvalidCertificate",
    "Issuer",
    "KeyAlgorithmMismatch",
    "Limits",
    "Policy",
    "PolicyError",
    "PolicyOutcome",
    "Reason",
    "Recovery",
    "RevocationList",
    "RevocationListError",
    "RuleResult",
    "Sex",
    "Status",
    "Subject",
    "Test",
    "TrustListError",
    "TrustStore",
    "TrustedKey",
    "Vaccination",
    "VerificationResult",
    "bind",
    "certificate_from_dict",
    "certificate_to_dict",
    "check_cccd_number",
    "decide",
    "describe_cccd_number",
    "fold_name",
    "format_card_qr",
    "inspect",
    "make_trusted_certificate",
    "make_trusted_key",
    "parse_card_qr",
    "trusted_keys_from_jwks",
    "validate_cccd_number",
    "verify",
    "verify_many",
]
