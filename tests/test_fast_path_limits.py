"""No limit is skipped on a fast path (issue 18).

``verify`` takes shortcuts on its hot path: the CBOR fast proof
(``wire.cbor._fast_loads``: cbor2, re-encode, compare), the hand-read COSE_Sign1
shape (``wire.cose._split_sign1``), the caches of accepted protected headers and
of kid look-ups, and the VN1 claims/record readers that trust what the decoder
proved. Each hostile code below is verified twice: as ``verify`` runs, and with
every shortcut switched off (:func:`exact_only`), and both must give the same
status, reasons and certificate. Oversized, deep, duplicate-key, non-canonical
and tagged CBOR, oversized inflate and Base45 input are all covered, for VN1 and
EU DCC, at the default limits and at limits drawn by hypothesis.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr import Limits, Reason, Status, testkeys
from cccdqr.formats import dcc, native
from cccdqr.wire import cbor as _cbor
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45encode

import helpers
from helpers import NOW, TRUST, claims, record_map, signed_code, sign1

UTC = dt.timezone.utc
DEFAULT_LIMITS = Limits()


class _NoCache(dict):  # type: ignore[type-arg]
    """A cache that never remembers anything."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


@contextlib.contextmanager
def exact_only() -> Iterator[None]:
    """Every fast path and cache of the verify hot path switched off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cbor, "_fast_loads", lambda data, limits: _cbor._MISS)
        mp.setattr(cose, "_split_sign1", lambda body, limits: None)
        mp.setattr(cose, "_PROTECTED_CACHE", _NoCache())
        for module, name in _EXTRA_SWITCHES:
            mp.setattr(module, name, False)
        yield


# Modules that take a shortcut only when a module-level flag allows it.
_EXTRA_SWITCHES: list[tuple[Any, str]] = [
    (module, "FAST_PATH") for module in (native, dcc, cose) if hasattr(module, "FAST_PATH")]


def outcome(result: cccdqr.VerificationResult) -> tuple[Any, ...]:
    return (result.status, result.reasons, result.signature_verified, result.certificate,
            result.issuer, result.issued_at, result.expires_at, result.certificate_id)


def same_both_ways(text: str, trust: cccdqr.TrustStore = TRUST, *,
                   limits: Limits = DEFAULT_LIMITS, now: dt.datetime = NOW) -> cccdqr.VerificationResult:
    """The result of ``text``, after checking that the fast path (twice: cold,
    then with its caches warm) and the exact path agree on it."""
    fast = cccdqr.verify(text, trust, now=now, limits=limits)
    warm = cccdqr.verify(text, trust, now=now, limits=limits)
    with exact_only():
        exact = cccdqr.verify(text, trust, now=now, limits=limits)
    assert outcome(fast) == outcome(exact), (fast.reasons, exact.reasons, fast.detail, exact.detail)
    assert outcome(warm) == outcome(exact)
    return exact


# --- CBOR by hand: what cbor2 will not write ----------------------------------------

def head(major: int, n: int, size: int | None = None) -> bytes:
    """A CBOR head; ``size`` forces a longer argument than needed (0, 1, 2, 4, 8)."""
    if size is None:
        size = 0 if n < 24 else 1 if n < 0x100 else 2 if n < 0x10000 else 4 if n < 2**32 else 8
    if size == 0:
        return bytes((major << 5 | n,))
    return bytes((major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[size],)) + n.to_bytes(size, "big")


def cmap(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """A definite map of already encoded keys and values, duplicates kept."""
    return head(5, len(pairs)) + b"".join(k + v for k, v in pairs)


def enc(value: Any) -> bytes:
    return cbor2.dumps(value)


def claim_pairs(update: dict[Any, Any] | None = None) -> list[tuple[bytes, bytes]]:
    return [(enc(k), enc(v)) for k, v in claims(update).items()]


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


VALID_PAYLOAD = enc(claims())

# Each case: raw claims bytes, and whether the exact path accepts them (the
# reason is whatever the exact path says; the test checks the fast one agrees).
VN1_PAYLOADS: dict[str, bytes] = {
    "plain": VALID_PAYLOAD,
    "deep, at the limit": enc(claims({99: nested(15)})),
    "deep, one over": enc(claims({99: nested(16)})),
    "deep inside the record": enc(claims(record=record_map({9: nested(14)}))),
    "oversized: 5,000 items": enc(claims({99: [0] * 5000})),
    "long but few items": enc(claims({99: b"x" * 5000})),
    "items at the limit": enc(claims({99: [0] * (4096 - 40)})),
    "duplicate claim": cmap(claim_pairs() + [(enc(1), enc("VN"))]),
    "duplicate claim, other value": cmap(claim_pairs() + [(enc(4), enc(helpers.EXP + 1))]),
    "duplicate key, long head": cmap(claim_pairs() + [(head(0, 1, 1), enc("VN"))]),
    "duplicate key, 8-byte head": cmap(claim_pairs() + [(head(0, 6, 8), enc(helpers.IAT))]),
    "duplicate text key": cmap(claim_pairs({"a": 1}) + [(enc("a"), enc(2))]),
    "duplicate chunked text key": cmap(claim_pairs({"ab": 1}) + [(b"\x7f\x61a\x61b\xff", enc(2))]),
    "duplicate in the subject": cmap(
        [(enc(k), enc(v)) for k, v in claims().items() if k != -65537]
        + [(enc(-65537), cmap([(enc(0), enc(1)),
                               (enc(1), cmap([(enc(k), enc(v)) for k, v in
                                              helpers.subject_map().items()]
                                             + [(enc(2), enc("Other Name"))])),
                               (enc(2), enc([helpers.vaccination_map()]))]))]),
    "float key equal to an int key": cmap(claim_pairs() + [(enc(1.0), enc("VN"))]),
    "bool key": cmap(claim_pairs() + [(enc(True), enc(1))]),
    "non-canonical: long heads": cmap([(head(0, 1, 2), enc("VN")),
                                       (head(0, 6, 8), head(0, helpers.IAT, 8)),
                                       (head(0, 4, 4), head(0, helpers.EXP, 8)),
                                       (enc(7), enc(helpers.CTI)),
                                       (enc(-65537), enc(record_map()))]),
    "non-canonical: indefinite map": b"\xbf" + b"".join(k + v for k, v in claim_pairs()) + b"\xff",
    "non-canonical: indefinite array": enc(claims({99: 0})).replace(
        enc(99) + enc(0), enc(99) + b"\x9f\x01\x02\xff"),
    "non-canonical: unsorted keys": cmap(list(reversed(claim_pairs()))),
    "non-canonical: half float": cmap(claim_pairs() + [(enc(99), b"\xf9\x3c\x00")]),
    "trailing byte": VALID_PAYLOAD + b"\x00",
    "two items": VALID_PAYLOAD + VALID_PAYLOAD,
    "tag 1 on iat": cmap([(enc(k), b"\xc1" + enc(v) if k == 6 else enc(v))
                          for k, v in claims().items()]),
    "small bignum as iat": cmap([(enc(k), b"\xc2" + enc(v.to_bytes(4, "big")) if k == 6
                                  else enc(v)) for k, v in claims().items()]),
    "big bignum": enc(claims({99: 2**70})),
    "self-described claims": b"\xd9\xd9\xf7" + VALID_PAYLOAD,
    "shared value tag": cmap(claim_pairs() + [(enc(99), b"\xd8\x1c" + enc([1]))]),
    "string reference tag": cmap(claim_pairs() + [(enc(99), b"\xd8\x19\x00")]),
    "two-byte simple value": cmap(claim_pairs() + [(enc(99), b"\xf8\x14")]),
    "undefined": cmap(claim_pairs() + [(enc(99), b"\xf7")]),
    "simple value 16": cmap(claim_pairs() + [(enc(99), b"\xf0")]),
    "truncated": VALID_PAYLOAD[:-1],
    "break outside": cmap(claim_pairs() + [(enc(99), b"\xff")]),
    "unknown record key": enc(claims(record=record_map({9: 1}))),
    "record version 2": enc(claims(record=record_map({0: 2}))),
}


@pytest.mark.parametrize("name", list(VN1_PAYLOADS))
def test_vn1_claims_give_the_same_verdict_fast_and_exact(name: str) -> None:
    same_both_ways(signed_code(VN1_PAYLOADS[name]))


def test_the_cases_reach_the_limits() -> None:
    """The cases are not vacuous: each limit is hit, and valid ones stay valid."""
    reasons = {name: same_both_ways(signed_code(p)).reasons[:1] for name, p in VN1_PAYLOADS.items()}
    assert reasons["plain"] == ()
    assert reasons["deep, at the limit"] == ()
    assert reasons["deep, one over"] == (Reason.CBOR_TOO_DEEP,)
    assert reasons["oversized: 5,000 items"] == (Reason.CBOR_TOO_MANY_ITEMS,)
    assert reasons["long but few items"] == ()
    assert reasons["items at the limit"] == ()
    for name in reasons:
        if name.startswith("duplicate"):
            assert reasons[name] == (Reason.DUPLICATE_KEY,), name
        if name.startswith("non-canonical"):
            assert reasons[name] == (), name
    assert reasons["trailing byte"] == (Reason.TRAILING_DATA,)
    for name in ("tag 1 on iat", "small bignum as iat", "self-described claims",
                 "shared value tag", "string reference tag", "two-byte simple value",
                 "float key equal to an int key", "bool key"):
        assert reasons[name] == (Reason.BAD_CLAIMS,), name


def test_the_fast_path_is_taken_for_a_plain_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing with the exact path means something only if the fast one runs:
    a plain code never reaches the per-byte scan, and with the shortcuts off it does."""
    text = signed_code(VALID_PAYLOAD)
    cccdqr.verify(text, TRUST, now=NOW)  # warm
    calls: list[int] = []
    real_scan = _cbor.scan

    def counting_scan(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(_cbor, "scan", counting_scan)
    assert cccdqr.verify(text, TRUST, now=NOW).valid
    assert calls == []
    with exact_only():
        assert cccdqr.verify(text, TRUST, now=NOW).valid
    assert calls


# --- the COSE layer ---------------------------------------------------------------

KID = helpers.ES256_KID
COSE_CASES: dict[str, bytes] = {
    "plain": sign1(VALID_PAYLOAD),
    "untagged": sign1(VALID_PAYLOAD, tagged=False),
    "protected: duplicate alg": sign1(VALID_PAYLOAD, protected_bytes=cmap(
        [(enc(1), enc(-7)), (enc(4), enc(KID)), (enc(1), enc(-7))])),
    "protected: duplicate kid, long head": sign1(VALID_PAYLOAD, protected_bytes=cmap(
        [(enc(1), enc(-7)), (enc(4), enc(KID)), (head(0, 4, 1), enc(KID))])),
    "protected: non-canonical alg": sign1(VALID_PAYLOAD, protected_bytes=cmap(
        [(enc(1), head(1, 6, 1)), (enc(4), enc(KID))])),
    "protected: indefinite": sign1(VALID_PAYLOAD, protected_bytes=b"\xbf" + enc(1) + enc(-7)
                                   + enc(4) + enc(KID) + b"\xff"),
    "protected: deep": sign1(VALID_PAYLOAD, protected_bytes=enc({1: -7, 4: KID, 99: nested(16)})),
    "protected: tag": sign1(VALID_PAYLOAD, protected_bytes=enc({1: -7, 4: KID, 99: cbor2.CBORTag(1, 0)})),
    "unprotected: duplicate": b"\xd2\x84" + enc(enc({1: -7, 4: KID})) + cmap(
        [(enc(5), enc(b"x")), (enc(5), enc(b"x"))]) + enc(VALID_PAYLOAD) + enc(bytes(64)),
    "unprotected: deep": sign1(VALID_PAYLOAD, unprotected={99: nested(15)}),
    "unprotected: same kid": sign1(VALID_PAYLOAD, unprotected={4: KID}),
    "array of five": b"\xd2\x85" + sign1(VALID_PAYLOAD)[2:] + b"\x00",
    "trailing byte": sign1(VALID_PAYLOAD) + b"\x00",
    "indefinite array": b"\xd2\x9f" + sign1(VALID_PAYLOAD)[2:] + b"\xff",
    "payload as text": b"\xd2\x84" + enc(enc({1: -7, 4: KID})) + b"\xa0" + enc("x") + enc(bytes(64)),
    "signature in a long head": (lambda raw: raw[:-65] + b"\x59\x00\x40" + raw[-64:])(
        sign1(VALID_PAYLOAD)),
}


@pytest.mark.parametrize("name", list(COSE_CASES))
@pytest.mark.parametrize("compress", [False, True])
def test_cose_structure_gives_the_same_verdict_fast_and_exact(name: str, compress: bool) -> None:
    raw = COSE_CASES[name]
    same_both_ways(helpers.z45(raw) if compress else helpers.b45(raw))


def test_cose_cases_reach_the_checks() -> None:
    reason = {name: same_both_ways(helpers.b45(raw)).reasons[:1] for name, raw in COSE_CASES.items()}
    assert reason["plain"] == reason["untagged"] == reason["protected: non-canonical alg"] == ()
    assert reason["protected: duplicate alg"] == (Reason.DUPLICATE_KEY,)
    assert reason["protected: duplicate kid, long head"] == (Reason.DUPLICATE_KEY,)
    assert reason["protected: deep"] == (Reason.CBOR_TOO_DEEP,)
    assert reason["unprotected: duplicate"] == (Reason.DUPLICATE_KEY,)
    assert reason["trailing byte"] == (Reason.TRAILING_DATA,)


def test_a_cached_header_is_checked_again_under_tighter_limits() -> None:
    """The accepted-header cache is keyed by the limits: a header accepted at
    the default limits is not waved through under limits it breaks."""
    text = signed_code(VALID_PAYLOAD)
    assert same_both_ways(text).valid
    tight = Limits(max_cbor_items=3)
    assert same_both_ways(text, limits=tight).reasons[:1] == (Reason.CBOR_TOO_MANY_ITEMS,)


# --- the text layer and inflate ---------------------------------------------------

def test_oversized_and_bad_text_give_the_same_reason() -> None:
    text = signed_code(VALID_PAYLOAD)
    assert same_both_ways(text + "0" * 9000).reason is Reason.INPUT_TOO_LARGE
    assert same_both_ways(text, limits=Limits(max_input_chars=len(text) - 1)).reason \
        is Reason.INPUT_TOO_LARGE
    assert same_both_ways(text[:-1]).reason in (Reason.BAD_BASE45, Reason.BAD_COSE)
    assert same_both_ways(text[:4] + text[4:].lower()).reason is Reason.BAD_BASE45
    assert same_both_ways(text[:-2] + "::").reason is Reason.BAD_BASE45  # a group over 65535


def test_oversized_inflate_gives_the_same_reason() -> None:
    bomb = native.PREFIX + b45encode(zlib.compress(bytes(70_000), 9))
    assert same_both_ways(bomb).reason is Reason.DECOMPRESSED_TOO_LARGE
    text = helpers.z45(sign1(VALID_PAYLOAD))
    size = len(sign1(VALID_PAYLOAD))
    assert same_both_ways(text, limits=Limits(max_decompressed=size)).valid
    assert same_both_ways(text, limits=Limits(max_decompressed=size - 1)).reason \
        is Reason.DECOMPRESSED_TOO_LARGE
    truncated = native.PREFIX + b45encode(zlib.compress(sign1(VALID_PAYLOAD), 9)[:-3])
    assert same_both_ways(truncated).reason is Reason.BAD_COMPRESSION


# --- EU DCC ------------------------------------------------------------------------

DCC_KEY = testkeys.test_es256_key("fast-path-dcc")


def _dsc() -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY DSC")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(DCC_KEY.public_key()).serial_number(7)
            .not_valid_before(dt.datetime(2021, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2031, 1, 1, tzinfo=UTC))
            .sign(DCC_KEY, hashes.SHA256()))


