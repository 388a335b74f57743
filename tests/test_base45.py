"""Base45 (RFC 9285): spec examples, round trip, strict rejection."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccdqr.wire.base45 import ALPHABET, Base45Error, b45decode, b45encode

# QR code alphanumeric mode (ISO/IEC 18004, table 5), written out independently.
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

RFC_9285_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC_9285_EXAMPLES)
def test_rfc9285_encode(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text


@pytest.mark.parametrize(("raw", "text"), RFC_9285_EXAMPLES)
def test_rfc9285_decode(raw: bytes, text: str) -> None:
    assert b45decode(text) == raw


def test_empty() -> None:
    assert b45encode(b"") == ""
    assert b45decode("") == b""


def test_alphabet_is_the_rfc_table() -> None:
    assert len(ALPHABET) == 45
    assert len(set(ALPHABET)) == 45
    assert set(ALPHABET) == QR_ALPHANUMERIC
    # value of each symbol is its index, as in RFC 9285 section 4
    assert ALPHABET.index("0") == 0 and ALPHABET.index("A") == 10
    assert ALPHABET.index(" ") == 36 and ALPHABET.index(":") == 44


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"\x00", "00"),
        (b"\xff", "U5"),          # 255 = 30 + 5*45
        (b"\x00\x00", "000"),
        (b"\xff\xff", "FGW"),     # 65535 = 15 + 16*45 + 32*2025
    ],
)
def test_boundaries(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    text = b45encode(data)
    assert b45decode(text) == data


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_output_is_qr_alphanumeric(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= QR_ALPHANUMERIC
    # length: 3 symbols per 2 bytes, 2 for a final odd byte
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)


@settings(max_examples=200)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_decode_valid_text_reencodes(text: str) -> None:
    """Any text in the alphabet either decodes back to itself or raises Base45Error."""
    try:
        data = b45decode(text)
    except Base45Error:
        return
    assert b45encode(data) == text


@pytest.mark.parametrize(
    "text",
    [
        "bb8",          # lowercase
        "Bb8",
        "%69 vd92EX0",
        "BB8=",         # symbols outside the alphabet
        "BB#",
        "BB8\n",        # newline is not a symbol (stripping is verify's job)
        "\tBB",
        "BB_",
        "ÀB8",          # non-ASCII
        "BB８",         # full-width digit
        "BB٨",          # Arabic-Indic digit
        "BB\u00a0",     # no-break space
    ],
)
def test_rejects_symbols_outside_alphabet(text: str) -> None:
    with pytest.raises(Base45Error):
        b45decode(text)


@pytest.mark.parametrize("text", ["0", "BB80", "BB8BB8B", "%69 VD92EX0AB"])
def test_rejects_length_one_mod_three(text: str) -> None:
    assert len(text) % 3 == 1
    with pytest.raises(Base45Error):
        b45decode(text)


@pytest.mark.parametrize("text", ["GGW", "ZZZ", "::::::", "BB8GGW", "GGWBB8"])
def test_rejects_triple_over_65535(text: str) -> None:
    # "GGW" = 16 + 16*45 + 32*2025 = 65536
    with pytest.raises(Base45Error):
        b45decode(text)


def test_largest_triple_accepted() -> None:
    assert b45decode("FGW") == b"\xff\xff"


@pytest.mark.parametrize("text", ["GG", "V5", "::", "BB8GG"])
def test_rejects_pair_over_255(text: str) -> None:
    # "GG" = 16 + 16*45 = 736; "V5" = 31 + 5*45 = 256
    with pytest.raises(Base45Error):
        b45decode(text)


def test_base45error_is_valueerror() -> None:
    assert issubclass(Base45Error, ValueError)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_decode_arbitrary_text_only_raises_base45error(text: str) -> None:
    try:
        data = b45decode(text)
    except Base45Error:
        return
    # whatever decodes is canonical Base45 over the alphabet
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]*", text)
    assert b45encode(data) == text


@settings(max_examples=100)
@given(st.binary(min_size=1, max_size=60), st.data())
def test_lowercasing_any_letter_is_rejected(data: bytes, draw: st.DataObject) -> None:
    text = b45encode(data)
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if not letters:
        return
    i = draw.draw(st.sampled_from(letters))
    broken = text[:i] + text[i].lower() + text[i + 1:]
    with pytest.raises(Base45Error):
        b45decode(broken)


def _encode_by_definition(data: bytes) -> str:
    """RFC 9285 section 4, one group at a time (the reference for the lane encoder)."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out.append(ALPHABET[n % 45] + ALPHABET[n // 45 % 45] + ALPHABET[n // 2025])
    if len(data) % 2:
        out.append(ALPHABET[data[-1] % 45] + ALPHABET[data[-1] // 45])
    return "".join(out)


def test_every_16_bit_group_encodes_as_the_definition_says() -> None:
    # All 65,536 groups in one input: the multiply-and-shift division in every lane.
    data = b"".join(n.to_bytes(2, "big") for n in range(65536))
    assert b45encode(data) == _encode_by_definition(data)
    assert b45encode(data + b"\xff") == _encode_by_definition(data + b"\xff")


@given(st.binary(max_size=600))
def test_encoder_matches_the_definition(data: bytes) -> None:
    assert b45encode(data) == _encode_by_definition(data)
