"""Base45 (RFC 9285), hand-written because it is on the hot path.

The Base45 package on the package registry decodes with a per-triple Python loop
and costs ~40 % of a whole EU DCC verify; this version does the alphabet check
and the symbol-to-value mapping with ``bytes.translate`` (C speed) and computes
every 16-bit group at once with big-integer arithmetic over 32-bit lanes (see
``_decode_groups``): no Python-level loop per symbol.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "Base45Error", "b45decode", "b45encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHABET_BYTES = ALPHABET.encode("ascii")
_TO_VALUE = bytes.maketrans(_ALPHABET_BYTES, bytes(range(45)))


class Base45Error(ValueError):
    """Not valid Base45."""


# Division by 2025 and by 45 as multiply-and-shift, exact for every dividend
# that occurs (a 16-bit group, and a remainder below 2025; found by exhaustive
# search, and tests/test_base45.py checks all 65,536 groups against the
# per-group definition). Products stay below 2**33, inside a 40-bit lane.
_DIV2025, _SHIFT2025 = 66281, 27  # ceil(2**27 / 2025)
_DIV45, _SHIFT45 = 1457, 16  # ceil(2**16 / 45)
_LANE = 5  # bytes
_LOW13 = b"\x00\x00\x00\x1f\xff"  # one lane, low 13 bits set: a quotient (< 45) fits
_MASKS: dict[int, int] = {}
_TO_SYMBOL = bytes.maketrans(bytes(range(45)), _ALPHABET_BYTES)


def b45encode(data: bytes) -> str:
    """Encode as Base45, hand-written because it is on the issuing hot path: a
    per-pair loop cost ~30 µs for a VN1 code. Every 16-bit group sits in its
    own 40-bit lane of one big integer; the quotients by 2025 and by 45 of all
    lanes at once are a multiplication, a shift and a mask each (a shift pulls
    the next lane's low bits in above bit 13; the mask drops them), and
    ``bytes.translate`` maps the digits to symbols."""
    pairs = len(data) // 2
    digits = bytearray(3 * pairs)
    if pairs:
        size = _LANE * pairs
        lanes = bytearray(size)
        lanes[3::_LANE] = data[0:2 * pairs:2]
        lanes[4::_LANE] = data[1:2 * pairs:2]
        groups = int.from_bytes(lanes, "big")
        mask = _MASKS.get(pairs)
        if mask is None:
            mask = int.from_bytes(_LOW13 * pairs, "big")
            if len(_MASKS) < 64:
                _MASKS[pairs] = mask
        high = ((groups * _DIV2025) >> _SHIFT2025) & mask
        rest = groups - 2025 * high
        mid = ((rest * _DIV45) >> _SHIFT45) & mask
        low = rest - 45 * mid
        digits[0::3] = low.to_bytes(size, "big")[4::_LANE]
        digits[1::3] = mid.to_bytes(size, "big")[4::_LANE]
        digits[2::3] = high.to_bytes(size, "big")[4::_LANE]
    if len(data) % 2:
        quotient, remainder = divmod(data[-1], 45)
        digits += bytes((remainder, quotient))
    return digits.translate(_TO_SYMBOL).decode("ascii")


def _decode_groups(v: bytes, groups: int) -> bytes:
    """The 16-bit values of ``groups`` symbol triples, in C-speed steps: each
    symbol column is spread into its own 32-bit lane of one big integer
    (``bytearray`` slice assignment), the three columns are combined with two
    multiplications (a lane holds at most 44 + 44*45 + 44*2025 = 91124, so no
    carry crosses lanes), and the low two bytes of each lane are the output."""
    size = 4 * groups
    lanes = bytearray(size)
    lanes[3::4] = v[0:3 * groups:3]
    low = int.from_bytes(lanes, "big")
    lanes[3::4] = v[1:3 * groups:3]
    mid = int.from_bytes(lanes, "big")
    lanes[3::4] = v[2:3 * groups:3]
    high = int.from_bytes(lanes, "big")
    words = (low + 45 * mid + 2025 * high).to_bytes(size, "big")
    if words[1::4].count(0) != groups:  # a lane above 65535
        raise Base45Error("a three-symbol group exceeds 65535")
    out = bytearray(2 * groups)
    out[0::2] = words[2::4]
    out[1::2] = words[3::4]
    return bytes(out)


def b45decode(text: str) -> bytes:
    """Decode Base45; raise :class:`Base45Error` on any symbol outside the
    alphabet (lower case included), a dangling single symbol, or a group whose
    value does not fit its byte count."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Base45Error("non-ASCII symbol") from None
    if raw.translate(None, _ALPHABET_BYTES):
        raise Base45Error("symbol outside the Base45 alphabet")
    v = raw.translate(_TO_VALUE)
    n = len(v)
    tail = n % 3
    if tail == 1:
        raise Base45Error("dangling symbol: length mod 3 is 1")
    groups = n // 3
    out = _decode_groups(v, groups) if groups else b""
    if tail:
        last = v[-2] + v[-1] * 45
        if last > 0xFF:
            raise Base45Error("a two-symbol group exceeds 255")
        out += bytes((last,))
    return out
