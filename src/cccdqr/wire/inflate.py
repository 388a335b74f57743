"""Bounded decompression, shared by every format that compresses (VN1, EU DCC, SHC).

``max_length`` stops a bomb after ``limits.max_decompressed + 1`` bytes: the
stream is never inflated whole, whatever it would expand to.
"""

from __future__ import annotations

import zlib

from cccdqr.core._reject import Reject
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason

__all__ = ["ZLIB", "RAW_DEFLATE", "inflate"]

ZLIB = zlib.MAX_WBITS
"""A zlib stream (RFC 1950): VN1 and EU DCC."""
RAW_DEFLATE = -zlib.MAX_WBITS
"""Raw DEFLATE (RFC 1951, no header): SMART Health Cards."""


def inflate(data: bytes, limits: Limits, *, wbits: int = ZLIB) -> bytes:
    """The whole decompressed stream, or a :class:`Reject`: ``BAD_COMPRESSION``
    (not a stream of that kind, or truncated), ``DECOMPRESSED_TOO_LARGE`` (over
    the cap), ``TRAILING_DATA`` (bytes after the stream)."""
    what = "zlib" if wbits == ZLIB else "DEFLATE"
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(data, limits.max_decompressed + 1)
    except zlib.error as exc:
        raise Reject(Reason.BAD_COMPRESSION, f"not a {what} stream: {exc}") from None
    if len(out) > limits.max_decompressed:
        raise Reject(Reason.DECOMPRESSED_TOO_LARGE,
                     f"inflates to more than {limits.max_decompressed} bytes")
    if not d.eof:
        raise Reject(Reason.BAD_COMPRESSION, f"{what} stream is truncated")
    if d.unused_data:
        raise Reject(Reason.TRAILING_DATA, f"bytes after the {what} stream")
    return out