DSC = _dsc()
DCC_ISSUER = cccdqr.Issuer(DCC_KEY, "VN", format="HC1", certificate=DSC, deterministic=True)
DCC_TRUST = cccdqr.TrustStore([DCC_ISSUER.trusted_key()])
DCC_NOW = dt.datetime(2022, 6, 1, tzinfo=UTC)


def _dcc_text() -> str:
    subject = cccdqr.Subject(name="Nguyễn Văn An", dob="1990-05-17", family_name="Nguyễn",
                             given_name="Văn An")
    cert = cccdqr.HealthCertificate(subject=subject, vaccinations=(cccdqr.Vaccination(
        product="EU/1/20/1528", dose_number=1, doses_in_series=2, date=dt.date(2021, 7, 1)),))
    return DCC_ISSUER.issue(cert, now=dt.datetime(2021, 12, 1, tzinfo=UTC),
                            valid_for=dt.timedelta(days=365), uvci="URN:UVCI:01:VN:TESTONLY1")


DCC_TEXT = _dcc_text()
DCC_CLAIMS = cbor2.loads(dcc.decode_sign1(dcc.unwrap(DCC_TEXT, Limits()), Limits()).payload)


def dcc_code(payload: bytes) -> str:
    return dcc.wrap(cose.encode_sign1(payload, alg=cose.Algorithm.ES256, key=DCC_KEY,
                                      kid=DCC_ISSUER.kid, deterministic=True))


