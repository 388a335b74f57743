"""Properties: verify and inspect never raise on input, never report an internal
error, always give a reason for a non-valid result, and a one-symbol or one-byte
tamper is never valid."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

import cbor2
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr import Reason, Status, testing
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import native

import helpers
from helpers import NOW

BASE45_TEXT = st.text(alphabet=testing.BASE45_ALPHABET, max_size=400)


def check(text: Any, trust: cccdqr.TrustStore = helpers.TRUST,
          now: dt.datetime = NOW) -> cccdqr.VerificationResult:
    """verify + inspect with every invariant that holds for any input."""
    result = cccdqr.verify(text, trust, now=now)
    assert Reason.INTERNAL_ERROR not in result.reasons, result.detail
    if result.status is Status.VALID:
        assert result.reasons == () and result.signature_verified
        assert result.certificate is not None
    else:
        assert result.reasons, "a result that is not VALID needs a reason"
        assert result.reasons[0].status is result.status
        assert not any(r.is_warning for r in result.reasons)
    assert Reason.REVOCATION_NOT_CHECKED in result.warnings
    json.dumps(result.to_dict())
    json.dumps(result.to_dict(personal=False))
    result.message("en"), result.message("vi")
    inspection = cccdqr.inspect(text)
    assert Reason.INTERNAL_ERROR not in inspection.problems, inspection.detail
    assert inspection.verified is False
    json.dumps(inspection.to_dict())
    return result


# --- a tamper is never valid ---------------------------------------------------------------

@given(st.data())
def test_one_base45_symbol_flipped_is_never_valid(data: st.DataObject) -> None:
    code = data.draw(testing.signed_vn1())
    bad = data.draw(testing.symbol_swaps(code.text))
    result = cccdqr.verify(bad, code.trust, now=code.now)
    assert not result.valid
    assert Reason.INTERNAL_ERROR not in result.reasons
    assert result.reasons


@settings(max_examples=60)
@given(st.data())
def test_a_corruption_that_must_fail_never_verifies_in_any_format(data: st.DataObject) -> None:
    code = data.draw(testing.signed_codes(format=None))
    other = data.draw(testing.signed_codes(code.format)).text
    bad = data.draw(testing.corruptions(code.text, other=other))
    result = check(bad.text, code.trust, now=code.now)
    if bad.must_fail:
        assert not result.valid, bad


@given(st.data())
def test_one_cose_byte_flipped_is_never_valid(data: st.DataObject) -> None:
    code = data.draw(testing.signed_vn1())
    raw = helpers.raw_sign1(code.text)
    bad = data.draw(testing.byte_flips(raw))
    for text in (helpers.b45(bad), native.wrap(bad)):
        result = cccdqr.verify(text, code.trust, now=code.now)
        assert not result.valid
        assert Reason.INTERNAL_ERROR not in result.reasons
        assert result.reasons


@given(st.data())
def test_one_payload_byte_flipped_is_bad_signature(data: st.DataObject) -> None:
    code = data.draw(testing.signed_vn1())
    obj = cbor2.loads(helpers.raw_sign1(code.text))
    obj.value[2] = data.draw(testing.byte_flips(obj.value[2]))
    result = cccdqr.verify(native.wrap(cbor2.dumps(obj)), code.trust, now=code.now)
    assert result.reasons == (Reason.BAD_SIGNATURE,)


# --- arbitrary input never raises -------------------------------------------------------------

@given(st.text())
@example("VN1:")
@example("VN1:" + "0" * 3)
@example("\ud800")
@example("VN1:\ud800")
def test_arbitrary_text(text: str) -> None:
    check(text)


@given(st.binary())
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@given(st.binary())
def test_arbitrary_bytes_with_prefix(data: bytes) -> None:
    check(b"VN1:" + data)


@given(BASE45_TEXT)
def test_prefix_and_arbitrary_base45_symbols(body: str) -> None:
    check("VN1:" + body)


@given(st.binary(max_size=600))
@example(b"\xd2")
@example(b"\x84")
@example(b"\xd2\x84\x40\xa0\x40\x40")
@example(b"\x84\x43\xa1\x01\x26\xa0\x40\x40")
@example(b"\x78")
def test_prefix_and_base45_of_arbitrary_bytes(data: bytes) -> None:
    check("VN1:" + b45encode(data))


@given(st.binary(max_size=600))
def test_prefix_and_base45_of_zlib_of_arbitrary_bytes(data: bytes) -> None:
    check("VN1:" + b45encode(zlib.compress(data)))
    check("VN1:" + b45encode(zlib.compress(b"\xd2\x84" + data)))


# --- structured fuzzing: CBOR shapes, before and after the signature -----------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=20), st.binary(max_size=20),
    st.sampled_from([0, 1, 2, -7, -8, -65537, 840539006, "VN", "1990", "1990-05",
                     "001090123456", helpers.IAT, helpers.DOB_DAYS, 18809]),
)
KEYS = st.one_of(st.integers(-70000, 20), st.text(max_size=3), st.sampled_from([1.0, 2.0, True]))
CBOR_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=20,
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` (a valid claims structure) with a few nodes replaced, removed or added."""
    roll = draw(st.integers(0, 9))
    if roll == 0 and depth > 0:
        return draw(CBOR_VALUES)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if draw(st.integers(0, 11)) == 0:
                continue  # drop a key
            out[k] = draw(mutated(v, depth + 1))
        if draw(st.integers(0, 9)) == 0:
            out[draw(KEYS)] = draw(CBOR_VALUES)
        return out
    if isinstance(value, list):
        items = [draw(mutated(v, depth + 1)) for v in value]
        if draw(st.integers(0, 9)) == 0:
            items.append(draw(CBOR_VALUES))
        return items
    return value


def _encodable(obj: Any) -> bytes | None:
    try:
        return cbor2.dumps(obj)
    except Exception:  # noqa: BLE001  # e.g. a key cbor2 cannot sort or encode
        return None


@given(mutated(helpers.claims()), st.sampled_from([helpers.ES256_KEY, helpers.ED25519_KEY]))
def test_signed_mutated_claims_never_raise(claims: Any, key: Any) -> None:
    payload = _encodable(claims)
    if payload is None:
        return
    result = check(helpers.signed_code(payload, key))
    assert result.signature_verified


@given(CBOR_VALUES)
def test_signed_arbitrary_payload_never_raises(value: Any) -> None:
    payload = _encodable(value)
    if payload is None:
        return
    result = check(helpers.signed_code(payload))
    assert result.signature_verified
    assert not result.valid


@given(CBOR_VALUES, CBOR_VALUES)
def test_arbitrary_headers_never_raise(protected: Any, unprotected: Any) -> None:
    protected_bytes = _encodable(protected)
    if protected_bytes is None or _encodable(unprotected) is None:
        return
    payload = cbor2.dumps(helpers.claims())
    for raw in (helpers.sign1(payload, protected_bytes=protected_bytes, unprotected=unprotected),
                helpers.sign1(payload, protected_bytes=cbor2.dumps(protected_bytes))):
        check(native.wrap(raw))


@given(CBOR_VALUES)
def test_arbitrary_cbor_as_the_cose_structure(value: Any) -> None:
    data = _encodable(value)
    if data is None:
        return
    check("VN1:" + b45encode(data))
    check("VN1:" + b45encode(b"\xd2" + data))
