"""Hypothesis strategies for cccdqr certificates, codes and corruptions.

Use them in your own property tests::

    from hypothesis import given
    from cccdqr import testing

    @given(testing.signed_vn1())
    def test_my_checkpoint_accepts(code):
        text, certificate, trust, now = code
        assert my_checkpoint(text, trust, now=now).accepted

Every function returns a strategy (compose them with ``st.builds``, ``.map``,
``.filter``). Signed codes use the TEST-ONLY keys of :mod:`cccdqr.testkeys`,
which protect nothing. All times are aware UTC datetimes in whole seconds.

This module needs ``hypothesis`` (a dev dependency); ``import cccdqr`` never
imports it.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from typing import NamedTuple
from collections.abc import Iterable

from hypothesis import strategies as st

from . import cose
from ._base45 import ALPHABET as _ALPHABET
from .card import CardIdentity, format_card_qr
from .identity import province_codes
from .issue import Issuer
from .model import (
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
from .products import PRODUCT_NUMBERS
from .reasons import Reason
from .testkeys import test_ed25519_key, test_es256_key
from .trust import TrustStore

__all__ = [
    "BASE45_ALPHABET",
    "EVENT_END",
    "EVENT_START",
    "SignedCode",
    "byte_flips",
    "card_identities",
    "card_qr_texts",
    "cccd_numbers",
    "corruptions",
    "health_certificates",
    "name_variants",
    "names",
    "recoveries",
    "signed_vn1",
    "subjects",
    "test_keys",
    "tests",
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
    provinces: Iterable[str] | None = None,
    dob: str | None = None,
    sex: Sex | int | None = None,
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
    """
    chosen = tuple(provinces) if provinces is not None else _listed_provinces()
    if not chosen or not all(isinstance(p, str) and len(p) == 3 and p.isascii()
                             and p.isdigit() for p in chosen):
        raise ValueError("provinces must be a non-empty collection of 3-digit codes")
    if dob is not None:
        birth_year = parse_dob(dob)[0]
        if not 1900 <= birth_year <= 2399:
            raise ValueError("a CCCD number encodes birth years 1900..2399 only")
    fixed_sex = Sex(sex) if sex is not None else None
    return _cccd(valid=valid, chosen=chosen, dob=dob, fixed_sex=fixed_sex)


@st.composite
def _cccd(draw: st.DrawFn, *, valid: bool, chosen: tuple[str, ...], dob: str | None,
          fixed_sex: Sex | None) -> str:
    province = draw(st.sampled_from(chosen))
    year = parse_dob(dob)[0] if dob is not None else draw(st.integers(1920, 2025))
    person_sex = fixed_sex if fixed_sex is not None else draw(st.sampled_from(Sex))
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    if valid:
        return _compose_cccd(province, year, person_sex, rest)
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


# --- signed codes -----------------------------------------------------------------

class SignedCode(NamedTuple):
    """A signed ``VN1:`` code with what it takes to verify it."""

    text: str
    certificate: HealthCertificate
    trust: TrustStore
    now: dt.datetime
    """The clock the code was issued at; it verifies as VALID at this time."""


def test_keys() -> tuple[cose.PrivateKey, ...]:
    """The TEST-ONLY signing keys :func:`signed_vn1` draws from (ES256, Ed25519)."""
    return _default_keys()


test_keys.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@functools.cache
def _default_keys() -> tuple[cose.PrivateKey, ...]:
    return (test_es256_key(), test_ed25519_key())


@functools.cache
def _issuer(key: cose.PrivateKey, issuer: str) -> tuple[Issuer, TrustStore]:
    signer = Issuer(key, issuer, deterministic=True)
    return signer, TrustStore([signer.trusted_key()])


def signed_vn1(
    key: cose.PrivateKey | None = None,
    *,
    now: dt.datetime | None = None,
    certificates: st.SearchStrategy[HealthCertificate] | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=365),
    issuer: str = "VN",
) -> st.SearchStrategy[SignedCode]:
    """Signed ``VN1:`` codes as :class:`SignedCode` ``(text, certificate, trust, now)``.

    ``key`` is an ES256 or Ed25519 private key (default: drawn from the
    TEST-ONLY keys); signing is deterministic and the ``cti`` (8-16 bytes) is
    drawn, so a failing example replays exactly. ``now`` is the issuing clock
    (default: drawn, whole seconds, 2021-2029); ``trust`` holds just the
    signing key. ``certificates`` defaults to :func:`health_certificates`.
    """
    if now is not None and (not isinstance(now, dt.datetime) or now.tzinfo is None):
        raise TypeError("now must be a timezone-aware datetime")
    keys = st.just(key) if key is not None else st.sampled_from(_default_keys())
    clocks = st.just(now) if now is not None else _utc_datetimes(
        dt.datetime(2021, 1, 1, tzinfo=_UTC), dt.datetime(2029, 1, 1, tzinfo=_UTC))
    certs = certificates if certificates is not None else health_certificates()

    return _signed(keys, clocks, certs, valid_for, issuer)


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


# --- corruptions ------------------------------------------------------------------

def corruptions(text: str, *, start: int | None = None) -> st.SearchStrategy[str]:
    """``text`` with exactly one character replaced by a *different* Base45
    symbol, at a position from ``start`` on (default: just after the ``VN1:``
    prefix when there is one, else anywhere)."""
    if start is None:
        start = len(_VN1_PREFIX) if text.startswith(_VN1_PREFIX) else 0
    if not 0 <= start < len(text):
        raise ValueError("nothing to corrupt: start is past the end of the text")

    return _corruption(text, start)


@st.composite
def _corruption(draw: st.DrawFn, text: str, start: int) -> str:
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
    """What a CCCD card's QR holds, as :class:`cccdqr.card.CardIdentity`: a
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

    ``valid=True`` gives texts that :func:`cccdqr.card.parse_card_qr` reads
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
    or NFD. ``cccdqr.binding.fold_name`` gives every variant the same form
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