def _dgc(update: dict[str, Any]) -> dict[Any, Any]:
    out = {k: v for k, v in DCC_CLAIMS.items()}
    out[-260] = {1: {**DCC_CLAIMS[-260][1], **update}}
    return out


def _dcc_pairs(extra: list[tuple[bytes, bytes]]) -> bytes:
    return cmap([(enc(k), enc(v)) for k, v in DCC_CLAIMS.items()] + extra)


DCC_PAYLOADS: dict[str, bytes] = {
    "plain": enc(DCC_CLAIMS),
    "deep, one over": enc(_dgc({"x": nested(14)})),
    "deep, at the limit": enc(_dgc({"x": nested(13)})),
    "oversized": enc(_dgc({"x": [0] * 5000})),
    "duplicate claim": _dcc_pairs([(enc(1), enc("VN"))]),
    "duplicate DGC key": cmap(
        [(enc(k), enc(v)) for k, v in DCC_CLAIMS.items() if k != -260]
        + [(enc(-260), cmap([(enc(1), cmap([(enc(k), enc(v)) for k, v in
                                             DCC_CLAIMS[-260][1].items()]
                                            + [(enc("ver"), enc("1.3.0"))]))]))]),
    "non-canonical: long head iat": cmap([(enc(k), head(0, v, 8) if k == 6 else enc(v))
                                          for k, v in DCC_CLAIMS.items()]),
    "float times": enc({**DCC_CLAIMS, 6: float(DCC_CLAIMS[6]), 4: float(DCC_CLAIMS[4])}),
    "tag 0 date-time": enc(_dgc({"x": cbor2.CBORTag(0, "2021-07-01T00:00:00Z")})),
    "tag 1": enc(_dgc({"x": cbor2.CBORTag(1, 0)})),
    "trailing byte": enc(DCC_CLAIMS) + b"\x00",
}


