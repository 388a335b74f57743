"""Immutable, format-neutral values: a health certificate and its parts.

Every format (VN1, EU DCC, SHC, VDS-NC) decodes into these types, so policy and
identity binding work the same on each. Invariants are checked once, at
construction; decoders turn a failed check into a reason code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from cccdqr.core._json import jsonable
from cccdqr.core.errors import InvalidCertificate

__all__ = [
    "DISEASE_COVID19",
    "RESULT_DETECTED",
    "RESULT_NOT_DETECTED",
    "TEST_NAA",
    "TEST_RAT",
    "HealthCertificate",
    "Recovery",
    "RevocationId",
    "Sex",
    "Subject",
    "Test",
    "Vaccination",
    "certificate_from_dict",
    "certificate_to_dict",
]

DISEASE_COVID19 = 840539006
"""SNOMED CT: COVID-19."""
TEST_NAA = "LP6464-4"
"""LOINC: nucleic acid amplification test (PCR)."""
TEST_RAT = "LP217198-3"
"""LOINC: rapid antigen test."""
RESULT_NOT_DETECTED = 260415000
RESULT_DETECTED = 260373001

_FROZEN = dict(frozen=True, slots=True, kw_only=True)
_DOB = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only
_COUNTRY = re.compile(r"[A-Z]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ICAO = re.compile(r"[A-Z0-9<]{1,80}")
MIN_YEAR = 1900
_MAX_CODE = 2**63 - 1


class Sex(enum.IntEnum):
    """As the VN1 wire encodes it; the CCCD number's sex digit agrees with it."""

    MALE = 1
    FEMALE = 2


_SEX_BY_VALUE = {1: Sex.MALE, 2: Sex.FEMALE}  # Sex(n) is a slow enum call


def _fail(message: str) -> InvalidCertificate:
    return InvalidCertificate(message)


