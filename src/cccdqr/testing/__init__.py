"""Hypothesis strategies for cccdqr certificates, codes and corruptions.

Use them in your own property tests::

    from hypothesis import given
    from cccdqr import testing

    @given(testing.signed_vn1())
    def test_my_checkpoint_accepts(code):
        text, certificate, trust, now = code
        assert my_checkpoint(text, trust, now=now).accepted

Every function returns a strategy (compose them with ``st.builds``, ``.map``,
``.filter``). :func:`signed_codes` signs VN1, EU DCC (``HC1:``), SMART Health
Card and ICAO VDS-NC codes; :func:`corruptions` breaks any of them and says
whether the result must fail. Signed codes use the TEST-ONLY keys of
:mod:`cccdqr.testkeys` (and certificates built for them), which protect
nothing. All times are aware UTC datetimes in whole seconds. docs/testing.md
has the full guide.

This module needs ``hypothesis`` (a dev dependency); ``import cccdqr`` never
imports it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import json
import unicodedata
import zlib
from typing import Any, NamedTuple
from collections.abc import Callable, Iterable

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import strategies as st

from cccdqr.testing import _formats as _tf
from cccdqr.wire import cose
from cccdqr.wire.base45 import ALPHABET as _ALPHABET
from cccdqr.wire.base45 import b45decode
from cccdqr.checkpoint.card import CardIdentity, format_card_qr
from cccdqr.formats import dcc, detect, native
from cccdqr.formats import shc as _shc
from cccdqr.core.identity import province_codes
from cccdqr.engine.issue import Issuer
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
    parse_dob,
)
from cccdqr.core.products import PRODUCT_NUMBERS
from cccdqr.core.reasons import Reason
from cccdqr.testkeys import test_ed25519_key, test_es256_key
from cccdqr.trust.store import TrustStore

__all__ = [
    "BASE45_ALPHABET",
    "CORRUPTION_KINDS",
    "EVENT_END",
    "EVENT_START",
    "FORMATS",
    "Corruption",
    "SignedCode",
    "byte_flips",
    "card_identities",
    "card_qr_texts",
    "cccd_numbers",
    "corruptions",
    "health_certificates",
    "mixed_certificates",
    "name_variants",
    "names",
    "recoveries",
    "recovery_certificates",
    "signed_codes",
    "signed_vn1",
    "subjects",
    "symbol_swaps",
    "test_certificates",
    "test_keys",
    "tests",
    "vaccination_certificates",
    "vaccinations",
]

BASE45_ALPHABET = _ALPHABET
"""The 45 symbols of RFC 9285 Base45 (QR alphanumeric mode)."""

EVENT_START = dt.date(2020, 1, 2)
"""Earliest date any generated event (dose, test, recovery) falls on."""
EVENT_END = dt.date(2029, 12, 31)
"""Latest date any generated event falls on."""

_UTC = dt.timezone.utc
_VN1_PREFIX = "VN1:"

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
           "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Xuân", "Quốc", "Thu")
_GIVEN = ("An", "Bảo", "Châu", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hương",
          "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Nhung", "Phúc",
          "Quân", "Quỳnh", "Sơn", "Thảo", "Trang", "Tuấn", "Uyên", "Việt", "Yến", "Đạt",
          "Ánh", "Ơn")

_NATIONAL_PRODUCTS = ("VN-NANOCOVAX", "VN-COVIVAC", "NVX-CoV2373")
_COUNTRIES = ("VN", "VN", "VN", "LA", "KH", "TH", "SG", "US", "DE", "JP")
_UNITS = (
    "Trạm Y tế phường Bến Nghé, Quận 1",
    "Bệnh viện Bạch Mai",
    "Trung tâm Kiểm soát Bệnh tật TP. Hồ Chí Minh",
    "Bệnh viện Đa khoa tỉnh Đắk Lắk",
    "Trạm Y tế xã Đông Hưng",
)
_UNIT_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệ" \
                "íìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ" \
                "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY0123456789 ,.-/"


def _utc_datetimes(start: dt.datetime, end: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    """Aware UTC datetimes in whole seconds between ``start`` and ``end``."""
    return st.integers(int(start.timestamp()), int(end.timestamp())).map(
        lambda s: dt.datetime.fromtimestamp(s, _UTC))


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


_FAMILY_NAMES = st.sampled_from(_FAMILY)
_MIDDLE_NAMES = st.lists(st.sampled_from(_MIDDLE), max_size=2)
_GIVEN_NAMES = st.sampled_from(_GIVEN)


@st.composite
def _names(draw: st.DrawFn) -> str:
    parts = [draw(_FAMILY_NAMES)]
    parts += draw(_MIDDLE_NAMES)
    parts.append(draw(_GIVEN_NAMES))
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


_DOBS = _dobs()


def subjects(*, with_id: bool = True) -> st.SearchStrategy[Subject]:
    """People: a name from :func:`names`, a date of birth that is full
    (``1990-05-17``) or partial (``1990``, ``1990-05``), a sex or none, and with
    ``with_id`` a CCCD number consistent with the DOB and (when known) the sex."""

    return _subjects(with_id)


_SEXES = st.one_of(st.none(), st.sampled_from(Sex))


@st.composite
def _subjects(draw: st.DrawFn, with_id: bool) -> Subject:
    dob = draw(_DOBS)
    sex = draw(_SEXES)
    id_number = draw(cccd_numbers(dob=dob, sex=sex)) if with_id else None
    return Subject(name=draw(_names()), dob=dob, id_number=id_number, sex=sex)


# --- events -----------------------------------------------------------------------

def _diseases() -> st.SearchStrategy[int]:
    return st.one_of(st.just(DISEASE_COVID19), st.just(DISEASE_COVID19),
                     st.integers(1, 2**63 - 1))


def _units() -> st.SearchStrategy[str | None]:
    free = st.text(_UNIT_LETTERS, min_size=1, max_size=100).filter(lambda s: bool(s.strip()))
    return st.one_of(st.none(), st.sampled_from(_UNITS), free)


def _event_dates(start: dt.date = EVENT_START,
                 end: dt.date = EVENT_END) -> st.SearchStrategy[dt.date]:
    return st.dates(start, end)


def vaccinations() -> st.SearchStrategy[Vaccination]:
    """Vaccine doses: a product from VN1's numbered table or a text code
    (``VN-NANOCOVAX``), dose 1-4 of a series of 1-3, dated 2020-01-02..2029-12-31,
    usually in Viet Nam, sometimes with the administering unit."""
    products = st.sampled_from(tuple(PRODUCT_NUMBERS.values()) + _NATIONAL_PRODUCTS)
    return st.builds(
        Vaccination,
        product=products,
        dose_number=st.integers(1, 4),
        doses_in_series=st.integers(1, 3),
        date=_event_dates(),
        country=st.sampled_from(_COUNTRIES),
        disease=_diseases(),
        administering_unit=_units(),
    )


def tests() -> st.SearchStrategy[Test]:
    """COVID-19 tests: NAA (PCR) or rapid antigen, sampled at a whole-second UTC
    time in 2020-01-02..2029-12-31, result not detected or detected."""
    start = dt.datetime.combine(EVENT_START, dt.time(), _UTC)
    end = dt.datetime.combine(EVENT_END, dt.time(23, 59, 59), _UTC)
    return st.builds(
        Test,
        test_type=st.sampled_from((TEST_NAA, TEST_RAT)),
        sampled_at=_utc_datetimes(start, end),
        result=st.sampled_from((RESULT_NOT_DETECTED, RESULT_NOT_DETECTED, RESULT_DETECTED)),
        country=st.sampled_from(_COUNTRIES),
        disease=_diseases(),
    )


tests.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def recoveries() -> st.SearchStrategy[Recovery]:
    """Recoveries: a first positive test, valid from 11-30 days later for up to
    180 days, all within 2020-01-02..2029-12-31."""

    return _recoveries()


@st.composite
def _recoveries(draw: st.DrawFn) -> Recovery:
    first = draw(_event_dates(EVENT_START, EVENT_END - dt.timedelta(days=31)))
    valid_from = first + dt.timedelta(days=draw(st.integers(11, 30)))
    until = valid_from + dt.timedelta(days=draw(st.integers(0, 180)))
    return Recovery(first_positive=first, valid_from=valid_from,
                    valid_until=min(until, EVENT_END),
                    country=draw(st.sampled_from(_COUNTRIES)), disease=draw(_diseases()))


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


# --- signed codes -----------------------------------------------------------------

FORMATS = ("VN1", "HC1", "SHC", "VDS-NC")
"""The formats :func:`signed_codes` signs and :func:`corruptions` takes apart."""


class SignedCode(NamedTuple):
    """A signed code (any format) with what it takes to verify it."""

    text: str
    """The text as a scanner reads it from the QR."""
    certificate: HealthCertificate
    """What ``verify(text, trust, now=now).certificate`` gives: for VN1 the
    certificate issued; for the other formats the same person and events as
    that format carries them (see each format in :func:`signed_codes`)."""
    trust: TrustStore
    """A trust store that holds exactly what verifies the code."""
    now: dt.datetime
    """The clock the code was issued at; it verifies as VALID at this time."""

    @property
    def format(self) -> str:
        """``"VN1"``, ``"HC1"``, ``"SHC"`` or ``"VDS-NC"``."""
        fmt = detect(self.text)
        assert fmt is not None
        return str(fmt.NAME)


def test_keys() -> tuple[cose.PrivateKey, ...]:
    """The TEST-ONLY signing keys :func:`signed_vn1` draws from (ES256, Ed25519)."""
    return _default_keys()


test_keys.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@functools.cache
def _default_keys() -> tuple[cose.PrivateKey, ...]:
    return (test_es256_key(), test_ed25519_key())


@functools.cache
def _format_keys(format_name: str) -> tuple[cose.PrivateKey, ...]:
    if format_name == "VN1":
        return _default_keys()
    if format_name == "HC1":  # ES256, and PS256 as Viet Nam signs its EU DCCs
        return (test_es256_key("testing hc1 es256"), _tf.rsa_key("testing hc1 ps256"))
    if format_name == "SHC":
        return (test_es256_key("testing shc"),)
    return (test_es256_key("testing vdsnc bsc"),)


@functools.cache
def _issuer(key: cose.PrivateKey, issuer: str) -> tuple[Issuer, TrustStore]:
    signer = Issuer(key, issuer, deterministic=True)
    return signer, TrustStore([signer.trusted_key()])


@functools.cache
def _dcc_issuer(key: cose.PrivateKey, issuer: str) -> tuple[Issuer, TrustStore]:
    signer = Issuer(key, issuer, format="HC1", certificate=_tf.dsc(key, issuer),
                    deterministic=True)
    return signer, TrustStore([signer.trusted_key()])


def _clocks(now: dt.datetime | None) -> st.SearchStrategy[dt.datetime]:
    if now is not None and (not isinstance(now, dt.datetime) or now.tzinfo is None):
        raise TypeError("now must be a timezone-aware datetime")
    return st.just(now) if now is not None else _utc_datetimes(
        dt.datetime(2021, 1, 1, tzinfo=_UTC), dt.datetime(2029, 1, 1, tzinfo=_UTC))


def signed_vn1(
    key: cose.PrivateKey | None = None,
    *,
    now: dt.datetime | None = None,
    certificates: st.SearchStrategy[HealthCertificate] | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=365),
    issuer: str = "VN",
) -> st.SearchStrategy[SignedCode]:
    """Signed ``VN1:`` codes: ``signed_codes("VN1", key, ...)``.

    ``key`` is an ES256 or Ed25519 private key (default: drawn from the
    TEST-ONLY keys); signing is deterministic and the ``cti`` (8-16 bytes) is
    drawn, so a failing example replays exactly. ``now`` is the issuing clock
    (default: drawn, whole seconds, 2021-2029); ``trust`` holds just the
    signing key. ``certificates`` defaults to :func:`health_certificates`.
    """
    return signed_codes("VN1", key, now=now, certificates=certificates, valid_for=valid_for,
                        issuer=issuer)


def signed_codes(
    format: str | None = "VN1",  # noqa: A002  # the name the formats use everywhere
    key: cose.PrivateKey | None = None,
    *,
    now: dt.datetime | None = None,
    record_types: Iterable[str] | None = None,
    certificates: st.SearchStrategy[HealthCertificate] | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=365),
    issuer: str | None = None,
) -> st.SearchStrategy[SignedCode]:
    """Signed codes of one format as :class:`SignedCode` ``(text, certificate,
    trust, now)``; ``format=None`` draws the format too.

    Every code verifies as VALID with ``trust`` at ``now`` (default: drawn,
    whole seconds, 2021-2029) and ``verify(...).certificate`` equals
    ``certificate``. Keys are TEST-ONLY (:mod:`cccdqr.testkeys` labels, and a
    label-derived RSA key for PS256), drawn when ``key`` is not given; signing
    is deterministic (a PS256 code, whose salt is random, is remembered per
    input within the process), so failing examples replay.
    ``record_types`` (a subset of ``"vtr"``) fixes which kinds of event the
    certificate holds, where the format can hold them:

    - ``"VN1"``: ES256 or Ed25519; any certificate from ``certificates``
      (default :func:`health_certificates`); ``issuer`` default ``"VN"``.
    - ``"HC1"`` (EU DCC, issued by :class:`cccdqr.Issuer`): ES256 or PS256
      under a self-signed TEST-ONLY signer certificate (C = ``issuer``,
      default ``"VN"``, 2020-2040) that ``trust`` holds; one event; the subject
      has family and given names with ICAO transliterations and no CCCD
      number or sex, as the DCC carries neither.
    - ``"SHC"`` (SMART Health Card, one ``shc:/`` QR): ES256; ``trust`` is the
      key's one-entry JWKS for ``iss`` = ``issuer`` (default
      ``"test-issuer:shc"``); vaccinations (dose numbers by date, country
      ``ZZ``, no series size) and/or tests; no recoveries.
    - ``"VDS-NC"`` (ICAO seal, JSON): ES256 barcode signer certificate issued
      by a TEST-ONLY CSCA for Viet Nam; ``trust`` holds the CSCA and an empty
      CRL (2020-2040); a proof of vaccination or of testing; ICAO upper-case
      names; no ``iat``/``exp`` (``valid_for`` does not apply).
    """
    if format is None:
        if key is not None or certificates is not None or issuer is not None:
            raise ValueError("key, certificates and issuer need a chosen format")
        return st.one_of([signed_codes(f, now=now, record_types=record_types,
                                       valid_for=valid_for)
                          for f in FORMATS if _can_hold(f, record_types)])
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
    if not isinstance(valid_for, dt.timedelta) or valid_for <= dt.timedelta(0):
        raise ValueError("valid_for must be a positive timedelta")
    kinds = _kinds(format, record_types)
    keys = st.just(key) if key is not None else st.sampled_from(_format_keys(format))
    clocks = _clocks(now)
    if format == "VN1":
        if certificates is None:
            certificates = (health_certificates(record_types=record_types)
                            if record_types is not None else health_certificates())
        elif record_types is not None:
            raise ValueError("give certificates or record_types, not both")
        if key is not None:
            _issuer(key, issuer or "VN")  # a key VN1 cannot use fails here, not per example
        return _signed(keys, clocks, certificates, valid_for, issuer or "VN")
    if certificates is not None:
        raise ValueError("certificates is for format='VN1'; the other formats draw their own")
    if format == "HC1":
        country = issuer or "VN"
        if not (len(country) == 2 and country.isascii() and country.isupper()):
            raise ValueError("an EU DCC issuer is an ISO 3166 alpha-2 code")
        if key is not None:
            _dcc_issuer(key, country)
        return _signed_dcc(keys, clocks, kinds, valid_for, country)
    if key is not None and not (isinstance(key, ec.EllipticCurvePrivateKey)
                                and isinstance(key.curve, ec.SECP256R1)):
        raise ValueError(f"{format} is signed with ES256: key must be a P-256 private key")
    if format == "SHC":
        return _signed_shc(keys, clocks, kinds, valid_for, issuer or "test-issuer:shc")
    if issuer is not None:
        raise ValueError("a VDS-NC seal names its issuing country in hdr.is: issuer is fixed")
    return _signed_vdsnc(keys, clocks, kinds)


_FORMAT_KINDS = {
    "VN1": tuple(frozenset(k) for k in ("v", "t", "r", "vt", "vr", "tr", "vtr")),
    "HC1": (frozenset("v"), frozenset("t"), frozenset("r")),
    "SHC": (frozenset("v"), frozenset("t"), frozenset("vt")),
    "VDS-NC": (frozenset("v"), frozenset("t")),
}


def _can_hold(format_name: str, record_types: Iterable[str] | None) -> bool:
    return record_types is None or frozenset(record_types) in _FORMAT_KINDS[format_name]


def _kinds(format_name: str, record_types: Iterable[str] | None
           ) -> st.SearchStrategy[frozenset[str]]:
    if record_types is None:
        return st.sampled_from(_FORMAT_KINDS[format_name])
    chosen = frozenset(record_types)
    if not chosen or not chosen <= frozenset("vtr"):
        raise ValueError("record_types must be a non-empty subset of 'vtr'")
    if chosen not in _FORMAT_KINDS[format_name]:
        raise ValueError(f"a {format_name} code cannot hold record types {''.join(sorted(chosen))!r}")
    return st.just(chosen)


@st.composite
def _signed(draw: st.DrawFn, keys: st.SearchStrategy[cose.PrivateKey],
            clocks: st.SearchStrategy[dt.datetime],
            certs: st.SearchStrategy[HealthCertificate], valid_for: dt.timedelta,
            issuer: str) -> SignedCode:
    signer, trust = _issuer(draw(keys), issuer)
    cert = draw(certs)
    at = draw(clocks)
    cti = draw(st.binary(min_size=8, max_size=16))
    text = signer.issue(cert, now=at, valid_for=valid_for, cti=cti)
    return SignedCode(text=text, certificate=cert, trust=trust, now=at)


# --- EU DCC -------------------------------------------------------------------------

def _icao(text: str) -> str:
    """ICAO 9303 style: no diacritics (Đ -> D), upper case, ``<`` between words."""
    return "<".join(_strip_marks(word).upper() for word in text.split())


@st.composite
def _split_names(draw: st.DrawFn) -> tuple[str, str]:
    """A Vietnamese name as (family name, middle and given names)."""
    family = draw(_FAMILY_NAMES)
    given = " ".join([*draw(_MIDDLE_NAMES), draw(_GIVEN_NAMES)])
    if draw(st.booleans()):
        family, given = family.upper(), given.upper()
    return unicodedata.normalize("NFC", family), unicodedata.normalize("NFC", given)


_DCC_PRODUCTS = (*PRODUCT_NUMBERS.values(), "VN-NANOCOVAX", "VN-COVIVAC")
_DCC_DOBS = st.one_of(st.dates(dt.date(1920, 1, 1), dt.date(2024, 12, 31)).map(dt.date.isoformat),
                      st.integers(1920, 2024).map(lambda y: f"{y:04d}"))


def _single_event(kind: str, *, products: tuple[str, ...]) -> st.SearchStrategy[
        Vaccination | Test | Recovery]:
    if kind == "v":
        return st.builds(Vaccination, product=st.sampled_from(products),
                         dose_number=st.integers(1, 4), doses_in_series=st.integers(1, 3),
                         date=_event_dates(), country=st.sampled_from(_COUNTRIES))
    if kind == "t":
        return tests().map(lambda t: dataclasses.replace(t, disease=DISEASE_COVID19))
    return recoveries().map(lambda r: dataclasses.replace(r, disease=DISEASE_COVID19))


_GROUPS = {"v": "vaccinations", "t": "tests", "r": "recoveries"}


@st.composite
def _signed_dcc(draw: st.DrawFn, keys: st.SearchStrategy[cose.PrivateKey],
                clocks: st.SearchStrategy[dt.datetime], kinds: st.SearchStrategy[frozenset[str]],
                valid_for: dt.timedelta, country: str) -> SignedCode:
    signer, trust = _dcc_issuer(draw(keys), country)
    family, given = draw(_split_names())
    subject = Subject(name=f"{family} {given}", dob=draw(_DCC_DOBS), family_name=family,
                      given_name=given, family_name_icao=_icao(family),
                      given_name_icao=_icao(given))
    (kind,) = draw(kinds)
    event = draw(_single_event(kind, products=_DCC_PRODUCTS))
    groups: dict[str, Any] = {_GROUPS[kind]: (event,)}
    cert = HealthCertificate(subject=subject, **groups)
    at = draw(clocks)
    body = f"URN:UVCI:01:{country}:{draw(st.binary(min_size=16, max_size=16)).hex().upper()}"
    text = _issue_dcc(signer, cert, at, valid_for, f"{body}#{dcc.uvci_checksum(body)}")
    return SignedCode(text=text, certificate=cert, trust=trust, now=at)


@functools.lru_cache(maxsize=4096)
def _issue_dcc(signer: Issuer, cert: HealthCertificate, at: dt.datetime, valid_for: dt.timedelta,
               uvci: str) -> str:
    """The EU DCC for these inputs, the same text every time in this process.
    A PS256 signature carries a random salt (RFC 8230 fixes its length at 32
    bytes, so it cannot be left out), and so does its zlib-compressed length:
    without this, an example Hypothesis replays would come out different, and a
    strategy drawing from the text (a position, a length) would be flaky."""
    return signer.issue(cert, now=at, valid_for=valid_for, uvci=uvci)


# --- SMART Health Cards -----------------------------------------------------------------

# CVX codes (the CDC vaccine code set) and the product each maps to in cccdqr.
_SHC_CVX = (("208", "EU/1/20/1528"), ("207", "EU/1/20/1507"), ("210", "EU/1/21/1529"),
            ("212", "EU/1/20/1525"), ("211", "EU/1/21/1618"), ("502", "Covaxin"),
            ("504", "Sputnik-Light"), ("505", "Sputnik-V"), ("510", "BBIBP-CorV"),
            ("511", "CoronaVac"), ("503", "VN-COVIVAC"), ("213", "CVX-213"))
# LOINC codes of qualitative SARS-CoV-2 tests: NAA (PCR) and antigen.
_SHC_LOINC = (("94309-2", TEST_NAA), ("94500-6", TEST_NAA), ("94533-7", TEST_NAA),
              ("94558-4", TEST_RAT), ("95209-3", TEST_RAT))
_SHC_RESULTS = (("260415000", RESULT_NOT_DETECTED), ("260373001", RESULT_DETECTED))
_SHC_UNITS = st.one_of(st.none(), st.sampled_from(_UNITS))
_B64URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@st.composite
def _signed_shc(draw: st.DrawFn, keys: st.SearchStrategy[cose.PrivateKey],
                clocks: st.SearchStrategy[dt.datetime], kinds: st.SearchStrategy[frozenset[str]],
                valid_for: dt.timedelta, issuer: str) -> SignedCode:
    key = draw(keys)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    chosen = draw(kinds)
    family, given = draw(_split_names())
    dob = draw(_DOBS)
    resources: list[dict[str, Any]] = [{
        "resourceType": "Patient", "birthDate": dob,
        "name": [{"family": family, "given": given.split(" ")}]}]
    doses: list[tuple[dt.date, int, str, str | None]] = []
    if "v" in chosen:
        for order in range(draw(st.integers(1, 4))):
            cvx, product = draw(st.sampled_from(_SHC_CVX))
            day, unit = draw(_event_dates()), draw(_SHC_UNITS)
            doses.append((day, order, product, unit))
            immunization: dict[str, Any] = {
                "resourceType": "Immunization", "status": "completed",
                "vaccineCode": {"coding": [{"system": _tf.SHC_CVX, "code": cvx}]},
                "patient": {"reference": "resource:0"},
                "occurrenceDateTime": day.isoformat(),
                "lotNumber": draw(st.text("0123456789ABCDEF", min_size=4, max_size=10))}
            if unit is not None:
                immunization["performer"] = [{"actor": {"display": unit}}]
            resources.append(immunization)
    results: list[Test] = []
    if "t" in chosen:
        for _ in range(draw(st.integers(1, 2))):
            loinc, test_type = draw(st.sampled_from(_SHC_LOINC))
            code, result = draw(st.sampled_from(_SHC_RESULTS))
            sampled = draw(_utc_datetimes(dt.datetime.combine(EVENT_START, dt.time(), _UTC),
                                          dt.datetime.combine(EVENT_END, dt.time(), _UTC)))
            results.append(Test(test_type=test_type, sampled_at=sampled, result=result,
                                country=_shc.UNKNOWN_COUNTRY))
            resources.append({
                "resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": _tf.SHC_LOINC, "code": loinc}]},
                "subject": {"reference": "resource:0"},
                "effectiveDateTime": sampled.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "valueCodeableConcept": {"coding": [{"system": _tf.SHC_SCT, "code": code}]}})
    at = draw(clocks)
    vc: dict[str, Any] = {
        "type": ["#health-card", "#immunization" if "v" in chosen else "#laboratory"],
        "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": {
            "resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"resource:{i}", "resource": r}
                      for i, r in enumerate(resources)]}}}
    if draw(st.booleans()):
        vc["rid"] = draw(st.text(_B64URL_CHARS, min_size=1, max_size=24))
    claims: dict[str, Any] = {"iss": issuer, "nbf": int(at.timestamp()), "vc": vc}
    if draw(st.booleans()):
        claims["exp"] = int((at + valid_for).timestamp())
    text = _shc.to_qr_text(_tf.shc_jws(claims, key))
    doses.sort()
    cert = HealthCertificate(
        subject=Subject(name=f"{family} {given}", dob=dob, family_name=family, given_name=given),
        vaccinations=tuple(
            Vaccination(product=product, dose_number=n, date=day,
                        country=_shc.UNKNOWN_COUNTRY, administering_unit=unit)
            for n, (day, _, product, unit) in enumerate(doses, 1)),
        tests=tuple(results))
    return SignedCode(text=text, certificate=cert, trust=_tf.shc_trust(key, issuer), now=at)


# --- ICAO VDS-NC -------------------------------------------------------------------------

# (des: ICD-11 code, nam: product name, the product cccdqr reads). XM68M6 is the
# class "COVID-19 vaccines": then the brand in nam decides, else nam is kept.
_VDS_PRODUCTS = (("XM8NQ0", "Comirnaty", "EU/1/20/1528"), ("XM3DT5", "Spikevax", "EU/1/20/1507"),
                 ("XM4YL8", "Vaxzevria", "EU/1/21/1529"), ("XM6QV1", "Jcovden", "EU/1/20/1525"),
                 ("XM97T2", "Covishield", "Covishield"), ("XM8866", "BBIBP-CorV", "BBIBP-CorV"),
                 ("XM7HT3", "CoronaVac", "CoronaVac"), ("XM68M6", "Nanocovax", "VN-NANOCOVAX"),
                 ("XM68M6", "Abdala", "Abdala"), ("XM68M6", "Covivac", "Covivac"))
_ALPHA3 = (("VNM", "VN"), ("LAO", "LA"), ("KHM", "KH"), ("THA", "TH"), ("SGP", "SG"),
           ("USA", "US"), ("DEU", "DE"), ("JPN", "JP"))
_VDS_SEXES = (("M", Sex.MALE), ("F", Sex.FEMALE), ("X", None), (None, None))
_VDS_TESTS = (("molecular(PCR)", TEST_NAA), ("antigen", TEST_RAT))
_VDS_RESULTS = (("negative", RESULT_NOT_DETECTED), ("positive", RESULT_DETECTED))
_ICT = dt.timezone(dt.timedelta(hours=7))  # Indochina Time, as a Vietnamese lab writes


@st.composite
def _signed_vdsnc(draw: st.DrawFn, keys: st.SearchStrategy[cose.PrivateKey],
                  clocks: st.SearchStrategy[dt.datetime],
                  kinds: st.SearchStrategy[frozenset[str]]) -> SignedCode:
    key = draw(keys)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    (kind,) = draw(kinds)
    family, given = draw(_split_names())
    family, given = _icao(family).replace("<", " "), _icao(given).replace("<", " ")
    dob = draw(_DOBS)
    names: dict[str, Any] = {"name": f"{family} {given}", "family_name": family, "given_name": given,
             "family_name_icao": family.replace(" ", "<"),
             "given_name_icao": given.replace(" ", "<")}
    pid: dict[str, Any] = {"n": f"{family}  {given}", "dob": dob}
    if kind == "v":
        sex_code, sex = draw(st.sampled_from(_VDS_SEXES))
        if sex_code is not None:
            pid["sex"] = sex_code
        events, doses = [], []
        for seq in range(1, draw(st.integers(1, 4)) + 1):
            des, nam, product = draw(st.sampled_from(_VDS_PRODUCTS))
            alpha3, alpha2 = draw(st.sampled_from(_ALPHA3))
            day, unit = draw(_event_dates()), draw(_SHC_UNITS)
            dose: dict[str, Any] = {"dvc": day.isoformat(), "seq": seq, "ctr": alpha3,
                                    "lot": draw(st.text("0123456789ABCDEF", min_size=4,
                                                        max_size=10))}
            if unit is not None:
                dose["adm"] = unit
            events.append({"des": des, "nam": nam, "dis": "RA01.0", "vd": [dose]})
            doses.append(Vaccination(product=product, dose_number=seq, date=day,
                                     country=alpha2, administering_unit=unit))
        msg: dict[str, Any] = {"uvci": f"VN{draw(st.integers(0, 10**10 - 1)):010d}",
                               "pid": pid, "ve": events}
        cert = HealthCertificate(subject=Subject(dob=dob, sex=sex, **names),
                                 vaccinations=tuple(doses))
        data = {"hdr": {"t": "icao.vacc", "v": 1, "is": "VNM"}, "msg": msg}
    else:
        pid.update(dt="P", dn=f"C{draw(st.integers(0, 10**7 - 1)):07d}")
        tc, test_type = draw(st.sampled_from(_VDS_TESTS))
        outcome, result = draw(st.sampled_from(_VDS_RESULTS))
        alpha3, alpha2 = draw(st.sampled_from(_ALPHA3))
        sampled = draw(_utc_datetimes(dt.datetime.combine(EVENT_START, dt.time(), _UTC),
                                      dt.datetime.combine(EVENT_END, dt.time(), _UTC)))
        msg = {"utci": f"VT{draw(st.integers(0, 10**10 - 1)):010d}", "pid": pid,
               "sp": {"spn": draw(st.sampled_from(_UNITS)), "ctr": alpha3,
                      "cd": {"p": "+84 24 0000 0000"}},
               "dat": {"sc": sampled.astimezone(_ICT).isoformat(),
                       "ri": (sampled + dt.timedelta(hours=12)).astimezone(_ICT).isoformat()},
               "tr": {"tc": tc, "r": outcome}}
        cert = HealthCertificate(subject=Subject(dob=dob, **names), tests=(
            Test(test_type=test_type, sampled_at=sampled, result=result, country=alpha2),))
        data = {"hdr": {"t": "icao.test", "v": 1, "is": "VNM"}, "msg": msg}
    text = _tf.vdsnc_seal(data, key, _tf.vdsnc_signer(key))
    return SignedCode(text=text, certificate=cert, trust=_tf.vdsnc_trust(), now=draw(clocks))


# --- corruptions --------------------------------------------------------------------

class Corruption(NamedTuple):
    """A changed code. ``must_fail`` is ``True`` exactly when what the signature
    covers, the signature, or the key it names changed, or the text no longer
    decodes under the format's rules: no verifier may accept it. ``False``
    means only unsigned framing changed (compression, CBOR lengths, JSON
    spacing, surrounding whitespace...): a verifier may accept it, and cccdqr
    does, except an uncompressed ``HC1:`` (the EU specification requires zlib)."""

    text: str
    kind: str
    """One of :data:`CORRUPTION_KINDS` for the code's format."""
    must_fail: bool


