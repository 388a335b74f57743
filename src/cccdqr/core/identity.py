"""The CCCD number (Viet Nam's 12-digit personal identification number).

Structure (Circular 07/2016/TT-BCA, art. 7): ``PPP G YY RRRRRR``

- ``PPP`` the province where the birth was registered (63 codes shipped; births
  registered abroad use codes we do not ship, rejected unless allowed);
- ``G`` century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s ...;
- ``YY`` the last two digits of the birth year;
- ``RRRRRR`` six digits with no check digit.

So a number is validated by its shape, its province code, and its agreement
with the date of birth and sex when those are known.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from collections.abc import Mapping

from cccdqr.core.errors import InvalidCccdNumber
from cccdqr.core.model import Sex, parse_dob
from cccdqr.core.reasons import Reason

__all__ = [
    "CccdInfo",
    "check_cccd_number",
    "describe_cccd_number",
    "province_codes",
    "validate_cccd_number",
]


@functools.cache
def province_codes() -> Mapping[str, str]:
    """The 63 birth-registration province codes, ``{"001": "Hà Nội", ...}``."""
    text = resources.files("cccdqr").joinpath("data/vn_province_codes.csv").read_text("utf-8")
    return {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(text))}


@dataclass(frozen=True, slots=True, kw_only=True)
class CccdInfo:
    """What a well-formed CCCD number says about its holder."""

    province_code: str
    province_name: str | None
    birth_year: int
    sex: Sex


def _well_formed(number: object) -> bool:
    return isinstance(number, str) and len(number) == 12 and number.isascii() and number.isdigit()


def describe_cccd_number(number: str) -> CccdInfo:
    """Read the province, birth year and sex out of a 12-digit number."""
    if not _well_formed(number):
        raise InvalidCccdNumber("a CCCD number is exactly 12 digits", Reason.CCCD_FORMAT)
    g = int(number[3])
    return CccdInfo(
        province_code=number[:3],
        province_name=province_codes().get(number[:3]),
        birth_year=1900 + 100 * (g // 2) + int(number[4:6]),
        sex=Sex.FEMALE if g % 2 else Sex.MALE,
    )


def check_cccd_number(
    number: object,
    *,
    dob: str | None = None,
    sex: Sex | None = None,
    allow_unlisted_province: bool = False,
) -> tuple[Reason, ...]:
    """Every rule the number breaks, most basic first; ``()`` when it is fine.

    ``dob`` is ISO 8601 at any precision (only its year is used); ``sex`` is
    compared with the number's sex digit.
    """
    if not _well_formed(number):
        return (Reason.CCCD_FORMAT,)
    assert isinstance(number, str)
    # What describe_cccd_number reads, without building a CccdInfo: this runs
    # on every verify and every issue.
    g = ord(number[3]) - 48
    birth_year = 1900 + 100 * (g // 2) + int(number[4:6])
    found: list[Reason] = []
    if not allow_unlisted_province and number[:3] not in province_codes():
        found.append(Reason.CCCD_UNKNOWN_PROVINCE)
    if dob is not None:
        year = parse_dob(dob)[0]
        if year // 100 != birth_year // 100:
            found.append(Reason.CCCD_CENTURY_MISMATCH)
        if year % 100 != birth_year % 100:
            found.append(Reason.CCCD_BIRTH_YEAR_MISMATCH)
    if sex is not None and sex != (Sex.FEMALE if g % 2 else Sex.MALE):
        found.append(Reason.CCCD_SEX_MISMATCH)
    return tuple(found)


def validate_cccd_number(
    number: str,
    *,
    dob: str | None = None,
    sex: Sex | None = None,
    allow_unlisted_province: bool = False,
) -> None:
    """Raise :class:`InvalidCccdNumber` (with ``.reason``) for a number that breaks a rule."""
    problems = check_cccd_number(
        number, dob=dob, sex=sex, allow_unlisted_province=allow_unlisted_province)
    if problems:
        raise InvalidCccdNumber(
            f"invalid CCCD number {number!r}: {problems[0].message('en')}", problems[0])
