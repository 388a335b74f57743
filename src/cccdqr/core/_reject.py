"""The one internal exception of the verification pipeline.

Each stage raises ``Reject(reason, detail)`` for bad input; ``verify`` turns it
into a result. It never escapes the public API.
"""

from __future__ import annotations

from cccdqr.core.reasons import Reason


class Reject(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail
