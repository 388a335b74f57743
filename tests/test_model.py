"""Construction validation of the frozen value types in cccdqr.core.model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cccdqr
import helpers
from cccdqr import testkeys
from cccdqr.core.errors import CccdqrError, InvalidCertificate
from cccdqr.core.model import (
    DISEASE_COVID19,
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Recovery,
    Sex,
    Subject,
    Test,
    Vaccination,
)

UTC = dt.timezone.utc
ICT = dt.timezone(dt.timedelta(hours=7))
NAME = "Nguyễn Văn An"
ID = "001090123456"


def subject(**kw: Any) -> Subject:
    base: dict[str, Any] = {"name": NAME, "dob": "1990-05-17", "id_number": ID, "sex": Sex.MALE}
    base.update(kw)
    return Subject(**base)


def vaccination(**kw: Any) -> Vaccination:
    base: dict[str, Any] = {"product": "EU/1/20/1528", "dose_number": 1, "doses_in_series": 2,
                            "date": dt.date(2021, 8, 1)}
    base.update(kw)
    return Vaccination(**base)


def make_test(**kw: Any) -> Test:
    base: dict[str, Any] = {"test_type": TEST_NAA,
                            "sampled_at": dt.datetime(2021, 9, 1, 8, 30, tzinfo=UTC),
                            "result": RESULT_NOT_DETECTED}
    base.update(kw)
    return Test(**base)



def recovery(**kw: Any) -> Recovery:
    base: dict[str, Any] = {"first_positive": dt.date(2021, 7, 1),
                            "valid_from": dt.date(2021, 7, 12),
                            "valid_until": dt.date(2022, 1, 1)}
    base.update(kw)
    return Recovery(**base)


def invalid(factory: Any, **kw: Any) -> InvalidCertificate:
    with pytest.raises(InvalidCertificate) as info:
        factory(**kw)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, CccdqrError)
    return info.value


# --- Subject: name -----------------------------------------------------------------------

def test_name_is_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    composed = unicodedata.normalize("NFC", "Nguyễn")
    assert decomposed != composed
    a = subject(name=decomposed)
    b = subject(name=composed)
    assert a.name == composed
    assert unicodedata.is_normalized("NFC", a.name)
    assert a == b
    assert hash(a) == hash(b)


@settings(max_examples=100)
@given(st.text(alphabet="aăâeêioôơuưyAĂÂĐđ \u0300\u0301\u0303\u0309\u0323", min_size=1,
               max_size=30).filter(lambda s: s.strip()))
def test_any_name_is_stored_nfc(name: str) -> None:
    try:
        s = subject(name=name)
    except InvalidCertificate:
        return
    assert s.name == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(
    "name",
    ["", " ", "   ", "\u3000", "Nguyễn\x00An", "Nguyễn\nAn", "Nguyễn\tAn", "An\r", "\x7f",
     "An\x85", "An\x9f", "\x1bAn", "x" * 201, None, 5, b"An", ["An"]],
)
def test_bad_names_refused(name: Any) -> None:
    invalid(subject, name=name)


def test_name_length_limit() -> None:
    assert subject(name="x" * 200).name == "x" * 200


# --- Subject: date of birth -----------------------------------------------------------------

@pytest.mark.parametrize("dob", ["1990", "1990-05", "1990-05-17", "2000-02-29", "1900",
                                 "1900-01-01", "2024-12-31"])
def test_dob_accepted(dob: str) -> None:
    assert subject(dob=dob).dob == dob


@pytest.mark.parametrize(
    "dob",
    ["1990-02-30", "1990-13", "1990-13-01", "1990-04-31", "1900-02-29", "90", "990",
     "19900", "1990-5", "1990-05-7", "1990/05/17", "17-05-1990", "17/05/1990", "19900517",
     "1990-05-17T00:00", "1990-05-17 ", " 1990", "1990\n", "1899", "1899-12-31", "", "abcd",
     "1990-W20", "+1990"],
)
def test_dob_refused(dob: str) -> None:
    invalid(subject, dob=dob)


@pytest.mark.parametrize(
    "dob", [dt.date(1990, 5, 17), dt.datetime(1990, 5, 17, tzinfo=UTC),
            dt.datetime(1990, 5, 17), 1990, None, b"1990"])
def test_dob_must_be_text(dob: Any) -> None:
    invalid(subject, dob=dob)


@pytest.mark.parametrize("dob", ["1990-00", "1990-05-00", "1990-00-00", "1990-00-15"])
def test_dob_month_or_day_zero_refused(dob: str) -> None:
    invalid(subject, dob=dob)


@pytest.mark.parametrize("dob", ["１９９０", "١٩٩٠-٠٥-١٧", "199０-05-17", "१९९०"])
def test_dob_non_ascii_digits_refused(dob: str) -> None:
    invalid(subject, dob=dob)


def test_birth_year_and_birth_date() -> None:
    assert subject(dob="1990").birth_year == 1990
    assert subject(dob="1990").birth_date is None
    assert subject(dob="1990-05").birth_date is None
    assert subject(dob="1990-05-17").birth_date == dt.date(1990, 5, 17)
    assert subject(dob="2003-01-02").birth_year == 2003


@settings(max_examples=150)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_date_is_a_valid_dob(day: dt.date) -> None:
    s = subject(dob=day.isoformat(), id_number=None)
    assert s.birth_date == day
    assert s.birth_year == day.year
    assert subject(dob=day.isoformat()[:7], id_number=None).birth_date is None


# --- Subject: id number and sex -------------------------------------------------------------

@pytest.mark.parametrize("number", [ID, "000000000000", "999999999999", None])
def test_id_number_accepted(number: str | None) -> None:
    assert subject(id_number=number).id_number == number


@pytest.mark.parametrize(
    "number",
    ["00109012345", "0010901234567", "", "00109012345a", "001 90123456", "001-090-123456",
     "٠٠١٠٩٠١٢٣٤٥٦",          # Arabic-Indic digits
     "００１０９０１２３４５６",  # full-width digits
     "۰۰۱۰۹۰۱۲۳۴۵۶",          # extended Arabic-Indic
     "00109012345²",           # superscript two (isdigit() is True)
     " 001090123456", "001090123456\n", 1090123456, 1.0, b"001090123456"],
)
def test_id_number_refused(number: Any) -> None:
    invalid(subject, id_number=number)


@pytest.mark.parametrize(("value", "expected"), [(1, Sex.MALE), (2, Sex.FEMALE),
                                                 (Sex.MALE, Sex.MALE), (Sex.FEMALE, Sex.FEMALE),
                                                 (None, None)])
def test_sex_coerced(value: Any, expected: Sex | None) -> None:
    s = subject(sex=value)
    assert s.sex is expected
    if value is not None:
        assert type(s.sex) is Sex


@pytest.mark.parametrize("value", [0, 3, -1, True, False, "M", "male", 1.0, "1"])
def test_sex_refused(value: Any) -> None:
    invalid(subject, sex=value)


def test_subject_defaults() -> None:
    s = Subject(name="An", dob="1990")
    assert s.id_number is None and s.sex is None


def test_subject_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        Subject("An", "1990")  # type: ignore[misc]


# --- Vaccination -------------------------------------------------------------------------

def test_vaccination_defaults() -> None:
    v = vaccination()
    assert v.country == "VN"
    assert v.disease == DISEASE_COVID19
    assert v.administering_unit is None


@pytest.mark.parametrize("n", [1, 2, 50, 99])
def test_dose_numbers_accepted(n: int) -> None:
    v = vaccination(dose_number=n, doses_in_series=n)
    assert (v.dose_number, v.doses_in_series) == (n, n)


@pytest.mark.parametrize("n", [0, -1, 100, 1000, True, False, 1.0, "1", None])
@pytest.mark.parametrize("field", ["dose_number", "doses_in_series"])
def test_dose_numbers_refused(field: str, n: Any) -> None:
    if field == "doses_in_series" and n is None:
        # the series length is unknown in formats that do not carry it (SHC, VDS-NC)
        assert vaccination(doses_in_series=None).doses_in_series is None
        return
    invalid(vaccination, **{field: n})


def test_vn1_needs_the_series_length() -> None:
    cert = helpers.certificate()
    partial = cert.replace(vaccinations=(vaccination(doses_in_series=None),))
    with pytest.raises(cccdqr.InvalidCertificate, match="series"):
        cccdqr.Issuer(testkeys.test_es256_key()).issue(partial, now=helpers.NOW,
                                                       valid_for=dt.timedelta(days=1))


@pytest.mark.parametrize(
    "date",
    [dt.datetime(2021, 8, 1), dt.datetime(2021, 8, 1, tzinfo=UTC), "2021-08-01", 18840, None,
     dt.date(1899, 12, 31)],
)
def test_vaccination_date_must_be_a_date(date: Any) -> None:
    invalid(vaccination, date=date)


@pytest.mark.parametrize("country", ["VN", "DE", "US", "XK"])
def test_country_accepted(country: str) -> None:
    assert vaccination(country=country).country == country


@pytest.mark.parametrize("country", ["vn", "Vn", "VNM", "V", "", "V1", "ĐN", "ＶＮ", "VN ",
                                     None, 84])
def test_country_refused(country: Any) -> None:
    invalid(vaccination, country=country)
    invalid(make_test, country=country)
    invalid(recovery, country=country)


@pytest.mark.parametrize("product", ["", "  ", "x" * 65, "EU/1/20/1528\n", None, 1])
def test_product_refused(product: Any) -> None:
    invalid(vaccination, product=product)


def test_product_and_unit_nfc() -> None:
    v = vaccination(product="VN-NANOCOVAX",
                    administering_unit=unicodedata.normalize("NFD", "Trạm y tế phường"))
    assert v.administering_unit == unicodedata.normalize("NFC", "Trạm y tế phường")


@pytest.mark.parametrize("unit", ["", "x" * 101, "a\x00b", 5])
def test_administering_unit_refused(unit: Any) -> None:
    invalid(vaccination, administering_unit=unit)


@pytest.mark.parametrize("disease", [0, -1, True, "840539006", 2**63])
def test_disease_refused(disease: Any) -> None:
    invalid(vaccination, disease=disease)


# --- Test ------------------------------------------------------------------------------

def test_test_accepts_any_aware_timezone() -> None:
    t = make_test(sampled_at=dt.datetime(2021, 9, 1, 15, 30, tzinfo=ICT), test_type=TEST_RAT,
                  result=RESULT_DETECTED)
    assert t.detected
    assert not make_test().detected


@pytest.mark.parametrize(
    "at",
    [dt.datetime(2021, 9, 1, 8, 30),                                  # naive
     dt.datetime(2021, 9, 1, 8, 30, 0, 1, tzinfo=UTC),                # microseconds
     dt.datetime(2021, 9, 1, 8, 30, 0, 500000, tzinfo=UTC),
     dt.date(2021, 9, 1), "2021-09-01T08:30:00Z", 1630485000, None,
     dt.datetime(1899, 12, 31, 23, 0, tzinfo=UTC),
     dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC)],
)
def test_sampled_at_refused(at: Any) -> None:
    invalid(make_test, sampled_at=at)


@pytest.mark.parametrize("kw", [{"test_type": ""}, {"test_type": "x" * 33}, {"result": 0},
                                {"result": True}, {"result": "260415000"}, {"disease": 0}])
def test_test_fields_refused(kw: dict[str, Any]) -> None:
    invalid(make_test, **kw)


# --- Recovery ---------------------------------------------------------------------------

def test_recovery_window() -> None:
    same = recovery(valid_from=dt.date(2021, 8, 1), valid_until=dt.date(2021, 8, 1))
    assert same.valid_from == same.valid_until
    invalid(recovery, valid_from=dt.date(2021, 8, 2), valid_until=dt.date(2021, 8, 1))


@pytest.mark.parametrize("field", ["first_positive", "valid_from", "valid_until"])
def test_recovery_dates_must_be_dates(field: str) -> None:
    invalid(recovery, **{field: dt.datetime(2021, 7, 12, tzinfo=UTC)})
    invalid(recovery, **{field: "2021-07-12"})


# --- HealthCertificate -------------------------------------------------------------------

def test_certificate_needs_an_event() -> None:
    invalid(HealthCertificate, subject=subject())
    invalid(HealthCertificate, subject=subject(), vaccinations=(), tests=[], recoveries=())


def test_certificate_lists_become_tuples() -> None:
    c = HealthCertificate(subject=subject(), vaccinations=[vaccination(), vaccination(
        dose_number=2)], tests=[make_test()], recoveries=[recovery()])
    assert type(c.vaccinations) is tuple and len(c.vaccinations) == 2
    assert type(c.tests) is tuple and type(c.recoveries) is tuple
    assert c == HealthCertificate(subject=subject(), vaccinations=(vaccination(), vaccination(
        dose_number=2)), tests=(make_test(),), recoveries=(recovery(),))
    hash(c)


@pytest.mark.parametrize(
    ("kw", "types"),
    [
        ({"vaccinations": (vaccination(),)}, {"v"}),
        ({"tests": (make_test(),)}, {"t"}),
        ({"recoveries": (recovery(),)}, {"r"}),
        ({"vaccinations": (vaccination(),), "recoveries": (recovery(),)}, {"v", "r"}),
        ({"vaccinations": (vaccination(),), "tests": (make_test(),),
          "recoveries": (recovery(),)}, {"v", "t", "r"}),
    ],
)
def test_record_types(kw: dict[str, Any], types: set[str]) -> None:
    c = HealthCertificate(subject=subject(), **kw)
    assert c.record_types == frozenset(types)
    assert isinstance(c.record_types, frozenset)


@pytest.mark.parametrize(
    "kw",
    [
        {"subject": None, "vaccinations": (vaccination(),)},
        {"subject": {"name": NAME}, "vaccinations": (vaccination(),)},
        {"subject": subject(), "vaccinations": (make_test(),)},
        {"subject": subject(), "tests": (vaccination(),)},
        {"subject": subject(), "recoveries": (make_test(),)},
        {"subject": subject(), "vaccinations": vaccination()},
        {"subject": subject(), "vaccinations": {vaccination()}},
        {"subject": subject(), "vaccinations": (vaccination(), None)},
        {"subject": subject(), "vaccinations": "v"},
    ],
)
def test_certificate_refuses_wrong_types(kw: dict[str, Any]) -> None:
    invalid(HealthCertificate, **kw)


def test_replace_revalidates() -> None:
    c = HealthCertificate(subject=subject(), vaccinations=(vaccination(),))
    c2 = c.replace(tests=(make_test(),))
    assert c2.record_types == {"v", "t"}
    assert c.record_types == {"v"}
    with pytest.raises(InvalidCertificate):
        c.replace(vaccinations=())


# --- immutability ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("obj", "field", "value"),
    [
        (subject(), "name", "Other"),
        (subject(), "dob", "1991"),
        (subject(), "id_number", "001091123456"),
        (vaccination(), "dose_number", 2),
        (make_test(), "result", RESULT_DETECTED),
        (recovery(), "valid_until", dt.date(2030, 1, 1)),
        (HealthCertificate(subject=subject(), vaccinations=(vaccination(),)), "tests", ()),
    ],
)
def test_frozen(obj: Any, field: str, value: Any) -> None:
    before = getattr(obj, field)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, value)
    with pytest.raises((AttributeError, TypeError)):
        obj.new_attribute = 1
    assert getattr(obj, field) == before


def test_dataclasses_replace_validates() -> None:
    with pytest.raises(InvalidCertificate):
        dataclasses.replace(vaccination(), dose_number=0)
    with pytest.raises(InvalidCertificate):
        dataclasses.replace(subject(), id_number="12345")