@pytest.mark.parametrize("name", list(DCC_PAYLOADS))
def test_dcc_claims_give_the_same_verdict_fast_and_exact(name: str) -> None:
    same_both_ways(dcc_code(DCC_PAYLOADS[name]), DCC_TRUST, now=DCC_NOW)


def test_dcc_cases_reach_the_limits() -> None:
    reason = {name: same_both_ways(dcc_code(p), DCC_TRUST, now=DCC_NOW).reasons[:1]
              for name, p in DCC_PAYLOADS.items()}
    assert reason["plain"] == reason["deep, at the limit"] == ()
    assert reason["non-canonical: long head iat"] == reason["float times"] == ()
    assert reason["deep, one over"] == (Reason.CBOR_TOO_DEEP,)
    assert reason["oversized"] == (Reason.CBOR_TOO_MANY_ITEMS,)
    assert reason["duplicate claim"] == reason["duplicate DGC key"] == (Reason.DUPLICATE_KEY,)
    assert reason["tag 1"] == (Reason.BAD_CLAIMS,)
    assert reason["trailing byte"] == (Reason.TRAILING_DATA,)


# --- any limits, any code: hypothesis -----------------------------------------------

CODES = [signed_code(VALID_PAYLOAD), helpers.z45(sign1(VALID_PAYLOAD)),
         helpers.issue(), helpers.issue(issuer=helpers.ED25519)]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(CODES)), depth=st.integers(1, 18), items=st.integers(1, 120),
       inflated=st.integers(100, 400), chars=st.integers(200, 600))
