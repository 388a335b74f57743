"""core/specs.py: the dose/test/recovery specs, a certificate from ``cccdqr issue``'s long
flag names, ``valid-for``, and the reject code and field of every way a row is wrong."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import pytest

from cccdqr.cli import common
from cccdqr.core.errors import InvalidCertificate
from cccdqr.core.model import RESULT_NOT_DETECTED, TEST_NAA, Recovery, Sex, Test, Vaccination
from cccdqr.core.specs import (
    KNOWN_COLUMNS,
    RejectCode,
    SpecError,
    certificate_from_fields,
    parse_date,
    parse_dose,
    parse_recovery,
    parse_test,
    parse_time,
    row_valid_for,
)

ID = "079095012345"  # Ho Chi Minh City, male, born 1995
ROW: dict[str, Any] = {"id": ID, "name": "Nguyễn Văn An", "dob": "1995-08-15", "sex": "male",
                       "dose": "EU/1/20/1528,1/2,2021-08-01"}
UTC = dt.timezone.utc


def refused(fields: dict[str, Any], *, format: str = "VN1") -> SpecError:
    with pytest.raises(SpecError) as info:
        certificate_from_fields(fields, format=format)
    error = info.value
    assert isinstance(error, InvalidCertificate) and isinstance(error, ValueError)
    assert ID not in str(error) and ID[:9] not in str(error)  # never the person's number
    return error


def test_a_row_with_every_kind_of_event() -> None:
    cert = certificate_from_fields({
        **ROW, "dose": " EU/1/20/1528, 1/2 ,2021-08-01;VN-NANOCOVAX,2/2,2021-09-01;",
        "test": ["LP6464-4,2026-01-01T08:00Z,260415000"],
        "recovery": "2022-01-01,2022-01-12,2022-06-30", "row": 7})
    assert cert.subject.id_number == ID and cert.subject.sex is Sex.MALE
    assert [v.product for v in cert.vaccinations] == ["EU/1/20/1528", "VN-NANOCOVAX"]
    assert cert.vaccinations[1] == Vaccination(product="VN-NANOCOVAX", dose_number=2,
                                               doses_in_series=2, date=dt.date(2021, 9, 1))
    assert cert.tests == (Test(test_type=TEST_NAA, sampled_at=dt.datetime(2026, 1, 1, 8, tzinfo=UTC),
                               result=RESULT_NOT_DETECTED),)
    assert cert.recoveries == (Recovery(first_positive=dt.date(2022, 1, 1),
                                        valid_from=dt.date(2022, 1, 12),
                                        valid_until=dt.date(2022, 6, 30)),)


def test_parquet_values_dates_and_lists() -> None:
    cert = certificate_from_fields({**ROW, "dob": dt.date(1995, 8, 15), "sex": None,
                                    "dose": ["EU/1/20/1528,1/2,2021-08-01"], "test": None,
                                    "recovery": []})
    assert cert.subject.dob == "1995-08-15" and cert.subject.sex is None
    assert certificate_from_fields({**ROW, "dob": dt.datetime(1995, 8, 15)}).subject.dob == "1995-08-15"
    assert refused({**ROW, "dob": dt.datetime(1995, 8, 15, 10)}).reason is RejectCode.BAD_DATE


def test_hc1_needs_no_id_and_splits_the_name_family_first() -> None:
    cert = certificate_from_fields({"name": "Nguyễn Bảo Duy", "dob": "1983-10-10",
                                    "dose": "EU/1/21/1529,2/2,2021-03-18"}, format="HC1")
    assert (cert.subject.family_name, cert.subject.given_name) == ("Nguyễn", "Bảo Duy")
    assert cert.subject.id_number is None
    assert certificate_from_fields({**ROW, "name": "An"}, format="HC1").subject.family_name is None
    with pytest.raises(ValueError, match="format"):
        certificate_from_fields(ROW, format="SHC")


@pytest.mark.parametrize(("change", "field"), [
    ({"id": None}, "id"), ({"id": " "}, "id"), ({"name": ""}, "name"), ({"dob": None}, "dob"),
])
def test_missing_column(change: dict[str, Any], field: str) -> None:
    fields = {k: v for k, v in {**ROW, **change}.items() if v is not None}
    error = refused(fields)
    assert (error.reason, error.field) == (RejectCode.MISSING_COLUMN, field)


@pytest.mark.parametrize(("column", "hint"), [("doses", "did you mean 'dose'?"), ("ID", "'id'"),
                                               ("text", "known: id, name"), ("valid_for", "valid-for")])
def test_unknown_column_is_never_dropped(column: str, hint: str) -> None:
    error = refused({**ROW, column: ""})
    assert (error.reason, error.field) == (RejectCode.UNKNOWN_COLUMN, column)
    assert hint in str(error)


def test_an_unknown_column_named_by_a_number_is_masked() -> None:
    error = refused({**ROW, ID: "x"})
    assert error.reason is RejectCode.UNKNOWN_COLUMN and "############" in str(error)


@pytest.mark.parametrize(("number", "words"), [
    ("07909501234", "not 12 digits (11 characters)"),
    ("0790950123456", "not 12 digits"),
    ("07909501234A", "not 12 digits"),
    ("０７９０９５０１２３４５", "not 12 digits"),  # full-width digits
    ("999095012345", "province"),
    ("079295012345", "century"),
    ("079094012345", "birth year"),
    ("079195012345", "sex digit"),
])
def test_bad_id_number(number: str, words: str) -> None:
    error = refused({**ROW, "id": number})
    assert (error.reason, error.field) == (RejectCode.BAD_ID_NUMBER, "id")
    assert words in str(error) and number not in str(error)


def test_an_id_given_as_a_number_is_refused_not_formatted() -> None:
    error = refused({**ROW, "id": 79095012345})
    assert (error.reason, error.field) == (RejectCode.BAD_VALUE, "id")
    assert "leading zeros" in str(error) and "79095012345" not in str(error)


@pytest.mark.parametrize(("change", "field"), [
    ({"dob": "1995-13-01"}, "dob"), ({"dob": "15/08/1995"}, "dob"), ({"dob": "1895"}, "dob"),
    ({"dose": "EU/1/20/1528,1/2,2021-02-30"}, "dose"),
    ({"dose": "EU/1/20/1528,1/2,1899-12-31"}, "dose"),
    ({"test": "LP6464-4,yesterday,260415000"}, "test"),
    ({"test": "LP6464-4,2026-01-01T08:00:00.5Z,260415000"}, "test"),
    ({"recovery": "2022-01-01,2022-01-12,2022-06-31"}, "recovery"),
])
def test_bad_date(change: dict[str, Any], field: str) -> None:
    error = refused({**ROW, **change})
    assert (error.reason, error.field) == (RejectCode.BAD_DATE, field)
    assert "1995" not in str(error)  # the date of birth is not repeated


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"sex": "nam"}, "sex", "male or female"),
    ({"sex": 1}, "sex", "must be text"),
    ({"name": 42}, "name", "must be text"),
    ({"name": "A" * 201}, "name", "at most 200"),
    ({"name": "An\x00"}, "name", "control"),
    ({"dose": "EU/1/20/1528,1-2,2021-08-01"}, "dose", "no N/M"),
    ({"dose": "EU/1/20/1528,1/2"}, "dose", "2 parts, not 3"),
    ({"dose": "EU/1/20/1528,0/2,2021-08-01"}, "dose", "1..99"),
    ({"dose": "EU/1/20/1528,one/2,2021-08-01"}, "dose", "whole number"),
    ({"dose": "EU/1/20/1528,٣/2,2021-08-01"}, "dose", "whole number"),  # not an ASCII digit
    ({"dose": ["EU/1/20/1528,1/2,2021-08-01", 3]}, "dose", "not int"),
    ({"dose": {"product": "x"}}, "dose", "not dict"),
    ({"test": "LP6464-4,2026-01-01T08:00Z,negative"}, "test", "positive code"),
    ({"test": "LP6464-4,2026-01-01T08:00Z,0"}, "test", "positive code"),
    ({"test": f"{'X' * 40},2026-01-01T08:00Z,260415000"}, "test", "test_type"),
    ({"recovery": "2022-01-01,2022-07-12,2022-06-30"}, "recovery", "after"),
    ({"dob": 1995}, "dob", "must be text"),
])
def test_bad_value(change: dict[str, Any], field: str, words: str) -> None:
    error = refused({**ROW, **change})
    assert (error.reason, error.field) == (RejectCode.BAD_VALUE, field)
    assert words in str(error)


@pytest.mark.parametrize(("product", "hint"), [("Pfizer", "'Pfizer'"),
                                                ("NVX-CoV2373", "write EU/1/21/1618"),
                                                ("eu/1/20/1528", "product table"),
                                                (ID, "'############'")])
def test_unknown_product(product: str, hint: str) -> None:
    error = refused({**ROW, "dose": f"{product},1/2,2021-08-01"})
    assert (error.reason, error.field) == (RejectCode.UNKNOWN_PRODUCT, "dose")
    assert hint in str(error)


@pytest.mark.parametrize("change", [{"dose": ""}, {"dose": ";"}, {"dose": []}, {"dose": None}])
def test_no_event(change: dict[str, Any]) -> None:
    error = refused({**ROW, **change})
    assert (error.reason, error.field) == (RejectCode.NO_EVENT, None)


def test_every_known_column_is_read() -> None:
    assert KNOWN_COLUMNS == ("id", "name", "dob", "sex", "dose", "test", "recovery", "valid-for")
    assert certificate_from_fields({**ROW, "valid-for": "30", "row": 3}).subject.id_number == ID


@pytest.mark.parametrize(("value", "days"), [(None, None), ("", None), ("  ", None), (30, 30),
                                             ("30", 30), (" 7 ", 7), (36500, 36500)])
def test_valid_for(value: object, days: int | None) -> None:
    got = row_valid_for({"valid-for": value})
    assert got == (dt.timedelta(days=days) if days is not None else None)
    assert row_valid_for({}) is None


@pytest.mark.parametrize("value", [0, -1, "0", "-5", "+5", True, False, 36501, 30.0, "30.0",
                                   "1e3", "٣", [30]])
def test_valid_for_refused(value: object) -> None:
    with pytest.raises(SpecError) as info:
        row_valid_for({"valid-for": value})
    assert (info.value.reason, info.value.field) == (RejectCode.BAD_VALUE, "valid-for")


def test_parse_functions() -> None:
    assert parse_date("2021-08-01") == dt.date(2021, 8, 1)
    assert parse_date(dt.date(2021, 8, 1)) == dt.date(2021, 8, 1)
    assert parse_time("2026-01-01T08:00") == dt.datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert parse_time("2026-01-01T08:00:00Z") == dt.datetime(2026, 1, 1, 8, tzinfo=UTC)
    ict = dt.timezone(dt.timedelta(hours=7))
    assert parse_time("2026-01-01T15:00+07:00") == dt.datetime(2026, 1, 1, 15, tzinfo=ict)
    assert parse_time(dt.datetime(2026, 1, 1)) == dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_dose("CoronaVac,3/2,2022-01-01").dose_number == 3  # a booster past the series
    assert parse_test("LP217198-3,2026-01-01T08:00Z,260373001").detected
    assert parse_recovery("2022-01-01,2022-01-12,2022-01-12").valid_until == dt.date(2022, 1, 12)
    for call, value, reason in ((parse_date, "x", RejectCode.BAD_DATE),
                                (parse_date, 20210801, RejectCode.BAD_VALUE),
                                (parse_time, "x", RejectCode.BAD_DATE),
                                (parse_time, dt.date(2021, 1, 1), RejectCode.BAD_VALUE),
                                (parse_dose, None, RejectCode.BAD_VALUE)):
        with pytest.raises(SpecError) as info:
            call(value)
        assert info.value.reason is reason


def test_the_cli_wrappers_give_argparse_errors() -> None:
    assert common.parse_time("2026-01-01T08:00Z") == dt.datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert common.parse_date("2021-08-01") == dt.date(2021, 8, 1)
    with pytest.raises(argparse.ArgumentTypeError, match="not an ISO 8601 time: 'soon'"):
        common.parse_time("soon")
    with pytest.raises(argparse.ArgumentTypeError, match="not an ISO date"):
        common.parse_date("2021-02-30")


def test_a_repeated_spec_is_parsed_once_and_a_bad_one_every_time() -> None:
    one = certificate_from_fields(ROW)
    two = certificate_from_fields({**ROW, "id": "079195012346", "sex": "female"})
    assert one.vaccinations[0] is two.vaccinations[0]  # immutable: shared safely
    for _ in range(2):
        assert refused({**ROW, "dose": "Pfizer,1/2,2021-08-01"}).reason is RejectCode.UNKNOWN_PRODUCT
