"""Strategies for people: valid CCCD numbers (:func:`cccd_numbers`), Vietnamese
names and subjects.

May import :mod:`cccdqr.testing._shared` and the library.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Iterable

from hypothesis import strategies as st

from cccdqr.core.identity import province_codes
from cccdqr.core.model import (
    Sex,
    Subject,
    parse_dob,
)
from cccdqr.core.reasons import Reason
from cccdqr.testing._shared import (
    FAMILY,
    GIVEN,
    MIDDLE,
)

__all__ = [
    "cccd_numbers",
    "names",
    "subjects",
]


# --- the CCCD number --------------------------------------------------------------

def _compose_cccd(province: str, year: int, sex: Sex, rest: str) -> str:
    century = (year - 1900) // 100
    return f"{province}{2 * century + (sex - 1)}{year % 100:02d}{rest}"


_CCCD_RULES_ALWAYS = ("format", "province")
_CCCD_RULES = {Reason.CCCD_FORMAT: "format", Reason.CCCD_UNKNOWN_PROVINCE: "province",
               Reason.CCCD_CENTURY_MISMATCH: "century", Reason.CCCD_BIRTH_YEAR_MISMATCH: "year",
               Reason.CCCD_SEX_MISMATCH: "sex"}


@functools.cache
def _listed_provinces() -> tuple[str, ...]:
    return tuple(sorted(province_codes()))


@functools.cache
def _unlisted_provinces() -> tuple[str, ...]:
    listed = province_codes()
    return tuple(code for code in (f"{n:03d}" for n in range(1000)) if code not in listed)


def cccd_numbers(
    *,
    valid: bool = True,
    province: str | None = None,
    provinces: Iterable[str] | None = None,
    dob: str | None = None,
    sex: Sex | int | None = None,
    rule: Reason | None = None,
) -> st.SearchStrategy[str]:
    """CCCD numbers (12 digits: province, century/sex digit, YY, 6 digits).

    ``valid=True`` (the default) gives numbers that pass
    :func:`cccdqr.check_cccd_number` with the given ``dob`` and ``sex``: the
    province is drawn from ``provinces`` (default: the 63 shipped codes), and
    the century/sex digit and the two year digits agree with ``dob`` and ``sex``
    (each drawn when not given; births 1920-2025).

    ``valid=False`` gives numbers that break **exactly one** rule as
    :func:`cccdqr.check_cccd_number` sees it when called with the same ``dob``
    and ``sex``: the shape (not 12 ASCII digits), the province code, and, when
    ``dob`` is given, the century digit or the year digits, and, when ``sex``
    is given, the sex digit.

    ``province`` (one code, e.g. ``"079"`` for Ho Chi Minh City) or
    ``provinces`` (several) fixes the birth-registration province; an invalid
    number keeps it unless the broken rule is the province itself.

    ``rule`` (with ``valid=False``) chooses the rule to break, as the reason
    :func:`cccdqr.check_cccd_number` then gives: ``CCCD_FORMAT``,
    ``CCCD_UNKNOWN_PROVINCE``, ``CCCD_CENTURY_MISMATCH`` and
    ``CCCD_BIRTH_YEAR_MISMATCH`` (these two need ``dob``) or
    ``CCCD_SEX_MISMATCH`` (needs ``sex``). By default any rule that can break.
    """
    if province is not None:
        if provinces is not None:
            raise ValueError("give province or provinces, not both")
        provinces = (province,)
    if rule is not None:
        if valid:
            raise ValueError("rule is only for valid=False")
        if rule not in _CCCD_RULES:
            raise ValueError(f"rule must be one of {', '.join(r.name for r in _CCCD_RULES)}")
        if rule in (Reason.CCCD_CENTURY_MISMATCH, Reason.CCCD_BIRTH_YEAR_MISMATCH) and dob is None:
            raise ValueError(f"rule {rule.name} needs dob")
        if rule is Reason.CCCD_SEX_MISMATCH and sex is None:
            raise ValueError("rule CCCD_SEX_MISMATCH needs sex")
        if rule is Reason.CCCD_UNKNOWN_PROVINCE and province is not None:
            raise ValueError("rule CCCD_UNKNOWN_PROVINCE replaces the province: do not give one")
    chosen = tuple(provinces) if provinces is not None else _listed_provinces()
    if not chosen or not all(isinstance(p, str) and len(p) == 3 and p.isascii()
                             and p.isdigit() for p in chosen):
        raise ValueError("provinces must be a non-empty collection of 3-digit codes")
    if dob is not None:
        birth_year = parse_dob(dob)[0]
        if not 1900 <= birth_year <= 2399:
            raise ValueError("a CCCD number encodes birth years 1900..2399 only")
    fixed_sex = Sex(sex) if sex is not None else None
    return _cccd(valid=valid, chosen=chosen, dob=dob, fixed_sex=fixed_sex,
                 rule=_CCCD_RULES[rule] if rule is not None else None)


@st.composite
def _cccd(draw: st.DrawFn, *, valid: bool, chosen: tuple[str, ...], dob: str | None,
          fixed_sex: Sex | None, rule: str | None = None) -> str:
    province = draw(st.sampled_from(chosen))
    year = parse_dob(dob)[0] if dob is not None else draw(st.integers(1920, 2025))
    person_sex = fixed_sex if fixed_sex is not None else draw(st.sampled_from(Sex))
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    if valid:
        return _compose_cccd(province, year, person_sex, rest)
    if rule is None:
        rules = list(_CCCD_RULES_ALWAYS)
        if dob is not None:
            rules += ["century", "year"]
        if fixed_sex is not None:
            rules.append("sex")
        rule = draw(st.sampled_from(rules))
    if province not in province_codes():
        # a custom unlisted province would break a second rule: use a listed one
        province = draw(st.sampled_from(_listed_provinces()))
    if rule == "province":
        return _compose_cccd(draw(st.sampled_from(_unlisted_provinces())), year, person_sex, rest)
    if rule == "century":
        century = (year - 1900) // 100
        other = draw(st.sampled_from([c for c in range(5) if c != century]))
        return _compose_cccd(province, 1900 + 100 * other + year % 100, person_sex, rest)
    if rule == "year":
        yy = draw(st.sampled_from([y for y in range(100) if y != year % 100]))
        return _compose_cccd(province, year - year % 100 + yy, person_sex, rest)
    if rule == "sex":
        number = _compose_cccd(province, year, person_sex, rest)
        return number[:3] + str(int(number[3]) ^ 1) + number[4:]  # the other sex
    good = _compose_cccd(province, year, person_sex, rest)
    how = draw(st.sampled_from(("short", "long", "letter")))
    if how == "short":
        return good[:11]
    if how == "long":
        return good + draw(st.sampled_from("0123456789"))
    i = draw(st.integers(0, 11))
    return good[:i] + draw(st.sampled_from("AOIlx -０")) + good[i + 1:]


# --- people -----------------------------------------------------------------------

def names() -> st.SearchStrategy[str]:
    """Vietnamese full names with diacritics, NFC: family name, zero to two middle
    names and a given name (``Nguyễn Văn An``, ``ĐẶNG THỊ NGỌC ÁNH``); sometimes
    upper case, as printed on the card."""
    return _names()


FAMILY_NAMES = st.sampled_from(FAMILY)
MIDDLE_NAMES = st.lists(st.sampled_from(MIDDLE), max_size=2)
GIVEN_NAMES = st.sampled_from(GIVEN)


@st.composite
def _names(draw: st.DrawFn) -> str:
    parts = [draw(FAMILY_NAMES)]
    parts += draw(MIDDLE_NAMES)
    parts.append(draw(GIVEN_NAMES))
    name = " ".join(parts)
    if draw(st.booleans()):
        name = name.upper()
    return unicodedata.normalize("NFC", name)


def _dobs() -> st.SearchStrategy[str]:
    full = st.dates(dt.date(1920, 1, 1), dt.date(2024, 12, 31)).map(dt.date.isoformat)
    year = st.integers(1920, 2024).map(lambda y: f"{y:04d}")
    month = st.tuples(st.integers(1920, 2024), st.integers(1, 12)).map(
        lambda ym: f"{ym[0]:04d}-{ym[1]:02d}")
    return st.one_of(full, full, year, month)


DOBS = _dobs()


def subjects(*, with_id: bool = True) -> st.SearchStrategy[Subject]:
    """People: a name from :func:`names`, a date of birth that is full
    (``1990-05-17``) or partial (``1990``, ``1990-05``), a sex or none, and with
    ``with_id`` a CCCD number consistent with the DOB and (when known) the sex."""

    return _subjects(with_id)


_SEXES = st.one_of(st.none(), st.sampled_from(Sex))


@st.composite
def _subjects(draw: st.DrawFn, with_id: bool) -> Subject:
    dob = draw(DOBS)
    sex = draw(_SEXES)
    id_number = draw(cccd_numbers(dob=dob, sex=sex)) if with_id else None
    return Subject(name=draw(_names()), dob=dob, id_number=id_number, sex=sex)


def strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))