def test_any_limits_give_the_same_verdict_fast_and_exact(which: int, depth: int, items: int,
                                                         inflated: int, chars: int) -> None:
    limits = Limits(max_cbor_depth=depth, max_cbor_items=items, max_decompressed=inflated,
                    max_input_chars=chars)
    if which == len(CODES):
        same_both_ways(DCC_TEXT, DCC_TRUST, limits=limits, now=DCC_NOW)
    else:
        same_both_ways(CODES[which], limits=limits)


def _cbor_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=6), st.binary(max_size=6),
                        st.booleans(), st.none(), st.floats(allow_nan=False))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.integers(-30, 30), st.text(max_size=3)), inner, max_size=4)),
        max_leaves=24)


@settings(max_examples=300, deadline=None)
@given(value=_cbor_values(), data=st.data())
def test_the_fast_decode_agrees_with_the_exact_one_on_mutated_bytes(value: Any,
                                                                     data: st.DataObject) -> None:
    """Any bytes near a valid encoding (a byte changed, inserted or dropped):
    ``loads`` returns what ``exact_loads`` returns, or fails with its reason."""
    raw = bytearray(cbor2.dumps(value))
    op = data.draw(st.sampled_from(["keep", "change", "insert", "drop"]))
    if op != "keep" and raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        if op == "change":
            raw[at] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw.insert(at, data.draw(st.integers(0, 255)))
        else:
            del raw[at]
    limits = Limits(max_cbor_depth=data.draw(st.integers(1, 6)),
                    max_cbor_items=data.draw(st.integers(1, 40)))
    got = _decode(_cbor.loads, bytes(raw), limits)
    want = _decode(_cbor.exact_loads, bytes(raw), limits)
    assert got == want


