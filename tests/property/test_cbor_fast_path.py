"""The CBOR fast path (`_cbor._fast_loads`) agrees with the exact path
(`_cbor.exact_loads`: scan, then cbor2) on arbitrary, mutated and hostile CBOR:
the same value, or the same reason code."""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cccdqr.wire import cbor as _cbor

from cccdqr.wire import cose
from cccdqr.core._reject import Reject
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason

MALFORMED = Reason.BAD_RECORD

keys = st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=4), st.binary(max_size=4),
                 st.booleans(), st.floats(allow_nan=False), st.none())
scalars = st.one_of(
    st.integers(-(2**70), 2**70), st.text(max_size=8), st.binary(max_size=8), st.booleans(),
    st.none(), st.floats(), st.just(cbor2.undefined),
    st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 18, 24, 28, 61, 99]), st.integers(0, 9)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=4)),
    max_leaves=24,
)


def _encode(value: Any, canonical: bool) -> bytes | None:
    try:
        return cbor2.dumps(value, canonical=canonical)
    except Exception:  # noqa: BLE001  # e.g. a tag payload cbor2 will not write
        return None


@st.composite
def cbor_bytes(draw: st.DrawFn) -> bytes:
    """Encodings of arbitrary values, often mutated: a byte changed, inserted,
    removed, duplicated; or plain random bytes."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.binary(max_size=64))
    data = _encode(draw(values), canonical=draw(st.booleans())) or b"\xa0"
    for _ in range(draw(st.integers(0, 2)) if choice > 3 else 0):
        op = draw(st.integers(0, 3))
        i = draw(st.integers(0, len(data)))
        if op == 0 and i < len(data):
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
        elif op == 1:
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i:]
        elif op == 2 and i < len(data):
            data = data[:i] + data[i + 1:]
        else:
            j = draw(st.integers(i, len(data)))
            data = data[:j] + data[i:j] + data[j:]
    return data


limits = st.builds(Limits, max_cbor_depth=st.integers(1, 6), max_cbor_items=st.integers(1, 80))


def outcome(fn: Any, data: bytes, lim: Limits, **kw: Any) -> tuple[str, Any]:
    try:
        return "ok", repr(fn(data, lim, malformed=MALFORMED, **kw))
    except Reject as r:
        return "reject", r.reason


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(cbor_bytes(), limits, st.booleans(), st.sampled_from([frozenset(), frozenset({0}),
                                                              frozenset({2, 18})]))
def test_fast_and_exact_paths_agree(data: bytes, lim: Limits, indefinite: bool,
                                    tags: frozenset[int]) -> None:
    kw = {"allow_indefinite": indefinite, "allowed_tags": tags}
    assert outcome(_cbor.loads, data, lim, **kw) == outcome(_cbor.exact_loads, data, lim, **kw)


@settings(max_examples=300)
@given(cbor_bytes(), limits)
def test_fast_path_accepts_only_what_scan_accepts(data: bytes, lim: Limits) -> None:
    # The strictest exact settings: if the fast path returns a value, the scan
    # with no indefinite lengths and no tags allowed passes the same bytes.
    value = _cbor._fast_loads(data, lim)
    if value is not _cbor._MISS:
        assert _cbor.scan(data, lim, malformed=MALFORMED, allow_indefinite=False) == len(data)
        assert repr(cbor2.loads(data)) == repr(value)


@given(st.dictionaries(st.integers(-30, 30) | st.text(max_size=3),
                       st.integers(-(2**63), 2**63) | st.text(max_size=5) | st.binary(max_size=5),
                       max_size=8))
def test_fast_path_is_taken_for_plain_canonical_maps(value: dict[Any, Any]) -> None:
    # Not a dead path: what the issuers write (plain values, definite lengths)
    # is decoded by the fast path itself.
    data = cbor2.dumps(value, canonical=True)
    assume(not _cbor._BIGNUM.search(data))  # such bytes go the exact way (speed only)
    assert _cbor._fast_loads(data, Limits()) == value


def test_fast_path_misses_on_each_thing_scan_rejects() -> None:
    lim = Limits(max_cbor_depth=2, max_cbor_items=8)
    cases = {
        "duplicate key": bytes.fromhex("a2 01 00 01 00".replace(" ", "")),
        "true as key (equal to 1 in Python)": bytes.fromhex("a2 01 00 f5 00".replace(" ", "")),
        "too deep": bytes.fromhex("818181 00".replace(" ", "")),
        "too many items": bytes.fromhex("88" + "00" * 8),
        "indefinite": bytes.fromhex("9f 00 ff".replace(" ", "")),
        "tag 2 bignum": bytes.fromhex("c2 49 010000000000000000".replace(" ", "")),
        "tag 0": bytes.fromhex("c0 74" + b"2021-01-01T00:00:00Z".hex()),
        "trailing": bytes.fromhex("00 00".replace(" ", "")),
        "float key": bytes.fromhex("a1 f9 3c00 00".replace(" ", "")),
        "two-byte simple": bytes.fromhex("f8 10".replace(" ", "")),
    }
    for what, data in cases.items():
        assert _cbor._fast_loads(data, lim) is _cbor._MISS, what


def test_encoder_reuse_survives_an_encoding_error() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    for _ in range(2):
        try:
            _cbor._encode(cyclic, False)
        except Exception:  # noqa: BLE001
            pass
        assert _cbor._encode({1: [b"a", "b"]}, False) == cbor2.dumps({1: [b"a", "b"]})
        assert _cbor.dumps({"bb": 1, 2: 0}) == cbor2.dumps({"bb": 1, 2: 0}, canonical=True)


# --- COSE_Sign1: the hand-read common shape and the protected-header cache ---------

@st.composite
def sign1_bodies(draw: st.DrawFn) -> bytes:
    """array(4) bodies, mostly of the common shape, with non-minimal heads,
    other unprotected maps and mutations."""
    def bstr(b: bytes) -> bytes:
        head = draw(st.sampled_from([0, 1, 2, 4, 8]))
        if head == 0 and len(b) < 24:
            return bytes([0x40 | len(b)]) + b
        info = {0: 24, 1: 24, 2: 25, 4: 26, 8: 27}[head]
        size = 1 << (info - 24)
        if len(b) >= 1 << (8 * size):
            return cbor2.dumps(b)
        return bytes([0x40 | info]) + len(b).to_bytes(size, "big") + b
    items = [bstr(draw(st.binary(max_size=30))),
             draw(st.sampled_from([b"\xa0", b"\xa1\x04\x41\x00", b"\x80", b"\xbf\xff"])),
             bstr(draw(st.binary(max_size=40))), bstr(draw(st.binary(max_size=70)))]
    data = b"\x84" + b"".join(items)
    if draw(st.booleans()):
        i = draw(st.integers(1, len(data)))
        data = data[:i] + draw(st.binary(max_size=2)) + data[i + 1:]
    return data


@settings(max_examples=800)
@given(sign1_bodies(), limits)
def test_hand_read_sign1_agrees_with_the_decoder(body: bytes, lim: Limits) -> None:
    fast = cose._split_sign1(body, lim)
    if fast is not None:
        assert outcome(_cbor.exact_loads, body, lim, allow_indefinite=False) == ("ok", repr(list(fast)))
    fast_msg = outcome(lambda d, li, **kw: cose.decode_sign1(d, li), body, lim)
    cose._PROTECTED_CACHE.clear()

    def exact(d: bytes, li: Limits, **kw: Any) -> Any:
        saved = cose._split_sign1
        cose._split_sign1 = lambda *a: None  # type: ignore[assignment]
        try:
            return cose.decode_sign1(d, li)
        finally:
            cose._split_sign1 = saved  # type: ignore[assignment]
    assert fast_msg == outcome(exact, body, lim)


def test_protected_header_cache_hands_out_copies() -> None:
    header = cbor2.dumps({1: -7, 4: b"kid-0001"})
    body = b"\x84" + cbor2.dumps(header) + b"\xa0\x41\x00\x41\x00"
    first = cose.decode_sign1(body, Limits())
    first.protected[1] = -8
    second = cose.decode_sign1(body, Limits())
    assert second.protected == {1: -7, 4: b"kid-0001"}
    with pytest.raises(Reject) as info:  # cached under the default limits, not under these
        cose._protected_header(header, Limits(max_cbor_items=4))
    assert info.value.reason is Reason.CBOR_TOO_MANY_ITEMS
