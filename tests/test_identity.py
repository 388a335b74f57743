"""CCCD number rules: province codes, century/sex digit, birth year."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccdqr.core.errors import InvalidCccdNumber, InvalidCertificate
from cccdqr.core.identity import (
    CccdInfo,
    check_cccd_number,
    describe_cccd_number,
    province_codes,
    validate_cccd_number,
)
from cccdqr.core.model import Sex
from cccdqr.core.reasons import Reason

import helpers

# The 63 codes from Circular 07/2016/TT-BCA, written out here independently of the data file.
EXPECTED_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
).split()

SHARED_CSV = helpers.SHARED / "data" / "vn_province_codes.csv"


def number(province: str = "001", g: int = 0, yy: int = 95, rest: str = "012345") -> str:
    return f"{province}{g}{yy:02d}{rest}"


# --- province codes ----------------------------------------------------------------------------

def test_province_codes() -> None:
    codes = province_codes()
    assert len(codes) == 63
    assert sorted(codes) == EXPECTED_CODES
    assert codes["001"] == "Hà Nội"
    assert codes["079"] == "Hồ Chí Minh"
    assert codes["092"] == "Cần Thơ"
    assert codes["048"] == "Đà Nẵng"
    assert codes["031"] == "Hải Phòng"
    for absent in ("000", "003", "005", "007", "009", "013", "097", "099", "100", "999"):
        assert absent not in codes


def test_province_codes_are_well_formed() -> None:
    for code, name in province_codes().items():
        assert len(code) == 3 and code.isascii() and code.isdigit()
        assert name and name == name.strip()


def test_province_codes_match_shared_data() -> None:
    rows = list(csv.DictReader(io.StringIO(SHARED_CSV.read_text("utf-8"))))
    assert {r["code"]: r["name"] for r in rows} == dict(province_codes())


# --- check_cccd_number: valid numbers -----------------------------------------------------

@pytest.mark.parametrize(
    ("num", "dob", "sex"),
    [
        ("001095012345", "1995-08-17", Sex.MALE),     # male 1995 -> digit 0
        ("079195012345", "1995-08-17", Sex.FEMALE),   # female 1995 -> 1
        ("092303000001", "2003-01-01", Sex.FEMALE),   # female 2003 -> 3
        ("001303000001", "2003-01-01", Sex.FEMALE),
        ("048210999999", "2010-12-31", Sex.MALE),     # male 2010 -> 2
        ("096400000000", "2100-06-01", Sex.MALE),     # 2100s male -> 4
        ("001500000000", "2100", Sex.FEMALE),
        ("001000000000", "1900-01-01", Sex.MALE),
        ("001199000000", "1999-12-31", Sex.FEMALE),
        ("001095012345", "1995", Sex.MALE),           # partial dobs
        ("001095012345", "1995-08", Sex.MALE),
        ("001095012345", "1995-08", None),
        ("001095012345", None, Sex.MALE),
        ("001095012345", None, None),
    ],
)
def test_valid_numbers(num: str, dob: str | None, sex: Sex | None) -> None:
    assert check_cccd_number(num, dob=dob, sex=sex) == ()
    validate_cccd_number(num, dob=dob, sex=sex)  # does not raise


def test_sex_as_plain_int_compares() -> None:
    assert check_cccd_number("001195012345", sex=2) == ()  # type: ignore[arg-type]
    assert check_cccd_number("001195012345", sex=1) == (  # type: ignore[arg-type]
        Reason.CCCD_SEX_MISMATCH,)


# --- check_cccd_number: failures ----------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    ["00109501234", "0010950123456", "", "00109501234a", "A01095012345", "001 95012345",
     "001-095-0123", "٠٠١٠٩٥٠١٢٣٤٥", "００１０９５０１２３４５", "00109501234²", " 001095012345",
     "001095012345\n", None, 1095012345, 1.5, b"001095012345", ["001095012345"]],
)
def test_format(value: Any) -> None:
    assert check_cccd_number(value) == (Reason.CCCD_FORMAT,)
    # the format failure is reported alone, whatever else is passed
    assert check_cccd_number(value, dob="1995", sex=Sex.FEMALE) == (Reason.CCCD_FORMAT,)


@pytest.mark.parametrize("province", ["000", "003", "005", "097", "099", "100", "999"])
def test_unknown_province(province: str) -> None:
    num = number(province)
    assert check_cccd_number(num) == (Reason.CCCD_UNKNOWN_PROVINCE,)
    assert check_cccd_number(num, allow_unlisted_province=True) == ()
    assert check_cccd_number(num, dob="1995", sex=Sex.MALE, allow_unlisted_province=True) == ()


def test_century_mismatch() -> None:
    # digit 0 = 1900s, the year digits match
    assert check_cccd_number(number(g=0, yy=5), dob="2005-01-01") == (
        Reason.CCCD_CENTURY_MISMATCH,)
    assert check_cccd_number(number(g=2, yy=95), dob="1995") == (Reason.CCCD_CENTURY_MISMATCH,)
    assert check_cccd_number(number(g=4, yy=0), dob="2000-01") == (
        Reason.CCCD_CENTURY_MISMATCH,)


def test_birth_year_mismatch() -> None:
    assert check_cccd_number(number(yy=95), dob="1996-01-01") == (
        Reason.CCCD_BIRTH_YEAR_MISMATCH,)
    assert check_cccd_number(number(g=3, yy=3), dob="2030") == (
        Reason.CCCD_BIRTH_YEAR_MISMATCH,)


def test_sex_mismatch() -> None:
    assert check_cccd_number(number(g=0), sex=Sex.FEMALE) == (Reason.CCCD_SEX_MISMATCH,)
    assert check_cccd_number(number(g=3, yy=3), sex=Sex.MALE) == (Reason.CCCD_SEX_MISMATCH,)


def test_several_problems_in_order() -> None:
    num = number("003", g=0, yy=95)
    assert check_cccd_number(num, dob="2096-02-03", sex=Sex.FEMALE) == (
        Reason.CCCD_UNKNOWN_PROVINCE, Reason.CCCD_CENTURY_MISMATCH,
        Reason.CCCD_BIRTH_YEAR_MISMATCH, Reason.CCCD_SEX_MISMATCH)
    assert check_cccd_number(number(g=1, yy=95), dob="2094", sex=Sex.MALE) == (
        Reason.CCCD_CENTURY_MISMATCH, Reason.CCCD_BIRTH_YEAR_MISMATCH,
        Reason.CCCD_SEX_MISMATCH)
    assert check_cccd_number(number("005", yy=95), sex=Sex.FEMALE) == (
        Reason.CCCD_UNKNOWN_PROVINCE, Reason.CCCD_SEX_MISMATCH)


def test_partial_dob_precision() -> None:
    num = number(g=0, yy=95)
    for dob in ("1995", "1995-08", "1995-08-17"):
        assert check_cccd_number(num, dob=dob) == ()
    for dob in ("1996", "1996-08", "1996-08-17"):
        assert check_cccd_number(num, dob=dob) == (Reason.CCCD_BIRTH_YEAR_MISMATCH,)


# --- describe / validate ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("num", "province", "name", "year", "sex"),
    [
        ("001095012345", "001", "Hà Nội", 1995, Sex.MALE),
        ("079195012345", "079", "Hồ Chí Minh", 1995, Sex.FEMALE),
        ("092303000001", "092", "Cần Thơ", 2003, Sex.FEMALE),
        ("048210999999", "048", "Đà Nẵng", 2010, Sex.MALE),
        ("096599000000", "096", "Cà Mau", 2199, Sex.FEMALE),
        ("003095012345", "003", None, 1995, Sex.MALE),
    ],
)
def test_describe(num: str, province: str, name: str | None, year: int, sex: Sex) -> None:
    info = describe_cccd_number(num)
    assert info == CccdInfo(province_code=province, province_name=name, birth_year=year,
                            sex=sex)


@pytest.mark.parametrize("value", ["00109501234", "abc", "٠٠١٠٩٥٠١٢٣٤٥", None, 12])
def test_describe_refuses_malformed(value: Any) -> None:
    with pytest.raises(InvalidCccdNumber) as info:
        describe_cccd_number(value)
    assert info.value.reason is Reason.CCCD_FORMAT


@pytest.mark.parametrize(
    ("num", "kw", "reason"),
    [
        ("00109501234", {}, Reason.CCCD_FORMAT),
        ("003095012345", {}, Reason.CCCD_UNKNOWN_PROVINCE),
        ("001095012345", {"dob": "2095"}, Reason.CCCD_CENTURY_MISMATCH),
        ("001095012345", {"dob": "1996-01-01"}, Reason.CCCD_BIRTH_YEAR_MISMATCH),
        ("001095012345", {"sex": Sex.FEMALE}, Reason.CCCD_SEX_MISMATCH),
        ("003095012345", {"dob": "2096", "sex": Sex.FEMALE}, Reason.CCCD_UNKNOWN_PROVINCE),
    ],
)
def test_validate_raises_with_first_reason(num: str, kw: dict[str, Any], reason: Reason) -> None:
    with pytest.raises(InvalidCccdNumber) as info:
        validate_cccd_number(num, **kw)
    assert info.value.reason is reason
    assert isinstance(info.value, InvalidCertificate)
    assert isinstance(info.value, ValueError)


def test_validate_allow_unlisted_province() -> None:
    validate_cccd_number("003095012345", allow_unlisted_province=True)


# --- property: numbers built by the rules --------------------------------------------------

PROVINCES = st.sampled_from(EXPECTED_CODES)
YEARS = st.integers(min_value=1900, max_value=2299)
SEXES = st.sampled_from([Sex.MALE, Sex.FEMALE])
SERIALS = st.text(alphabet="0123456789", min_size=6, max_size=6)


def build(province: str, year: int, sex: Sex, serial: str) -> str:
    g = 2 * (year // 100 - 19) + (1 if sex is Sex.FEMALE else 0)
    return f"{province}{g}{year % 100:02d}{serial}"


@settings(max_examples=200)
@given(PROVINCES, YEARS, SEXES, SERIALS, st.sampled_from(["", "-07", "-07-15"]))
def test_built_numbers_pass(province: str, year: int, sex: Sex, serial: str,
                            precision: str) -> None:
    num = build(province, year, sex, serial)
    dob = f"{year}{precision}"
    assert check_cccd_number(num, dob=dob, sex=sex) == ()
    info = describe_cccd_number(num)
    assert (info.province_code, info.birth_year, info.sex) == (province, year, sex)
    assert info.province_name == province_codes()[province]


@settings(max_examples=200)
@given(PROVINCES, YEARS, SEXES, SERIALS, st.integers(0, 9))
def test_changing_century_sex_digit_fails(province: str, year: int, sex: Sex, serial: str,
                                          digit: int) -> None:
    num = build(province, year, sex, serial)
    if int(num[3]) == digit:
        return
    changed = num[:3] + str(digit) + num[4:]
    problems = check_cccd_number(changed, dob=str(year), sex=sex)
    assert problems
    assert set(problems) <= {Reason.CCCD_CENTURY_MISMATCH, Reason.CCCD_SEX_MISMATCH}
    assert (Reason.CCCD_CENTURY_MISMATCH in problems) == (digit // 2 != int(num[3]) // 2)
    assert (Reason.CCCD_SEX_MISMATCH in problems) == (digit % 2 != int(num[3]) % 2)


@settings(max_examples=200)
@given(PROVINCES, YEARS, SEXES, SERIALS, st.integers(0, 99))
def test_changing_year_digits_fails(province: str, year: int, sex: Sex, serial: str,
                                    yy: int) -> None:
    num = build(province, year, sex, serial)
    if yy == year % 100:
        return
    changed = num[:4] + f"{yy:02d}" + num[6:]
    assert check_cccd_number(changed, dob=f"{year}-01-01", sex=sex) == (
        Reason.CCCD_BIRTH_YEAR_MISMATCH,)
    with pytest.raises(InvalidCccdNumber):
        validate_cccd_number(changed, dob=str(year), sex=sex)


@settings(max_examples=100)
@given(st.text(alphabet="0123456789", min_size=3, max_size=3), YEARS, SEXES, SERIALS)
def test_province_rule_property(province: str, year: int, sex: Sex, serial: str) -> None:
    num = build(province, year, sex, serial)
    expected = () if province in EXPECTED_CODES else (Reason.CCCD_UNKNOWN_PROVINCE,)
    assert check_cccd_number(num, dob=str(year), sex=sex) == expected
    assert check_cccd_number(num, dob=str(year), sex=sex, allow_unlisted_province=True) == ()
