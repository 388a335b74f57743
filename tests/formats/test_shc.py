"""SMART Health Cards: numeric codec, chunks, JWS checks, claims, FHIR mapping, JWKS, CRL.

Cards are signed in the tests with a TEST-ONLY key (tests/reason_cases/shc.py);
the published vectors are in tests/test_shc_vectors.py.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cccdqr
from cccdqr import Limits, Reason, Status
from cccdqr.trust import jwks
from cccdqr.core._reject import Reject
from cccdqr.core.errors import RevocationListError, TrustListError
from cccdqr.formats import shc
from cccdqr.core.model import RESULT_DETECTED, RESULT_NOT_DETECTED, TEST_NAA, TEST_RAT

from helpers import NOW
from reason_cases.shc import (
    ISSUER, KEY, KID, NBF, OTHER_KEY, RID, b64, bundle, card, claims, compact, deflate,
    immunization, jwk, lab, patient, verify,
)

JWS_CHARS = st.text(alphabet=[chr(c) for c in range(45, 123)], max_size=300)


# --- the numeric codec -----------------------------------------------------------------

@given(JWS_CHARS)
def test_numeric_round_trip(text: str) -> None:
    digits = shc.numeric_encode(text)
    assert len(digits) == 2 * len(text) and (digits.isdigit() or not text)
    assert shc.numeric_decode(digits) == text


def test_numeric_known_values() -> None:
    assert shc.numeric_encode("ey") == "5676"  # 'e' -> 56, 'y' -> 76
    assert shc.numeric_encode("-z") == "0077"


@pytest.mark.parametrize("digits", ["5", "567", "78", "99", "56a7", "５６"])
def test_numeric_decode_refuses(digits: str) -> None:
    with pytest.raises(Reject):
        shc.numeric_decode(digits)


def test_numeric_encode_refuses_other_characters() -> None:
    with pytest.raises(ValueError):
        shc.numeric_encode("a,b")


# --- a valid card ------------------------------------------------------------------------

def test_valid_card() -> None:
    result = verify(card())
    assert result.status is Status.VALID, result.detail
    assert result.format == "SHC" and result.alg == "ES256"
    assert result.kid == jwks._b64url(KID, "kid")
    assert result.issuer == ISSUER
    assert result.issued_at == dt.datetime.fromtimestamp(NBF, dt.timezone.utc)
    assert result.expires_at is None
    assert result.certificate_id == RID
    subject = result.certificate.subject
    assert (subject.name, subject.family_name, subject.given_name) == (
        "Nguyễn Văn An", "Nguyễn", "Văn An")
    assert subject.dob == "1990-05-17" and subject.id_number is None
    doses = result.certificate.vaccinations
    assert [(d.product, d.dose_number, d.doses_in_series, d.country) for d in doses] == [
        ("EU/1/20/1528", 1, None, "ZZ"), ("EU/1/20/1528", 2, None, "ZZ")]
    assert doses[0].administering_unit == "Trạm Y tế Phường 1"


def test_revocation_id_is_kid_scoped() -> None:
    env = shc.decode_unverified(card(), Limits())
    contents = env.open(Limits())
    assert contents.revocation_ids == (("rid", f"{KID}.{RID}".encode()),)


def test_no_rid_no_revocation_ids() -> None:
    c = claims()
    del c["vc"]["rid"]
    contents = shc.decode_unverified(card(c), Limits()).open(Limits())
    assert contents.revocation_ids == () and contents.certificate_id is None


def test_signed_bytes_are_the_ascii_header_and_payload() -> None:
    jws = compact()
    env = shc.decode_unverified(shc.to_qr_text(jws), Limits())
    assert env.signed == jws.rsplit(".", 1)[0].encode()
    assert len(env.signature) == 64


def test_doses_are_numbered_by_date_not_by_bundle_order() -> None:
    fhir = bundle(patient(), immunization("207", "2022-01-10"), immunization("210", "2021-05-01"),
                  immunization("140", "2021-09-01"))
    doses = verify(card(claims(fhir))).certificate.vaccinations
    assert [(d.product, d.dose_number) for d in doses] == [
        ("EU/1/21/1529", 1), ("CVX-140", 2), ("EU/1/20/1507", 3)]


def test_only_completed_immunizations_count() -> None:
    fhir = bundle(patient(), immunization(status="entered-in-error"), immunization(day="2021-09-01"))
    doses = verify(card(claims(fhir))).certificate.vaccinations
    assert [d.date for d in doses] == [dt.date(2021, 9, 1)]


def test_covivac_is_the_vietnamese_code() -> None:
    doses = verify(card(claims(bundle(patient(), immunization("503"))))).certificate.vaccinations
    assert doses[0].product == "VN-COVIVAC"


@pytest.mark.parametrize("dob", ["1990", "1990-05"])
def test_partial_birth_date_kept_at_its_precision(dob: str) -> None:
    result = verify(card(claims(bundle(patient(birthDate=dob), immunization()))))
    assert result.valid and result.certificate.subject.dob == dob


@pytest.mark.parametrize(("loinc", "value", "kind", "outcome"), [
    ("94558-4", "260415000", TEST_RAT, RESULT_NOT_DETECTED),
    ("94500-6", "260373001", TEST_NAA, RESULT_DETECTED),
    ("94309-2", "260385009", TEST_NAA, RESULT_NOT_DETECTED),  # "negative"
    ("95209-3", "10828004", TEST_RAT, RESULT_DETECTED),  # "positive"
])
def test_lab_results_become_tests(loinc: str, value: str, kind: str, outcome: int) -> None:
    result = verify(card(claims(bundle(patient(), lab(loinc, value)))))
    assert result.valid, result.detail
    [test] = result.certificate.tests
    assert (test.test_type, test.result, test.country) == (kind, outcome, "ZZ")
    assert test.sampled_at == dt.datetime(2026, 11, 22, 8, 30, tzinfo=dt.timezone.utc)


def test_lab_result_with_a_bare_date_is_midnight_utc() -> None:
    [test] = verify(card(claims(bundle(patient(), lab(at="2026-11-22"))))).certificate.tests
    assert test.sampled_at == dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("observation", [
    lab(loinc="718-7"),  # haemoglobin: not a SARS-CoV-2 test
    lab(value="419984006"),  # inconclusive
    lab(status="preliminary"),
])
def test_unreadable_observations_are_ignored(observation: dict[str, Any]) -> None:
    result = verify(card(claims(bundle(patient(), observation))))
    assert result.reason is Reason.UNSUPPORTED_CONTENT and result.signature_verified


# --- the text and chunk layer -----------------------------------------------------------

def test_chunks_in_any_order_with_a_warning() -> None:
    chunks = shc.chunk(compact(), 4)
    random.Random(1).shuffle(chunks)
    result = verify(chunks)
    assert result.valid
    assert Reason.DEPRECATED_CHUNKING in result.warnings


def test_one_unchunked_text_in_a_sequence_has_no_warning() -> None:
    result = verify([card()])
    assert result.valid and Reason.DEPRECATED_CHUNKING not in result.warnings


def test_single_qr_with_1_of_1_header_warns() -> None:
    result = verify(shc.chunk(compact(), 1)[0])
    assert result.valid and Reason.DEPRECATED_CHUNKING in result.warnings


@pytest.mark.parametrize("pick", [
    lambda c: [c[0], c[1], c[1], c[2]],  # one twice
    lambda c: [c[0], c[1], c[2].replace("/3/", "/4/", 1)],  # counts disagree
    lambda c: [c[0], c[1], "shc:/" + c[2].split("/", 3)[3]],  # an unnumbered one among them
    lambda c: [c[0], c[1], c[2][:-1]],  # odd digits
])
def test_bad_chunk_sets(pick: Any) -> None:
    result = verify(pick(shc.chunk(compact(), 3)))
    assert result.reason is Reason.BAD_JWS, result.detail


@pytest.mark.parametrize("pick", [
    lambda c: c[:2],  # one missing
    lambda c: [c[0]],  # 1 of 3 alone, in a list
])
def test_missing_chunks_cannot_be_checked_yet(pick: Any) -> None:
    # not forged, only partly scanned: staff scan the rest (CANNOT_CHECK, not INVALID)
    result = verify(pick(shc.chunk(compact(), 3)))
    assert result.reason is Reason.INCOMPLETE_CHUNKS, result.detail
    assert result.status is Status.CANNOT_CHECK


@pytest.mark.parametrize("text", [
    "shc:/4/3/5676", "shc:/0/3/5676", "shc:/01/3/5676", "shc:/1/0/5676",
    "shc:5676", "shc:/", "shc:/56 76", "shc:/567", "shc:/5678",
])
def test_bad_texts(text: str) -> None:
    assert verify(text).reason is Reason.BAD_JWS


def test_a_single_incomplete_chunk_says_how_many_to_scan() -> None:
    result = verify(shc.chunk(compact(), 3)[1])
    assert result.reason is Reason.INCOMPLETE_CHUNKS and "2 of 3" in result.detail


def test_sequence_starting_with_another_format() -> None:
    assert verify(["VN1:ABC", card()]).reason is Reason.UNKNOWN_FORMAT


def test_prefix_is_case_sensitive() -> None:
    assert verify(card().upper()).reason is Reason.UNKNOWN_FORMAT


# --- JWS structure and header -------------------------------------------------------------

def _header(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"zip": "DEF", "alg": "ES256", "kid": KID}
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", "PS256", "es256", 7])
def test_other_algorithms_are_refused(alg: Any) -> None:
    assert verify(card(header=_header(alg=alg))).reason is Reason.ALG_NOT_ALLOWED


def test_alg_none_without_signature() -> None:
    unsigned = compact(header=_header(alg="none")).rsplit(".", 1)[0] + "."
    assert verify(shc.to_qr_text(unsigned)).reason is Reason.ALG_NOT_ALLOWED


def test_missing_alg() -> None:
    header = _header()
    del header["alg"]
    assert verify(card(header=header)).reason is Reason.ALG_NOT_ALLOWED


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c", "crit", "b64", "cty"])
def test_key_carrying_and_unknown_header_members_are_refused(member: str) -> None:
    value: Any = {"jwk": jwk(OTHER_KEY), "jku": "test:/jwks", "x5u": "test:/cert",
                  "x5c": ["AAAA"], "crit": ["b64"], "b64": False, "cty": "JWT"}[member]
    # signed by the key the header points to: still never trusted
    result = verify(card(header=_header(**{member: value}), key=OTHER_KEY))
    assert result.reason is Reason.BAD_JWS and member in result.detail


def test_typ_is_tolerated() -> None:
    assert verify(card(header=_header(typ="JWT"))).valid


def test_missing_kid() -> None:
    header = _header()
    del header["kid"]
    assert verify(card(header=header)).reason is Reason.MISSING_KID


@pytest.mark.parametrize("header", [
    _header(zip=None), _header(zip="GZIP"), _header(kid=5), _header(kid="a+b/"),
    _header(typ=1),
    '{"zip":"DEF","alg":"ES256","kid":"x","kid":"y"}',  # repeated member
    "[1,2]", "not json",
])
def test_malformed_headers(header: Any) -> None:
    assert verify(card(header=header)).reason is Reason.BAD_JWS


@pytest.mark.parametrize("mangle", [
    lambda j: j + ".",  # four parts
    lambda j: j.replace(".", "..", 1),  # an empty part
    lambda j: j[:-1] + "=",  # padding
    lambda j: j.rsplit(".", 1)[0] + "." + b64(bytes(70)),  # DER-sized signature
    lambda j: j.rsplit(".", 1)[0] + "." + b64(bytes(63)),
])
def test_malformed_jws(mangle: Any) -> None:
    assert verify(shc.to_qr_text(mangle(compact()))).reason is Reason.BAD_JWS


def test_non_canonical_base64url_is_refused() -> None:
    jws = compact()
    sig = jws.rsplit(".", 1)[1]  # 86 chars: the last carries 2 unused bits
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = last[last.index(sig[-1]) + 1]
    assert verify(shc.to_qr_text(jws[:-1] + twin)).reason is Reason.BAD_JWS


def test_bad_signature() -> None:
    assert verify(card(signature=bytes(64))).reason is Reason.BAD_SIGNATURE
    assert verify(card(key=OTHER_KEY)).reason is Reason.BAD_SIGNATURE


def test_unknown_kid_cannot_check() -> None:
    result = verify(card(), cccdqr.TrustStore())
    assert result.reason is Reason.UNKNOWN_KID and result.status is Status.CANNOT_CHECK


def test_issuer_mismatch() -> None:
    result = verify(card(claims(iss=ISSUER + "/")))
    assert result.signature_verified and result.reason is Reason.ISSUER_MISMATCH


# --- decompression ---------------------------------------------------------------------------

def test_deflate_bomb_is_stopped() -> None:
    bomb = deflate(b"0" * 20_000_000)  # ~20 KB that inflates to 20 MB
    text = card(compressed=bomb)
    result = verify(text, limits=Limits(max_input_chars=len(text)))
    assert result.reason is Reason.DECOMPRESSED_TOO_LARGE


def test_decompression_cap_is_the_limit() -> None:
    raw = json.dumps(claims(), separators=(",", ":")).encode()
    text = card(raw)
    assert verify(text, limits=Limits(max_decompressed=len(raw))).valid
    assert verify(text, limits=Limits(max_decompressed=len(raw) - 1)).reason is (
        Reason.DECOMPRESSED_TOO_LARGE)


def test_zlib_wrapped_payload_is_refused() -> None:
    raw = json.dumps(claims()).encode()
    assert verify(card(compressed=zlib.compress(raw))).reason is Reason.BAD_COMPRESSION


def test_truncated_and_trailing_deflate() -> None:
    packed = deflate(json.dumps(claims()).encode())
    assert verify(card(compressed=packed[:-5])).reason is Reason.BAD_COMPRESSION
    assert verify(card(compressed=packed + b"\0")).reason is Reason.TRAILING_DATA


# --- claims ------------------------------------------------------------------------------------

def test_json_limits() -> None:
    raw = json.dumps(claims()).encode()
    result = verify(card(raw), limits=Limits(max_json_bytes=len(raw) - 1))
    assert result.reason is Reason.JSON_TOO_LARGE and result.signature_verified
    assert verify(card(b"{not json")).reason is Reason.BAD_JSON
    assert verify(card(b"\xff\xfe")).reason is Reason.BAD_JSON
    assert verify(card(b'{"nbf": NaN}')).reason is Reason.BAD_JSON
    assert verify(card(b"[" * 5000 + b"]" * 5000)).reason in (Reason.BAD_JSON, Reason.BAD_CLAIMS)


def test_duplicate_claim() -> None:
    raw = json.dumps(claims())[:-1] + ', "iss": "someone else"}'
    assert verify(card(raw.encode())).reason is Reason.DUPLICATE_KEY


@pytest.mark.parametrize("changes", [
    {"iss": None}, {"iss": ""}, {"iss": 5},
    {"nbf": None}, {"nbf": "1690000000"}, {"nbf": True}, {"nbf": -1}, {"nbf": 1e300},
    {"exp": NBF - 10}, {"exp": 1e15},
    {"vc": None}, {"vc": []},
])
def test_bad_claims(changes: dict[str, Any]) -> None:
    c = claims(**changes)
    for name, value in changes.items():
        if value is None:
            del c[name]
    assert verify(card(c)).reason is Reason.BAD_CLAIMS


@pytest.mark.parametrize("vc_changes", [
    {"type": ["VerifiableCredential"]}, {"type": "#health-card"}, {"rid": 5}, {"rid": ""},
    {"rid": "a" * 25}, {"rid": "a.b"}, {"credentialSubject": {}},
    {"credentialSubject": {"fhirBundle": [], "fhirVersion": "4.0.1"}},
])
def test_bad_vc(vc_changes: dict[str, Any]) -> None:
    c = claims()
    c["vc"].update(vc_changes)
    assert verify(card(c)).reason is Reason.BAD_CLAIMS


def test_payload_not_an_object() -> None:
    assert verify(card(json.dumps(json.dumps(claims())).encode())).reason is Reason.BAD_CLAIMS


def test_times() -> None:
    later = verify(card(claims(nbf=NOW.timestamp() + 3600)))
    assert later.reason is Reason.NOT_YET_VALID
    within_skew = verify(card(claims(nbf=NOW.timestamp() + 60)))
    assert within_skew.valid
    expired = verify(card(claims(exp=NOW.timestamp() - 3600)))
    assert expired.reason is Reason.EXPIRED
    assert expired.expires_at == dt.datetime.fromtimestamp(NOW.timestamp() - 3600, dt.timezone.utc)


# --- the bundle ------------------------------------------------------------------------------

@pytest.mark.parametrize("fhir", [
    bundle(patient(), patient(), immunization()),  # whose card is it?
    bundle(patient(name=[]), immunization()),
    bundle(patient(name=[{"use": "official"}]), immunization()),
    bundle(patient(birthDate="1890-01-01"), immunization()),
    bundle(patient(birthDate="17/05/1990"), immunization()),
    bundle(patient(birthDate=None), immunization()),
    bundle(patient(), immunization(day="2021-07")),
    bundle(patient(), immunization(day="2021-02-30")),
    bundle(patient(), lab(at="2026-11-22T08:30")),  # no zone
    {"resourceType": "Bundle"}, {"resourceType": "List", "entry": []},
    {"resourceType": "Bundle", "entry": [{"resource": 5}]},
])
def test_bad_bundles(fhir: dict[str, Any]) -> None:
    result = verify(card(claims(fhir)))
    assert result.reason is Reason.BAD_RECORD, result.detail
    assert result.signature_verified


def test_name_text_when_no_parts() -> None:
    fhir = bundle(patient(name=[{"text": "Trần Thị Bình"}]), immunization())
    subject = verify(card(claims(fhir))).certificate.subject
    assert subject.name == "Trần Thị Bình" and subject.family_name is None


@pytest.mark.parametrize("fhir", [
    bundle(immunization()),  # no Patient
    bundle(patient()),  # nothing to check
    bundle(patient(), immunization(vaccineCode={"coding": [{"system": "test:/other", "code": "207"}]})),
])
def test_nothing_readable_cannot_check(fhir: dict[str, Any]) -> None:
    result = verify(card(claims(fhir)))
    assert result.reason is Reason.UNSUPPORTED_CONTENT and result.status is Status.CANNOT_CHECK


def test_too_many_doses_is_bad_record() -> None:
    fhir = bundle(patient(), *[immunization(day="2021-01-01") for _ in range(100)])
    assert verify(card(claims(fhir)), limits=Limits(max_input_chars=20000)).reason is (
        Reason.BAD_RECORD)


def test_inspect_decodes_without_trust() -> None:
    inspection = cccdqr.inspect(card())
    assert inspection.certificate.subject.name == "Nguyễn Văn An"
    assert inspection.format == "SHC"


# --- never raises ------------------------------------------------------------------------------

@given(st.text(alphabet="0123456789/", max_size=400))
def test_any_shc_digits_never_raise(tail: str) -> None:
    result = verify("shc:/" + tail)
    assert Reason.INTERNAL_ERROR not in result.reasons
    assert not result.valid


@given(st.lists(st.text(alphabet="shc:/0123456789", max_size=60), min_size=1, max_size=5))
def test_any_chunk_lists_never_raise(chunks: list[str]) -> None:
    assert Reason.INTERNAL_ERROR not in verify(chunks).reasons


VALID_TEXT = card()


@given(st.integers(0, len(VALID_TEXT) - 1), st.sampled_from("0123456789"),
       st.sampled_from(["replace", "insert", "delete"]))
def test_mutated_cards_never_raise_and_never_pass(at: int, digit: str, how: str) -> None:
    if how == "replace":
        mutated = VALID_TEXT[:at] + digit + VALID_TEXT[at + 1:]
    elif how == "insert":
        mutated = VALID_TEXT[:at] + digit + VALID_TEXT[at:]
    else:
        mutated = VALID_TEXT[:at] + VALID_TEXT[at + 1:]
    result = verify(mutated)
    assert Reason.INTERNAL_ERROR not in result.reasons
    assert result.valid == (mutated == VALID_TEXT)


# --- JWKS ----------------------------------------------------------------------------------------

def test_jwks_key() -> None:
    [key] = jwks.trusted_keys_from_jwks(json.dumps({"keys": [jwk()]}), issuer=ISSUER)
    assert key.issuer == ISSUER and key.alg is cccdqr.Algorithm.ES256
    assert key.kid == jwks._b64url(KID, "kid") and len(key.kid) == 32
    assert key.public_key.public_numbers() == KEY.public_key().public_numbers()


def test_jwks_with_keys_on_a_store() -> None:
    store = cccdqr.TrustStore().with_keys(
        jwks.trusted_keys_from_jwks({"keys": [jwk()]}, issuer=ISSUER))
    assert verify(card(), store).valid


@pytest.mark.parametrize("bad", [
    jwk(kid="x" + KID[1:]), jwk(use="enc"), jwk(alg="ES384"), jwk(crv="P-384"), jwk(kty="OKP"),
    jwk(x=b64(bytes(32))), jwk(y="!"), jwk(x=b64(bytes(31))),
    jwk(x5c=["not base64!"]), jwk(x5c=[]),
])
def test_jwks_refusals(bad: dict[str, Any]) -> None:
    with pytest.raises(TrustListError):
        jwks.trusted_keys_from_jwks({"keys": [bad]}, issuer=ISSUER)


def test_jwks_not_strict_skips_but_never_a_private_key() -> None:
    keys = jwks.trusted_keys_from_jwks({"keys": [jwk(use="enc"), jwk()]}, issuer=ISSUER,
                                       strict=False)
    assert len(keys) == 1
    private = jwk(d=b64(KEY.private_numbers().private_value.to_bytes(32, "big")))
    with pytest.raises(TrustListError, match="private"):
        jwks.trusted_keys_from_jwks({"keys": [private, jwk()]}, issuer=ISSUER, strict=False)
    with pytest.raises(TrustListError):
        jwks.trusted_keys_from_jwks({"keys": [jwk(use="enc")]}, issuer=ISSUER, strict=False)


@pytest.mark.parametrize("data", [b"nope", b"[]", b'{"keys": {}}', b'{"keys": [5]}'])
def test_jwks_malformed(data: bytes) -> None:
    with pytest.raises(TrustListError):
        jwks.trusted_keys_from_jwks(data, issuer=ISSUER)


def test_jwks_issuer_required() -> None:
    with pytest.raises(TypeError):
        jwks.trusted_keys_from_jwks({"keys": [jwk()]}, issuer="")


# --- CRL -----------------------------------------------------------------------------------------

def test_crl_parse_and_ids() -> None:
    crl = {"kid": KID, "method": "rid", "ctr": 3, "rids": [RID, "other.1700000000"]}
    parsed = jwks.parse_crl(json.dumps(crl), crl_version=3)
    assert dict(parsed.rids) == {RID: None, "other": 1700000000}
    assert jwks.revocation_ids_from_crl(crl) == [("rid", f"{KID}.{RID}".encode()),
                                                 ("rid", f"{KID}.other".encode())]
    assert parsed.revokes(RID, 2e9) and parsed.revokes("other", 1699999999.5)
    assert not parsed.revokes("other", 1700000000)


def test_crl_revokes_our_card() -> None:
    ids = jwks.revocation_ids_from_crl({"kid": KID, "method": "rid", "ctr": 1, "rids": [RID]})

    class Listed:
        def is_revoked(self, given: Any) -> bool:
            return bool(set(given) & set(ids))

        def is_stale(self, now: dt.datetime) -> bool:
            return False

    assert verify(card(), revocation=Listed()).reason is Reason.REVOKED


@pytest.mark.parametrize("crl", [
    {"kid": KID, "method": "other", "ctr": 1, "rids": []},
    {"kid": KID, "method": "rid", "ctr": 0, "rids": []},
    {"kid": KID, "method": "rid", "ctr": True, "rids": []},
    {"kid": KID, "method": "rid", "ctr": 1, "rids": "abc"},
    {"kid": KID, "method": "rid", "ctr": 1, "rids": ["a", "a.5"]},
    {"kid": KID, "method": "rid", "ctr": 1, "rids": ["a.b"]},
    {"kid": KID, "method": "rid", "ctr": 1, "rids": [5]},
    {"kid": "not base64!", "method": "rid", "ctr": 1, "rids": []},
    {"method": "rid", "ctr": 1, "rids": []},
])
def test_crl_refusals(crl: dict[str, Any]) -> None:
    with pytest.raises(RevocationListError):
        jwks.parse_crl(crl)


def test_crl_version_mismatch() -> None:
    with pytest.raises(RevocationListError):
        jwks.parse_crl({"kid": KID, "method": "rid", "ctr": 2, "rids": []}, crl_version=1)
