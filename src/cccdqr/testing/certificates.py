"""Strategies for health events and certificates: vaccinations, tests,
recoveries and the certificates that hold them.

May import :mod:`cccdqr.testing.people` and below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hypothesis import strategies as st

from cccdqr.core.model import (
    DISEASE_COVID19,
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
from cccdqr.core.products import PRODUCT_NUMBERS
from cccdqr.testing._shared import (
    COUNTRIES,
    NATIONAL_PRODUCTS,
    UNIT_LETTERS,
    UNITS,
    UTC,
    EVENT_END,
    EVENT_START,
    utc_datetimes,
)
from cccdqr.testing.people import (
    subjects,
)

__all__ = [
    "health_certificates",
    "mixed_certificates",
    "recoveries",
    "recovery_certificates",
    "test_certificates",
    "tests",
    "vaccination_certificates",
    "vaccinations",
]


# --- events -----------------------------------------------------------------------

def _diseases() -> st.SearchStrategy[int]:
    return st.one_of(st.just(DISEASE_COVID19), st.just(DISEASE_COVID19),
                     st.integers(1, 2**63 - 1))


def _units() -> st.SearchStrategy[str | None]:
    free = st.text(UNIT_LETTERS, min_size=1, max_size=100).filter(lambda s: bool(s.strip()))
    return st.one_of(st.none(), st.sampled_from(UNITS), free)


def event_dates(start: dt.date = EVENT_START,
                 end: dt.date = EVENT_END) -> st.SearchStrategy[dt.date]:
    return st.dates(start, end)


def vaccinations() -> st.SearchStrategy[Vaccination]:
    """Vaccine doses: a product from VN1's numbered table or a text code
    (``VN-NANOCOVAX``), dose 1-4 of a series of 1-3, dated 2020-01-02..2029-12-31,
    usually in Viet Nam, sometimes with the administering unit."""
    products = st.sampled_from(tuple(PRODUCT_NUMBERS.values()) + NATIONAL_PRODUCTS)
    return st.builds(
        Vaccination,
        product=products,
        dose_number=st.integers(1, 4),
        doses_in_series=st.integers(1, 3),
        date=event_dates(),
        country=st.sampled_from(COUNTRIES),
        disease=_diseases(),
        administering_unit=_units(),
    )


def tests() -> st.SearchStrategy[Test]:
    """COVID-19 tests: NAA (PCR) or rapid antigen, sampled at a whole-second UTC
    time in 2020-01-02..2029-12-31, result not detected or detected."""
    start = dt.datetime.combine(EVENT_START, dt.time(), UTC)
    end = dt.datetime.combine(EVENT_END, dt.time(23, 59, 59), UTC)
    return st.builds(
        Test,
        test_type=st.sampled_from((TEST_NAA, TEST_RAT)),
        sampled_at=utc_datetimes(start, end),
        result=st.sampled_from((RESULT_NOT_DETECTED, RESULT_NOT_DETECTED, RESULT_DETECTED)),
        country=st.sampled_from(COUNTRIES),
        disease=_diseases(),
    )


tests.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def recoveries() -> st.SearchStrategy[Recovery]:
    """Recoveries: a first positive test, valid from 11-30 days later for up to
    180 days, all within 2020-01-02..2029-12-31."""

    return _recoveries()


@st.composite
def _recoveries(draw: st.DrawFn) -> Recovery:
    first = draw(event_dates(EVENT_START, EVENT_END - dt.timedelta(days=31)))
    valid_from = first + dt.timedelta(days=draw(st.integers(11, 30)))
    until = valid_from + dt.timedelta(days=draw(st.integers(0, 180)))
    return Recovery(first_positive=first, valid_from=valid_from,
                    valid_until=min(until, EVENT_END),
                    country=draw(st.sampled_from(COUNTRIES)), disease=draw(_diseases()))


def health_certificates(
    *,
    record_types: Iterable[str] | None = None,
    subjects: st.SearchStrategy[Subject] | None = None,
) -> st.SearchStrategy[HealthCertificate]:
    """Health certificates with at least one event.

    ``record_types`` (a subset of ``"vtr"``) says which kinds of event every
    certificate holds (one to four vaccinations, one or two tests or
    recoveries); by default a non-empty subset is drawn. ``subjects`` defaults
    to :func:`subjects` with a CCCD number, as VN1 requires.
    """
    people = subjects if subjects is not None else _subjects_with_id()
    if record_types is not None:
        fixed = frozenset(record_types)
        if not fixed or not fixed <= frozenset("vtr"):
            raise ValueError("record_types must be a non-empty subset of 'vtr'")
        kinds: st.SearchStrategy[frozenset[str]] = st.just(fixed)
    else:
        kinds = st.frozensets(st.sampled_from("vtr"), min_size=1)

    return _certificates(kinds, people)


@st.composite
def _certificates(draw: st.DrawFn, kinds: st.SearchStrategy[frozenset[str]],
                  people: st.SearchStrategy[Subject]) -> HealthCertificate:
    chosen = draw(kinds)
    return HealthCertificate(
        subject=draw(people),
        vaccinations=tuple(draw(st.lists(vaccinations(), min_size=1, max_size=4)))
        if "v" in chosen else (),
        tests=tuple(draw(st.lists(tests(), min_size=1, max_size=2)))
        if "t" in chosen else (),
        recoveries=tuple(draw(st.lists(recoveries(), min_size=1, max_size=2)))
        if "r" in chosen else (),
    )


def _subjects_with_id() -> st.SearchStrategy[Subject]:
    return subjects(with_id=True)


def vaccination_certificates(
        *, subjects: st.SearchStrategy[Subject] | None = None,
) -> st.SearchStrategy[HealthCertificate]:
    """Certificates that hold only vaccinations (one to four doses)."""
    return health_certificates(record_types="v", subjects=subjects)


def test_certificates(
        *, subjects: st.SearchStrategy[Subject] | None = None,
) -> st.SearchStrategy[HealthCertificate]:
    """Certificates that hold only test results (one or two)."""
    return health_certificates(record_types="t", subjects=subjects)


test_certificates.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def recovery_certificates(
        *, subjects: st.SearchStrategy[Subject] | None = None,
) -> st.SearchStrategy[HealthCertificate]:
    """Certificates that hold only recoveries (one or two)."""
    return health_certificates(record_types="r", subjects=subjects)


def mixed_certificates(
        *, subjects: st.SearchStrategy[Subject] | None = None,
) -> st.SearchStrategy[HealthCertificate]:
    """Certificates that hold at least two kinds of event (``vt``, ``vr``,
    ``tr`` or all three), as a VN1 code may and an EU DCC never does."""
    people = subjects if subjects is not None else _subjects_with_id()
    return _certificates(st.sampled_from(_MIXED_KINDS), people)


_MIXED_KINDS = (frozenset("vt"), frozenset("vr"), frozenset("tr"), frozenset("vtr"))
