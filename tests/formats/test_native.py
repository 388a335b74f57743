"""The native VN1 format: exact wire bytes, what the decoder accepts, what it rejects.

Every rejection is verified end to end through ``cccdqr.verify`` with a properly
signed code, so that the check after the signature is the one that fires.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import zlib
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr import Reason, Status, testing
from cccdqr.wire.base45 import ALPHABET, b45decode, b45encode
from cccdqr.formats import native
from cccdqr.core.products import PRODUCT_NUMBERS

import helpers
from helpers import ED25519, ED25519_KEY, ES256, ES256_KEY, NOW, claims, record_map, signed_code

EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date) -> int:
    return (d - EPOCH).days


# --- an independent RFC 8949 section 4.2.1 encoder (bytewise key order) ----------

def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes((major << 5 | n,))
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes((major << 5 | info,)) + n.to_bytes(size, "big")
    raise ValueError("too large")


def canonical(obj: Any) -> bytes:
    if isinstance(obj, bool) or obj is None or isinstance(obj, float):
        raise TypeError("not used by VN1")
    if isinstance(obj, int):
        return _head(0, obj) if obj >= 0 else _head(1, -1 - obj)
    if isinstance(obj, bytes):
        return _head(2, len(obj)) + obj
    if isinstance(obj, str):
        raw = obj.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(obj, (list, tuple)):
        return _head(4, len(obj)) + b"".join(canonical(x) for x in obj)
    if isinstance(obj, dict):
        pairs = sorted((canonical(k), canonical(v)) for k, v in obj.items())
        return _head(5, len(pairs)) + b"".join(k + v for k, v in pairs)
    raise TypeError(type(obj))


def cose_parts(text: str) -> tuple[bool, bytes, Any, bytes, bytes]:
    """(tagged, protected bytes, unprotected, payload, signature) of a VN1 text."""
    raw = helpers.raw_sign1(text)
    obj = cbor2.loads(raw)
    tagged = isinstance(obj, cbor2.CBORTag)
    if tagged:
        assert obj.tag == 18
        obj = obj.value
    assert isinstance(obj, list) and len(obj) == 4
    return tagged, obj[0], obj[1], obj[2], obj[3]


def payload_of(text: str) -> dict[Any, Any]:
    claims_map = cbor2.loads(cose_parts(text)[3])
    assert isinstance(claims_map, dict)
    return claims_map


def long_certificate() -> cccdqr.HealthCertificate:
    unit = "Trung tâm Y tế quận Hoàn Kiếm, thành phố Hà Nội, điểm tiêm số 1"
    doses = tuple(helpers.dose(i + 1, administering_unit=unit, doses_in_series=2)
                  for i in range(6))
    return cccdqr.HealthCertificate(subject=helpers.subject(), vaccinations=doses)


# --- wire ----------------------------------------------------------------------------

@pytest.mark.parametrize("issuer", [ES256, ED25519], ids=["ES256", "EdDSA"])
def test_prefix_and_base45_alphabet_only(issuer: cccdqr.Issuer,
                                         sample_certificate: cccdqr.HealthCertificate) -> None:
    text = helpers.issue(sample_certificate, issuer)
    assert text.startswith("VN1:")
    assert set(text[4:]) <= set(ALPHABET)
    assert b45encode(b45decode(text[4:])) == text[4:]


@pytest.mark.parametrize("issuer", [ES256, ED25519], ids=["ES256", "EdDSA"])
def test_three_doses_fit_qr_version_10_at_ecc_m(issuer: cccdqr.Issuer,
                                               sample_certificate: cccdqr.HealthCertificate
                                               ) -> None:
    assert len(sample_certificate.vaccinations) == 3
    assert len(helpers.issue(sample_certificate, issuer)) <= 311


def test_short_certificate_stays_uncompressed() -> None:
    text = helpers.issue(helpers.certificate(1))
    raw = b45decode(text[4:])
    assert raw[:1] == b"\xd2"  # tagged COSE, not a zlib stream
    assert len(zlib.compress(raw, 9)) >= len(raw)
    assert text == "VN1:" + b45encode(raw)


def test_long_certificate_is_compressed_at_level_9() -> None:
    text = helpers.issue(long_certificate())
    packed = b45decode(text[4:])
    assert packed[:1] == b"\x78"
    inner = zlib.decompress(packed)
    assert inner[:1] == b"\xd2"
    assert len(packed) < len(inner)
    assert packed == zlib.compress(inner, 9)
    result = helpers.verify(text)
    assert result.valid and result.certificate == long_certificate()


def _tie_input() -> bytes:
    """Bytes whose zlib stream (level 9) is exactly as long as they are."""
    rng = random.Random(20261123)
    tail = bytes(rng.randrange(256) for _ in range(120))
    for zeros in range(1, 200):
        data = b"\0" * zeros + tail
        if len(zlib.compress(data, 9)) == len(data):
            return data
    raise AssertionError("no tie found")


def test_wrap_keeps_the_uncompressed_form_on_a_tie() -> None:
    data = _tie_input()
    assert len(zlib.compress(data, 9)) == len(data)
    assert native.wrap(data) == "VN1:" + b45encode(data)


def test_wrap_compresses_when_strictly_shorter_and_not_when_longer() -> None:
    shorter = b"\0" * 40 + bytes(range(200))
    assert len(zlib.compress(shorter, 9)) < len(shorter)
    assert native.wrap(shorter) == "VN1:" + b45encode(zlib.compress(shorter, 9))
    rng = random.Random(1)
    incompressible = bytes(rng.randrange(256) for _ in range(100))
    assert len(zlib.compress(incompressible, 9)) > len(incompressible)
    assert native.wrap(incompressible) == "VN1:" + b45encode(incompressible)


# --- COSE structure ------------------------------------------------------------------

@pytest.mark.parametrize(("issuer", "alg_id"), [(ES256, -7), (ED25519, -8)],
                         ids=["ES256", "EdDSA"])
def test_cose_headers_are_exact(issuer: cccdqr.Issuer, alg_id: int,
                                sample_certificate: cccdqr.HealthCertificate) -> None:
    tagged, protected, unprotected, _, signature = cose_parts(
        helpers.issue(sample_certificate, issuer))
    assert tagged
    assert cbor2.loads(protected) == {1: alg_id, 4: issuer.kid}
    assert protected == canonical({1: alg_id, 4: issuer.kid})
    assert unprotected == {}
    assert len(signature) == 64


def test_tag_18_is_the_first_byte(sample_certificate: cccdqr.HealthCertificate) -> None:
    assert helpers.raw_sign1(helpers.issue(sample_certificate))[:2] == b"\xd2\x84"


def test_kid_is_sha256_of_spki_first_8_bytes() -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization
    for issuer, key in ((ES256, ES256_KEY), (ED25519, ED25519_KEY)):
        der = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        assert issuer.kid == hashlib.sha256(der).digest()[:8]


def test_es256_signature_is_raw_r_s_over_the_sig_structure(
        sample_certificate: cccdqr.HealthCertificate) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    _, protected, _, payload, signature = cose_parts(helpers.issue(sample_certificate))
    to_be_signed = canonical(["Signature1", protected, b"", payload])
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    ES256_KEY.public_key().verify(der, to_be_signed, ec.ECDSA(hashes.SHA256()))


# --- payload -------------------------------------------------------------------------

@pytest.mark.parametrize("issuer", [ES256, ED25519], ids=["ES256", "EdDSA"])
def test_payload_is_deterministic_cbor(issuer: cccdqr.Issuer) -> None:
    cert = cccdqr.HealthCertificate(
        subject=helpers.subject(),
        vaccinations=(helpers.dose(1), helpers.dose(2, country="LA", disease=1,
                                                    administering_unit="Bệnh viện Bạch Mai")),
        tests=(helpers.test_event(),),
        recoveries=(cccdqr.Recovery(first_positive=dt.date(2022, 1, 1),
                                    valid_from=dt.date(2022, 1, 12),
                                    valid_until=dt.date(2022, 6, 30), country="KH"),))
    payload = cose_parts(helpers.issue(cert, issuer))[3]
    assert payload == canonical(cbor2.loads(payload))


def test_claims_keys_and_values(sample_certificate: cccdqr.HealthCertificate) -> None:
    text = ES256.issue(sample_certificate, now=NOW, valid_for=dt.timedelta(days=30),
                       cti=b"\xaa" * 9)
    claims_map = payload_of(text)
    assert set(claims_map) == {1, 4, 6, 7, -65537}
    iat = int(NOW.timestamp())
    assert claims_map[1] == "VN"
    assert claims_map[6] == iat
    assert claims_map[4] == iat + 30 * 86400
    assert claims_map[7] == b"\xaa" * 9


def test_record_layout_exactly(sample_certificate: cccdqr.HealthCertificate) -> None:
    record = payload_of(helpers.issue(sample_certificate))[-65537]
    assert record == {
        0: 1,
        1: {1: "001090123456", 2: "Nguyễn Văn An", 3: days(dt.date(1990, 5, 17)), 4: 1},
        2: [{2: 1, 3: n, 4: 2, 5: days(dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1)))}
            for n in (1, 2, 3)],
    }


def test_default_cbor_record_uses_issuer_record_to_cbor(
        sample_certificate: cccdqr.HealthCertificate) -> None:
    record = payload_of(helpers.issue(sample_certificate))[-65537]
    assert record == native.record_to_cbor(sample_certificate)


@pytest.mark.parametrize("number", sorted(PRODUCT_NUMBERS))
def test_product_numbers(number: int) -> None:
    cert = helpers.certificate(1).replace(
        vaccinations=(helpers.dose(1, product=PRODUCT_NUMBERS[number]),))
    assert native.record_to_cbor(cert)[2][0][2] == number


def test_product_numbers_are_the_designed_table() -> None:
    assert dict(PRODUCT_NUMBERS) == {
        1: "EU/1/20/1528", 2: "EU/1/20/1507", 3: "EU/1/21/1529", 4: "Covishield",
        5: "BBIBP-CorV", 6: "Hayat-Vax", 7: "Sputnik-V", 8: "Sputnik-Light", 9: "Abdala",
        10: "EU/1/20/1525", 11: "CoronaVac", 12: "EU/1/21/1618", 13: "Covaxin"}


def test_other_products_are_text_codes() -> None:
    cert = helpers.certificate(1).replace(
        vaccinations=(helpers.dose(1, product="VN-NANOCOVAX"),))
    assert native.record_to_cbor(cert)[2][0][2] == "VN-NANOCOVAX"


def test_defaults_are_never_written() -> None:
    cert = cccdqr.HealthCertificate(
        subject=helpers.subject(sex=None),
        vaccinations=(helpers.dose(1, country="VN", disease=cccdqr.DISEASE_COVID19),),
        tests=(helpers.test_event(country="VN"),),
        recoveries=(cccdqr.Recovery(first_positive=dt.date(2022, 1, 1),
                                    valid_from=dt.date(2022, 1, 12),
                                    valid_until=dt.date(2022, 6, 30)),))
    record = native.record_to_cbor(cert)
    assert set(record[1]) == {1, 2, 3}  # no sex
    assert set(record[2][0]) == {2, 3, 4, 5}
    assert record[3][0] == {2: cccdqr.TEST_NAA,
                            5: int(dt.datetime(2026, 11, 22, 8, 30,
                                               tzinfo=dt.timezone.utc).timestamp()),
                            8: cccdqr.RESULT_NOT_DETECTED}
    assert record[4][0] == {9: days(dt.date(2022, 1, 1)), 10: days(dt.date(2022, 1, 12)),
                            11: days(dt.date(2022, 6, 30))}
    for m in (record[2][0], record[3][0], record[4][0]):
        assert 1 not in m and 6 not in m
    assert 840539006 not in cbor2.loads(native.claims_to_cbor(
        cert, issuer="VN", iat=1, exp=2, cti=b"12345678"))[-65537][2][0].values()


def test_non_default_values_are_written() -> None:
    cert = cccdqr.HealthCertificate(
        subject=helpers.subject(sex=cccdqr.Sex.MALE),
        vaccinations=(helpers.dose(1, country="LA", disease=1, administering_unit="Trạm Y tế"),),
        tests=(helpers.test_event(country="TH", disease=2),),
        recoveries=(cccdqr.Recovery(first_positive=dt.date(2022, 1, 1),
                                    valid_from=dt.date(2022, 1, 12),
                                    valid_until=dt.date(2022, 6, 30), country="KH"),))
    record = native.record_to_cbor(cert)
    assert record[1][4] == 1
    assert (record[2][0][1], record[2][0][6], record[2][0][7]) == (1, "LA", "Trạm Y tế")
    assert (record[3][0][1], record[3][0][6]) == (2, "TH")
    assert record[4][0][6] == "KH" and 1 not in record[4][0]


@pytest.mark.parametrize(("dob", "wire"), [
    ("1990-05-17", days(dt.date(1990, 5, 17))),
    ("1969-12-31", -1),
    ("1990", "1990"),
    ("1990-05", "1990-05"),
])
def test_dob_is_a_day_count_or_partial_text(dob: str, wire: object) -> None:
    cert = helpers.certificate(1, dob=dob, id_number="001090123456" if dob[:2] == "19"
                               and dob[2:4] == "90" else "001069123456")
    assert native.record_to_cbor(cert)[1][3] == wire


def test_name_is_written_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Đặng Thị Ngọc Ánh")
    assert decomposed != "Đặng Thị Ngọc Ánh"
    cert = helpers.certificate(1, name=decomposed, sex=cccdqr.Sex.FEMALE,
                               id_number="001190123456")
    assert native.record_to_cbor(cert)[1][2] == "Đặng Thị Ngọc Ánh"


def test_record_round_trip() -> None:
    certs = [
        helpers.certificate(3),
        helpers.certificate(1, dob="1990", sex=None),
        cccdqr.HealthCertificate(
            subject=helpers.subject(dob="1990-05"),
            tests=(helpers.test_event(), helpers.test_event(test_type=cccdqr.TEST_RAT)),
            recoveries=(cccdqr.Recovery(first_positive=dt.date(2022, 1, 1),
                                        valid_from=dt.date(2022, 1, 12),
                                        valid_until=dt.date(2022, 6, 30), country="KH"),)),
        helpers.certificate(1).replace(vaccinations=(
            helpers.dose(1, product="VN-NANOCOVAX", administering_unit="Bệnh viện Chợ Rẫy"),)),
    ]
    for cert in certs:
        wire = native.record_to_cbor(cert)
        assert native.record_from_cbor(cbor2.loads(cbor2.dumps(wire))) == cert


def test_record_to_cbor_needs_an_id_number() -> None:
    cert = helpers.certificate(1).replace(subject=helpers.subject(id_number=None))
    with pytest.raises(cccdqr.InvalidCertificate):
        native.record_to_cbor(cert)


# --- what the decoder accepts (properly signed, never written by the issuer) ---------

def _expect_valid(text: str, cert: cccdqr.HealthCertificate | None = None) -> None:
    result = helpers.verify(text)
    assert result.status is Status.VALID, (result.reasons, result.detail)
    assert result.certificate == (cert or helpers.certificate(1))


@pytest.mark.parametrize("tagged", [True, False], ids=["tagged", "untagged"])
@pytest.mark.parametrize("compressed", [True, False], ids=["zlib", "plain"])
def test_accepts_tagged_or_untagged_compressed_or_not(tagged: bool, compressed: bool) -> None:
    raw = helpers.sign1(cbor2.dumps(claims()), tagged=tagged)
    assert raw[:1] == (b"\xd2" if tagged else b"\x84")
    _expect_valid(helpers.z45(raw) if compressed else helpers.b45(raw))


def test_accepts_explicit_default_values() -> None:
    record = record_map(events=[helpers.vaccination_map({1: 840539006, 6: "VN"})])
    _expect_valid(signed_code(claims(record=record)))


def test_accepts_explicit_defaults_in_tests_and_recoveries() -> None:
    t = {1: 840539006, 2: cccdqr.TEST_NAA, 5: int(NOW.timestamp()) - 7200, 6: "VN",
         8: cccdqr.RESULT_NOT_DETECTED}
    r = {1: 840539006, 6: "VN", 9: days(dt.date(2022, 1, 1)), 10: days(dt.date(2022, 1, 12)),
         11: days(dt.date(2022, 6, 30))}
    record = {0: 1, 1: helpers.subject_map(), 3: [t], 4: [r]}
    expected = cccdqr.HealthCertificate(
        subject=helpers.subject(),
        tests=(helpers.test_event(sampled_at=NOW - dt.timedelta(hours=2)),),
        recoveries=(cccdqr.Recovery(first_positive=dt.date(2022, 1, 1),
                                    valid_from=dt.date(2022, 1, 12),
                                    valid_until=dt.date(2022, 6, 30)),))
    _expect_valid(signed_code(claims(record=record)), expected)


def test_accepts_alg_minus_19_for_ed25519() -> None:
    protected = helpers.protected_map(ED25519_KEY, {1: -19})
    result = helpers.verify(signed_code(claims(), ED25519_KEY, protected=protected))
    assert result.valid, result.reasons
    assert result.alg == "EdDSA"


def test_accepts_product_as_text_code() -> None:
    record = record_map(events=[helpers.vaccination_map({2: "EU/1/20/1528"})])
    _expect_valid(signed_code(claims(record=record)))


def test_accepts_national_product_code() -> None:
    record = record_map(events=[helpers.vaccination_map({2: "VN-COVIVAC"})])
    expected = helpers.certificate(1).replace(
        vaccinations=(helpers.dose(1, product="VN-COVIVAC"),))
    _expect_valid(signed_code(claims(record=record)), expected)


def test_accepts_non_canonical_payload() -> None:
    # keys out of order, a non-shortest integer head, and an indefinite-length array
    subject = cbor2.dumps(helpers.subject_map())
    vaccination = cbor2.dumps(helpers.vaccination_map())
    record = (b"\xa3" + b"\x02\x9f" + vaccination + b"\xff" + b"\x01" + subject
              + b"\x00\x18\x01")
    payload = (b"\xa5" + cbor2.dumps(-65537) + record
               + b"\x07" + cbor2.dumps(helpers.CTI)
               + b"\x06\x1b" + helpers.IAT.to_bytes(8, "big")
               + b"\x04" + cbor2.dumps(helpers.EXP)
               + b"\x01" + cbor2.dumps("VN"))
    assert payload != canonical(cbor2.loads(payload))
    assert cbor2.loads(payload) == claims()
    _expect_valid(signed_code(payload))


def test_ignores_unknown_cwt_claims() -> None:
    _expect_valid(signed_code(claims({99: "x", -70000: [1, 2, {3: 4}], 8: b"cnf"})))


def test_accepts_the_same_kid_in_both_headers() -> None:
    _expect_valid(signed_code(claims(), unprotected={4: helpers.ES256_KID}))


def test_accepts_unknown_unprotected_headers() -> None:
    _expect_valid(signed_code(claims(), unprotected={99: "note"}))


# --- structural rejections, end to end ------------------------------------------------

def _expect(text: str, reason: Reason, status: Status = Status.INVALID) -> cccdqr.VerificationResult:
    result = helpers.verify(text)
    assert result.reasons[:1] == (reason,), (result.reasons, result.detail)
    assert result.status is status
    assert not result.valid
    return result


def _after_signature(text: str, reason: Reason, status: Status = Status.INVALID) -> None:
    result = _expect(text, reason, status)
    assert result.signature_verified
    assert result.certificate is None


def _record(record: Any) -> str:
    return signed_code(claims(record=record))


BAD_RECORDS: dict[str, Any] = {
    "unknown key in record": record_map({5: 1}),
    "unknown key in subject": record_map(subject=helpers.subject_map({5: "x"})),
    "unknown key in vaccination": record_map(events=[helpers.vaccination_map({8: 1})]),
    "unknown key in test": {0: 1, 1: helpers.subject_map(),
                            3: [{2: cccdqr.TEST_NAA, 5: helpers.IAT, 8: 260415000, 3: 1}]},
    "unknown key in recovery": {0: 1, 1: helpers.subject_map(),
                                4: [{9: 19000, 10: 19011, 11: 19100, 2: 1}]},
    "missing subject": helpers.without(record_map(), 1),
    "missing name": record_map(subject=helpers.without(helpers.subject_map(), 2)),
    "missing dob": record_map(subject=helpers.without(helpers.subject_map(), 3)),
    "missing id number": record_map(subject=helpers.without(helpers.subject_map(), 1)),
    "missing product": record_map(events=[helpers.without(helpers.vaccination_map(), 2)]),
    "missing dose number": record_map(events=[helpers.without(helpers.vaccination_map(), 3)]),
    "missing vaccination date": record_map(events=[helpers.without(helpers.vaccination_map(), 5)]),
    "missing test result": {0: 1, 1: helpers.subject_map(),
                            3: [{2: cccdqr.TEST_NAA, 5: helpers.IAT}]},
    "missing recovery valid_until": {0: 1, 1: helpers.subject_map(), 4: [{9: 19000, 10: 19011}]},
    "empty event list": record_map(events=[]),
    "no events": helpers.without(record_map(), 2),
    "missing version": helpers.without(record_map(), 0),
    "version as text": record_map({0: "1"}),
    "record not a map": [1, 2, 3],
    "subject not a map": record_map(subject=["001090123456", "Nguyễn Văn An"]),
    "events not an array": record_map(events=helpers.vaccination_map()),
    "event not a map": record_map(events=[[1, 2, 3]]),
    "name not text": record_map(subject=helpers.subject_map({2: 42})),
    "id number not text": record_map(subject=helpers.subject_map({1: 1090123456})),
    "dob as float": record_map(subject=helpers.subject_map({3: 7441.0})),
    "dob day count out of range": record_map(subject=helpers.subject_map({3: -30000})),
    "partial dob malformed": record_map(subject=helpers.subject_map({3: "1990-13"})),
    "sex out of range": record_map(subject=helpers.subject_map({4: 3})),
    "dose number as text": record_map(events=[helpers.vaccination_map({3: "1"})]),
    "dose number zero": record_map(events=[helpers.vaccination_map({3: 0})]),
    "date as text": record_map(events=[helpers.vaccination_map({5: "2021-07-01"})]),
    "product as bytes": record_map(events=[helpers.vaccination_map({2: b"EU/1/20/1528"})]),
    "country lowercase": record_map(events=[helpers.vaccination_map({6: "vn"})]),
    "administering unit not text": record_map(events=[helpers.vaccination_map({7: 5})]),
    "full date given as text": record_map(subject=helpers.subject_map({3: "1990-05-17"})),
    "recovery window inverted": {0: 1, 1: helpers.subject_map(),
                                 4: [{9: 19000, 10: 19100, 11: 19011}]},
    "test time as float": {0: 1, 1: helpers.subject_map(),
                           3: [{2: cccdqr.TEST_NAA, 5: float(helpers.IAT), 8: 260415000}]},
}


@pytest.mark.parametrize("record", list(BAD_RECORDS.values()), ids=list(BAD_RECORDS))
def test_bad_record(record: Any) -> None:
    _after_signature(_record(record), Reason.BAD_RECORD)


def test_missing_record_claim_is_bad_record() -> None:
    _after_signature(signed_code(helpers.without(claims(), -65537)), Reason.BAD_RECORD)


@pytest.mark.parametrize("record", [
    record_map({0: 2}),
    {0: 2, 1: "a future subject", 9: "a new field"},
], ids=["version 2", "version 2 with new fields"])
def test_unsupported_version_cannot_check(record: Any) -> None:
    _after_signature(_record(record), Reason.UNSUPPORTED_VERSION, Status.CANNOT_CHECK)


@pytest.mark.parametrize("number", [14, 99, 0, 2**32])
def test_unknown_product_number_is_newer_than_the_verifier(number: int) -> None:
    # docs/decisions.md 7: numbers are only appended, so an unknown one is CANNOT_CHECK
    record = record_map(events=[helpers.vaccination_map({2: number})])
    _after_signature(_record(record), Reason.UNSUPPORTED_VERSION, Status.CANNOT_CHECK)


@pytest.mark.parametrize("id_number", ["00109012345", "0010901234567", "００１０９０１２３４５６",
                                       "00109012345A", ""])
def test_id_number_not_12_digits(id_number: str) -> None:
    _after_signature(_record(record_map(subject=helpers.subject_map({1: id_number}))),
                     Reason.CCCD_FORMAT)


BAD_CLAIMS: dict[str, Any] = {
    "missing iss": helpers.without(claims(), 1),
    "missing iat": helpers.without(claims(), 6),
    "missing exp": helpers.without(claims(), 4),
    "missing cti": helpers.without(claims(), 7),
    "iss not text": claims(iss=86),
    "iss empty": claims(iss=""),
    "float iat": claims(iat=float(helpers.IAT)),
    "float exp": claims(exp=float(helpers.EXP)),
    "bignum iat": claims(iat=2**64 + 5),
    "negative iat": claims(iat=-1),
    "iat past 9999": claims(iat=253402300800, exp=253402300801),
    "bool iat": claims(iat=True),
    "exp before iat": claims(exp=helpers.IAT - 1),
    "cti of 7 bytes": claims(cti=b"1234567"),
    "cti of 17 bytes": claims(cti=b"12345678901234567"),
    "cti as text": claims(cti="123456789012"),
    "claims not a map": [1, "VN", 6, helpers.IAT],
}


@pytest.mark.parametrize("claims_map", list(BAD_CLAIMS.values()), ids=list(BAD_CLAIMS))
def test_bad_claims(claims_map: Any) -> None:
    payload = cbor2.dumps(claims_map)
    _after_signature(signed_code(payload), Reason.BAD_CLAIMS)


def test_bignum_iat_is_tagged_on_the_wire() -> None:
    assert b"\xc2" in cbor2.dumps(claims(iat=2**64 + 5))


def test_payload_not_cbor_is_bad_claims() -> None:
    _after_signature(signed_code(b"\xff\x00 not cbor"), Reason.BAD_CLAIMS)


def test_cti_lengths_8_and_16_are_accepted() -> None:
    for cti in (b"12345678", b"1234567890123456"):
        _expect_valid(signed_code(claims(cti=cti)))


def test_kid_only_in_unprotected_header_is_missing_kid() -> None:
    protected = {1: -7}
    text = signed_code(claims(), protected=protected, unprotected={4: helpers.ES256_KID})
    _expect(text, Reason.MISSING_KID)


def test_kid_conflict() -> None:
    text = signed_code(claims(), unprotected={4: helpers.ED25519_KID})
    _expect(text, Reason.KID_CONFLICT)


def test_kid_not_bytes_is_bad_cose() -> None:
    text = signed_code(claims(), protected={1: -7, 4: helpers.ES256_KID.hex()})
    _expect(text, Reason.BAD_COSE)


def test_ps256_is_not_allowed_in_vn1() -> None:
    key = helpers.rsa_key()
    text = signed_code(claims(), key)
    assert cbor2.loads(cose_parts(text)[1])[1] == -37
    _expect(text, Reason.ALG_NOT_ALLOWED)


@pytest.mark.parametrize("alg", [-35, -36, -257, "none", "ES256", 0, None, -7.0],
                         ids=["ES384", "ES512", "RS256", "none", "name", "zero", "null", "float"])
def test_other_algorithms_are_not_allowed(alg: object) -> None:
    text = signed_code(claims(), protected={1: alg, 4: helpers.ES256_KID})
    _expect(text, Reason.ALG_NOT_ALLOWED)


def test_missing_alg_is_not_allowed() -> None:
    _expect(signed_code(claims(), protected={4: helpers.ES256_KID}), Reason.ALG_NOT_ALLOWED)


def test_alg_only_in_unprotected_header_is_not_allowed() -> None:
    text = signed_code(claims(), protected={4: helpers.ES256_KID}, unprotected={1: -7})
    _expect(text, Reason.ALG_NOT_ALLOWED)


def test_critical_header_is_bad_cose() -> None:
    text = signed_code(claims(), protected={1: -7, 4: helpers.ES256_KID, 2: [99]})
    _expect(text, Reason.BAD_COSE)


def test_duplicate_key_in_protected_header() -> None:
    kid = helpers.ES256_KID
    protected = b"\xa3\x01\x26\x04\x48" + kid + b"\x01\x26"
    _expect(native.wrap(helpers.sign1(cbor2.dumps(claims()), protected_bytes=protected)),
            Reason.DUPLICATE_KEY)


def test_duplicate_key_in_payload_after_signature() -> None:
    payload = cbor2.dumps(claims())
    payload = b"\xa6" + payload[1:] + b"\x01\x62LA"  # a second iss
    _after_signature(signed_code(payload), Reason.DUPLICATE_KEY)


def test_indefinite_length_protected_header_is_bad_cose() -> None:
    kid = helpers.ES256_KID
    protected = b"\xbf\x01\x26\x04\x48" + kid + b"\xff"
    _expect(native.wrap(helpers.sign1(cbor2.dumps(claims()), protected_bytes=protected)),
            Reason.BAD_COSE)


@pytest.mark.parametrize("body", [
    [b"", {}, b"payload"],
    [b"", {}, b"payload", b"sig", b"extra"],
    ["protected", {}, b"payload", b"sig"],
    [b"\xa0", [], b"payload", b"sig"],
    [b"\xa0", {}, "payload", b"sig"],
    [b"\xa0", {}, b"payload", None],
], ids=["3 items", "5 items", "protected text", "unprotected array", "payload text",
        "signature null"])
def test_malformed_cose_is_bad_cose(body: list[Any]) -> None:
    _expect(helpers.b45(b"\xd2" + cbor2.dumps(body)), Reason.BAD_COSE)


def test_other_tag_is_bad_cose() -> None:
    raw = helpers.sign1(cbor2.dumps(claims()), tagged=False)
    _expect(helpers.b45(b"\xd1" + raw), Reason.BAD_COSE)  # tag 17 (COSE_Mac0)


# --- map keys: integers and strings only (1, 1.0 and True are one Python dict key) --------

def test_float_key_in_record_is_rejected() -> None:
    record = {0: 1, 1: helpers.subject_map(), 2.0: [helpers.vaccination_map()]}
    result = helpers.verify(_record(record))
    assert not result.valid and result.signature_verified
    assert result.reasons[0] in (Reason.BAD_CLAIMS, Reason.BAD_RECORD)


def test_int_and_float_twin_keys_are_rejected() -> None:
    # 3 and 3.0 are distinct CBOR keys; read as one dict entry the later would win.
    # (A Python dict cannot hold both, so the pair is spliced into the bytes.)
    vaccination = cbor2.dumps(helpers.vaccination_map())
    assert vaccination[:1] == b"\xa4"
    twin = b"\xa5" + vaccination[1:] + b"\xf9\x42\x00\x02"  # 3.0 (half float): 2
    assert cbor2.loads(twin) == {**helpers.vaccination_map(), 3: 2}
    payload = cbor2.dumps(claims())
    assert payload.count(vaccination) == 1
    result = helpers.verify(signed_code(payload.replace(vaccination, twin)))
    assert not result.valid and result.signature_verified
    assert result.reasons[0] in (Reason.BAD_CLAIMS, Reason.BAD_RECORD, Reason.DUPLICATE_KEY)


@pytest.mark.parametrize("key", [True, None, 4.0, 1.5], ids=["true", "null", "4.0", "1.5"])
def test_non_integer_key_in_claims_is_rejected(key: object) -> None:
    payload = cbor2.dumps(claims()) if key is True else cbor2.dumps({**claims(), key: "x"})
    if key is True:  # a Python dict cannot hold 1 and True: splice the pair in by hand
        payload = b"\xa6" + payload[1:] + b"\xf5\x62LA"
    result = helpers.verify(signed_code(payload))
    assert not result.valid and result.signature_verified
    assert result.reasons[0] in (Reason.BAD_CLAIMS, Reason.DUPLICATE_KEY)


def test_byte_string_claim_keys_are_unknown_claims() -> None:
    # b"\x01" is not the label 1: an unknown claim, ignored
    _expect_valid(signed_code(claims({b"\x01": "LA", "iss": "LA"})))


def test_float_kid_label_is_not_a_kid() -> None:
    text = signed_code(claims(), protected={1: -7, 4.0: helpers.ES256_KID})
    result = helpers.verify(text)
    assert result.reasons[0] in (Reason.BAD_COSE, Reason.MISSING_KID)
    assert result.status is Status.INVALID


# --- known bugs ------------------------------------------------------------------------

def test_issuer_refuses_an_exp_the_format_cannot_carry() -> None:
    with pytest.raises(ValueError):
        ES256.issue(helpers.certificate(1), now=NOW, valid_for=dt.timedelta(days=3_000_000))


def test_issuer_refuses_an_iat_before_1970() -> None:
    with pytest.raises(ValueError):
        ES256.issue(helpers.certificate(1), now=dt.datetime(1969, 12, 31, tzinfo=dt.timezone.utc),
                    valid_for=dt.timedelta(days=30))


# --- issuing writes the deterministic encoding (the order-keeping encoder) ---------

@settings(max_examples=200)
@given(testing.mixed_certificates(), st.binary(min_size=8, max_size=16),
       st.integers(0, native.MAX_TIME), st.text(min_size=1, max_size=30))
def test_claims_are_the_canonical_encoding(cert: Any, cti: bytes, iat: int, iss: str) -> None:
    # claims_to_cbor builds its maps in deterministic key order and encodes them
    # keeping that order: the bytes must be cbor2's canonical encoding.
    data = native.claims_to_cbor(cert, issuer=iss, iat=iat, exp=iat, cti=cti)
    assert data == cbor2.dumps(cbor2.loads(data), canonical=True)
    assert native.record_from_cbor(cbor2.loads(data)[native.RECORD_CLAIM]) == cert


def test_signed_body_is_the_canonical_encoding() -> None:
    raw = helpers.raw_sign1(signed_code())
    assert raw[0] == 0xD2
    assert raw[1:] == cbor2.dumps(cbor2.loads(raw[1:]), canonical=True)
