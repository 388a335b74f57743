"""verify / inspect / verify_many: statuses, check order, clocks, trust, limits, input."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest

import cccdqr
from cccdqr import Limits, Reason, Status, testkeys
from cccdqr.wire.base45 import b45decode, b45encode
from cccdqr.formats import detect, native

import helpers
from helpers import ED25519, ES256, NOW, claims, record_map, signed_code

verify_module = importlib.import_module("cccdqr.engine.verify")
SKEW = dt.timedelta(minutes=5)
SECOND = dt.timedelta(seconds=1)


def issue(cert: cccdqr.HealthCertificate | None = None, issuer: cccdqr.Issuer = ES256,
          **kwargs: Any) -> str:
    return helpers.issue(cert, issuer, **kwargs)


def tamper_signature(text: str) -> str:
    obj = cbor2.loads(helpers.raw_sign1(text))
    parts = obj.value
    sig = bytearray(parts[3])
    sig[10] ^= 0x01
    parts[3] = bytes(sig)
    return native.wrap(cbor2.dumps(cbor2.CBORTag(18, parts)))


def sex_mismatch_claims(**named: Any) -> dict[Any, Any]:
    # ID says male (century/sex digit 0), the record says female
    return claims(record=record_map(subject=helpers.subject_map({4: 2})), **named)


# --- VALID and the three status classes -------------------------------------------------

@pytest.mark.parametrize("issuer_fixture", ["es256_issuer", "ed25519_issuer"])
def test_valid(issuer_fixture: str, request: pytest.FixtureRequest, trust: cccdqr.TrustStore,
               sample_certificate: cccdqr.HealthCertificate, now: dt.datetime) -> None:
    issuer: cccdqr.Issuer = request.getfixturevalue(issuer_fixture)
    text = issuer.issue(sample_certificate, now=now - dt.timedelta(hours=1),
                        valid_for=dt.timedelta(days=365))
    result = cccdqr.verify(text, trust, now=now)
    assert result.status is Status.VALID
    assert result.valid and result.reason is None and result.reasons == ()
    assert result.signature_verified
    assert result.certificate == sample_certificate
    assert result.format == "VN1"
    assert result.alg == issuer.alg.value
    assert result.kid == issuer.kid
    assert result.issuer == "VN"
    assert result.issued_at == now - dt.timedelta(hours=1)
    assert result.expires_at == now - dt.timedelta(hours=1) + dt.timedelta(days=365)
    assert result.certificate_id is not None and len(bytes.fromhex(result.certificate_id)) == 12


def test_unknown_kid_cannot_check() -> None:
    result = helpers.verify(issue(issuer=ED25519), helpers.trust(ES256))
    assert result.reasons == (Reason.UNKNOWN_KID,)
    assert result.status is Status.CANNOT_CHECK
    assert result.kid == ED25519.kid
    assert not result.signature_verified and result.certificate is None


def test_empty_trust_store_cannot_check() -> None:
    result = helpers.verify(issue(), cccdqr.TrustStore())
    assert result.reasons == (Reason.UNKNOWN_KID,)
    assert result.status is Status.CANNOT_CHECK


def test_unsupported_version_cannot_check() -> None:
    result = helpers.verify(signed_code(claims(record=record_map({0: 2}))))
    assert result.reasons == (Reason.UNSUPPORTED_VERSION,)
    assert result.status is Status.CANNOT_CHECK


@pytest.mark.parametrize("issuer", [ES256, ED25519], ids=["ES256", "EdDSA"])
def test_bad_signature_invalid(issuer: cccdqr.Issuer) -> None:
    result = helpers.verify(tamper_signature(issue(issuer=issuer)))
    assert result.reasons == (Reason.BAD_SIGNATURE,)
    assert result.status is Status.INVALID
    assert not result.signature_verified
    assert result.certificate is None and result.certificate_id is None


def test_signature_from_another_key_is_bad_signature() -> None:
    other = cccdqr.Issuer(testkeys.test_es256_key("someone else"), deterministic=True)
    # signed by `other`, but claims ES256's kid
    payload = cbor2.dumps(claims())
    raw = helpers.sign1(payload, testkeys.test_es256_key("someone else"),
                        protected={1: -7, 4: ES256.kid})
    assert other.kid != ES256.kid
    assert helpers.verify(native.wrap(raw)).reasons == (Reason.BAD_SIGNATURE,)


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_signature_of_wrong_length_is_bad_signature(length: int) -> None:
    text = signed_code(claims(), signature=b"\x01" * length)
    assert helpers.verify(text).reasons == (Reason.BAD_SIGNATURE,)


def test_es256_signature_with_r_or_s_out_of_range_is_bad_signature() -> None:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    for sig in (b"\0" * 64, n.to_bytes(32, "big") * 2, b"\xff" * 64):
        assert helpers.verify(signed_code(claims(), signature=sig)).reasons == (
            Reason.BAD_SIGNATURE,)


# --- the fixed order of checks ------------------------------------------------------------

def test_expired_with_bad_signature_reports_bad_signature() -> None:
    text = tamper_signature(issue(now=NOW - dt.timedelta(days=400)))
    assert helpers.verify(text).reasons == (Reason.BAD_SIGNATURE,)


def test_expired_with_sex_mismatch_lists_both_in_order() -> None:
    text = signed_code(sex_mismatch_claims(iat=helpers.IAT - 400 * 86400,
                                           exp=helpers.IAT - 35 * 86400))
    result = helpers.verify(text)
    assert result.reasons == (Reason.EXPIRED, Reason.CCCD_SEX_MISMATCH)
    assert result.reason is Reason.EXPIRED
    assert result.status is Status.INVALID
    assert result.certificate is not None  # the signature held: staff see whose it is


def test_every_late_failure_is_listed_in_order() -> None:
    # province 003 is not shipped, the year digits say 1991, the sex digit says male
    subject = helpers.subject_map({1: "003091123456", 4: 2})
    text = signed_code(claims(record=record_map(subject=subject),
                              iat=helpers.IAT - 400 * 86400, exp=helpers.IAT - 35 * 86400))
    trust = helpers.trust(ES256, not_after=NOW - dt.timedelta(days=1))
    result = helpers.verify(text, trust)
    assert result.reasons == (Reason.KEY_OUTSIDE_VALIDITY, Reason.EXPIRED,
                              Reason.CCCD_UNKNOWN_PROVINCE, Reason.CCCD_BIRTH_YEAR_MISMATCH,
                              Reason.CCCD_SEX_MISMATCH)


def test_not_yet_valid_comes_before_cccd_rules() -> None:
    subject = helpers.subject_map({1: "001290123456"})  # 2000s digit, born 1990
    text = signed_code(claims(record=record_map(subject=subject),
                              iat=int(NOW.timestamp()) + 3600))
    assert helpers.verify(text).reasons == (Reason.NOT_YET_VALID, Reason.CCCD_CENTURY_MISMATCH)


def test_bad_record_stops_before_times() -> None:
    text = signed_code(claims(record=record_map({9: 1}), iat=helpers.IAT - 400 * 86400,
                              exp=helpers.IAT - 35 * 86400))
    assert helpers.verify(text).reasons == (Reason.BAD_RECORD,)


def test_issuer_mismatch_stops_before_times() -> None:
    la = cccdqr.Issuer(testkeys.test_es256_key(), "LA", deterministic=True)
    text = issue(issuer=la, now=NOW - dt.timedelta(days=400))
    assert helpers.verify(text).reasons == (Reason.ISSUER_MISMATCH,)


def test_alg_not_allowed_comes_before_key_lookup() -> None:
    text = signed_code(claims(), protected={1: -35, 4: b"unknown!"})
    assert helpers.verify(text).reasons == (Reason.ALG_NOT_ALLOWED,)


def test_unknown_kid_comes_before_signature() -> None:
    text = signed_code(claims(), protected={1: -7, 4: b"unknown!"}, signature=b"\0" * 64)
    assert helpers.verify(text).reasons == (Reason.UNKNOWN_KID,)


def test_payload_is_not_read_before_the_signature_holds() -> None:
    # a malformed payload with a bad signature is a BAD_SIGNATURE, not BAD_CLAIMS
    text = signed_code(b"\xff not cbor", signature=b"\x01" * 64)
    assert helpers.verify(text).reasons == (Reason.BAD_SIGNATURE,)


# --- clocks -------------------------------------------------------------------------------

@pytest.mark.parametrize("skew", [dt.timedelta(0), SKEW, dt.timedelta(hours=2)],
                         ids=["0", "5min", "2h"])
def test_iat_edge(skew: dt.timedelta) -> None:
    at_edge = issue(now=NOW + skew)
    past_edge = issue(now=NOW + skew + SECOND)
    assert helpers.verify(at_edge, skew=skew).valid
    result = helpers.verify(past_edge, skew=skew)
    assert result.reasons == (Reason.NOT_YET_VALID,)
    assert result.status is Status.INVALID


def test_default_skew_is_five_minutes() -> None:
    assert helpers.verify(issue(now=NOW + SKEW)).valid
    assert helpers.verify(issue(now=NOW + SKEW + SECOND)).reasons == (Reason.NOT_YET_VALID,)


@pytest.mark.parametrize("skew", [dt.timedelta(0), SKEW, dt.timedelta(hours=2)],
                         ids=["0", "5min", "2h"])
def test_exp_edge(skew: dt.timedelta) -> None:
    valid_for = dt.timedelta(days=30)
    issued = NOW - skew - valid_for
    at_edge = issue(now=issued, valid_for=valid_for)            # exp == now - skew
    just_after = issue(now=issued + SECOND, valid_for=valid_for)  # exp == now - skew + 1 s
    result = helpers.verify(at_edge, skew=skew)
    assert result.expires_at == NOW - skew
    assert result.reasons == (Reason.EXPIRED,)
    assert helpers.verify(just_after, skew=skew).valid


def test_now_in_another_time_zone_is_the_same_instant() -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    text = issue(now=NOW + SKEW)
    assert helpers.verify(text, now=NOW.astimezone(hanoi)).valid
    late = issue(now=NOW + SKEW + SECOND)
    assert helpers.verify(late, now=NOW.astimezone(hanoi)).reasons == (Reason.NOT_YET_VALID,)


def test_the_clock_is_the_now_argument() -> None:
    text = issue(now=NOW, valid_for=dt.timedelta(days=1))
    assert helpers.verify(text, now=NOW + dt.timedelta(hours=23)).valid
    assert helpers.verify(text, now=NOW + dt.timedelta(days=2)).reasons == (Reason.EXPIRED,)
    assert helpers.verify(text, now=NOW - dt.timedelta(days=1)).reasons == (
        Reason.NOT_YET_VALID,)


@pytest.mark.parametrize(("window", "ok"), [
    ({"not_before": NOW + dt.timedelta(hours=1)}, False),
    ({"not_after": NOW - dt.timedelta(hours=1)}, False),
    ({"not_before": NOW + SKEW}, True),
    ({"not_before": NOW + SKEW + SECOND}, False),
    ({"not_after": NOW - SKEW}, True),
    ({"not_after": NOW - SKEW - SECOND}, False),
    ({"not_before": NOW - dt.timedelta(days=1), "not_after": NOW + dt.timedelta(days=1)}, True),
], ids=["before", "after", "nb edge", "nb past edge", "na edge", "na past edge", "inside"])
def test_key_window(window: dict[str, dt.datetime], ok: bool) -> None:
    text = issue(now=NOW - dt.timedelta(hours=2))
    result = helpers.verify(text, helpers.trust(ES256, **window))
    if ok:
        assert result.valid, result.reasons
    else:
        assert result.reasons == (Reason.KEY_OUTSIDE_VALIDITY,)
        assert result.status is Status.INVALID
        assert result.signature_verified


# --- trust entries --------------------------------------------------------------------------

def test_record_type_not_allowed() -> None:
    result = helpers.verify(issue(), helpers.trust(ES256, record_types="t"))
    assert result.reasons == (Reason.RECORD_TYPE_NOT_ALLOWED,)
    assert result.status is Status.INVALID


def test_record_types_allowed_by_the_key() -> None:
    tests_only = cccdqr.HealthCertificate(subject=helpers.subject(),
                                          tests=(helpers.test_event(),))
    assert helpers.verify(issue(tests_only), helpers.trust(ES256, record_types="t")).valid
    mixed = tests_only.replace(vaccinations=(helpers.dose(1),))
    assert helpers.verify(issue(mixed), helpers.trust(ES256, record_types="t")).reasons == (
        Reason.RECORD_TYPE_NOT_ALLOWED,)
    assert helpers.verify(issue(mixed), helpers.trust(ES256, record_types="vt")).valid


def test_issuer_mismatch() -> None:
    la = cccdqr.Issuer(testkeys.test_es256_key(), "LA", deterministic=True)
    result = helpers.verify(issue(issuer=la))  # the trust entry says "VN"
    assert result.reasons == (Reason.ISSUER_MISMATCH,)
    assert result.status is Status.INVALID
    assert result.issuer == "LA"


def test_key_without_issuer_accepts_any_iss() -> None:
    la = cccdqr.Issuer(testkeys.test_es256_key(), "LA", deterministic=True)
    trust = cccdqr.TrustStore([cccdqr.make_trusted_key(ES256.public_key)])
    assert helpers.verify(issue(issuer=la), trust).valid


def test_alg_key_mismatch() -> None:
    confused = cccdqr.TrustedKey(kid=ES256.kid, public_key=ED25519.public_key,
                                 alg=cccdqr.Algorithm.EDDSA, issuer="VN")
    result = helpers.verify(issue(), cccdqr.TrustStore([confused]))
    assert result.reasons == (Reason.ALG_KEY_MISMATCH,)
    assert result.status is Status.INVALID
    assert not result.signature_verified


def test_header_alg_that_does_not_fit_the_trusted_key() -> None:
    # EdDSA header naming the ES256 key's kid, signed by the Ed25519 key
    raw = helpers.sign1(cbor2.dumps(claims()), testkeys.test_ed25519_key(),
                        protected={1: -8, 4: ES256.kid})
    assert helpers.verify(native.wrap(raw)).reasons == (Reason.ALG_KEY_MISMATCH,)


def test_trusted_key_refuses_an_alg_that_does_not_fit() -> None:
    with pytest.raises(cccdqr.KeyAlgorithmMismatch):
        cccdqr.TrustedKey(kid=ES256.kid, public_key=ED25519.public_key,
                          alg=cccdqr.Algorithm.ES256)


@pytest.mark.parametrize("decoy_first", [True, False])
def test_two_keys_sharing_a_kid(decoy_first: bool) -> None:
    decoy = cccdqr.TrustedKey(kid=ES256.kid,
                              public_key=testkeys.test_es256_key("decoy").public_key(),
                              alg=cccdqr.Algorithm.ES256, issuer="VN")
    ed_decoy = cccdqr.TrustedKey(kid=ES256.kid, public_key=ED25519.public_key,
                                 alg=cccdqr.Algorithm.EDDSA, issuer="VN")
    real = ES256.trusted_key()
    keys = [decoy, ed_decoy, real] if decoy_first else [real, ed_decoy, decoy]
    result = helpers.verify(issue(), cccdqr.TrustStore(keys))
    assert result.valid, result.reasons
    only_decoys = cccdqr.TrustStore([decoy, ed_decoy])
    assert helpers.verify(issue(), only_decoys).reasons == (Reason.BAD_SIGNATURE,)


def test_shared_kid_uses_the_window_of_the_key_that_verified() -> None:
    expired_real = ES256.trusted_key(not_after=NOW - dt.timedelta(days=1))
    decoy = cccdqr.TrustedKey(kid=ES256.kid,
                              public_key=testkeys.test_es256_key("decoy").public_key(),
                              alg=cccdqr.Algorithm.ES256, issuer="VN")
    result = helpers.verify(issue(now=NOW - dt.timedelta(days=2)),
                            cccdqr.TrustStore([decoy, expired_real]))
    assert result.reasons == (Reason.KEY_OUTSIDE_VALIDITY,)


# --- input forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("wrap", [
    lambda t: t + "\r\n", lambda t: "\n" + t, lambda t: " \t" + t + " \r\n\x0b\x0c",
    lambda t: "\r\n\r\n" + t + "\n\n",
], ids=["crlf", "leading lf", "mixed", "blank lines"])
def test_surrounding_whitespace_is_stripped(wrap: Any) -> None:
    assert helpers.verify(wrap(issue())).valid


@pytest.mark.parametrize(("wrap", "reason"), [
    (lambda t: t[:20] + " " + t[20:], None),  # a space is a Base45 symbol: breaks the data
    (lambda t: t[:20] + "\n" + t[20:], Reason.BAD_BASE45),
    (lambda t: t + "\u00a0", Reason.BAD_BASE45),
    (lambda t: "\u00a0" + t, Reason.UNKNOWN_FORMAT),
    (lambda t: "\ufeff" + t, Reason.UNKNOWN_FORMAT),
    (lambda t: t + "\x00", Reason.BAD_BASE45),
], ids=["inner space", "inner lf", "trailing nbsp", "leading nbsp", "bom", "nul"])
def test_other_characters_are_not_stripped(wrap: Any, reason: Reason | None) -> None:
    result = helpers.verify(wrap(issue()))
    assert not result.valid
    if reason is not None:
        assert result.reasons == (reason,)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_input(kind: Any) -> None:
    text = issue()
    result = helpers.verify(kind((text + "\r\n").encode("ascii")))
    assert result.valid
    assert result.certificate == helpers.certificate()


def test_bytes_must_be_utf8() -> None:
    for data in (b"\xff\xfe", b"VN1:\xc3", b"\x80"):
        result = helpers.verify(data)
        assert result.reasons == (Reason.NOT_TEXT,)
        assert result.status is Status.INVALID


def test_utf8_bytes_decode_before_format_detection() -> None:
    assert helpers.verify("héllo".encode()).reasons == (Reason.UNKNOWN_FORMAT,)


@pytest.mark.parametrize("text", ["", "   ", "\r\n", " \t\r\n\x0b\x0c", b"", b"\n\n"],
                         ids=["empty", "spaces", "crlf", "all whitespace", "bytes", "bytes lf"])
def test_empty_input(text: str | bytes) -> None:
    result = helpers.verify(text)
    assert result.reasons == (Reason.EMPTY_INPUT,)
    assert result.status is Status.INVALID


def test_unknown_format() -> None:
    for text in ("hello", "vn1:" + issue()[4:], "VN2:" + issue()[4:], "VN1", " VN 1:ABC",
                 "hc1:ABC", "SHC:/56", "[1, 2]", "HC2:ABC"):
        result = helpers.verify(text)
        assert result.reasons == (Reason.UNKNOWN_FORMAT,), text
        assert result.format is None


@pytest.mark.parametrize("text", [
    "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IUKRG*I.I5BROCWAAT4V22F/8X*G3M9JUPY0",
    "shc:/5676290952432060346029243740",
    '{"data": {}, "sig": {}}',
])
def test_garbage_in_a_known_format_is_rejected_by_that_format(text: str) -> None:
    # each prefix or shape belongs to a format, which rejects the rest: never "unknown"
    result = helpers.verify(text)
    assert detect(text) is not None
    assert result.reasons and result.reasons[0] is not Reason.UNKNOWN_FORMAT
    assert not result.valid


@pytest.mark.parametrize(("body", "why"), [
    ("abc", "lowercase"), ("A", "dangling symbol"), ("AAAA", "dangling symbol"),
    ("GGW", "group > 65535"), (":::", "group > 65535"), ("Z9", "pair > 255"),
    ("é12", "non-ascii"), ("AB_", "underscore"), ("ABC=", "padding"),
])
def test_bad_base45(body: str, why: str) -> None:
    result = helpers.verify("VN1:" + body)
    assert result.reasons == (Reason.BAD_BASE45,), why
    assert result.format is None


def test_chunks_only_for_a_format_that_splits() -> None:
    # a sequence of strings is a code split over several QR images; VN1 never is
    assert cccdqr.verify([issue()], helpers.TRUST, now=NOW).reasons == (Reason.UNKNOWN_FORMAT,)
    assert cccdqr.verify([], helpers.TRUST, now=NOW).reasons == (Reason.EMPTY_INPUT,)
    assert cccdqr.verify(["hello"], helpers.TRUST, now=NOW).reasons == (Reason.UNKNOWN_FORMAT,)


def test_type_errors_for_programmer_mistakes() -> None:
    text = issue()
    for bad in (None, 123, [b"VN1:..."], ["VN1:", 1], {"VN1:"}, object()):
        with pytest.raises(TypeError):
            cccdqr.verify(bad, helpers.TRUST, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cccdqr.verify(text, helpers.TRUST, now=NOW.replace(tzinfo=None))
    with pytest.raises(TypeError):
        cccdqr.verify(text, helpers.TRUST, now=NOW.date())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cccdqr.verify(text, list(helpers.TRUST), now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cccdqr.verify(text, None, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cccdqr.verify(text, helpers.TRUST, now=NOW, skew=-SECOND)
    with pytest.raises(TypeError):
        cccdqr.verify(text, helpers.TRUST)  # type: ignore[call-arg]  # now is required


# --- limits -----------------------------------------------------------------------------

def test_input_too_large_text() -> None:
    result = helpers.verify("VN1:" + "A" * 9000)
    assert result.reasons == (Reason.INPUT_TOO_LARGE,)
    assert helpers.verify("VN1:" + "A" * 8188).reasons != (Reason.INPUT_TOO_LARGE,)
    assert helpers.verify("VN1:" + "A" * 8189).reasons == (Reason.INPUT_TOO_LARGE,)


def test_input_too_large_bytes() -> None:
    assert helpers.verify(b"VN1:" + b"A" * 9000).reasons == (Reason.INPUT_TOO_LARGE,)
    # bytes beyond 4x the character cap are refused before any UTF-8 decoding
    assert helpers.verify(b"\xff" * (4 * 8192 + 1)).reasons == (Reason.INPUT_TOO_LARGE,)


def test_input_limit_is_configurable() -> None:
    text = issue()
    assert helpers.verify(text, limits=Limits(max_input_chars=len(text))).valid
    result = helpers.verify(text, limits=Limits(max_input_chars=len(text) - 1))
    assert result.reasons == (Reason.INPUT_TOO_LARGE,)


def test_surrounding_whitespace_does_not_count_against_the_limit() -> None:
    text = issue()
    assert helpers.verify(text + "\n" * 20000).valid


def test_zlib_bomb_is_stopped_quickly() -> None:
    bomb = zlib.compress(b"\0" * 10_000_000, 9)
    text = "VN1:" + b45encode(bomb)
    limits = Limits(max_input_chars=len(text) + 10)
    start = time.perf_counter()
    result = helpers.verify(text, limits=limits)
    elapsed = time.perf_counter() - start
    assert result.reasons == (Reason.DECOMPRESSED_TOO_LARGE,)
    assert result.status is Status.INVALID
    assert elapsed < 0.5


def test_max_decompressed_is_respected() -> None:
    cert = cccdqr.HealthCertificate(
        subject=helpers.subject(),
        vaccinations=tuple(helpers.dose(i + 1, administering_unit="Bệnh viện Bạch Mai " * 4)
                           for i in range(6)))
    text = issue(cert)
    inflated = len(helpers.raw_sign1(text))
    assert b45decode(text[4:])[:1] == b"\x78"
    assert helpers.verify(text, limits=Limits(max_decompressed=inflated)).valid
    result = helpers.verify(text, limits=Limits(max_decompressed=inflated - 1))
    assert result.reasons == (Reason.DECOMPRESSED_TOO_LARGE,)
    # a modest bomb just past the default 64 KiB cap
    small_bomb = helpers.z45(b"\0" * 70_000)
    assert helpers.verify(small_bomb).reasons == (Reason.DECOMPRESSED_TOO_LARGE,)


def nested(depth: int) -> Any:
    value: Any = [0]
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(("depth", "ok"), [(14, True), (15, False), (40, False)])
def test_deep_unprotected_header(depth: int, ok: bool) -> None:
    # COSE array (1) + unprotected map (2) + `depth` arrays: the cap is 16 levels
    text = signed_code(claims(), unprotected={99: nested(depth)})
    result = helpers.verify(text)
    if ok:
        assert result.valid, result.reasons
    else:
        assert result.reasons == (Reason.CBOR_TOO_DEEP,)


@pytest.mark.parametrize(("depth", "ok"), [(15, True), (16, False), (100, False)])
def test_deep_protected_header(depth: int, ok: bool) -> None:
    protected = {1: -7, 4: ES256.kid, 99: nested(depth)}  # map (1) + `depth` arrays
    result = helpers.verify(signed_code(claims(), protected=protected))
    if ok:
        assert result.valid, result.reasons
    else:
        assert result.reasons == (Reason.CBOR_TOO_DEEP,)


@pytest.mark.parametrize(("count", "ok"), [(4089, True), (4090, False), (20000, False)])
def test_many_items_in_the_cose_structure(count: int, ok: bool) -> None:
    # array, protected bstr, map, key, array, payload, signature = 7 items + count
    text = signed_code(claims(), unprotected={99: [0] * count})
    result = helpers.verify(text, limits=Limits(max_input_chars=50_000))
    if ok:
        assert result.valid, result.reasons
    else:
        assert result.reasons == (Reason.CBOR_TOO_MANY_ITEMS,)


@pytest.mark.parametrize(("count", "ok"), [(4089, True), (4090, False), (5000, False)])
def test_many_items_in_the_protected_header(count: int, ok: bool) -> None:
    # map, 1, -7, 4, kid, 99, array = 7 items + count
    protected = {1: -7, 4: ES256.kid, 99: [0] * count}
    result = helpers.verify(signed_code(claims(), protected=protected))
    if ok:
        assert result.valid, result.reasons
    else:
        assert result.reasons == (Reason.CBOR_TOO_MANY_ITEMS,)


def test_cbor_limits_apply_to_the_payload_too() -> None:
    text = issue()
    result = helpers.verify(text, limits=Limits(max_cbor_depth=3))
    assert result.reasons == (Reason.CBOR_TOO_DEEP,)
    assert result.signature_verified  # the payload is read only after the signature
    result = helpers.verify(text, limits=Limits(max_cbor_items=20))
    assert result.reasons == (Reason.CBOR_TOO_MANY_ITEMS,)
    assert result.signature_verified


def test_bad_compression() -> None:
    good = zlib.compress(helpers.raw_sign1(issue()), 9)
    corrupt = good[:2] + b"\xff\xff\xff\xff" + good[6:]
    truncated = good[:-6]
    bad_checksum = good[:-1] + bytes((good[-1] ^ 1,))
    for data in (corrupt, truncated, bad_checksum, b"\x78\xda", b"\x78"):
        result = helpers.verify(helpers.b45(data))
        assert result.reasons == (Reason.BAD_COMPRESSION,), data[:8]
        assert result.status is Status.INVALID


def test_trailing_data_after_zlib_stream() -> None:
    good = zlib.compress(helpers.raw_sign1(issue()), 9)
    assert helpers.verify(helpers.b45(good + b"\x00")).reasons == (Reason.TRAILING_DATA,)
    assert helpers.verify(helpers.b45(good + good)).reasons == (Reason.TRAILING_DATA,)


def test_trailing_data_after_cose() -> None:
    raw = helpers.raw_sign1(issue())
    assert helpers.verify(helpers.b45(raw + b"\x00")).reasons == (Reason.TRAILING_DATA,)
    assert helpers.verify(helpers.z45(raw + b"\xa0")).reasons == (Reason.TRAILING_DATA,)


def test_bad_cose() -> None:
    for data in (b"", b"\x00", b"\xd2", b"\xd2\x83\x40\xa0\x40", b"\x84\x40\xa0\x40",
                 b"\xa0", cbor2.dumps("VN1")):
        result = helpers.verify(helpers.b45(data))
        assert result.reasons == (Reason.BAD_COSE,), data


def test_duplicate_key_in_unprotected_header() -> None:
    raw = helpers.sign1(cbor2.dumps(claims()), tagged=False)
    # replace the empty unprotected map (a0, right after the protected bstr) by {99: 1, 99: 2}
    protected = cbor2.dumps(helpers.protected_map())
    head = 1 + len(cbor2.dumps(protected))
    assert raw[head:head + 1] == b"\xa0"
    raw = raw[:head] + b"\xa2\x18\x63\x01\x18\x63\x02" + raw[head + 1:]
    assert helpers.verify(helpers.b45(raw)).reasons == (Reason.DUPLICATE_KEY,)


# --- INTERNAL_ERROR: a bug never crashes the checkpoint -------------------------------------

def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


def test_internal_error_in_a_content_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_module, "check_cccd_number", _boom)
    result = helpers.verify(issue())
    assert result.reasons == (Reason.INTERNAL_ERROR,)
    assert result.status is Status.CANNOT_CHECK
    assert "RuntimeError" in result.detail and "boom" in result.detail


def test_internal_error_in_the_envelope_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "open_payload", _boom)
    result = helpers.verify(issue())
    assert result.reasons == (Reason.INTERNAL_ERROR,)
    assert result.status is Status.CANNOT_CHECK
    assert result.signature_verified and result.certificate is None
    inspection = cccdqr.inspect(issue())
    assert inspection.problems == (Reason.INTERNAL_ERROR,)


def test_internal_error_in_signature_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cccdqr.wire.cose, "verify_bytes", _boom)
    result = helpers.verify(issue())
    assert result.reasons == (Reason.INTERNAL_ERROR,)
    assert not result.signature_verified


def test_internal_error_in_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "decode_unverified", _boom)
    result = helpers.verify(issue())
    assert result.reasons == (Reason.INTERNAL_ERROR,)
    assert result.status is Status.CANNOT_CHECK
    assert cccdqr.inspect(issue()).problems == (Reason.INTERNAL_ERROR,)


# --- the result object ----------------------------------------------------------------------

def test_warnings_say_revocation_not_checked() -> None:
    for text in (issue(), tamper_signature(issue()), "hello", ""):
        result = helpers.verify(text)
        assert Reason.REVOCATION_NOT_CHECKED in result.warnings
        assert Reason.REVOCATION_NOT_CHECKED not in result.reasons
        assert all(w.is_warning for w in result.warnings)


def _results() -> list[cccdqr.VerificationResult]:
    expired = signed_code(sex_mismatch_claims(iat=helpers.IAT - 400 * 86400,
                                              exp=helpers.IAT - 35 * 86400))
    return [helpers.verify(t) for t in (issue(), expired, tamper_signature(issue()), "hello")]


def test_to_dict_is_json() -> None:
    for result in _results():
        d = result.to_dict()
        dumped = json.loads(json.dumps(d))
        assert dumped["valid"] is result.valid
        assert dumped["status"] == result.status.value
        assert dumped["reasons"] == [r.value for r in result.reasons]
        assert dumped["warnings"] == ["REVOCATION_NOT_CHECKED"]
        assert set(dumped["messages"]) == {"en", "vi"}
    valid = _results()[0].to_dict()
    assert valid["certificate"]["subject"]["name"] == helpers.NAME
    assert valid["kid"] == ES256.kid.hex()


def test_to_dict_without_personal_data() -> None:
    personal = [helpers.NAME, helpers.NAME.upper(), json.dumps(helpers.NAME)[1:-1], "Nguy",
                "1990-05-17", helpers.ID_NUMBER, helpers.CTI.hex()]
    results = _results()
    assert sum(r.signature_verified for r in results) == 2
    for result in results:
        for ensure_ascii in (True, False):
            redacted = json.dumps(result.to_dict(personal=False), ensure_ascii=ensure_ascii)
            for value in personal:
                assert value not in redacted, value
        if result.signature_verified:  # the full form does hold them (the test can fail)
            full = json.dumps(result.to_dict(), ensure_ascii=False)
            for value in (helpers.NAME, "1990-05-17", helpers.ID_NUMBER, helpers.CTI.hex()):
                assert value in full
    redacted_valid = results[0].to_dict(personal=False)
    assert "certificate" not in redacted_valid and "certificate_id" not in redacted_valid
    assert redacted_valid["valid"] is True


def test_messages_in_both_languages() -> None:
    for result in _results():
        en, vi = result.message("en"), result.message("vi")
        assert en and vi and en != vi
    valid, expired, forged, _ = _results()
    assert valid.message("en") == "Valid" and valid.message("vi") == "Hợp lệ"
    assert expired.message("en").startswith("Invalid: ")
    assert expired.message("en").endswith(Reason.EXPIRED.message("en"))
    assert forged.message("vi").endswith(Reason.BAD_SIGNATURE.message("vi"))
    assert valid.message() == valid.message("en")


# --- inspect --------------------------------------------------------------------------------

def test_inspect_decodes_without_trust(sample_certificate: cccdqr.HealthCertificate) -> None:
    text = issue(sample_certificate, ED25519)
    inspection = cccdqr.inspect(text)
    assert inspection.verified is False
    assert inspection.problems == ()
    assert inspection.certificate == sample_certificate
    assert inspection.kid == ED25519.kid and inspection.alg == "EdDSA"
    assert inspection.format == "VN1" and inspection.issuer == "VN"
    assert inspection.certificate_id == helpers.CTI.hex()
    json.dumps(inspection.to_dict())


def test_inspect_does_not_check_the_signature() -> None:
    inspection = cccdqr.inspect(tamper_signature(issue()))
    assert inspection.verified is False
    assert inspection.problems == ()
    assert inspection.certificate == helpers.certificate()


@pytest.mark.parametrize(("text", "problem"), [
    ("", Reason.EMPTY_INPUT), ("hello", Reason.UNKNOWN_FORMAT), ("VN1:abc", Reason.BAD_BASE45),
    (b"\xff", Reason.NOT_TEXT), ("VN1:" + "A" * 9000, Reason.INPUT_TOO_LARGE),
])
def test_inspect_reports_problems(text: str | bytes, problem: Reason) -> None:
    inspection = cccdqr.inspect(text)
    assert inspection.problems == (problem,)
    assert inspection.verified is False and inspection.certificate is None


def test_inspect_reports_record_problems() -> None:
    inspection = cccdqr.inspect(signed_code(claims(record=record_map({9: 1}))))
    assert inspection.problems == (Reason.BAD_RECORD,)
    assert inspection.kid == ES256.kid


def test_inspect_type_error() -> None:
    with pytest.raises(TypeError):
        cccdqr.inspect(42)  # type: ignore[arg-type]


# --- verify_many ----------------------------------------------------------------------------

def test_verify_many_one_result_per_input_in_order() -> None:
    texts = [issue(), "hello", tamper_signature(issue()), issue(issuer=ED25519), ""]
    results = list(cccdqr.verify_many(texts, helpers.TRUST, now=NOW))
    assert [r.reason for r in results] == [None, Reason.UNKNOWN_FORMAT, Reason.BAD_SIGNATURE,
                                           None, Reason.EMPTY_INPUT]


def test_verify_many_is_lazy() -> None:
    consumed: list[int] = []

    def source() -> Iterator[str]:
        for i in range(1000):
            consumed.append(i)
            yield issue() if i % 2 == 0 else "hello"

    stream = cccdqr.verify_many(source(), helpers.TRUST, now=NOW)
    assert consumed == []
    first = next(stream)
    assert first.valid and consumed == [0]
    second = next(stream)
    assert second.reasons == (Reason.UNKNOWN_FORMAT,) and consumed == [0, 1]


def test_verify_many_passes_options() -> None:
    late = issue(now=NOW + dt.timedelta(minutes=30))
    results = list(cccdqr.verify_many([late, late], helpers.TRUST, now=NOW,
                                      skew=dt.timedelta(hours=1)))
    assert all(r.valid for r in results) and len(results) == 2
    strict = list(cccdqr.verify_many([late], helpers.TRUST, now=NOW))
    assert strict[0].reasons == (Reason.NOT_YET_VALID,)


def test_verify_many_accepts_bytes() -> None:
    results = list(cccdqr.verify_many([issue().encode(), bytearray(b"\n")], helpers.TRUST,
                                      now=NOW))
    assert results[0].valid and results[1].reasons == (Reason.EMPTY_INPUT,)


# --- allow_unlisted_province -----------------------------------------------------------------

def test_unlisted_province_is_allowed_on_request() -> None:
    text = signed_code(claims(record=record_map(subject=helpers.subject_map({1: "003090123456"}))))
    assert helpers.verify(text).reasons == (Reason.CCCD_UNKNOWN_PROVINCE,)
    assert helpers.verify(text, allow_unlisted_province=True).valid


def test_verify_module_exports() -> None:
    assert verify_module.DEFAULT_SKEW == SKEW
    assert set(verify_module.__all__) >= {"verify", "inspect", "verify_many"}
    assert json.dumps(Limits().max_input_chars) == "8192"


def test_redacted_dict_has_no_dob_in_the_detail() -> None:
    subject = helpers.subject_map({3: "1990-00"})
    result = helpers.verify(signed_code(claims(record=record_map(subject=subject))))
    assert result.reasons == (Reason.BAD_RECORD,)
    assert "1990" not in json.dumps(result.to_dict(personal=False))
