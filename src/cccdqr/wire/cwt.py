"""The CWT claims every COSE-based format reads the same way (RFC 8392).

VN1 and EU DCC differ in how a time may be written (VN1: integers only; EU DCC
also floats, as its test data has), so each passes its own time reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cccdqr.core._reject import Reject
from cccdqr.core.reasons import Reason

__all__ = ["CLAIM_EXP", "CLAIM_IAT", "CLAIM_ISS", "TimeReader", "issuer_and_times"]

CLAIM_ISS, CLAIM_EXP, CLAIM_IAT = 1, 4, 6

TimeReader = Callable[[dict[Any, Any], int, str], dt.datetime]
"""``(claims, key, name) -> datetime``, or a ``BAD_CLAIMS`` Reject."""


def issuer_and_times(claims: object, time: TimeReader
                     ) -> tuple[dict[Any, Any], str, dt.datetime, dt.datetime]:
    """``(claims, iss, iat, exp)``: the claims must be a map with a non-empty text
    issuer and ``iat <= exp``; anything else is ``BAD_CLAIMS``."""
    if not isinstance(claims, dict):
        raise Reject(Reason.BAD_CLAIMS, "CWT claims are not a map")
    issuer = claims.get(CLAIM_ISS)
    if not isinstance(issuer, str) or not issuer:
        raise Reject(Reason.BAD_CLAIMS, "issuer (iss) is missing or not text")
    issued_at, expires_at = time(claims, CLAIM_IAT, "iat"), time(claims, CLAIM_EXP, "exp")
    if expires_at < issued_at:
        raise Reject(Reason.BAD_CLAIMS, "exp is before iat")
    return claims, issuer, issued_at, expires_at
