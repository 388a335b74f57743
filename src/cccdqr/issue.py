"""Issuer(private_key, issuer="VN").issue(certificate, *, now, valid_for) -> "VN1:..."."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from . import cose
from .formats import native
from .identity import validate_cccd_number
from .model import HealthCertificate
from .trust import TrustedKey, make_trusted_key

__all__ = ["DEFAULT_CTI_BYTES", "Issuer"]

DEFAULT_CTI_BYTES = 12
"""Random bytes in a default ``cti``: 96 bits, so that even a billion certificates
have no practical chance of two sharing a revocation handle."""


class Issuer:
    """Signs health certificates in the native ``VN1:`` format.

    ``private_key`` is a P-256 (ES256) or Ed25519 (EdDSA) private key; the kid is
    the first 8 bytes of SHA-256 of its public key's SubjectPublicKeyInfo.
    ``deterministic=True`` uses RFC 6979 nonces for ES256, so the same input
    gives the same bytes (for test vectors); EdDSA is always deterministic.
    """

    def __init__(
        self,
        private_key: cose.PrivateKey,
        issuer: str = "VN",
        *,
        deterministic: bool = False,
        allow_unlisted_province: bool = False,
    ) -> None:
        self.alg = cose.algorithm_for_key(private_key)
        if self.alg not in native.ALGORITHMS:
            raise cose.KeyAlgorithmMismatch(
                f"VN1 is signed with ES256 or EdDSA, not {self.alg.value}")
        if not isinstance(issuer, str) or not issuer:
            raise TypeError("issuer must be non-empty text")
        self._key = private_key
        self.issuer = issuer
        self.public_key: cose.PublicKey = private_key.public_key()
        self.kid = cose.spki_kid(self.public_key)
        self._deterministic = deterministic
        self._allow_unlisted_province = allow_unlisted_province

    def __repr__(self) -> str:  # never shows the private key
        return f"Issuer({self.alg.value}, issuer={self.issuer!r}, kid={self.kid.hex()})"

    def issue(
        self,
        certificate: HealthCertificate,
        *,
        now: dt.datetime,
        valid_for: dt.timedelta,
        cti: bytes | None = None,
    ) -> str:
        """The signed ``VN1:`` text, valid from ``now`` for ``valid_for``.

        Refuses (``InvalidCccdNumber``) a subject whose CCCD number breaks a rule:
        an issuer must not sign what every verifier would reject.
        """
        if not isinstance(certificate, HealthCertificate):
            raise TypeError("certificate must be a HealthCertificate")
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise TypeError("now must be a timezone-aware datetime")
        if not isinstance(valid_for, dt.timedelta) or valid_for <= dt.timedelta(0):
            raise ValueError("valid_for must be a positive timedelta")
        if cti is None:
            cti = os.urandom(DEFAULT_CTI_BYTES)
        if not isinstance(cti, bytes) or not 8 <= len(cti) <= 16:
            raise ValueError("cti must be 8 to 16 bytes")
        subject = certificate.subject
        if subject.id_number is None:
            raise ValueError("a VN1 certificate needs the subject's CCCD number")
        validate_cccd_number(subject.id_number, dob=subject.dob, sex=subject.sex,
                             allow_unlisted_province=self._allow_unlisted_province)
        iat = int(now.timestamp())
        exp = iat + int(valid_for.total_seconds())
        if not 0 <= iat <= exp <= native.MAX_TIME:  # what the format can carry
            raise ValueError("iat and exp must fall within 1970..9999")
        return native.encode(certificate, key=self._key, kid=self.kid, issuer=self.issuer,
                             iat=iat, exp=exp, cti=cti,
                             deterministic=self._deterministic)

    def trusted_key(
        self,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        record_types: Iterable[str] = "vtr",
        label: str | None = None,
    ) -> TrustedKey:
        """The trust-list entry a verifier needs for this issuer's key."""
        return make_trusted_key(self.public_key, issuer=self.issuer, not_before=not_before,
                                not_after=not_after, record_types=record_types, label=label)
