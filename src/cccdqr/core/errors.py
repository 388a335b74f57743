"""Exceptions for programmer errors.

Bad *input* to the verifier never raises: it becomes a result with a reason code
(see :mod:`cccdqr.core.reasons`). These exceptions are for bad *calls*: wrong argument
types, a key that does not fit its algorithm, an unreadable trust file, a
certificate that cannot be issued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cccdqr.core.reasons import Reason

__all__ = [
    "CccdqrError",
    "InvalidCardQR",
    "InvalidCccdNumber",
    "InvalidCertificate",
    "KeyAlgorithmMismatch",
    "PolicyError",
    "RevocationListError",
    "TrustListError",
]


class CccdqrError(Exception):
    """Root of every exception cccdqr raises on purpose."""


class InvalidCertificate(CccdqrError, ValueError):
    """A value object was built with fields out of range."""


class InvalidCccdNumber(InvalidCertificate):
    """A CCCD number failed validation; ``reason`` names the rule."""

    def __init__(self, message: str, reason: object) -> None:
        super().__init__(message)
        self.reason = reason


class KeyAlgorithmMismatch(CccdqrError, ValueError):
    """An algorithm was paired with a key of the wrong type (no alg confusion)."""


class TrustListError(CccdqrError, ValueError):
    """A trust list could not be parsed or does not hold together."""


class PolicyError(CccdqrError, ValueError):
    """A policy file is not valid TOML, has an unknown key, or a value of the wrong
    type or out of range; the message names the key."""


class RevocationListError(CccdqrError, ValueError):
    """A revocation list file or import is malformed, or a write was refused."""


class InvalidCardQR(CccdqrError, ValueError):
    """The text scanned from a CCCD card's own QR is not a card QR.

    ``reason`` is the :class:`~cccdqr.core.reasons.Reason` (``CARD_FIELD_COUNT``,
    ``CARD_BAD_DATE`` or ``CARD_BAD_ID``); ``detail`` says which field and why,
    and may quote the card (do not log it); ``causes`` holds the CCCD-number
    rules broken (``CCCD_*`` reasons) when the reason is ``CARD_BAD_ID``.
    """

    def __init__(self, reason: Reason, detail: str, causes: tuple[Reason, ...] = ()) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.causes = causes
