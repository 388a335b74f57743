"""Properties: issue -> verify gives the certificate back; issuing is deterministic;
the ``cccdqr.testing`` strategies produce what they promise."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import unicodedata

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr import Reason, Sex, Status, check_cccd_number, testing
from cccdqr.formats import native
from cccdqr.core.identity import province_codes

import helpers
from helpers import ED25519, ES256, NOW

ISSUERS = st.sampled_from([ES256, ED25519])


@given(testing.health_certificates(), ISSUERS)
def test_issue_then_verify_gives_an_equal_certificate(
        cert: cccdqr.HealthCertificate, issuer: cccdqr.Issuer) -> None:
    text = issuer.issue(cert, now=NOW, valid_for=dt.timedelta(days=365), cti=helpers.CTI)
    result = cccdqr.verify(text, helpers.TRUST, now=NOW)
    assert result.status is Status.VALID, (result.reasons, result.detail)
    assert result.certificate == cert
    assert result.kid == issuer.kid
    assert result.certificate_id == helpers.CTI.hex()
    inspection = cccdqr.inspect(text)
    assert inspection.problems == () and inspection.certificate == cert


@given(testing.signed_vn1())
def test_signed_codes_verify_at_their_clock(code: testing.SignedCode) -> None:
    text, cert, trust, now = code
    assert text.startswith("VN1:")
    result = cccdqr.verify(text, trust, now=now)
    assert result.valid, (result.reasons, result.detail)
    assert result.certificate == cert
    assert result.issued_at == now


@settings(max_examples=40)
@given(testing.signed_codes(format=None))
def test_signed_codes_of_every_format_verify_and_round_trip(code: testing.SignedCode) -> None:
    result = cccdqr.verify(code.text, code.trust, now=code.now)
    assert result.valid, (code.format, result.reasons, result.detail)
    assert result.format == code.format
    assert result.certificate == code.certificate
    inspection = cccdqr.inspect(code.text)
    assert inspection.certificate == code.certificate
    assert cccdqr.certificate_from_dict(cccdqr.certificate_to_dict(code.certificate)) \
        == code.certificate


@given(testing.health_certificates(), ISSUERS, st.binary(min_size=8, max_size=16))
def test_issuing_is_deterministic(cert: cccdqr.HealthCertificate, issuer: cccdqr.Issuer,
                                  cti: bytes) -> None:
    fresh = cccdqr.Issuer(issuer._key, deterministic=True)  # noqa: SLF001
    first = issuer.issue(cert, now=NOW, valid_for=dt.timedelta(days=30), cti=cti)
    second = fresh.issue(cert, now=NOW, valid_for=dt.timedelta(days=30), cti=cti)
    assert first == second


@given(testing.health_certificates())
def test_record_round_trip_and_deterministic_bytes(cert: cccdqr.HealthCertificate) -> None:
    payload = native.claims_to_cbor(cert, issuer="VN", iat=1, exp=2, cti=helpers.CTI)
    decoded = cbor2.loads(payload)
    assert native.record_from_cbor(decoded[-65537]) == cert
    # deterministic: re-encoding what was decoded gives the same bytes
    assert cbor2.dumps(decoded, canonical=True) == payload
    # and the issuer never writes a default value
    for event in decoded[-65537].get(2, []) + decoded[-65537].get(3, []):
        assert event.get(1) != cccdqr.DISEASE_COVID19 and event.get(6) != "VN"


@given(testing.health_certificates(), ISSUERS)
def test_certificate_json_form_round_trips(cert: cccdqr.HealthCertificate,
                                           issuer: cccdqr.Issuer) -> None:
    assert cccdqr.certificate_from_dict(cccdqr.certificate_to_dict(cert)) == cert


# --- the strategies keep their promises -----------------------------------------------------

@given(st.data())
def test_valid_cccd_numbers_pass_every_rule(data: st.DataObject) -> None:
    dob = data.draw(st.none() | st.sampled_from(["1990-05-17", "2004", "1925-01", "2010-12-31"]))
    sex = data.draw(st.none() | st.sampled_from(Sex))
    number = data.draw(testing.cccd_numbers(dob=dob, sex=sex))
    assert len(number) == 12 and number.isdigit()
    assert check_cccd_number(number, dob=dob, sex=sex) == ()


@given(st.data())
def test_invalid_cccd_numbers_break_exactly_one_rule(data: st.DataObject) -> None:
    dob = data.draw(st.none() | st.sampled_from(["1990-05-17", "2004", "1925-01"]))
    sex = data.draw(st.none() | st.sampled_from(Sex))
    number = data.draw(testing.cccd_numbers(valid=False, dob=dob, sex=sex))
    problems = check_cccd_number(number, dob=dob, sex=sex)
    assert len(problems) == 1, (number, problems)
    if dob is None:
        assert problems[0] not in (Reason.CCCD_CENTURY_MISMATCH, Reason.CCCD_BIRTH_YEAR_MISMATCH)
    if sex is None:
        assert problems[0] is not Reason.CCCD_SEX_MISMATCH


@given(testing.cccd_numbers(provinces=["079"]))
def test_cccd_numbers_use_the_given_provinces(number: str) -> None:
    assert number.startswith("079")


@given(testing.names())
def test_names_are_vietnamese_nfc(name: str) -> None:
    assert unicodedata.normalize("NFC", name) == name
    assert 2 <= len(name.split()) <= 4
    assert cccdqr.Subject(name=name, dob="1990").name == name


@given(testing.subjects())
def test_subjects_have_consistent_ids(subject: cccdqr.Subject) -> None:
    assert subject.id_number is not None
    assert check_cccd_number(subject.id_number, dob=subject.dob, sex=subject.sex) == ()
    assert subject.id_number[:3] in province_codes()
    assert len(subject.dob) in (4, 7, 10)


@given(testing.subjects(with_id=False))
def test_subjects_without_id(subject: cccdqr.Subject) -> None:
    assert subject.id_number is None


@given(testing.health_certificates())
def test_certificates_have_events_in_range(cert: cccdqr.HealthCertificate) -> None:
    assert cert.record_types
    dates = [v.date for v in cert.vaccinations] + [t.sampled_at.date() for t in cert.tests]
    for r in cert.recoveries:
        dates += [r.first_positive, r.valid_from, r.valid_until]
    assert all(dt.date(2020, 1, 1) < d < dt.date(2030, 1, 1) for d in dates)
    for t in cert.tests:
        assert t.sampled_at.tzinfo is not None and t.sampled_at.microsecond == 0
        assert t.sampled_at.utcoffset() == dt.timedelta(0)


@given(st.data(), st.frozensets(st.sampled_from("vtr"), min_size=1))
def test_certificates_hold_the_requested_record_types(data: st.DataObject,
                                                      kinds: frozenset[str]) -> None:
    cert = data.draw(testing.health_certificates(record_types=kinds))
    assert cert.record_types == kinds


@given(st.data())
def test_symbol_swaps_change_exactly_one_symbol(data: st.DataObject) -> None:
    text = data.draw(testing.signed_vn1()).text
    bad = data.draw(testing.symbol_swaps(text))
    assert len(bad) == len(text) and bad[:4] == "VN1:"
    diff = [i for i, (a, b) in enumerate(zip(text, bad, strict=True)) if a != b]
    assert len(diff) == 1 and bad[diff[0]] in testing.BASE45_ALPHABET


def test_import_cccdqr_does_not_import_testing_or_hypothesis() -> None:
    code = ("import sys, cccdqr; "
            "assert 'cccdqr.testing' not in sys.modules, 'testing'; "
            "assert 'hypothesis' not in sys.modules, 'hypothesis'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_testing_all_is_the_public_surface() -> None:
    def ours(obj: object) -> bool:
        return str(getattr(obj, "__module__", "")).startswith(testing.__name__ + ".")

    defined = {name for name, obj in vars(testing).items() if not name.startswith("_") and ours(obj)}
    assert defined <= set(testing.__all__)
    for name in testing.__all__:
        obj = getattr(testing, name)
        if callable(obj):
            assert obj.__doc__ and ours(obj), name
