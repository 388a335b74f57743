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

That pass costs about half a microsecond per item in Python, a quarter of a
whole VN1 verify, so :func:`loads` first tries a fast path (:func:`_fast_loads`)
that does the same checks at C speed for the common case: cbor2 decodes the
bytes, cbor2 re-encodes the result, and when the two byte strings are equal and
a short walk of the decoded objects finds only plain values within the depth
limit, the bytes pass every check :func:`scan` makes (the argument is on
:func:`_fast_loads`). Anything else, valid or not, takes the exact path, so
the accepted values and the reason codes are the same either way.
"""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import cbor2

from cccdqr.core._reject import Reject
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason

__all__ = ["dumps", "dumps_in_order", "exact_loads", "loads", "scan"]

_INDEF = -1
_K_INT, _K_STR, _K_CHUNKED, _K_OTHER = 0, 1, 2, 3


_LOCAL = threading.local()


def _encode(obj: object, canonical: bool) -> bytes:
    """``cbor2.dumps(obj, canonical=canonical)`` with a reused encoder: making a
    ``CBOREncoder`` costs ~3 µs, more than encoding a whole payload. One pair
    of encoders per thread; one that raised is dropped, never reused."""
    slot = "canonical" if canonical else "plain"
    pair = getattr(_LOCAL, slot, None)
    if pair is None:
        fp = io.BytesIO()
        pair = (fp, cbor2.CBOREncoder(fp, canonical=canonical))
        setattr(_LOCAL, slot, pair)
    fp, encoder = pair
    fp.seek(0)
    fp.truncate()
    try:
        encoder.encode(obj)
    except BaseException:
        setattr(_LOCAL, slot, None)
        raise
    return fp.getvalue()


def dumps(obj: object) -> bytes:
    return _encode(obj, True)


def dumps_in_order(obj: object) -> bytes:
    """Encode keeping every map's key order, for callers that build their maps
    in deterministic order already: the same bytes as :func:`dumps` then, for
    maps of integer keys and values without floats, cheaper."""
    return _encode(obj, False)


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

    One piece on purpose: this is the per-byte loop every verify runs over its
    claims, and a call per item (to split it into helpers) would cost more than
    the checks themselves. The ``_K_*`` kinds and ``_Frame`` keep it readable.
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


_KEY_TYPES = frozenset({int, str, bytes})  # bool is not int here: True == 1 as a dict key
_SCALAR_TYPES = frozenset({int, str, bytes, bool, float, type(None)})
# An int outside -2**64..2**64-1 decodes from tag 2 or 3 and re-encodes as one:
# head 0xC2/0xC3, then a byte string head longer than 8 bytes (0x49..0x5B).
_BIGNUM = re.compile(rb"[\xc2\xc3][\x49-\x5b]")


def _plain(container: dict[Any, Any] | list[Any], room: int) -> bool:
    """Whether ``container`` and everything in it are plain values (dict, list,
    int, str, bytes, bool, float, None), map keys are integers or strings, and
    containers nest at most ``room`` levels deep. (Ints are bounded by the
    ``_BIGNUM`` check on the bytes, not here.)

    Hand-written on the hot path: one type test per value, a recursive call
    only for nested containers (measured faster than ``set(map(type, ...))``
    on payload-sized maps)."""
    if room <= 0:
        return False
    if type(container) is dict:
        for key, value in container.items():
            if type(key) not in _KEY_TYPES:
                return False
            vt = type(value)
            if vt is dict or vt is list:
                if not _plain(value, room - 1):
                    return False
            elif vt not in _SCALAR_TYPES:
                return False
        return True
    for value in container:
        vt = type(value)
        if vt is dict or vt is list:
            if not _plain(value, room - 1):
                return False
        elif vt not in _SCALAR_TYPES:
            return False
    return True


_MISS = object()


def _fast_loads(data: bytes, limits: Limits) -> Any:
    """The decoded item if the fast checks prove ``scan`` would accept ``data``
    (with any ``allow_indefinite`` and ``allowed_tags``); ``_MISS`` otherwise.

    Why equality proves it. cbor2 writes a dict, list, str, bytes, bool, None,
    float or an int in -2**64..2**64-1 with no tag, no indefinite length and no
    two-byte simple value, and writes exactly ``len(d)`` pairs for a dict. If
    ``dumps(loads(data)) == data``, :func:`_plain` holds and ``data`` has no
    byte pair a bignum head starts with (``_BIGNUM``; so every int is within
    64 bits), then ``data`` *is* such an encoding: one well-formed item with no trailing bytes, no tags, no
    indefinite lengths, map keys that are integers or strings (Python bool is
    not ``int`` by ``type``), containers at most ``max_cbor_depth`` deep; and no
    duplicate keys, since two keys ``scan`` calls equal decode to equal Python
    keys, which would leave the dict, and so the re-encoded map head, shorter.
    Every item takes at least one byte, so ``len(data) <= max_cbor_items``
    bounds the item count. cbor2's own ``max_depth`` only bounds its recursion
    here; whatever cbor2 raises sends the bytes to the exact path."""
    if len(data) > limits.max_cbor_items or _BIGNUM.search(data):
        return _MISS
    try:
        value = cbor2.loads(data, max_depth=limits.max_cbor_depth + 1)
        if _encode(value, False) != data:
            return _MISS
    except Exception:  # noqa: BLE001  # any failure: let the exact path say why
        return _MISS
    vt = type(value)
    if vt is dict or vt is list:
        return value if _plain(value, limits.max_cbor_depth) else _MISS
    return value if vt in _SCALAR_TYPES else _MISS


def loads(
    data: bytes,
    limits: Limits,
    *,
    malformed: Reason,
    allow_indefinite: bool = True,
    allowed_tags: frozenset[int] = frozenset(),
) -> Any:
    """Decode exactly one CBOR item that fills ``data``, within ``limits``."""
    value = _fast_loads(data, limits)
    if value is not _MISS:
        return value
    return exact_loads(data, limits, malformed=malformed, allow_indefinite=allow_indefinite,
                       allowed_tags=allowed_tags)


def exact_loads(
    data: bytes,
    limits: Limits,
    *,
    malformed: Reason,
    allow_indefinite: bool = True,
    allowed_tags: frozenset[int] = frozenset(),
) -> Any:
    """:func:`loads` without the fast path: :func:`scan`, then cbor2."""
    end = scan(data, limits, malformed=malformed, allow_indefinite=allow_indefinite,
               allowed_tags=allowed_tags)
    if end != len(data):
        raise Reject(Reason.TRAILING_DATA, f"{len(data) - end} bytes after the CBOR item")
    try:
        return cbor2.loads(data)
    except Exception as exc:  # noqa: BLE001  # cbor2 raises many types; all mean "malformed"
        raise Reject(malformed, f"CBOR: {exc}") from None