_COMMON_KINDS = ("bit_flip", "truncation", "splice", "whitespace")
CORRUPTION_KINDS: dict[str, tuple[str, ...]] = {
    "VN1": (*_COMMON_KINDS, "zlib_level", "compression_toggled", "tag_toggled",
            "long_lengths", "payload_reordered", "protected_reordered"),
    "HC1": (*_COMMON_KINDS, "zlib_level", "compression_toggled", "tag_toggled", "cwt_tag",
            "long_lengths", "payload_reordered", "protected_reordered"),
    "SHC": (*_COMMON_KINDS, "chunked_1_of_1", "deflate_level", "payload_respaced",
            "header_respaced"),
    "VDS-NC": (*_COMMON_KINDS, "json_respaced", "ascii_escaped", "base64_padded"),
}
"""The kinds of :class:`Corruption` per format:

- ``bit_flip``: one bit of the signed structure (VN1/HC1: the COSE bytes, then
  wrapped as before; SHC: a decoded JWS part; VDS-NC: an ASCII character);
- ``truncation``: the text cut short; ``splice``: the head of the code and the
  tail of ``other`` (or of itself, shifted);
- ``whitespace``: CR/LF, spaces or tabs around the text (never a failure);
- VN1/HC1: ``zlib_level`` (recompressed at level 0-8), ``compression_toggled``
  (stored as raw COSE, or compressed), ``tag_toggled`` (COSE tag 18 dropped or
  added), ``cwt_tag`` (tag 61 around it), ``long_lengths`` (a byte string's
  length head in its 4-byte form): all unsigned framing; ``payload_reordered``
  and ``protected_reordered`` (the claims or the protected header re-encoded
  with its keys in another order, not canonical CBOR): signed bytes changed;
- SHC: ``chunked_1_of_1`` (``shc:/1/1/``, deprecated but the same JWS);
  ``deflate_level``, ``payload_respaced`` (the claims JSON with other spacing
  and key order) and ``header_respaced``: the signed base64url text changed;
- VDS-NC: ``json_respaced`` (other spacing and member order),
  ``ascii_escaped`` (``\\u`` escapes) and ``base64_padded`` (``=`` padding on
  ``cer``/``sigvl``): the canonical ``data`` and the signature are unchanged.
"""


