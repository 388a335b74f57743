"""Bounded, strict CBOR decoding (`_cbor.scan` / `_cbor.loads`) and deterministic encoding."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cccdqr.wire import cbor as _cbor
from cccdqr.core._reject import Reject
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason

LIMITS = Limits()
# A reason no CBOR limit uses, so a test sees that `malformed` is passed through.
MALFORMED = Reason.BAD_RECORD
STRUCTURAL = {Reason.CBOR_TOO_DEEP, Reason.CBOR_TOO_MANY_ITEMS, Reason.DUPLICATE_KEY,
              Reason.TRAILING_DATA}


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def scan(data: bytes, limits: Limits = LIMITS, **kw: Any) -> int:
    return _cbor.scan(data, limits, malformed=MALFORMED, **kw)


def loads(data: bytes, limits: Limits = LIMITS, **kw: Any) -> Any:
    return _cbor.loads(data, limits, malformed=MALFORMED, **kw)


def scan_reason(data: bytes, limits: Limits = LIMITS, **kw: Any) -> Reason:
    with pytest.raises(Reject) as info:
        scan(data, limits, **kw)
    return info.value.reason


def loads_reason(data: bytes, limits: Limits = LIMITS, **kw: Any) -> Reason:
    with pytest.raises(Reject) as info:
        loads(data, limits, **kw)
    return info.value.reason


# --- well-formed items of every major type ------------------------------------------

WELL_FORMED = [
    # major 0: unsigned integers, every head size
    "00", "17", "18 18", "18 ff", "19 0100", "19 ffff", "1a 00010000", "1b 0000000100000000",
    "1b ffffffffffffffff",
    # major 1: negative integers
    "20", "37", "38 18", "39 0103", "3a 00010000", "3b ffffffffffffffff",
    # major 2: byte strings
    "40", "41 00", "58 18" + "00" * 24, "59 0100" + "ab" * 256,
    # major 3: text strings
    "60", "61 61", "68 4e677579e1bb856e", "78 18" + "61" * 24,
    # major 4: arrays
    "80", "83 010203", "82 01 82 02 03", "98 19" + "01" * 25,
    # major 5: maps
    "a0", "a1 01 02", "a2 61 61 01 61 62 82 02 03", "a1 3a 00010000 a1 00 00",
    # major 7: simple values and floats
    "f4", "f5", "f6", "f7", "e0", "f0", "f8 20", "f8 ff",
    "f9 3c00", "f9 7c00", "f9 fe00", "fa 47c35000", "fb 3ff199999999999a",
    # indefinite-length strings, arrays and maps
    "5f ff", "5f 42 0102 43 030405 ff", "7f ff", "7f 65 7374726561 64 6d696e67 ff",
    "9f ff", "9f 01 82 02 03 9f 04 05 ff ff", "bf ff", "bf 61 61 01 61 62 9f 02 03 ff ff",
    "83 01 9f 02 03 ff 82 04 05", "82 5f 41 00 ff 7f 61 61 ff",
]


@pytest.mark.parametrize("hexdata", WELL_FORMED)
def test_well_formed_items_pass(hexdata: str) -> None:
    data = h(hexdata)
    assert scan(data) == len(data)
    assert loads(data) == cbor2.loads(data) or _both_nan(loads(data), cbor2.loads(data))


def _both_nan(a: object, b: object) -> bool:
    return isinstance(a, float) and isinstance(b, float) and a != a and b != b


@pytest.mark.parametrize("hexdata", ["c1 1a 514b67b0", "d8 12 80", "c2 41 01", "c1 c1 00"])
def test_allowed_tags_pass(hexdata: str) -> None:
    data = h(hexdata)
    tags = frozenset({1, 2, 18})
    assert scan(data, allowed_tags=tags) == len(data)
    if hexdata != "c1 c1 00":  # nested tag 1 is well-formed but not valid for cbor2
        assert loads(data, allowed_tags=tags) == cbor2.loads(data)


def test_scan_returns_end_of_first_item() -> None:
    assert scan(h("01 02 03")) == 1
    assert scan(h("82 01 02 ff ff")) == 3
    assert scan(h("9f 01 ff 00")) == 3


# --- limits ----------------------------------------------------------------------------

def nested_arrays(depth: int, inner: bytes = b"\x00") -> bytes:
    return b"\x81" * depth + inner


def nested_maps(depth: int) -> bytes:
    return b"\xa1\x00" * depth + b"\x00"


def nested_indefinite_arrays(depth: int) -> bytes:
    return b"\x9f" * depth + b"\x00" + b"\xff" * depth


@pytest.mark.parametrize("max_depth", [1, 3, 16])
@pytest.mark.parametrize("builder", [nested_arrays, nested_maps, nested_indefinite_arrays])
def test_depth_exactly_at_limit_passes(max_depth: int, builder: Any) -> None:
    limits = Limits(max_cbor_depth=max_depth)
    data = builder(max_depth)
    assert scan(data, limits) == len(data)
    assert loads(data, limits) == cbor2.loads(data)


@pytest.mark.parametrize("max_depth", [1, 3, 16])
@pytest.mark.parametrize("builder", [nested_arrays, nested_maps, nested_indefinite_arrays])
def test_depth_one_over_limit_is_too_deep(max_depth: int, builder: Any) -> None:
    limits = Limits(max_cbor_depth=max_depth)
    assert scan_reason(builder(max_depth + 1), limits) is Reason.CBOR_TOO_DEEP
    assert loads_reason(builder(max_depth + 1), limits) is Reason.CBOR_TOO_DEEP


def test_default_depth_is_16() -> None:
    assert scan(nested_arrays(16)) == 17
    assert scan_reason(nested_arrays(17)) is Reason.CBOR_TOO_DEEP


def test_tags_count_towards_depth() -> None:
    tags = frozenset({1})
    limits = Limits(max_cbor_depth=3)
    assert scan(b"\xc1" * 3 + b"\x00", limits, allowed_tags=tags) == 4
    assert scan_reason(b"\xc1" * 4 + b"\x00", limits, allowed_tags=tags) is Reason.CBOR_TOO_DEEP


def test_deep_nesting_rejected_before_reading_everything() -> None:
    # a million nested arrays: rejected at the limit, no recursion error
    data = b"\x81" * 1_000_000 + b"\x00"
    assert scan_reason(data) is Reason.CBOR_TOO_DEEP


@pytest.mark.parametrize("inner", [b"\x80", b"\xa0"])
def test_empty_innermost_container_counts_towards_depth(inner: bytes) -> None:
    limits = Limits(max_cbor_depth=16)
    # 16 arrays around an empty array or map = 17 levels of nesting
    assert scan_reason(nested_arrays(16, inner), limits) is Reason.CBOR_TOO_DEEP


def array_of_zeros(n: int) -> bytes:
    return cbor2.dumps([0] * n)


@pytest.mark.parametrize("max_items", [1, 10, 4096])
def test_item_count_at_limit_passes(max_items: int) -> None:
    limits = Limits(max_cbor_items=max_items)
    data = array_of_zeros(max_items - 1)  # the array itself is one item
    assert scan(data, limits) == len(data)
    assert loads(data, limits) == [0] * (max_items - 1)


@pytest.mark.parametrize("max_items", [1, 10, 4096])
def test_item_count_over_limit(max_items: int) -> None:
    limits = Limits(max_cbor_items=max_items)
    assert scan_reason(array_of_zeros(max_items), limits) is Reason.CBOR_TOO_MANY_ITEMS


def test_item_count_includes_map_keys_and_values() -> None:
    data = cbor2.dumps({1: 2, 3: 4, 5: 6})  # 1 map + 6 items
    assert scan(data, Limits(max_cbor_items=7)) == len(data)
    assert scan_reason(data, Limits(max_cbor_items=6)) is Reason.CBOR_TOO_MANY_ITEMS


def test_item_count_includes_indefinite_chunks() -> None:
    data = h("5f 41 00 41 01 41 02 ff")  # 1 string + 3 chunks
    assert scan(data, Limits(max_cbor_items=4)) == len(data)
    assert scan_reason(data, Limits(max_cbor_items=3)) is Reason.CBOR_TOO_MANY_ITEMS


def test_default_item_limit_is_4096() -> None:
    assert scan(array_of_zeros(4095)) > 0
    assert scan_reason(array_of_zeros(4096)) is Reason.CBOR_TOO_MANY_ITEMS


# --- duplicate map keys --------------------------------------------------------------------

@pytest.mark.parametrize(
    "hexdata",
    [
        "a2 01 00 01 00",                  # same encoding
        "a2 01 00 01 01",                  # same key, different values
        "a2 18 01 00 01 00",               # 1 in a two-byte head, then 1
        "a2 01 00 18 01 00",
        "a2 19 0001 00 1b 0000000000000001 00",
        "a2 20 00 38 00 00",               # -1 twice, different heads
        "a2 3a 00010000 00 3b 0000000000010000 00",  # -65537 twice
        "a2 61 61 00 61 61 00",            # duplicate text keys
        "a2 78 01 61 00 61 61 00",         # "a" with a non-shortest length head
        "a2 41 61 00 41 61 00",            # duplicate byte-string keys
        "a3 01 00 02 00 01 00",            # not adjacent
        "bf 01 00 01 00 ff",               # indefinite map
        "a1 00 a2 61 78 00 61 78 00",      # inside a nested map
        "82 00 a2 02 00 02 00",            # inside an array
    ],
)
def test_duplicate_keys(hexdata: str) -> None:
    data = h(hexdata)
    assert scan_reason(data) is Reason.DUPLICATE_KEY
    assert loads_reason(data) is Reason.DUPLICATE_KEY


@pytest.mark.parametrize(
    "hexdata",
    [
        "a2 01 00 21 00",        # 1 and -2
        "a2 00 00 20 00",        # 0 and -1
        "a2 41 61 00 61 61 00",  # b"a" and "a"
        "a2 61 61 00 61 41 00",  # "a" and "A"
    ],
)
def test_distinct_keys_are_not_duplicates(hexdata: str) -> None:
    data = h(hexdata)
    assert scan(data) == len(data)
    assert len(loads(data)) == 2


def test_same_key_in_sibling_maps_is_fine() -> None:
    data = cbor2.dumps([{1: 2}, {1: 3}, {"a": {1: 1}}])
    assert scan(data) == len(data)


@pytest.mark.parametrize(
    "hexdata",
    [
        "a2 61 61 01 7f 61 61 ff 02",     # {"a": 1, (_ "a"): 2}
        "a2 7f 61 61 ff 01 61 61 02",
        "a2 41 61 01 5f 41 61 ff 02",     # bytes key h'61' twice
        "a2 7f 61 61 ff 01 7f 60 61 61 ff 02",  # "a" and "" + "a", both chunked
    ],
)
def test_duplicate_key_written_as_chunked_string(hexdata: str) -> None:
    assert loads_reason(h(hexdata)) is Reason.DUPLICATE_KEY


@pytest.mark.parametrize(
    "hexdata",
    [
        "a2 01 61 61 f5 61 62",           # {1: "a", true: "b"} -> {1: "b"}
        "a2 01 61 61 f9 3c00 61 62",      # {1: "a", 1.0: "b"}
        "a2 f9 3c00 01 fa 3f800000 02",   # 1.0 (half) and 1.0 (single)
    ],
)
def test_keys_that_collide_after_decoding_are_rejected(hexdata: str) -> None:
    data = h(hexdata)
    with pytest.raises(Reject) as info:
        loads(data)
    assert info.value.reason in {Reason.DUPLICATE_KEY, MALFORMED}


# --- trailing data and malformed input --------------------------------------------------

@pytest.mark.parametrize("hexdata", ["01 00", "a0 a0", "80 ff", "5f ff 00", "82 01 02 03"])
def test_trailing_data(hexdata: str) -> None:
    data = h(hexdata)
    assert scan(data) < len(data)
    assert loads_reason(data) is Reason.TRAILING_DATA


@pytest.mark.parametrize(
    "hexdata",
    [
        "", "18", "19 01", "1a 000000", "1b 00000000000000", "38", "f9 00", "fa 0000", "fb 00",
        "41", "62 61", "59 0001", "82 01", "a1 01", "a2 01 02 03", "5f", "5f 41 00", "7f 61",
        "9f", "9f 01", "bf 01 02", "c1", "d8", "81 81",
    ],
)
def test_truncated_input_is_malformed(hexdata: str) -> None:
    assert scan_reason(h(hexdata), allowed_tags=frozenset({1})) is MALFORMED


@pytest.mark.parametrize("major", range(8))
@pytest.mark.parametrize("info", [28, 29, 30])
def test_reserved_additional_information(major: int, info: int) -> None:
    data = bytes([(major << 5) | info]) + b"\x00" * 9
    assert scan_reason(data) is MALFORMED


@pytest.mark.parametrize("hexdata", ["1f", "3f", "df 00"])
def test_indefinite_length_on_a_type_without_one(hexdata: str) -> None:
    assert scan_reason(h(hexdata), allowed_tags=frozenset(range(32))) is MALFORMED


@pytest.mark.parametrize("hexdata", ["ff", "81 ff", "82 01 ff", "a1 01 ff", "a1 ff",
                                     "c1 ff", "9f 81 ff ff"])
def test_break_outside_indefinite_item(hexdata: str) -> None:
    assert scan_reason(h(hexdata), allowed_tags=frozenset({1})) is MALFORMED


@pytest.mark.parametrize("hexdata", ["5f ff", "7f ff", "9f ff", "bf ff", "81 9f ff",
                                     "a1 01 5f 41 00 ff", "5f 41 00 ff"])
def test_indefinite_not_allowed(hexdata: str) -> None:
    data = h(hexdata)
    assert scan(data) == len(data)  # well-formed ...
    assert scan_reason(data, allow_indefinite=False) is MALFORMED  # ... but not allowed


@pytest.mark.parametrize("hexdata", ["c1 00", "c2 41 01", "d8 12 80", "d9 d9f7 00",
                                     "81 c0 60", "a1 01 c1 00"])
def test_tag_not_allowed(hexdata: str) -> None:
    assert scan_reason(h(hexdata)) is MALFORMED
    assert scan_reason(h(hexdata), allowed_tags=frozenset({3, 17})) is MALFORMED


@pytest.mark.parametrize(
    "hexdata",
    [
        "5f 61 61 ff",      # text chunk in a byte string
        "7f 41 61 ff",      # byte chunk in a text string
        "5f 01 ff",         # integer chunk
        "7f 80 ff",         # array chunk
        "5f 5f ff ff",      # nested indefinite chunk
        "7f 7f ff ff",
        "5f f6 ff",         # simple value chunk
        "5f c2 41 00 ff",   # tagged chunk
    ],
)
def test_bad_chunk_in_indefinite_string(hexdata: str) -> None:
    assert scan_reason(h(hexdata), allowed_tags=frozenset({2})) is MALFORMED


@pytest.mark.parametrize("hexdata", ["bf 01 ff", "bf 01 02 03 ff", "bf 61 61 ff"])
def test_indefinite_map_with_odd_item_count(hexdata: str) -> None:
    assert scan_reason(h(hexdata)) is MALFORMED


@pytest.mark.parametrize("hexdata", ["f8 00", "f8 13", "f8 1f"])
def test_two_byte_simple_value_below_32(hexdata: str) -> None:
    assert scan_reason(h(hexdata)) is MALFORMED


@pytest.mark.parametrize("reason", [Reason.BAD_COSE, Reason.BAD_CLAIMS, Reason.BAD_RECORD])
def test_malformed_reason_is_the_one_passed_in(reason: Reason) -> None:
    for data in (b"", b"\xff", b"\x1c", b"\x18"):
        with pytest.raises(Reject) as info:
            _cbor.scan(data, LIMITS, malformed=reason)
        assert info.value.reason is reason


@pytest.mark.parametrize(
    "hexdata",
    [
        "9b ffffffffffffffff",
        "bb ffffffffffffffff",
        "5b ffffffffffffffff",
        "7b ffffffffffffffff",
        "9a ffffffff 00",
        "99 ffff 00 00",
        "b9 0100" + "00" * 300,
        "98 05 01 02 03 04",
    ],
)
def test_declared_length_beyond_data_is_rejected_cheaply(hexdata: str) -> None:
    data = h(hexdata)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        assert scan_reason(data) is MALFORMED
        assert loads_reason(data) is MALFORMED
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0
    assert peak < 1_000_000


# --- properties ---------------------------------------------------------------------------

INTS = st.integers(min_value=-(2**64), max_value=2**64 - 1)
SCALARS = st.one_of(INTS, st.binary(max_size=40), st.text(max_size=20))
KEYS = st.one_of(INTS, st.text(max_size=10))


def objects(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return SCALARS
    inner = objects(depth - 1)
    return st.one_of(
        SCALARS,
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=4),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(objects(5))
def test_scan_accepts_any_cbor2_encoding(obj: Any) -> None:
    data = cbor2.dumps(obj)
    assert scan(data) == len(data)
    assert loads(data) == cbor2.loads(data) == obj
    # canonical form too
    canonical = _cbor.dumps(obj)
    assert scan(canonical) == len(canonical)
    assert loads(canonical) == obj


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(objects(3), st.data())
def test_every_strict_prefix_is_malformed(obj: Any, data: st.DataObject) -> None:
    encoded = cbor2.dumps(obj)
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    assert scan_reason(encoded[:cut]) is MALFORMED


@settings(max_examples=200)
@given(st.binary(max_size=64), st.booleans())
def test_arbitrary_bytes_scan_returns_offset_or_rejects(data: bytes, indefinite: bool) -> None:
    try:
        end = scan(data, allow_indefinite=indefinite, allowed_tags=frozenset({1, 18}))
    except Reject as exc:
        assert isinstance(exc.reason, Reason)
        return
    assert 0 < end <= len(data)


@settings(max_examples=200)
@given(objects(2), st.data())
def test_mutated_encodings_scan_or_reject(obj: Any, data: st.DataObject) -> None:
    encoded = bytearray(cbor2.dumps(obj))
    i = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    encoded[i] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        end = scan(bytes(encoded))
    except Reject:
        pass
    else:
        assert 0 < end <= len(encoded)
    try:
        loads(bytes(encoded))
    except Reject as exc:
        assert exc.reason in STRUCTURAL | {MALFORMED}


# --- deterministic encoding (RFC 8949 section 4.2.1) ------------------------------------

VN1_KEYS = [*range(-24, 24), -65537]


def _map_head(n: int) -> bytes:
    if n < 24:
        return bytes([0xA0 | n])
    return bytes([0xB8, n])


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(VN1_KEYS), st.integers(-30, 30) | st.text(max_size=3),
                       min_size=0, max_size=len(VN1_KEYS)))
def test_dumps_sorts_keys_bytewise(d: dict[int, Any]) -> None:
    encoded = _cbor.dumps(d)
    # independently: each key encoded alone, entries sorted by the key's bytes
    entries = sorted((cbor2.dumps(k), cbor2.dumps(v)) for k, v in d.items())
    assert encoded == _map_head(len(d)) + b"".join(k + v for k, v in entries)
    assert list(cbor2.loads(encoded)) == sorted(d, key=cbor2.dumps)


def test_dumps_all_vn1_keys_order() -> None:
    d = {k: 0 for k in reversed(VN1_KEYS)}
    order = list(cbor2.loads(_cbor.dumps(d)))
    assert order == [*range(0, 24), *range(-1, -25, -1), -65537]


@settings(max_examples=100)
@given(objects(3))
def test_dumps_is_deterministic_and_shortest(obj: Any) -> None:
    encoded = _cbor.dumps(obj)
    assert _cbor.dumps(cbor2.loads(encoded)) == encoded
    assert cbor2.loads(encoded) == obj
    if isinstance(obj, int) and 0 <= obj < 24:
        assert encoded == bytes([obj])


@pytest.mark.parametrize(
    "hexdata",
    [
        "a1 81 01 00",        # an array as a key
        "a1 a0 00",           # a map as a key
        "a1 f5 00",           # true as a key (equal to 1 in Python)
        "a1 f9 3c00 00",      # a float as a key (1.0 equals 1 in Python)
        "a1 f6 00",           # null as a key
        "a1 c1 00 00",        # a tagged key
    ],
)
def test_map_keys_must_be_integers_or_strings(hexdata: str) -> None:
    assert loads_reason(h(hexdata), allowed_tags=frozenset({1})) is MALFORMED
