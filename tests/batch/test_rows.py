"""batch/rows.py: a row becomes a certificate and its validity, or a reject with a code;
arbitrary rows never raise anything else, and rows written from valid certificates (CSV
strings joined by ';', JSON Lines lists) give the same certificates back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cccdqr
from cccdqr import testing
from cccdqr.batch.inputs import BadRow
from cccdqr.batch.rows import RowSpec, issue_error, reject, row_spec
from cccdqr.core.errors import InvalidCccdNumber
from cccdqr.core.model import (
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Recovery,
    Subject,
    Test,
    Vaccination,
)
from cccdqr.core.products import PRODUCT_NAMES
from cccdqr.core.specs import KNOWN_COLUMNS, RejectCode, SpecError

import helpers

ROW: dict[str, Any] = {"id": "079095012345", "name": "Nguyễn Văn An", "dob": "1995-08-15",
                       "sex": "male", "dose": "EU/1/20/1528,1/2,2021-08-01"}


def test_a_row_and_its_validity() -> None:
    spec = row_spec({**ROW, "valid-for": "90", "row": 12})
    assert isinstance(spec, RowSpec) and spec.valid_for == dt.timedelta(days=90)
    assert spec.certificate.vaccinations[0].product == "EU/1/20/1528"
    assert row_spec(ROW).valid_for is None
    assert row_spec({k: v for k, v in ROW.items() if k != "id"}, format="HC1").certificate


def test_a_bad_row_is_bad_row_and_its_reject() -> None:
    with pytest.raises(SpecError) as info:
        row_spec(BadRow("not JSON: Expecting value at column 1"))
    error = info.value
    assert (error.reason, error.field) == (RejectCode.BAD_ROW, None)
    doc = reject(4, error)
    assert doc == {"row": 4, "reason": "BAD_ROW", "field": None,
                   "message": "not JSON: Expecting value at column 1"}
    assert type(doc["reason"]) is str and json.loads(json.dumps(doc)) == doc
    with pytest.raises(SpecError) as info:
        row_spec(["not", "a", "mapping"])  # type: ignore[arg-type]
    assert info.value.reason is RejectCode.BAD_ROW


def test_a_reject_names_the_field() -> None:
    with pytest.raises(SpecError) as info:
        row_spec({**ROW, "dob": "1995-02-30"})
    assert reject(9, info.value) == {"row": 9, "reason": "BAD_DATE", "field": "dob",
                                     "message": info.value.args[0]}


def test_what_the_issuer_refuses() -> None:
    issuer = cccdqr.Issuer(cccdqr.testkeys.test_es256_key())
    year = dt.timedelta(days=365)
    bad_number = helpers.certificate(1).replace(
        subject=Subject(name="An", dob="1995-08-15", id_number="999095012345"))
    with pytest.raises(InvalidCccdNumber) as info:
        issuer.issue(bad_number, now=helpers.NOW, valid_for=year)
    error = issue_error(info.value)
    assert (error.reason, error.field) == (RejectCode.BAD_ID_NUMBER, "id")
    assert "province" in str(error) and "999095012345" not in str(error)
    no_number = helpers.certificate(1).replace(subject=Subject(name="An", dob="1995"))
    with pytest.raises(ValueError) as refused:
        issuer.issue(no_number, now=helpers.NOW, valid_for=year)
    error = issue_error(refused.value)
    assert (error.reason, error.field) == (RejectCode.CANNOT_ISSUE, None)
    assert reject(3, error)["reason"] == "CANNOT_ISSUE" and "CCCD number" in str(error)
    masked = issue_error(ValueError("payload of 079095012345 " + "x" * 400))
    assert "079095012345" not in str(masked) and len(str(masked)) < 200
    assert issue_error(RuntimeError("boom")).reason is RejectCode.CANNOT_ISSUE
    same = SpecError(RejectCode.BAD_VALUE, "name", "x")
    assert issue_error(same) is same


# --- properties ------------------------------------------------------------------------

_PIECES = st.sampled_from(["EU/1/20/1528", "VN-NANOCOVAX", "Pfizer", "1/2", "0/1", "x/y",
                           "2021-08-01", "2021-02-30", "2026-01-01T08:00Z", "LP6464-4",
                           "260415000", "-1", "", " ", "079095012345", "1995", "male"])
_SPECS = st.lists(_PIECES, max_size=4).map(",".join)
_SCALARS = st.one_of(st.text(max_size=30), _SPECS, st.integers(), st.floats(), st.none(),
                     st.booleans(), st.dates(), st.datetimes(), _PIECES)
_VALUES = st.one_of(_SCALARS, st.lists(st.one_of(_SPECS, _SCALARS), max_size=3),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_COLUMNS = st.one_of(st.sampled_from(KNOWN_COLUMNS + ("row",)),
                     st.sampled_from(["doses", "ID", "text", ""]), st.text(max_size=8))


_GOOD_PERSON = st.fixed_dictionaries(  # a valid person, so the events are what is judged
    {k: st.just(v) for k, v in ROW.items() if k != "dose"},
    optional={c: _VALUES for c in ("dose", "test", "recovery", "valid-for")})


@given(fields=st.one_of(st.dictionaries(_COLUMNS, _VALUES, max_size=9),
                        st.fixed_dictionaries({}, optional={c: _VALUES for c in KNOWN_COLUMNS}),
                        _GOOD_PERSON),
       format=st.sampled_from(["VN1", "HC1"]))
def test_any_row_is_a_spec_or_a_reject(fields: dict[str, Any], format: str) -> None:
    try:
        spec = row_spec(fields, format=format)
    except SpecError as error:
        assert isinstance(error.reason, RejectCode)
        assert error.field is None or isinstance(error.field, str)
        json.dumps(reject(1, error))
        return
    assert isinstance(spec.certificate, HealthCertificate)


_UTC = dt.timezone.utc
_KNOWN_PRODUCTS = st.sampled_from(sorted(PRODUCT_NAMES))


@st.composite
def _doses(draw: st.DrawFn) -> Vaccination:
    return Vaccination(product=draw(_KNOWN_PRODUCTS), dose_number=draw(st.integers(1, 4)),
                       doses_in_series=draw(st.integers(1, 3)), date=draw(testing_dates()))


def testing_dates() -> st.SearchStrategy[dt.date]:
    return st.dates(testing.EVENT_START, testing.EVENT_END)


testing_dates.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@st.composite
def _tests(draw: st.DrawFn) -> Test:
    day = draw(testing_dates())
    at = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))), _UTC)
    return Test(test_type=draw(st.sampled_from((TEST_NAA, TEST_RAT))), sampled_at=at,
                result=draw(st.sampled_from((RESULT_NOT_DETECTED, RESULT_DETECTED))))


@st.composite
def _recoveries(draw: st.DrawFn) -> Recovery:
    first = draw(st.dates(testing.EVENT_START, testing.EVENT_END - dt.timedelta(days=220)))
    start = first + dt.timedelta(days=draw(st.integers(11, 30)))
    return Recovery(first_positive=first, valid_from=start,
                    valid_until=start + dt.timedelta(days=draw(st.integers(0, 180))))


@st.composite
def _certificates(draw: st.DrawFn) -> HealthCertificate:
    doses = draw(st.lists(_doses(), min_size=1, max_size=3))
    return HealthCertificate(subject=draw(testing.subjects(with_id=True)),
                             vaccinations=tuple(doses),
                             tests=tuple(draw(st.lists(_tests(), max_size=2))),
                             recoveries=tuple(draw(st.lists(_recoveries(), max_size=1))))


def _specs(cert: HealthCertificate) -> dict[str, list[str]]:
    return {
        "dose": [f"{v.product},{v.dose_number}/{v.doses_in_series},{v.date.isoformat()}"
                 for v in cert.vaccinations],
        "test": [f"{t.test_type},{t.sampled_at.isoformat()},{t.result}" for t in cert.tests],
        "recovery": [f"{r.first_positive},{r.valid_from},{r.valid_until}" for r in cert.recoveries],
    }


def _subject_fields(cert: HealthCertificate) -> dict[str, Any]:
    s = cert.subject
    return {"id": s.id_number, "name": s.name, "dob": s.dob,
            "sex": "" if s.sex is None else s.sex.name.lower()}


@given(cert=_certificates(), days=st.integers(1, 36500))
def test_csv_rows_give_the_certificate_back(cert: HealthCertificate, days: int) -> None:
    fields = {**_subject_fields(cert), "valid-for": str(days),
              **{k: ";".join(v) for k, v in _specs(cert).items()}}
    assert all(isinstance(v, str) for v in fields.values())  # as csv.DictReader gives them
    spec = row_spec(fields)
    assert spec.certificate == cert and spec.valid_for == dt.timedelta(days=days)


@given(cert=_certificates())
def test_jsonl_rows_give_the_certificate_back(cert: HealthCertificate) -> None:
    fields = json.loads(json.dumps({**_subject_fields(cert), **_specs(cert)}))
    if fields["sex"] == "":
        fields["sex"] = None
    spec = row_spec(fields)
    assert spec.certificate == cert and spec.valid_for is None


# --- the example files and every code ---------------------------------------------------

@pytest.mark.parametrize("name", ["rows.csv", "rows.jsonl"])
def test_the_example_input_files(name: str) -> None:
    from cccdqr.batch.inputs import iter_rows

    outcomes: list[object] = []
    certificates = []
    for number, fields in iter_rows(helpers.ROOT / "vectors" / "batch" / name):
        try:
            spec = row_spec(fields)
        except SpecError as error:
            outcomes.append(reject(number, error)["reason"])
            continue
        outcomes.append(spec.valid_for.days if spec.valid_for else None)
        certificates.append(spec.certificate)
        issuer = cccdqr.Issuer(cccdqr.testkeys.test_es256_key())
        issuer.issue(spec.certificate, now=helpers.NOW, valid_for=dt.timedelta(days=1))
    assert outcomes == [365, 3, None, "BAD_ID_NUMBER", "UNKNOWN_PRODUCT"]
    assert [len(c.vaccinations) for c in certificates] == [3, 0, 1]


_EVERY_CODE: dict[RejectCode, object] = {
    RejectCode.MISSING_COLUMN: {k: v for k, v in ROW.items() if k != "name"},
    RejectCode.UNKNOWN_COLUMN: {**ROW, "doses": ROW["dose"]},
    RejectCode.BAD_ROW: BadRow("not JSON"),
    RejectCode.BAD_ID_NUMBER: {**ROW, "id": "07909501234"},
    RejectCode.BAD_DATE: {**ROW, "dose": "EU/1/20/1528,1/2,2021-13-01"},
    RejectCode.BAD_VALUE: {**ROW, "valid-for": "0"},
    RejectCode.UNKNOWN_PRODUCT: {**ROW, "dose": "Sinopharm,1/2,2021-08-01"},
    RejectCode.NO_EVENT: {**ROW, "dose": ""},
    RejectCode.CANNOT_ISSUE: ValueError("an EU DCC holds exactly one vaccination, test or recovery"),
}


def test_every_reject_code_has_a_row() -> None:
    assert set(_EVERY_CODE) == set(RejectCode)
    for code, source in _EVERY_CODE.items():
        if isinstance(source, Exception):
            assert issue_error(source).reason is code
            continue
        with pytest.raises(SpecError) as info:
            row_spec(source)  # type: ignore[arg-type]
        assert info.value.reason is code, code


def test_specs_and_rejects_cross_processes() -> None:
    import pickle

    error = SpecError(RejectCode.BAD_DATE, "dob", "dob is not a real date")
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), back.reason, back.field, str(back)) == (SpecError, RejectCode.BAD_DATE,
                                                                 "dob", str(error))
    spec = row_spec({**ROW, "valid-for": 5})
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert pickle.loads(pickle.dumps(BadRow("x"))) == BadRow("x")
