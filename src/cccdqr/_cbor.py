"""Deterministic CBOR encoding and bounded, strict CBOR decoding.

Encoding uses cbor2's canonical mode. cbor2 sorts map keys length-first (the
RFC 7049 rule) rather than bytewise (RFC 8949 section 4.2.1); the two orders agree
whenever every key encodes to one byte or all keys have distinct lengths, which
holds for every map VN1 writes (keys -24..23, plus -65537 alone at five bytes).
The test suite checks the bytewise order independently.

Decoding first walks the item heads with :func:`scan`, a small hand-written
loop, because cbor2 has no limits: it enforces nesting depth, item count,
duplicate map keys, indefinite lengths and tags *before* cbor2 builds any
object, so hostile input costs at most one linear pass over bounded bytes.
"""

from __future__ import annotations

from typing import Any

import cbor2

from ._reject import Reject
from .limits import Limits
from .reasons import Reason

__all__ = ["dumps", "loads", "scan"]

_INDEF = -1


def dumps(obj: object) -> bytes:
    return cbor2.dumps(obj, canonical=True)


class _Frame:
    __slots__ = ("remaining", "is_map", "start", "key_next", "keys", "chunks_of", "chunks")

    def __init__(self, remaining: int, is_map: bool, start: int, chunks_of: int = -1) -> None:
        self.remaining = remaining
        self.is_map = is_map
        self.start = start
        self.key_next = True
        self.keys: set[object] = set()
        self.chunks_of = chunks_of  # major type of an indefinite string's chunks
        self.chunks: list[bytes] = []


def scan(
    data: bytes,
    limits: Limits,
    *,
    malformed: Reason,
    allow_indefinite: bool = True,
    allowed_tags: frozenset[int] = frozenset(),
) -> int:
    """Check the first CBOR item in ``data``; return the offset just past it.

    Raises ``Reject`` with ``CBOR_TOO_DEEP``, ``CBOR_TOO_MANY_ITEMS`` or
    ``DUPLICATE_KEY``, and with ``malformed`` for anything not well-formed,
    a forbidden indefinite length, or a tag not in ``allowed_tags``.
    """
    n = len(data)
    pos = 0
    items = 0
    max_depth, max_items = limits.max_cbor_depth, limits.max_cbor_items
    stack: list[_Frame] = []
    while True:
        start = pos
        if pos >= n:
            raise Reject(malformed, "CBOR ends in the middle of an item")
        ib = data[pos]
        pos += 1
        major, info = ib >> 5, ib & 31
        ident: object
        if ib == 0xFF:
            if not stack or stack[-1].remaining != _INDEF:
                raise Reject(malformed, "CBOR break outside an indefinite-length item")
            frame = stack.pop()
            if frame.is_map and not frame.key_next:
                raise Reject(malformed, "CBOR map has a key without a value")
            start = frame.start
            # A chunked string is the same key as its definite twin: compare content.
            ident = ((frame.chunks_of, b"".join(frame.chunks)) if frame.chunks_of >= 0
                     else bytes(data[start:pos]))
        else:
            items += 1
            if items > max_items:
                raise Reject(Reason.CBOR_TOO_MANY_ITEMS, f"more than {max_items} CBOR items")
            arg: int | None
            if info < 24:
                arg = info
            elif info <= 27:
                size = 1 << (info - 24)
                if pos + size > n:
                    raise Reject(malformed, "CBOR ends in the middle of a head")
                arg = int.from_bytes(data[pos:pos + size], "big")
                pos += size
            elif info == 31 and major in (2, 3, 4, 5):
                arg = None
            else:
                raise Reject(malformed, "reserved or invalid CBOR additional information")
            if stack and stack[-1].chunks_of >= 0 and (major != stack[-1].chunks_of or arg is None):
                raise Reject(malformed, "bad chunk inside an indefinite-length string")
            if arg is None and not allow_indefinite:
                raise Reject(malformed, "indefinite length not allowed here")
            if major in (2, 3):
                if arg is None:
                    if len(stack) >= max_depth:
                        raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                    stack.append(_Frame(_INDEF, False, start, chunks_of=major))
                    continue
                if pos + arg > n:
                    raise Reject(malformed, "CBOR string runs past the end")
                pos += arg
                ident = (major, bytes(data[pos - arg:pos]))
            elif major in (4, 5):
                if len(stack) >= max_depth:  # an empty container is a level too
                    raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                count = _INDEF if arg is None else arg * (2 if major == 5 else 1)
                if count:
                    if count > n - pos:  # every item takes at least one byte
                        raise Reject(malformed, "CBOR container longer than the data")
                    stack.append(_Frame(count, major == 5, start))
                    continue
                ident = bytes(data[start:pos])
            elif major == 6:
                assert arg is not None
                if arg not in allowed_tags:
                    raise Reject(malformed, f"CBOR tag {arg} not allowed here")
                if len(stack) >= max_depth:
                    raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                stack.append(_Frame(1, False, start))
                continue
            elif major == 7:
                if info == 24 and arg is not None and arg < 32:
                    raise Reject(malformed, "two-byte encoding of a one-byte simple value")
                ident = (7, info, arg)
            else:  # major 0 or 1: an integer, compared by value (any head length)
                ident = (major, arg)
        # The item from `start` to `pos` is complete: account for it in its parent,
        # and close every parent that it completes.
        while True:
            if not stack:
                return pos
            frame = stack[-1]
            if frame.chunks_of >= 0:
                assert isinstance(ident, tuple) and isinstance(ident[1], bytes)
                frame.chunks.append(ident[1])
                break
            if frame.is_map:
                if frame.key_next:
                    # Keys are integers or strings only: in Python 1, True and 1.0 are
                    # the same dict key, so other key types could hide a duplicate.
                    if type(ident) is not tuple or ident[0] not in (0, 1, 2, 3):
                        raise Reject(malformed, "CBOR map key is not an integer or a string")
                    if ident in frame.keys:
                        raise Reject(Reason.DUPLICATE_KEY, "a CBOR map repeats a key")
                    frame.keys.add(ident)
                frame.key_next = not frame.key_next
            if frame.remaining == _INDEF:
                break
            frame.remaining -= 1
            if frame.remaining:
                break
            stack.pop()
            start = frame.start
            ident = bytes(data[start:pos])


def loads(
    data: bytes,
    limits: Limits,
    *,
    malformed: Reason,
    allow_indefinite: bool = True,
    allowed_tags: frozenset[int] = frozenset(),
) -> Any:
    """Decode exactly one CBOR item that fills ``data``, within ``limits``."""
    end = scan(data, limits, malformed=malformed, allow_indefinite=allow_indefinite,
               allowed_tags=allowed_tags)
    if end != len(data):
        raise Reject(Reason.TRAILING_DATA, f"{len(data) - end} bytes after the CBOR item")
    try:
        return cbor2.loads(data)
    except Exception as exc:  # noqa: BLE001  # cbor2 raises many types; all mean "malformed"
        raise Reject(malformed, f"CBOR: {exc}") from None
