"""Strategies that break a signed code (:func:`corruptions`), re-encode it
without changing what it means, or change only what the signature covers
(:func:`symbol_swaps`, :func:`byte_flips`).

May import :mod:`cccdqr.testing.codes` and below.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import cbor2
from hypothesis import strategies as st

from cccdqr.formats import dcc, detect, native
from cccdqr.formats import shc as _shc
from cccdqr.testing import _formats as _tf
from cccdqr.testing._shared import (
    VN1_PREFIX,
    BASE45_ALPHABET,
)
from cccdqr.wire.base45 import b45decode

__all__ = [
    "CORRUPTION_KINDS",
    "Corruption",
    "byte_flips",
    "corruptions",
    "symbol_swaps",
]


# --- corruptions --------------------------------------------------------------------

class Corruption(NamedTuple):
    """A changed code. ``must_fail`` is ``True`` exactly when what the signature
    covers, the signature, or the key it names changed, or the text no longer
    decodes under the format's rules: no verifier may accept it. ``False``
    means only unsigned framing changed (compression, CBOR lengths, JSON
    spacing, surrounding whitespace...): a verifier may accept it, and cccdqr
    does, except an uncompressed ``HC1:`` (the EU specification requires zlib)."""

    text: str
    kind: str
    """One of :data:`CORRUPTION_KINDS` for the code's format."""
    must_fail: bool


_COMMON_KINDS = ("bit_flip", "truncation", "splice", "whitespace")
CORRUPTION_KINDS: dict[str, tuple[str, ...]] = {
    "VN1": (*_COMMON_KINDS, "zlib_level", "compression_toggled", "tag_toggled",
            "long_lengths", "payload_reordered", "protected_reordered"),
    "HC1": (*_COMMON_KINDS, "zlib_level", "compression_toggled", "tag_toggled", "cwt_tag",
            "long_lengths", "payload_reordered", "protected_reordered"),
    "SHC": (*_COMMON_KINDS, "chunked_1_of_1", "deflate_level", "payload_respaced",
            "header_respaced"),
    "VDS-NC": (*_COMMON_KINDS, "json_respaced", "ascii_escaped", "base64_padded"),
}
"""The kinds of :class:`Corruption` per format:

- ``bit_flip``: one bit of the signed structure (VN1/HC1: the COSE bytes, then
  wrapped as before; SHC: a decoded JWS part; VDS-NC: an ASCII character);
- ``truncation``: the text cut short; ``splice``: the head of the code and the
  tail of ``other`` (or of itself, shifted);
- ``whitespace``: CR/LF, spaces or tabs around the text (never a failure);
- VN1/HC1: ``zlib_level`` (recompressed at level 0-8), ``compression_toggled``
  (stored as raw COSE, or compressed), ``tag_toggled`` (COSE tag 18 dropped or
  added), ``cwt_tag`` (tag 61 around it), ``long_lengths`` (a byte string's
  length head in its 4-byte form): all unsigned framing; ``payload_reordered``
  and ``protected_reordered`` (the claims or the protected header re-encoded
  with its keys in another order, not canonical CBOR): signed bytes changed;
- SHC: ``chunked_1_of_1`` (``shc:/1/1/``, deprecated but the same JWS);
  ``deflate_level``, ``payload_respaced`` (the claims JSON with other spacing
  and key order) and ``header_respaced``: the signed base64url text changed;
- VDS-NC: ``json_respaced`` (other spacing and member order),
  ``ascii_escaped`` (``\\u`` escapes) and ``base64_padded`` (``=`` padding on
  ``cer``/``sigvl``): the canonical ``data`` and the signature are unchanged.
"""


