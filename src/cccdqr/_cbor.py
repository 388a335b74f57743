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
_K_INT, _K_STR, _K_CHUNKED, _K_OTHER = 0, 1, 2, 3


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
    top: _Frame | None = None  # stack[-1], kept in a local on this hot loop
    while True:
        if pos >= n:
            raise Reject(malformed, "CBOR ends in the middle of an item")
        ib = data[pos]
        pos += 1
        major, info = ib >> 5, ib & 31
        # What the finished item is, for its parent: only map keys and string
        # chunks need its identity, so it is built lazily below.
        kind: int  # _K_INT, _K_STR (bytes data[pos-arg:pos]), _K_CHUNKED, _K_OTHER
        chunked = b""
        if ib == 0xFF:
            if top is None or top.remaining != _INDEF:
                raise Reject(malformed, "CBOR break outside an indefinite-length item")
            frame = stack.pop()
            top = stack[-1] if stack else None
            if frame.is_map and not frame.key_next:
                raise Reject(malformed, "CBOR map has a key without a value")
            if frame.chunks_of >= 0:
                # A chunked string is the same key as its definite twin: compare content.
                kind, major, chunked = _K_CHUNKED, frame.chunks_of, b"".join(frame.chunks)
            else:
                kind = _K_OTHER
            arg = 0
        else:
            items += 1
            if items > max_items:
                raise Reject(Reason.CBOR_TOO_MANY_ITEMS, f"more than {max_items} CBOR items")
            if info < 24:
                arg = info
            elif info <= 27:
                size = 1 << (info - 24)
                if pos + size > n:
                    raise Reject(malformed, "CBOR ends in the middle of a head")
                arg = int.from_bytes(data[pos:pos + size], "big")
                pos += size
            elif info == 31 and 2 <= major <= 5:
                arg = -1
            else:
                raise Reject(malformed, "reserved or invalid CBOR additional information")
            if top is not None and top.chunks_of >= 0 and (major != top.chunks_of or arg < 0):
                raise Reject(malformed, "bad chunk inside an indefinite-length string")
            if arg < 0 and not allow_indefinite:
                raise Reject(malformed, "indefinite length not allowed here")
            if major <= 1:  # an integer, compared by value (any head length)
                kind = _K_INT
            elif major <= 3:
                if arg < 0:
                    if len(stack) >= max_depth:
                        raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                    top = _Frame(_INDEF, False, pos - 1, chunks_of=major)
                    stack.append(top)
                    continue
                if pos + arg > n:
                    raise Reject(malformed, "CBOR string runs past the end")
                pos += arg
                kind = _K_STR
            elif major <= 5:
                if len(stack) >= max_depth:  # an empty container is a level too
                    raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                count = _INDEF if arg < 0 else arg * (2 if major == 5 else 1)
                if count:
                    if count > n - pos:  # every item takes at least one byte
                        raise Reject(malformed, "CBOR container longer than the data")
                    top = _Frame(count, major == 5, pos)
                    stack.append(top)
                    continue
                kind = _K_OTHER
            elif major == 6:
                if arg not in allowed_tags:
                    raise Reject(malformed, f"CBOR tag {arg} not allowed here")
                if len(stack) >= max_depth:
                    raise Reject(Reason.CBOR_TOO_DEEP, f"nesting deeper than {max_depth}")
                top = _Frame(1, False, pos)
                stack.append(top)
                continue
            else:  # major 7
                if info == 24 and arg < 32:
                    raise Reject(malformed, "two-byte encoding of a one-byte simple value")
                kind = _K_OTHER
        # The item ending at `pos` is complete: account for it in its parent,
        # and close every parent that it completes.
        while True:
            if top is None:
                return pos
            if top.chunks_of >= 0:
                top.chunks.append(bytes(data[pos - arg:pos]))
                break
            if top.is_map:
                if top.key_next:
                    # Keys are integers or strings only: in Python 1, True and 1.0 are
                    # the same dict key, so other key types could hide a duplicate.
                    if kind == _K_INT:
                        ident: object = (major, arg)
                    elif kind == _K_STR:
                        ident = (major, bytes(data[pos - arg:pos]))
                    elif kind == _K_CHUNKED:
                        ident = (major, chunked)
                    else:
                        raise Reject(malformed, "CBOR map key is not an integer or a string")
                    if ident in top.keys:
                        raise Reject(Reason.DUPLICATE_KEY, "a CBOR map repeats a key")
                    top.keys.add(ident)
                top.key_next = not top.key_next
            if top.remaining == _INDEF:
                break
            top.remaining -= 1
            if top.remaining:
                break
            stack.pop()
            top = stack[-1] if stack else None
            kind = _K_OTHER


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