def _decode(fn: Any, raw: bytes, limits: Limits) -> Any:
    try:
        value = fn(raw, limits, malformed=Reason.BAD_CLAIMS)
    except cccdqr.core._reject.Reject as r:
        return ("reject", r.reason)
    return ("value", repr(value))


def test_status_classes_unchanged() -> None:
    """A sanity anchor for the cases above: a plain code is VALID both ways."""
    assert same_both_ways(signed_code(VALID_PAYLOAD)).status is Status.VALID


# --- the issuing fast path -----------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(payload=st.binary(max_size=400), which=st.sampled_from(["ES256", "EdDSA", "PS256"]))
def test_the_prepared_writer_writes_what_encode_sign1_writes(payload: bytes, which: str) -> None:
    """``Sign1Writer`` (built once per issuer key) gives the very bytes of
    ``encode_sign1`` (deterministic signatures, so the bytes are comparable;
    PS256 signatures are random, so only the parts around them)."""
    key: Any = {"ES256": helpers.ES256_KEY, "EdDSA": helpers.ED25519_KEY,
                "PS256": _rsa_key()}[which]
    alg = cose.algorithm_for_key(key)
    kid = b"\x01\x02\x03\x04\x05\x06\x07\x08"
    got = cose.Sign1Writer(alg, key, kid, deterministic=True).sign(payload)
    want = cose.encode_sign1(payload, alg=alg, key=key, kid=kid, deterministic=True)
    msg = cose.decode_sign1(got, Limits(max_cbor_items=10))
    assert msg.payload == payload
    assert cose.verify_bytes(alg, key.public_key(), msg.signature, msg.to_be_signed)
    if alg is cose.Algorithm.PS256:
        got, want = got[:-256], want[:-256]
    assert got == want