def corruptions(
    text: str,
    *,
    other: str | None = None,
    kinds: Iterable[str] | None = None,
) -> st.SearchStrategy[Corruption]:
    """Changed copies of a code of any format, as :class:`Corruption`
    ``(text, kind, must_fail)``: bit flips, truncations, splices, and
    re-encodings that do or do not touch the signed bytes (see
    :data:`CORRUPTION_KINDS`). ``other`` is a second code of the same format
    to splice with (default: the code itself); ``kinds`` limits the kinds
    drawn. A re-encoding that would not change this particular text (say,
    key reordering of a one-key map) is left out.

    Property tests assert ``not verify(c.text, ...).valid`` when
    ``c.must_fail``; nothing is promised otherwise."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    text = text.strip(_ASCII_SPACE)
    fmt = detect(text)
    if fmt is None:
        raise ValueError("not a code of a known format")
    name = str(fmt.NAME)
    view = _signed_view(name, text)
    if view is None:
        raise ValueError(f"not a well-formed {name} code")
    if other is not None:
        if not isinstance(other, str):
            raise TypeError("other must be a str")
        other = other.strip(_ASCII_SPACE)
        if detect(other) is not fmt:
            raise ValueError(f"other must be a {name} code too")
    allowed = CORRUPTION_KINDS[name]
    chosen = tuple(allowed) if kinds is None else tuple(kinds)
    unknown = [k for k in chosen if k not in allowed]
    if unknown or not chosen:
        raise ValueError(f"kinds for {name} are {', '.join(allowed)}")
    usable = [k for k in chosen if k not in _REWRITES or _changes(_REWRITES[k], name, text)]
    if not usable:
        raise ValueError(f"none of {', '.join(chosen)} changes this text")
    return _corruption(name, text, other if other is not None else text, tuple(usable))


_ASCII_SPACE = " \t\r\n\x0b\x0c"


def _changes(rewrite: Callable[..., str], name: str, text: str) -> bool:
    try:
        return rewrite(name, text) != text
    except Exception:  # noqa: BLE001  # a rewrite this text does not allow
        return False


@st.composite
def _corruption(draw: st.DrawFn, name: str, text: str, other: str,
                kinds: tuple[str, ...]) -> Corruption:
    kind = draw(st.sampled_from(kinds))
    if kind == "bit_flip":
        bad = _bit_flip(draw, name, text)
    elif kind == "truncation":
        bad = text[:draw(st.integers(0, len(text) - 1))]
    elif kind == "splice":
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(0, len(other)))
        if other == text and i == j:
            j = (i + draw(st.integers(1, len(text)))) % (len(text) + 1)
        bad = text[:i] + other[j:]
    elif kind == "whitespace":
        pads = st.sampled_from(("", " ", "\r\n", "\n", "\t", "  "))
        before, after = draw(pads), draw(pads)
        bad = before + text + (after or "\r\n")
    elif kind in ("zlib_level", "deflate_level"):
        bad = _REWRITES[kind](name, text, draw(st.integers(0, 8)))
    elif kind in ("long_lengths",):
        heads = draw(st.frozensets(st.sampled_from((0, 2, 3)), min_size=1))
        bad = _REWRITES[kind](name, text, heads)
    elif kind in ("payload_respaced", "header_respaced", "json_respaced"):
        bad = _REWRITES[kind](name, text, draw(st.sampled_from(_JSON_STYLES)))
    else:
        bad = _REWRITES[kind](name, text)
    new_view = _signed_view(name, bad.strip(_ASCII_SPACE))
    sources = [_signed_view(name, text)]
    if kind == "splice" and other != text:
        # two encodings of one signed statement can share their tails: a splice
        # can be a re-framed copy of either code
        sources.append(_signed_view(name, other))
    return Corruption(text=bad, kind=kind, must_fail=new_view is None or new_view not in sources)


def _bit_flip(draw: st.DrawFn, name: str, text: str) -> str:
    if name in ("VN1", "HC1"):
        prefix, raw, compressed = _tf.cose_parts(text)
        i, bit = draw(st.integers(0, len(raw) - 1)), draw(st.integers(0, 7))
        flipped = raw[:i] + bytes((raw[i] ^ (1 << bit),)) + raw[i + 1:]
        return _tf.cose_text(prefix, flipped, compress=compressed)
    if name == "SHC":
        parts = _tf.shc_parts(text)
        n = draw(st.integers(0, 2))
        raw = _tf.b64url_decode(parts[n])
        i, bit = draw(st.integers(0, len(raw) - 1)), draw(st.integers(0, 7))
        parts[n] = _tf.b64url(raw[:i] + bytes((raw[i] ^ (1 << bit),)) + raw[i + 1:])
        return _shc.to_qr_text(".".join(parts))
    ascii_at = [i for i, c in enumerate(text) if c < "\x80"]
    i, bit = draw(st.sampled_from(ascii_at)), draw(st.integers(0, 6))
    return text[:i] + chr(ord(text[i]) ^ (1 << bit)) + text[i + 1:]


# --- re-encodings -----------------------------------------------------------------------

def _recompress(name: str, text: str, level: int = 1) -> str:
    if name == "SHC":
        parts = _tf.shc_parts(text)
        parts[1] = _tf.b64url(_tf.deflate(_tf.inflate(_tf.b64url_decode(parts[1])), level))
        return _shc.to_qr_text(".".join(parts))
    prefix, raw, _ = _tf.cose_parts(text)
    return _tf.cose_text(prefix, raw, compress=True, level=level)


def _toggle_compression(name: str, text: str) -> str:
    prefix, raw, compressed = _tf.cose_parts(text)
    return _tf.cose_text(prefix, raw, compress=not compressed)


def _cose_rewrite(text: str, change: Callable[[bytes, list[Any]], bytes]) -> str:
    prefix, raw, compressed = _tf.cose_parts(text)
    tags, items = _tf.cose_items(raw)
    return _tf.cose_text(prefix, change(tags, items), compress=compressed)


def _toggle_tag(name: str, text: str) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(b"" if tags else b"\xd2", items))


def _cwt_tag(name: str, text: str) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(b"\xd8\x3d\xd2", items))


def _long_lengths(name: str, text: str, heads: frozenset[int] = frozenset({2})) -> str:
    return _cose_rewrite(text, lambda tags, items: _tf.sign1(tags, items, long_heads=heads))


def _reordered(index: int) -> Callable[[str, str], str]:
    def rewrite(name: str, text: str) -> str:
        def change(tags: bytes, items: list[Any]) -> bytes:
            try:
                items[index] = _tf.reordered_map(items[index])
            except (ValueError, TypeError, AttributeError, cbor2.CBORError):
                pass  # not a map: nothing to reorder
            return _tf.sign1(tags, items)
        return _cose_rewrite(text, change)
    return rewrite


def _chunked(name: str, text: str) -> str:
    return f"{_shc.PREFIX}1/1/{text[len(_shc.PREFIX):]}"


_JSON_STYLES = ("spaced", "indented", "reversed", "reversed_indented")


def _reverse(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse(v) for v in value]
    return value


def _dumps(value: Any, style: str, *, ascii_only: bool = False) -> str:
    if style.startswith("reversed"):
        value = _reverse(value)
    if style.endswith("indented"):
        return json.dumps(value, indent=2, ensure_ascii=ascii_only)
    return json.dumps(value, ensure_ascii=ascii_only,
                      separators=(",", ":") if style == "reversed" else (", ", ": "))


def _respace_shc_part(index: int) -> Callable[..., str]:
    def rewrite(name: str, text: str, style: str = "spaced") -> str:
        parts = _tf.shc_parts(text)
        raw = _tf.b64url_decode(parts[index])
        plain = _tf.inflate(raw) if index == 1 else raw
        new = _dumps(json.loads(plain), style).encode()
        parts[index] = _tf.b64url(_tf.deflate(new) if index == 1 else new)
        return _shc.to_qr_text(".".join(parts))
    return rewrite


def _respace_json(name: str, text: str, style: str = "spaced") -> str:
    return _dumps(json.loads(text), style)


def _ascii_escaped(name: str, text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=True, separators=(",", ":"))


def _base64_padded(name: str, text: str) -> str:
    doc = json.loads(text)
    sig = doc.get("sig")
    if isinstance(sig, dict):
        for member in ("cer", "sigvl"):
            value = sig.get(member)
            if isinstance(value, str):
                sig[member] = value + "=" * (-len(value) % 4)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


_REWRITES: dict[str, Callable[..., str]] = {
    "zlib_level": _recompress,
    "deflate_level": _recompress,
    "compression_toggled": _toggle_compression,
    "tag_toggled": _toggle_tag,
    "cwt_tag": _cwt_tag,
    "long_lengths": _long_lengths,
    "payload_reordered": _reordered(2),
    "protected_reordered": _reordered(0),
    "chunked_1_of_1": _chunked,
    "payload_respaced": _respace_shc_part(1),
    "header_respaced": _respace_shc_part(0),
    "json_respaced": _respace_json,
    "ascii_escaped": _ascii_escaped,
    "base64_padded": _base64_padded,
}


# --- what the signature covers -----------------------------------------------------------

def _signed_view(name: str, text: str) -> Any:
    """What the signature of ``text`` covers, the signature itself and the key
    it names, as the format's rules decode them; ``None`` when the text does
    not decode that far. Two texts with equal views are the same signed
    statement in different framing."""
    try:
        if name in ("VN1", "HC1"):
            return _cose_view(name, text)
        if name == "SHC":
            return _shc_view(text)
        return _vdsnc_view(text)
    except Exception:  # noqa: BLE001  # anything that does not decode is not signed
        return None


def _cose_view(name: str, text: str) -> Any:
    if detect(text) is not (native if name == "VN1" else dcc):
        return None
    data = b45decode(text[4:])
    if data[:1] == b"\x78":
        inflater = zlib.decompressobj()
        data = inflater.decompress(data)
        if not inflater.eof or inflater.unused_data:
            return None
    for tag in (b"\xd8\x3d", b"\xd2"):
        if data.startswith(tag):
            data = data[len(tag):]
    if data[:1] != b"\x84":
        return None
    stream = io.BytesIO(data)
    items = cbor2.CBORDecoder(stream).decode()
    if stream.tell() != len(data) or not isinstance(items, list) or len(items) != 4:
        return None
    protected, unprotected, payload, signature = items
    if not (isinstance(protected, bytes) and isinstance(unprotected, dict)
            and isinstance(payload, bytes) and isinstance(signature, bytes)):
        return None
    return name, protected, payload, signature


def _shc_view(text: str) -> Any:
    body = text[len(_shc.PREFIX):] if text.startswith(_shc.PREFIX) else None
    if body is None:
        return None
    if body.startswith("1/1/"):
        body = body[4:]
    if not body.isdigit():
        return None
    header, payload, signature = _shc.numeric_decode(body).split(".")
    return "SHC", header, payload, _tf.b64url_decode(signature)


def _vdsnc_view(text: str) -> Any:
    doc = json.loads(text)
    if not isinstance(doc, dict) or set(doc) != {"data", "sig"} or not isinstance(
            doc["sig"], dict) or set(doc["sig"]) != {"alg", "cer", "sigvl"}:
        return None
    sig = doc["sig"]
    if not all(isinstance(sig[k], str) for k in sig):
        return None
    return ("VDS-NC", doc["data"], sig["alg"], _tf.b64url_decode(sig["cer"].rstrip("=")),
            _tf.b64url_decode(sig["sigvl"].rstrip("=")))


def symbol_swaps(text: str, *, start: int | None = None) -> st.SearchStrategy[str]:
    """``text`` with exactly one character replaced by a *different* Base45
    symbol, at a position from ``start`` on (default: just after the ``VN1:``
    prefix when there is one, else anywhere). For VN1 codes this is always a
    failure (each Base45 triple is 2 bytes of the signed structure or of a
    zlib stream whose header and checksum catch it)."""
    if start is None:
        start = len(_VN1_PREFIX) if text.startswith(_VN1_PREFIX) else 0
    if not 0 <= start < len(text):
        raise ValueError("nothing to corrupt: start is past the end of the text")

    return _symbol_swap(text, start)


@st.composite
def _symbol_swap(draw: st.DrawFn, text: str, start: int) -> str:
    i = draw(st.integers(start, len(text) - 1))
    symbol = draw(st.sampled_from([c for c in BASE45_ALPHABET if c != text[i]]))
    return text[:i] + symbol + text[i + 1:]


def byte_flips(data: bytes) -> st.SearchStrategy[bytes]:
    """``data`` with exactly one byte changed (XOR with a non-zero mask)."""
    if not data:
        raise ValueError("nothing to corrupt: data is empty")

    return _byte_flip(data)


@st.composite
def _byte_flip(draw: st.DrawFn, data: bytes) -> bytes:
    i = draw(st.integers(0, len(data) - 1))
    mask = draw(st.integers(1, 255))
    return data[:i] + bytes((data[i] ^ mask,)) + data[i + 1:]


# --- the card's own QR and name spellings -------------------------------------------

_CARD_REASONS = (Reason.CARD_FIELD_COUNT, Reason.CARD_BAD_DATE, Reason.CARD_BAD_ID)
_ADDRESSES = (
    "Phường Cát Linh, Quận Đống Đa, Hà Nội",
    "Thôn Đông, Xã Đông Hưng, Huyện Tiên Lãng, Hải Phòng",
    "123 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    "Tổ 5, Phường Tân Lợi, TP. Buôn Ma Thuột, Đắk Lắk",
)
_FREE_TEXT = st.text(_UNIT_LETTERS, max_size=40)
_CARD_SEXES = st.sampled_from((Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.FEMALE, None))
_OLD_IDS = st.one_of(st.none(), st.text("0123456789", min_size=9, max_size=9),
                     st.text("0123456789", min_size=12, max_size=12))
_ADDRESS_TEXTS = st.one_of(st.none(), st.sampled_from(_ADDRESSES), _FREE_TEXT)
_EXTRAS = st.lists(st.one_of(_FREE_TEXT, st.text("0123456789", min_size=9, max_size=12)),
                   max_size=3)
_CARD_FIRST_ISSUE = dt.date(2016, 1, 1)
_CARD_LAST_ISSUE = dt.date(2025, 12, 31)


def card_identities() -> st.SearchStrategy[CardIdentity]:
    """What a CCCD card's QR holds, as :class:`cccdqr.checkpoint.card.CardIdentity`: a
    name from :func:`names` (mostly upper case, as printed), a full date of
    birth 1920-2010, sex (rarely unknown), a CCCD number consistent with both,
    an old ID number of 9 or 12 digits or none, an address or none, an issue
    date 2016-2025 not before the birth, and zero to three extra fields (the
    2024 card's additions, kept raw)."""
    return _card_identities()


@st.composite
def _card_identities(draw: st.DrawFn) -> CardIdentity:
    dob = draw(st.dates(dt.date(1920, 1, 1), dt.date(2010, 12, 31)))
    sex = draw(_CARD_SEXES)
    name = draw(_names())
    if draw(st.integers(0, 3)):
        name = name.upper()
    return CardIdentity(
        id_number=draw(cccd_numbers(dob=dob.isoformat(), sex=sex)),
        old_id=draw(_OLD_IDS),
        name=name,
        dob=dob,
        sex=sex,
        address=draw(_ADDRESS_TEXTS),
        issue_date=draw(st.dates(max(dob, _CARD_FIRST_ISSUE), _CARD_LAST_ISSUE)),
        extra=tuple(draw(_EXTRAS)),
    )


def card_qr_texts(
    *,
    valid: bool = True,
    cards: st.SearchStrategy[CardIdentity] | None = None,
    reason: Reason | None = None,
) -> st.SearchStrategy[str]:
    """Texts as a scanner reads them from a CCCD card's QR.

    ``valid=True`` gives texts that :func:`cccdqr.checkpoint.card.parse_card_qr` reads
    back to exactly the card drawn from ``cards`` (default
    :func:`card_identities`), written with the variants scanners and card
    generations produce: an empty old-ID field, spaces or tabs around fields,
    surrounding whitespace and CR/LF, a leading BOM, trailing ``|``
    separators, the sex word in another case or without its diacritic
    (``NAM``, ``Nu``), and decomposed Unicode (NFD).

    ``valid=False`` gives texts (with the same harmless variants) that the
    parser rejects with ``reason`` as :attr:`InvalidCardQR.reason`
    (``CARD_FIELD_COUNT``: fewer than 7 fields, an unknown sex word or an empty
    name; ``CARD_BAD_DATE``: a date that is not a real ``ddmmyyyy`` date from
    1900 on, or a birth after the issue date; ``CARD_BAD_ID``: an ID number
    that breaks exactly one CCCD rule, the card's own DOB and sex included).
    ``reason`` defaults to any of the three.
    """
    if reason is not None and reason not in _CARD_REASONS:
        raise ValueError(f"reason must be one of {', '.join(r.name for r in _CARD_REASONS)}")
    if valid and reason is not None:
        raise ValueError("reason is only for valid=False")
    people = cards if cards is not None else card_identities()
    reasons = st.just(reason) if reason is not None else st.sampled_from(_CARD_REASONS)
    return _card_qr_text(people, valid, reasons)


_SEX_SPELLINGS = {"Nam": ("Nam", "NAM", "nam", " Nam "),
                  "Nữ": ("Nữ", "NỮ", "nữ", "Nu", "NU")}
_PADS = st.sampled_from(("", "", "", " ", "  ", "\t"))
_BAD_DATES = ("31022000", "29021900", "00011990", "15001990", "32011990", "01131990",
              "1508199", "150819950", "15/08/1995", "1995-08-15", "15O81995",
              "１５０８１９９５", "01011899", "")
_BAD_SEXES = ("Male", "F", "1", "Nữa", "Nam Nữ", "Không")


@st.composite
def _card_qr_text(draw: st.DrawFn, people: st.SearchStrategy[CardIdentity], valid: bool,
                  reasons: st.SearchStrategy[Reason]) -> str:
    card = draw(people)
    fields = format_card_qr(card).split("|")
    if fields[4]:
        fields[4] = draw(st.sampled_from(_SEX_SPELLINGS[fields[4]]))
    trailing_ok = True
    if not valid:
        reason = draw(reasons)
        if reason is Reason.CARD_FIELD_COUNT:
            how = draw(st.sampled_from(("few", "sex", "name")))
            if how == "few":
                fields = fields[:draw(st.integers(0, 6))]
                trailing_ok = False  # a trailing '|' would add a field
            elif how == "sex":
                fields[4] = draw(st.sampled_from(_BAD_SEXES))
            else:
                fields[2] = draw(st.sampled_from(("", " ")))
        elif reason is Reason.CARD_BAD_DATE:
            if draw(st.booleans()):
                fields[draw(st.sampled_from((3, 6)))] = draw(st.sampled_from(_BAD_DATES))
            else:  # born after the card was issued
                fields[3] = (card.issue_date + dt.timedelta(days=draw(st.integers(1, 400)))
                             ).strftime("%d%m%Y")
        else:
            fields[0] = draw(cccd_numbers(valid=False, dob=card.dob.isoformat(), sex=card.sex))
    text = "|".join(draw(_PADS) + f + draw(_PADS) for f in fields)
    if trailing_ok:
        text += "|" * draw(st.integers(0, 2))
    text = draw(st.sampled_from(("", "", " ", "\ufeff"))) + text
    text += draw(st.sampled_from(("", "", "\r\n", "\n", " ")))
    return unicodedata.normalize("NFD" if draw(st.booleans()) else "NFC", text)


_WORD_CASES = ("keep", "upper", "lower", "title", "swapcase")
_GAPS = st.sampled_from((" ", " ", "  ", "\t", "\u00a0", " \u00a0 "))
_EDGES = st.sampled_from(("", "", " ", "  ", "\t"))


def name_variants(name: str) -> st.SearchStrategy[str]:
    """Spellings of ``name`` that must bind as the same name: each word in
    another case (upper, lower, title, swapped) and with or without its
    diacritics (``Đ`` becoming ``D``), words joined by other whitespace (runs
    of spaces, a tab, a no-break space), spaces around, and the whole in NFC
    or NFD. ``cccdqr.checkpoint.binding.fold_name`` gives every variant the same form
    as ``name``."""
    if not isinstance(name, str) or not name.split():
        raise ValueError("name must be text with at least one word")
    return _name_variant(name)


def _strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


@st.composite
def _name_variant(draw: st.DrawFn, name: str) -> str:
    words = []
    for word in name.split():
        case = draw(st.sampled_from(_WORD_CASES))
        if case != "keep":
            word = getattr(word, case)()
        if draw(st.booleans()):
            word = _strip_marks(word)
        words.append(word)
    text = words[0]
    for word in words[1:]:
        text += draw(_GAPS) + word
    text = draw(_EDGES) + text + draw(_EDGES)
    return unicodedata.normalize("NFD" if draw(st.booleans()) else "NFC", text)