def _check_int(value: object, name: str, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise _fail(f"{name} must be an integer in {low}..{high}, got {value!r}")


def _check_text(value: object, name: str, max_len: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise _fail(f"{name} must be non-empty text of at most {max_len} characters")
    if _CONTROL.search(value):
        raise _fail(f"{name} must not contain control characters")
    return unicodedata.normalize("NFC", value)


def _set_text(obj: object, field: str, value: object, max_len: int = 200) -> None:
    """Check a text field and store its NFC form. ``normalize`` returns the very
    same object for text already in NFC (nearly always), and then the frozen
    field is left as it is: one attribute write fewer on the decoding hot path."""
    normal = _check_text(value, field, max_len)
    if normal is not value:
        object.__setattr__(obj, field, normal)


def _check_date(value: object, name: str) -> None:
    # datetime is a subclass of date: a timestamp where a day is meant is a bug.
    if type(value) is not dt.date or value.year < MIN_YEAR:
        raise _fail(f"{name} must be a datetime.date from {MIN_YEAR} on, got {value!r}")


_COUNTRIES = frozenset(a + b for a in map(chr, range(65, 91)) for b in map(chr, range(65, 91)))
"""Every string ``_COUNTRY`` matches (676), so the hot path does one set look-up."""


def _check_country(value: object) -> None:
    if type(value) is str and value in _COUNTRIES:
        return
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise _fail(f"country must be an ISO 3166-1 alpha-2 code, got {value!r}")


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def parse_dob(text: str) -> tuple[int, int | None, int | None]:
    """Split an ISO date of birth (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``)."""
    if type(text) is str:  # a verify parses the same date of birth two or three times
        return _parse_dob_cached(text)
    return _parse_dob(text)


@functools.lru_cache(maxsize=1024)
def _parse_dob_cached(text: str) -> tuple[int, int | None, int | None]:
    return _parse_dob(text)


def _parse_dob(text: str) -> tuple[int, int | None, int | None]:
    m = _DOB.fullmatch(text)
    if not m:
        raise _fail(f"date of birth must be YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}")
    year = int(m[1])
    month = int(m[2]) if m[2] else None
    day = int(m[3]) if m[3] else None
    try:  # month 00 and day 00 are not "unknown": they are invalid
        dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        raise _fail(f"date of birth is not a real date: {text!r}") from None
    if year < MIN_YEAR:
        raise _fail(f"date of birth before {MIN_YEAR}: {text!r}")
    return year, month, day


@dataclass(**_FROZEN)
class Subject:
    """The person. ``dob`` is ISO 8601 at the precision known: ``1990-05-17``,
    ``1990-05`` or ``1990``. ``id_number`` is the 12-digit CCCD number, or
    ``None`` for formats that carry none (EU DCC, SHC).

    ``name`` is the full name as printed (family name first for Vietnamese
    names). Formats that split the name fill the parts too: ``family_name`` and
    ``given_name`` as written, and their ICAO 9303 transliterations
    ``family_name_icao`` / ``given_name_icao`` (``A-Z`` and ``<``, e.g.
    ``NGUYEN`` / ``BAO<DUY``), which identity binding also compares."""

    name: str
    dob: str
    id_number: str | None = None
    sex: Sex | None = None
    family_name: str | None = None
    given_name: str | None = None
    family_name_icao: str | None = None
    given_name_icao: str | None = None

    def __post_init__(self) -> None:
        # Written out field by field (no getattr loops): it runs on every decode.
        _set_text(self, "name", self.name)
        if self.family_name is not None:
            _set_text(self, "family_name", self.family_name)
        if self.given_name is not None:
            _set_text(self, "given_name", self.given_name)
        for part, value in (("family_name_icao", self.family_name_icao),
                            ("given_name_icao", self.given_name_icao)):
            if value is not None and (not isinstance(value, str) or not _ICAO.fullmatch(value)):
                raise _fail(f"{part} must be 1-80 characters of A-Z, 0-9 and '<', got {value!r}")
        if not isinstance(self.dob, str):
            raise _fail("dob must be a string (YYYY, YYYY-MM or YYYY-MM-DD)")
        parse_dob(self.dob)
        if self.id_number is not None and (
            not isinstance(self.id_number, str)
            or len(self.id_number) != 12
            or not self.id_number.isascii()
            or not self.id_number.isdigit()
        ):
            raise _fail("id_number must be exactly 12 ASCII digits")
        sex = self.sex
        if sex is not None:
            if type(sex) is int and sex in (1, 2):
                _set(self, "sex", _SEX_BY_VALUE[sex])
            elif not isinstance(sex, Sex):
                raise _fail(f"sex must be Sex.MALE or Sex.FEMALE, got {sex!r}")

    @property
    def birth_year(self) -> int:
        return parse_dob(self.dob)[0]

    @property
    def birth_date(self) -> dt.date | None:
        """The full date of birth, or ``None`` when only the year or month is known."""
        year, month, day = parse_dob(self.dob)
        return dt.date(year, month, day) if month and day else None


@dataclass(**_FROZEN)
class Vaccination:
    """One dose. ``product`` is an EU value-set code (``EU/1/20/1528``) or a
    national code (``VN-NANOCOVAX``); see :mod:`cccdqr.core.products`.
    ``doses_in_series`` is ``None`` when the format does not say (SMART Health
    Cards, VDS-NC); VN1 and EU DCC always carry it."""

    product: str
    dose_number: int
    date: dt.date
    doses_in_series: int | None = None
    country: str = "VN"
    disease: int = DISEASE_COVID19
    administering_unit: str | None = None

    def __post_init__(self) -> None:
        _set_text(self, "product", self.product, 64)
        _check_int(self.dose_number, "dose_number", 1, 99)
        if self.doses_in_series is not None:
            _check_int(self.doses_in_series, "doses_in_series", 1, 99)
        _check_date(self.date, "date")
        _check_country(self.country)
        _check_int(self.disease, "disease", 1, _MAX_CODE)
        if self.administering_unit is not None:
            _set_text(self, "administering_unit", self.administering_unit, 100)


@dataclass(**_FROZEN)
class Test:
    """One test. ``sampled_at`` is an aware datetime in whole seconds."""

    __test__ = False  # not a pytest test class

    test_type: str
    sampled_at: dt.datetime
    result: int
    country: str = "VN"
    disease: int = DISEASE_COVID19

    def __post_init__(self) -> None:
        _set(self, "test_type", _check_text(self.test_type, "test_type", 32))
        at = self.sampled_at
        if not isinstance(at, dt.datetime) or at.tzinfo is None or at.microsecond:
            raise _fail("sampled_at must be a timezone-aware datetime in whole seconds")
        if not MIN_YEAR <= at.astimezone(dt.timezone.utc).year <= 9998:
            raise _fail("sampled_at is out of range")
        _check_int(self.result, "result", 1, 2**63 - 1)
        _check_country(self.country)
        _check_int(self.disease, "disease", 1, 2**63 - 1)

    @property
    def detected(self) -> bool:
        return self.result == RESULT_DETECTED


@dataclass(**_FROZEN)
class Recovery:
    """Recovery from an infection first detected on ``first_positive``."""

    first_positive: dt.date
    valid_from: dt.date
    valid_until: dt.date
    country: str = "VN"
    disease: int = DISEASE_COVID19

    def __post_init__(self) -> None:
        for name in ("first_positive", "valid_from", "valid_until"):
            _check_date(getattr(self, name), name)
        if self.valid_from > self.valid_until:
            raise _fail("valid_from is after valid_until")
        _check_country(self.country)
        _check_int(self.disease, "disease", 1, 2**63 - 1)


_RECORD_TYPES = {(v, t, r): frozenset(k for k, has in (("v", v), ("t", t), ("r", r)) if has)
                 for v in (False, True) for t in (False, True) for r in (False, True)}
_NONE: tuple[()] = ()  # the empty tuple is a singleton in CPython: an identity test


def _check_events(obj: object, name: str, events: object, kind: type) -> None:
    if isinstance(events, list):
        events = tuple(events)
        _set(obj, name, events)
    if not isinstance(events, tuple):
        raise _fail(f"{name} must be a tuple of {kind.__name__}")
    for event in events:
        if not isinstance(event, kind):
            raise _fail(f"{name} must be a tuple of {kind.__name__}")


@dataclass(**_FROZEN)
class HealthCertificate:
    """A person and at least one vaccination, test or recovery."""

    subject: Subject
    vaccinations: tuple[Vaccination, ...] = ()
    tests: tuple[Test, ...] = ()
    recoveries: tuple[Recovery, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.subject, Subject):
            raise _fail("subject must be a Subject")
        # Field by field, and an empty tuple (the usual case) costs one test.
        if self.vaccinations is not _NONE:
            _check_events(self, "vaccinations", self.vaccinations, Vaccination)
        if self.tests is not _NONE:
            _check_events(self, "tests", self.tests, Test)
        if self.recoveries is not _NONE:
            _check_events(self, "recoveries", self.recoveries, Recovery)
        if not (self.vaccinations or self.tests or self.recoveries):
            raise _fail("a certificate needs at least one vaccination, test or recovery")

    @property
    def record_types(self) -> frozenset[str]:
        """``{"v", "t", "r"}`` subset: which kinds of event this certificate holds."""
        # One of eight sets made once: every verify asks.
        return _RECORD_TYPES[bool(self.vaccinations), bool(self.tests), bool(self.recoveries)]

    def replace(self, **changes: Any) -> HealthCertificate:
        return dataclasses.replace(self, **changes)



# --- built by a decoder -------------------------------------------------------------
# A decoder (VN1's record reader) has already proven some invariants on its way
# to the values: these build the objects without checking those again, and check
# every other invariant exactly as __post_init__ does, in its order and with its
# messages (issue 18: build models once without re-validating what the decoder
# proved). tests/test_fast_path_limits.py compares them with the constructors.

_new = object.__new__
_put = object.__setattr__  # called directly, as dataclasses' own __init__ does: a helper call costs more


def decoded_subject(*, id_number: str | None, name: object, dob: str, dob_proven: bool,
                    sex: int | None, family_name: object = None, given_name: object = None,
                    family_name_icao: str | None = None,
                    given_name_icao: str | None = None) -> Subject:
    """A Subject whose ``id_number`` the decoder proved to be None or 12 ASCII
    digits, ``sex`` None, 1 or 2, and each ICAO name None or 1-80 characters of
    A-Z and ``<`` (the EU DCC schema's pattern, empty dropped); ``dob_proven``:
    ``dob`` is the ISO form of a real date from 1900 on (else it is parsed here).
    The name and its parts are checked as ``Subject`` checks them."""
    obj = _new(Subject)
    _put(obj, "name", name)
    _set_text(obj, "name", name)
    _put(obj, "family_name", family_name)
    if family_name is not None:
        _set_text(obj, "family_name", family_name)
    _put(obj, "given_name", given_name)
    if given_name is not None:
        _set_text(obj, "given_name", given_name)
    if not isinstance(dob, str):
        raise _fail("dob must be a string (YYYY, YYYY-MM or YYYY-MM-DD)")
    if not dob_proven:
        parse_dob(dob)
    _put(obj, "dob", dob)
    _put(obj, "id_number", id_number)
    _put(obj, "sex", None if sex is None else _SEX_BY_VALUE[sex])
    _put(obj, "family_name_icao", family_name_icao)
    _put(obj, "given_name_icao", given_name_icao)
    return obj


def decoded_vaccination(product: object, product_proven: bool, dose_number: object,
                        doses_in_series: object, date: dt.date, country: object,
                        disease: int, administering_unit: object) -> Vaccination:
    """A Vaccination whose ``date`` the decoder proved to be a ``datetime.date``
    from 1900 on and ``disease`` an int in 1..2**63-1; ``product_proven``: the
    product is a code from cccdqr's own table (valid text in NFC)."""
    obj = _new(Vaccination)
    _put(obj, "product", product)
    if not product_proven:
        _set_text(obj, "product", product, 64)
    if type(dose_number) is not int or not 1 <= dose_number <= 99:
        _check_int(dose_number, "dose_number", 1, 99)
    if doses_in_series is not None and (type(doses_in_series) is not int
                                        or not 1 <= doses_in_series <= 99):
        _check_int(doses_in_series, "doses_in_series", 1, 99)
    if type(country) is not str or country not in _COUNTRIES:
        _check_country(country)
    _put(obj, "dose_number", dose_number)
    _put(obj, "doses_in_series", doses_in_series)
    _put(obj, "date", date)
    _put(obj, "country", country)
    _put(obj, "disease", disease)
    _put(obj, "administering_unit", administering_unit)
    if administering_unit is not None:
        _set_text(obj, "administering_unit", administering_unit, 100)
    return obj


def decoded_certificate(subject: Subject, vaccinations: tuple[Vaccination, ...],
                        tests: tuple[Test, ...], recoveries: tuple[Recovery, ...]
                        ) -> HealthCertificate:
    """A HealthCertificate from objects the decoder built itself (so of the
    right types, in tuples); only "at least one event" is left to check."""
    if not (vaccinations or tests or recoveries):
        raise _fail("a certificate needs at least one vaccination, test or recovery")
    obj = _new(HealthCertificate)
    _put(obj, "subject", subject)
    _put(obj, "vaccinations", vaccinations)
    _put(obj, "tests", tests)
    _put(obj, "recoveries", recoveries)
    return obj

# --- JSON form ----------------------------------------------------------------------
# The JSON shape used by the CLI (`cccdqr issue --json`) and by VerificationResult:
# field names as above, dates ISO 8601, sex as 1/2 or "male"/"female".

_SEX_WORDS = {"male": Sex.MALE, "m": Sex.MALE, "nam": Sex.MALE,
              "female": Sex.FEMALE, "f": Sex.FEMALE, "nữ": Sex.FEMALE, "nu": Sex.FEMALE}


def _from_json_fields(kind: type[Any], data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(f"{what} must be an object")
    known = {f.name for f in dataclasses.fields(kind)}
    unknown = set(data) - known
    if unknown:
        raise _fail(f"{what} has unknown fields: {', '.join(sorted(unknown))}")
    return dict(data)


def _json_date(value: object, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]
    except ValueError:
        raise _fail(f"{what} is not an ISO date: {value!r}") from None


def certificate_to_dict(certificate: HealthCertificate) -> dict[str, Any]:
    """The JSON form of a certificate (the inverse of :func:`certificate_from_dict`)."""
    out: dict[str, Any] = jsonable(certificate)
    return out


def certificate_from_dict(data: object) -> HealthCertificate:
    """Build a certificate from its JSON form; :class:`InvalidCertificate` when wrong."""
    try:
        return _certificate_from_dict(data)
    except TypeError as exc:  # a required field is missing
        raise _fail(str(exc)) from None


def _certificate_from_dict(data: object) -> HealthCertificate:
    d = _from_json_fields(HealthCertificate, data, "certificate")
    s = _from_json_fields(Subject, d.get("subject"), "subject")
    sex = s.get("sex")
    if isinstance(sex, str):
        if sex.lower() not in _SEX_WORDS:
            raise _fail(f"sex must be male or female, got {sex!r}")
        s["sex"] = _SEX_WORDS[sex.lower()]
    vaccinations = []
    for v in d.get("vaccinations", ()):
        v = _from_json_fields(Vaccination, v, "vaccination")
        v["date"] = _json_date(v.get("date"), "vaccination date")
        vaccinations.append(Vaccination(**v))
    tests = []
    for t in d.get("tests", ()):
        t = _from_json_fields(Test, t, "test")
        at = t.get("sampled_at")
        if isinstance(at, str):
            try:
                t["sampled_at"] = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError:
                raise _fail(f"sampled_at is not an ISO time: {at!r}") from None
        tests.append(Test(**t))
    recoveries = []
    for r in d.get("recoveries", ()):
        r = _from_json_fields(Recovery, r, "recovery")
        for name in ("first_positive", "valid_from", "valid_until"):
            r[name] = _json_date(r.get(name), name)
        recoveries.append(Recovery(**r))
    return HealthCertificate(subject=Subject(**s), vaccinations=tuple(vaccinations),
                             tests=tuple(tests), recoveries=tuple(recoveries))


RevocationId = tuple[str, bytes]
"""``(kind, id)``: how a revocation list names a certificate. Kinds in use:
``"cti"`` (VN1), ``"uci"``, ``"countrycodeuci"``, ``"signature"`` (EU DCC, the
first 16 bytes of SHA-256 as the EU revocation scheme defines them), ``"rid"``
(SMART Health Cards, scoped as ``kid.rid``) and ``"uvci"`` (VDS-NC: the UVCI and
its SHA-256, first 16 bytes)."""
