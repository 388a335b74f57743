"""The certificate specs ``cccdqr issue`` reads from flags and ``batch issue`` reads
from rows: one copy of their parsers and of the reject codes a bad row gets.

A row (or the flags) uses ``cccdqr issue``'s long flag names as keys: ``id``,
``name``, ``dob``, ``sex``, ``dose``, ``test``, ``recovery`` and ``valid-for``
(``row`` is tolerated and ignored; any other key is :attr:`RejectCode.UNKNOWN_COLUMN`).
Events are specs, ``PRODUCT,N/M,DATE``, ``TYPE,SAMPLED_AT,RESULT`` and
``FIRST,FROM,UNTIL``; a column holds one spec, a list of specs, or several specs
in one string separated by ``;`` (CSV).

Every failure is a :class:`SpecError`: its ``reason`` (a :class:`RejectCode`),
its ``field`` (the column) and a message that says what is wrong without
repeating the person's data (no ID number, name or date of birth: the message
goes to ``rejects.jsonl`` and to logs).

Floor 0: imports only ``cccdqr.core`` and the standard library.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import functools
import re
from collections.abc import Mapping
from typing import Any

from cccdqr.core.errors import InvalidCccdNumber, InvalidCertificate
from cccdqr.core.identity import validate_cccd_number
from cccdqr.core.model import (
    MIN_YEAR,
    HealthCertificate,
    Recovery,
    Sex,
    Subject,
    Test,
    Vaccination,
    parse_dob,
)
from cccdqr.core.products import DCC_PRODUCT_ALIASES, PRODUCT_NAMES
from cccdqr.core.reasons import Reason

__all__ = [
    "EVENT_COLUMNS",
    "IGNORED_COLUMNS",
    "KNOWN_COLUMNS",
    "MAX_VALID_FOR_DAYS",
    "RejectCode",
    "SpecError",
    "certificate_from_fields",
    "parse_date",
    "parse_dose",
    "parse_recovery",
    "parse_test",
    "parse_time",
    "row_valid_for",
]


class RejectCode(enum.StrEnum):
    """Why a row cannot be issued (``rejects.jsonl``'s ``reason``); values are stable."""

    MISSING_COLUMN = "MISSING_COLUMN"
    """A required column (``name``, ``dob``; ``id`` for VN1) is absent or empty."""
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    """A column that is none of :data:`KNOWN_COLUMNS` (a typo is never dropped silently)."""
    BAD_ROW = "BAD_ROW"
    """The line or record is not an object at all (not JSON, too many CSV cells)."""
    BAD_ID_NUMBER = "BAD_ID_NUMBER"
    """The CCCD number is not 12 digits, or breaks a rule (province, century, year, sex)."""
    BAD_DATE = "BAD_DATE"
    """A date or time that does not parse, is not a real date, or is out of range."""
    BAD_VALUE = "BAD_VALUE"
    """A value of the wrong type or shape: sex, N/M, a spec's parts, a name too long..."""
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    """A dose's product is not in :data:`cccdqr.core.products.PRODUCT_NAMES`."""
    NO_EVENT = "NO_EVENT"
    """No dose, test or recovery."""
    CANNOT_ISSUE = "CANNOT_ISSUE"
    """The issuer refused the certificate for another reason (e.g. too big for a QR)."""


class SpecError(InvalidCertificate):
    """A spec or a row that cannot become a certificate.

    ``reason`` is the :class:`RejectCode`; ``field`` the column it is about
    (``None`` when it is about the whole row). The message never quotes an ID
    number, name or date of birth."""

    def __init__(self, reason: RejectCode, field: str | None, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field

    def __reduce__(self) -> tuple[type[SpecError], tuple[RejectCode, str | None, str]]:
        # Pickled whole (a batch judges rows in worker processes): Exception's
        # own pickling would call SpecError(message) and fail.
        return (type(self), (self.reason, self.field, str(self)))


EVENT_COLUMNS = ("dose", "test", "recovery")
KNOWN_COLUMNS = ("id", "name", "dob", "sex", *EVENT_COLUMNS, "valid-for")
IGNORED_COLUMNS = ("row",)
"""Read by nobody here: a row number a file may carry (``codes.jsonl`` style)."""
MAX_VALID_FOR_DAYS = 36500
_KNOWN = frozenset(KNOWN_COLUMNS + IGNORED_COLUMNS)
_SEXES = {"male": Sex.MALE, "female": Sex.FEMALE}
_DIGIT_RUN = re.compile(r"[0-9]{6,}")
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only (str.isdigit takes '٣' and '²')
_CODE = re.compile(r"[0-9]{1,19}")
_DOSE_HELP = "PRODUCT,N/M,DATE (e.g. EU/1/20/1528,1/2,2021-08-01)"
_TEST_HELP = "TYPE,SAMPLED_AT,RESULT (e.g. LP6464-4,2026-01-01T08:00Z,260415000)"
_RECOVERY_HELP = "FIRST_POSITIVE,VALID_FROM,VALID_UNTIL (dates)"


def _quote(value: str, limit: int = 40) -> str:
    """``value`` shown in a message: cut to ``limit`` characters, with every run of
    six or more digits masked, so a misplaced ID number is never repeated."""
    shown = _DIGIT_RUN.sub(lambda m: "#" * len(m[0]), value[:limit])
    return repr(shown + ("..." if len(value) > limit else ""))


def _kind(value: object) -> str:
    return type(value).__name__


# --- dates and times --------------------------------------------------------------

def parse_date(value: object, *, field: str = "date") -> dt.date:
    """An ISO date (``YYYY-MM-DD``) from text, or a ``datetime.date`` as it is
    (a ``datetime`` only at midnight: a timestamp column holding dates)."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise SpecError(RejectCode.BAD_DATE, field, f"{field} is a time of day, not a date")
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise SpecError(RejectCode.BAD_DATE, field,
                            f"{field} is not an ISO date (YYYY-MM-DD)") from None
    else:
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} must be a date, not {_kind(value)}")
    if day.year < MIN_YEAR:
        raise SpecError(RejectCode.BAD_DATE, field, f"{field} is before {MIN_YEAR}")
    return day


def parse_time(value: object, *, field: str = "time") -> dt.datetime:
    """An ISO 8601 time from text (``Z`` allowed), or a ``datetime`` as it is; a naive
    time is UTC."""
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, str):
        try:
            t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SpecError(RejectCode.BAD_DATE, field,
                            f"{field} is not an ISO 8601 time") from None
    else:
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} must be a time, not {_kind(value)}")
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


# --- event specs ------------------------------------------------------------------

def _parts(spec: object, field: str, shape: str) -> list[str]:
    if not isinstance(spec, str):
        raise SpecError(RejectCode.BAD_VALUE, field,
                        f"{field} must be text {shape}, not {_kind(spec)}")
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 3:
        raise SpecError(RejectCode.BAD_VALUE, field,
                        f"{field} is {shape}: {len(parts)} parts, not 3")
    return parts


def _whole(text: str, field: str, what: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} {what} must be a whole number")
    return int(text)


def _product(code: str, field: str) -> str:
    if code in PRODUCT_NAMES:
        return code
    hint = (f"; it was renamed, write {DCC_PRODUCT_ALIASES[code]}"
            if code in DCC_PRODUCT_ALIASES else "")
    raise SpecError(RejectCode.UNKNOWN_PRODUCT, field,
                    f"{field} product {_quote(code)} is not in cccdqr's product table{hint}")


def parse_dose(spec: object, *, field: str = "dose") -> Vaccination:
    """``PRODUCT,N/M,DATE``: a product from the product table, dose N of M (1-99), a date."""
    product, count, date = _parts(spec, field, _DOSE_HELP)
    number, slash, series = count.partition("/")
    if not slash:
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} is {_DOSE_HELP}: no N/M")
    n = _whole(number.strip(), field, "dose number N")
    m = _whole(series.strip(), field, "series length M")
    if not (1 <= n <= 99 and 1 <= m <= 99):
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} N/M must be in 1..99")
    day = parse_date(date, field=field)
    return Vaccination(product=_product(product, field), dose_number=n, doses_in_series=m,
                       date=day)


def parse_test(spec: object, *, field: str = "test") -> Test:
    """``TYPE,SAMPLED_AT,RESULT``: a test type (LOINC), an ISO time in whole seconds
    (naive is UTC), a result code (SNOMED CT, e.g. 260415000 not detected)."""
    kind, at, result = _parts(spec, field, _TEST_HELP)
    sampled = parse_time(at, field=field)
    if sampled.microsecond:
        raise SpecError(RejectCode.BAD_DATE, field, f"{field} time must be in whole seconds")
    if not MIN_YEAR <= sampled.astimezone(dt.timezone.utc).year <= 9998:
        raise SpecError(RejectCode.BAD_DATE, field, f"{field} time is out of range")
    if not _CODE.fullmatch(result) or not 1 <= int(result) <= 2**63 - 1:
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} result must be a positive code")
    code = int(result)
    try:
        return Test(test_type=kind, sampled_at=sampled, result=code)
    except InvalidCertificate as exc:  # the type: empty, too long, control characters
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field}: {exc}") from None


def parse_recovery(spec: object, *, field: str = "recovery") -> Recovery:
    """``FIRST_POSITIVE,VALID_FROM,VALID_UNTIL``: three ISO dates, from no later than until."""
    first, start, end = (parse_date(p, field=field)
                         for p in _parts(spec, field, _RECOVERY_HELP))
    if start > end:
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} VALID_FROM is after VALID_UNTIL")
    return Recovery(first_positive=first, valid_from=start, valid_until=end)


# A batch repeats the same specs row after row (one product, one campaign's dates):
# a spec string already parsed gives the same immutable event back. Only
# successes are kept (lru_cache does not cache an exception).
_SPEC_CACHE = 8192


@functools.lru_cache(maxsize=_SPEC_CACHE)
def _cached_dose(spec: str) -> Vaccination:
    return parse_dose(spec)


@functools.lru_cache(maxsize=_SPEC_CACHE)
def _cached_test(spec: str) -> Test:
    return parse_test(spec)


@functools.lru_cache(maxsize=_SPEC_CACHE)
def _cached_recovery(spec: str) -> Recovery:
    return parse_recovery(spec)


# --- fields -----------------------------------------------------------------------

def _empty(value: object) -> bool:
    if type(value) is str:  # nearly always (CSV): one test
        return not value or value.isspace()
    return value is None or (isinstance(value, (list, tuple)) and not value) or (
        isinstance(value, str) and (not value or value.isspace()))


def _check_columns(fields: Mapping[str, Any]) -> None:
    for key in fields:
        if key in _KNOWN:
            continue
        name = key if isinstance(key, str) else repr(key)
        close = difflib.get_close_matches(name.strip().lower(), KNOWN_COLUMNS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SpecError(RejectCode.UNKNOWN_COLUMN, name if isinstance(key, str) else None,
                        f"unknown column {_quote(name)}{hint}; known: {', '.join(KNOWN_COLUMNS)}")


def _text(fields: Mapping[str, Any], field: str, *, required: bool) -> str | None:
    value = fields.get(field)
    if _empty(value):
        if required:
            raise SpecError(RejectCode.MISSING_COLUMN, field, f"{field} is missing or empty")
        return None
    if not isinstance(value, str):
        raise SpecError(RejectCode.BAD_VALUE, field, f"{field} must be text, not {_kind(value)}")
    return value.strip()


def _dob(fields: Mapping[str, Any]) -> str:
    value = fields.get("dob")
    if isinstance(value, dt.date):  # a Parquet date32 (or timestamp) column
        return parse_date(value, field="dob").isoformat()
    text = _text(fields, "dob", required=True)
    assert text is not None
    try:
        parse_dob(text)
    except InvalidCertificate:
        raise SpecError(RejectCode.BAD_DATE, "dob",
                        f"dob is not a real date YYYY-MM-DD, YYYY-MM or YYYY from {MIN_YEAR} on"
                        ) from None
    return text


def _sex(fields: Mapping[str, Any]) -> Sex | None:
    text = _text(fields, "sex", required=False)
    if text is None:
        return None
    if text.lower() not in _SEXES:
        raise SpecError(RejectCode.BAD_VALUE, "sex", "sex must be male or female")
    return _SEXES[text.lower()]


def _id_number(fields: Mapping[str, Any], *, required: bool) -> str | None:
    value = fields.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        raise SpecError(RejectCode.BAD_VALUE, "id",
                        "id is a number, not text: leading zeros would be lost "
                        "(quote it, or store the column as a string)")
    number = _text(fields, "id", required=required)
    if number is not None and not (len(number) == 12 and number.isascii() and number.isdigit()):
        raise SpecError(RejectCode.BAD_ID_NUMBER, "id",
                        f"id is not 12 digits ({len(number)} characters)")
    return number


def _check_cccd(number: str, dob: str, sex: Sex | None) -> None:
    try:
        validate_cccd_number(number, dob=dob, sex=sex)
    except InvalidCccdNumber as exc:
        reason = exc.reason
        why = reason.message("en") if isinstance(reason, Reason) else "breaks a rule"
        raise SpecError(RejectCode.BAD_ID_NUMBER, "id", f"id: {why}") from None


def _specs(fields: Mapping[str, Any], field: str) -> list[object]:
    """A column's specs: a list as it is, a string split on ``;`` (empty pieces dropped)."""
    value = fields.get(field)
    if _empty(value):
        return []
    if isinstance(value, str):
        return [piece for piece in value.split(";") if piece.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise SpecError(RejectCode.BAD_VALUE, field,
                    f"{field} must be a spec, a list of specs or specs joined by ';', "
                    f"not {_kind(value)}")


def _subject(fields: Mapping[str, Any], *, eu_dcc: bool) -> Subject:
    name = _text(fields, "name", required=True)
    assert name is not None
    dob, sex = _dob(fields), _sex(fields)
    number = _id_number(fields, required=not eu_dcc)
    if number is not None and not eu_dcc:
        _check_cccd(number, dob, sex)
    names: dict[str, str] = {}
    if eu_dcc:  # an EU DCC splits the name: Vietnamese order, family name first
        family, _, given = name.partition(" ")
        names = {"family_name": family, "given_name": given.strip()} if given.strip() else {}
    try:
        return Subject(id_number=number, name=name, dob=dob, sex=sex, **names)
    except InvalidCertificate as exc:  # the name: too long, control characters
        raise SpecError(RejectCode.BAD_VALUE, "name", str(exc)) from None


def certificate_from_fields(fields: Mapping[str, Any], *, format: str = "VN1"
                            ) -> HealthCertificate:
    """A certificate from ``cccdqr issue``'s long flag names (see the module).

    ``format`` ``"VN1"`` needs ``id`` and checks the CCCD number against ``dob``
    and ``sex``; ``"HC1"`` (an EU DCC) does not need it and splits ``name``
    family name first. ``valid-for`` is not read here (:func:`row_valid_for`).
    Raises :class:`SpecError`."""
    if format not in ("VN1", "HC1"):
        raise ValueError(f"format must be VN1 or HC1, not {format!r}")
    if not isinstance(fields, Mapping):
        raise SpecError(RejectCode.BAD_ROW, None, f"a row must be an object, not {_kind(fields)}")
    _check_columns(fields)
    subject = _subject(fields, eu_dcc=format == "HC1")
    doses = tuple(_cached_dose(s) if type(s) is str else parse_dose(s)
                  for s in _specs(fields, "dose"))
    tests = tuple(_cached_test(s) if type(s) is str else parse_test(s)
                  for s in _specs(fields, "test"))
    recoveries = tuple(_cached_recovery(s) if type(s) is str else parse_recovery(s)
                       for s in _specs(fields, "recovery"))
    if not (doses or tests or recoveries):
        raise SpecError(RejectCode.NO_EVENT, None, "no dose, test or recovery")
    return HealthCertificate(subject=subject, vaccinations=doses, tests=tests,
                             recoveries=recoveries)


def row_valid_for(fields: Mapping[str, Any]) -> dt.timedelta | None:
    """The row's ``valid-for`` in whole days (1..36500, an int or its decimal text),
    or None when the column is absent or empty."""
    value = fields.get("valid-for")
    if _empty(value):
        return None
    days: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        days = int(value.strip())
    if days is None:
        raise SpecError(RejectCode.BAD_VALUE, "valid-for",
                        f"valid-for must be whole days, not {_kind(value)}"
                        if not isinstance(value, str) else "valid-for must be whole days")
    if not 1 <= days <= MAX_VALID_FOR_DAYS:
        raise SpecError(RejectCode.BAD_VALUE, "valid-for",
                        f"valid-for must be 1..{MAX_VALID_FOR_DAYS} days")
    return dt.timedelta(days=days)