def corruptions(
    text: str,
    *,
    other: str | None = None,
    kinds: Iterable[str] | None = None,
) -> st.SearchStrategy[Corruption]:
    """Changed copies of a code of any format, as :class:`Corruption`
    ``(text, kind, must_fail)``: bit flips, truncations, splices, and
    re-encodings that do or do not touch the signed bytes (see
    :data:`CORRUPTION_KINDS`). ``other`` is a second code of the same format
    to splice with (default: the code itself); ``kinds`` limits the kinds
    drawn. A re-encoding that would not change this particular text (say,
    key reordering of a one-key map) is left out.

    Property tests assert ``not verify(c.text, ...).valid`` when
    ``c.must_fail``; nothing is promised otherwise."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    text = text.strip(_ASCII_SPACE)
    fmt = detect(text)
    if fmt is None:
        raise ValueError("not a code of a known format")
    name = str(fmt.NAME)
    view = _signed_view(name, text)
    if view is None:
        raise ValueError(f"not a well-formed {name} code")
    if other is not None:
        if not isinstance(other, str):
            raise TypeError("other must be a str")
        other = other.strip(_ASCII_SPACE)
        if detect(other) is not fmt:
            raise ValueError(f"other must be a {name} code too")
    allowed = CORRUPTION_KINDS[name]
    chosen = tuple(allowed) if kinds is None else tuple(kinds)
    unknown = [k for k in chosen if k not in allowed]
    if unknown or not chosen:
        raise ValueError(f"kinds for {name} are {', '.join(allowed)}")
    usable = [k for k in chosen if k not in _REWRITES or _changes(_REWRITES[k], name, text)]
    if not usable:
        raise ValueError(f"none of {', '.join(chosen)} changes this text")
    return _corruption(name, text, other if other is not None else text, tuple(usable))


_ASCII_SPACE = " \t\r\n\x0b\x0c"


def _changes(rewrite: Callable[..., str], name: str, text: str) -> bool:
    try:
        return rewrite(name, text) != text
    except Exception:  # noqa: BLE001  # a rewrite this text does not allow
        return False


@st.composite
def _corruption(draw: st.DrawFn, name: str, text: str, other: str,
                kinds: tuple[str, ...]) -> Corruption:
    kind = draw(st.sampled_from(kinds))
    if kind == "bit_flip":
        bad = _bit_flip(draw, name, text)
    elif kind == "truncation":
        bad = text[:draw(st.integers(0, len(text) - 1))]
    elif kind == "splice":
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(0, len(other)))
        if other == text and i == j:
            j = (i + draw(st.integers(1, len(text)))) % (len(text) + 1)
        bad = text[:i] + other[j:]
    elif kind == "whitespace":
        pads = st.sampled_from(("", " ", "\r\n", "\n", "\t", "  "))
        before, after = draw(pads), draw(pads)
        bad = before + text + (after or "\r\n")
    elif kind in ("zlib_level", "deflate_level"):
        bad = _REWRITES[kind](name, text, draw(st.integers(0, 8)))
    elif kind in ("long_lengths",):
        heads = draw(st.frozensets(st.sampled_from((0, 2, 3)), min_size=1))
        bad = _REWRITES[kind](name, text, heads)
    elif kind in ("payload_respaced", "header_respaced", "json_respaced"):
        bad = _REWRITES[kind](name, text, draw(st.sampled_from(_JSON_STYLES)))
    else:
        bad = _REWRITES[kind](name, text)
    new_view = _signed_view(name, bad.strip(_ASCII_SPACE))
    sources = [_signed_view(name, text)]
    if kind == "splice" and other != text:
        # two encodings of one signed statement can share their tails: a splice
        # can be a re-framed copy of either code
        sources.append(_signed_view(name, other))
    return Corruption(text=bad, kind=kind, must_fail=new_view is None or new_view not in sources)


def _bit_flip(draw: st.DrawFn, name: str, text: str) -> str:
    if name in ("VN1", "HC1"):
        prefix, raw, compressed = _tf.cose_parts(text)
        i, bit = draw(st.integers(0, len(raw) - 1)), draw(st.integers(0, 7))
        flipped = raw[:i] + bytes((raw[i] ^ (1 << bit),)) + raw[i + 1:]
        return _tf.cose_text(prefix, flipped, compress=compressed)
    if name == "SHC":
        parts = _tf.shc_parts(text)
        n = draw(st.integers(0, 2))
        raw = _tf.b64url_decode(parts[n])
        i, bit = draw(st.integers(0, len(raw) - 1)), draw(st.integers(0, 7))
        parts[n] = _tf.b64url(raw[:i] + bytes((raw[i] ^ (1 << bit),)) + raw[i + 1:])
        return _shc.to_qr_text(".".join(parts))
    ascii_at = [i for i, c in enumerate(text) if c < "\x80"]
    i, bit = draw(st.sampled_from(ascii_at)), draw(st.integers(0, 6))
    return text[:i] + chr(ord(text[i]) ^ (1 << bit)) + text[i + 1:]


# --- re-encodings -----------------------------------------------------------------------

def _recompress(name: str, text: str, level: int = 1) -> str:
    if name == "SHC":
        parts = _tf.shc_parts(text)
        parts[1] = _tf.b64url(_tf.deflate(_tf.inflate(_tf.b64url_decode(parts[1])), level))
        return _shc.to_qr_text(".".join(parts))
    prefix, raw, _ = _tf.cose_parts(text)
    return _tf.cose_text(prefix, raw, compress=True, level=level)


def _toggle_compression(name: str, text: str) -> str:
    prefix, raw, compressed = _tf.cose_parts(text)
    return _tf.cose_text(prefix, raw, compress=not compressed)


def _cose_rewrite(text: str, change: Callable[[bytes, list[Any]], bytes]) -> str:
    prefix, raw, compressed = _tf.cose_parts(text)
    tags, items = _tf.cose_items(raw)
    return _tf.cose_text(prefix, change(tags, items), compress=compressed)


def _toggle_tag(name: str, text: str) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(b"" if tags else b"\xd2", items))


def _cwt_tag(name: str, text: str) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(b"\xd8\x3d\xd2", items))


def _long_lengths(name: str, text: str, heads: frozenset[int] = frozenset({2})) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(tags, items, long_heads=heads))


def _reordered(index: int) -> Callable[[str, str], str]:
    def rewrite(name: str, text: str) -> str:
        def change(tags: bytes, items: list[Any]) -> bytes:
            try:
                items[index] = _tf.reordered_map(items[index])
            except (ValueError, TypeError, AttributeError, cbor2.CBORError):
                pass  # not a map: nothing to reorder
            return _tf.sign1(tags, items)
        return _cose_rewrite(text, change)
    return rewrite


def _chunked(name: str, text: str) -> str:
    return f"{_shc.PREFIX}1/1/{text[len(_shc.PREFIX):]}"


_JSON_STYLES = ("spaced", "indented", "reversed", "reversed_indented")


def _reverse(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse(v) for v in value]
    return value


def _dumps(value: Any, style: str, *, ascii_only: bool = False) -> str:
    if style.startswith("reversed"):
        value = _reverse(value)
    if style.endswith("indented"):
        return json.dumps(value, indent=2, ensure_ascii=ascii_only)
    return json.dumps(value, ensure_ascii=ascii_only,
                      separators=(",", ":") if style == "reversed" else (", ", ": "))


def _respace_shc_part(index: int) -> Callable[..., str]:
    def rewrite(name: str, text: str, style: str = "spaced") -> str:
        parts = _tf.shc_parts(text)
        raw = _tf.b64url_decode(parts[index])
        plain = _tf.inflate(raw) if index == 1 else raw
        new = _dumps(json.loads(plain), style).encode()
        parts[index] = _tf.b64url(_tf.deflate(new) if index == 1 else new)
        return _shc.to_qr_text(".".join(parts))
    return rewrite


def _respace_json(name: str, text: str, style: str = "spaced") -> str:
    return _dumps(json.loads(text), style)


def _ascii_escaped(name: str, text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=True, separators=(",", ":"))


def _base64_padded(name: str, text: str) -> str:
    doc = json.loads(text)
    sig = doc.get("sig")
    if isinstance(sig, dict):
        for member in ("cer", "sigvl"):
            value = sig.get(member)
            if isinstance(value, str):
                sig[member] = value + "=" * (-len(value) % 4)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


_REWRITES: dict[str, Callable[..., str]] = {
    "zlib_level": _recompress,
    "deflate_level": _recompress,
    "compression_toggled": _toggle_compression,
    "tag_toggled": _toggle_tag,
    "cwt_tag": _cwt_tag,
    "long_lengths": _long_lengths,
    "payload_reordered": _reordered(2),
    "protected_reordered": _reordered(0),
    "chunked_1_of_1": _chunked,
    "payload_respaced": _respace_shc_part(1),
    "header_respaced": _respace_shc_part(0),
    "json_respaced": _respace_json,
    "ascii_escaped": _ascii_escaped,
    "base64_padded": _base64_padded,
}


# --- what the signature covers -----------------------------------------------------------

def _signed_view(name: str, text: str) -> Any:
    """What the signature of ``text`` covers, the signature itself and the key
    it names, as the format's rules decode them; ``None`` when the text does
    not decode that far. Two texts with equal views are the same signed
    statement in different framing."""
    try:
        if name in ("VN1", "HC1"):
            return _cose_view(name, text)
        if name == "SHC":
            return _shc_view(text)
        return _vdsnc_view(text)
    except Exception:  # noqa: BLE001  # anything that does not decode is not signed
        return None


def _cose_view(name: str, text: str) -> Any:
    if detect(text) is not (native if name == "VN1" else dcc):
        return None
    data = b45decode(text[4:])
    if data[:1] == b"\x78":
        inflater = zlib.decompressobj()
        data = inflater.decompress(data)
        if not inflater.eof or inflater.unused_data:
            return None
    for tag in (b"\xd8\x3d", b"\xd2"):
        if data.startswith(tag):
            data = data[len(tag):]
    if data[:1] != b"\x84":
        return None
    stream = io.BytesIO(data)
    items = cbor2.CBORDecoder(stream).decode()
    if stream.tell() != len(data) or not isinstance(items, list) or len(items) != 4:
        return None
    protected, unprotected, payload, signature = items
    if not (isinstance(protected, bytes) and isinstance(unprotected, dict)
            and isinstance(payload, bytes) and isinstance(signature, bytes)):
        return None
    return name, protected, payload, signature


def _shc_view(text: str) -> Any:
    body = text[len(_shc.PREFIX):] if text.startswith(_shc.PREFIX) else None
    if body is None:
        return None
    if body.startswith("1/1/"):
        body = body[4:]
    if not body.isdigit():
        return None
    header, payload, signature = _shc.numeric_decode(body).split(".")
    return "SHC", header, payload, _tf.b64url_decode(signature)


def _vdsnc_view(text: str) -> Any:
    doc = json.loads(text)
    if not isinstance(doc, dict) or set(doc) != {"data", "sig"} or not isinstance(
            doc["sig"], dict) or set(doc["sig"]) != {"alg", "cer", "sigvl"}:
        return None
    sig = doc["sig"]
    if not all(isinstance(sig[k], str) for k in sig):
        return None
    return ("VDS-NC", doc["data"], sig["alg"], _tf.b64url_decode(sig["cer"].rstrip("=")),
            _tf.b64url_decode(sig["sigvl"].rstrip("=")))


def symbol_swaps(text: str, *, start: int | None = None) -> st.SearchStrategy[str]:
    """``text`` with exactly one character replaced by a *different* Base45
    symbol, at a position from ``start`` on (default: just after the ``VN1:``
    prefix when there is one, else anywhere). For VN1 codes this is always a
    failure (each Base45 triple is 2 bytes of the signed structure or of a
    zlib stream whose header and checksum catch it)."""
    if start is None:
        start = len(VN1_PREFIX) if text.startswith(VN1_PREFIX) else 0
    if not 0 <= start < len(text):
        raise ValueError("nothing to corrupt: start is past the end of the text")

    return _symbol_swap(text, start)


@st.composite
def _symbol_swap(draw: st.DrawFn, text: str, start: int) -> str:
    i = draw(st.integers(start, len(text) - 1))
    symbol = draw(st.sampled_from([c for c in BASE45_ALPHABET if c != text[i]]))
    return text[:i] + symbol + text[i + 1:]


def byte_flips(data: bytes) -> st.SearchStrategy[bytes]:
    """``data`` with exactly one byte changed (XOR with a non-zero mask)."""
    if not data:
        raise ValueError("nothing to corrupt: data is empty")

    return _byte_flip(data)


@st.composite
def _byte_flip(draw: st.DrawFn, data: bytes) -> bytes:
    i = draw(st.integers(0, len(data) - 1))
    mask = draw(st.integers(1, 255))
    return data[:i] + bytes((data[i] ^ mask,)) + data[i + 1:]