def _rsa_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    global _RSA
    if _RSA is None:
        _RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _RSA


_RSA: Any = None


def test_the_issuer_writes_what_native_encode_writes() -> None:
    for issuer in (helpers.ES256, helpers.ED25519):
        cert = helpers.certificate(3)
        got = issuer.issue(cert, now=NOW, valid_for=dt.timedelta(days=30), cti=helpers.CTI)
        iat = int(NOW.timestamp())
        want = native.encode(cert, key=issuer._key, kid=issuer.kid, issuer="VN", iat=iat,
                             exp=iat + 30 * 86400, cti=helpers.CTI, deterministic=True)
        assert got == want


def test_the_prepared_writer_refuses_a_key_of_another_algorithm() -> None:
    with pytest.raises(cose.KeyAlgorithmMismatch):
        cose.Sign1Writer(cose.Algorithm.EDDSA, helpers.ES256_KEY, b"k")


# --- models built by the decoder ------------------------------------------------------

_ANY_VALUE = st.one_of(st.integers(-3, 120), st.text(max_size=4), st.none(), st.just("VN"),
                       st.just("vn"), st.just(" "), st.just("A\x01"), st.just("e\u0301"),
                       st.just("x" * 101), st.binary(max_size=2))


def _record_reading(record: Any) -> Any:
    try:
        return ("ok", native.record_from_cbor(record))
    except cccdqr.core._reject.Reject as r:
        return ("reject", r.reason, r.detail)


@settings(max_examples=300, deadline=None)
@given(vaccination=st.dictionaries(st.sampled_from([1, 2, 3, 4, 5, 6, 7]), _ANY_VALUE, max_size=7),
       subject=st.dictionaries(st.sampled_from([1, 2, 3, 4]), _ANY_VALUE, max_size=4),
       base=st.booleans())
def test_decoded_models_equal_the_checked_ones(vaccination: dict[int, Any],
                                                subject: dict[int, Any], base: bool) -> None:
    """The record reader's models (built without re-checking what it proved)
    equal the constructors' for any values, and any value the constructors
    refuse is refused with the same reason and detail."""
    v = {**helpers.vaccination_map(), **vaccination} if base else vaccination
    s = {**helpers.subject_map(), **subject} if base else subject
    record = record_map(subject=s, events=[v, helpers.vaccination_map()])
    fast = _record_reading(record)
    with exact_only():
        exact = _record_reading(record)
    assert fast == exact
    if fast[0] == "ok":
        assert all(type(e) is cccdqr.Vaccination for e in fast[1].vaccinations)


_NAME_VALUE = st.one_of(st.text(max_size=6), st.just(""), st.just(" "), st.just("Nguyễn"),
                        st.just("NGUYEN<VAN"), st.just("A\x07"), st.just("e\u0301"),
                        st.just("X" * 81), st.integers(0, 2), st.none())


@settings(max_examples=300, deadline=None)
@given(nam=st.dictionaries(st.sampled_from(["fn", "gn", "fnt", "gnt"]), _NAME_VALUE, max_size=4),
       dob=st.sampled_from(["1990-05-17", "1990-13-01", "1990-02-30", "1990", "1990-05", "",
                            "1899-01-01", "2099-12-31", "19900517"]))
def test_dcc_decoded_subject_equals_the_checked_one(nam: dict[str, Any], dob: str) -> None:
    dgc = {**DCC_CLAIMS[-260][1], "nam": nam, "dob": dob}

    def reading() -> Any:
        try:
            return ("ok", dcc.dgc_to_certificate(dgc))
        except cccdqr.core._reject.Reject as r:
            return ("reject", r.reason, r.detail)

    fast = reading()
    with exact_only():
        exact = reading()
    assert fast == exact
