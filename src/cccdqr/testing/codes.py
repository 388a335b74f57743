"""Strategies for signed codes in every format: VN1, EU DCC (``HC1:``), SMART
Health Cards and ICAO VDS-NC, signed with the TEST-ONLY keys.

May import :mod:`cccdqr.testing.certificates`, :mod:`cccdqr.testing.card`,
:mod:`cccdqr.testing._formats` and below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import strategies as st

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
)
from cccdqr.core.products import PRODUCT_NUMBERS
from cccdqr.engine.issue import Issuer
from cccdqr.formats import dcc, detect
from cccdqr.formats import shc as _shc
from cccdqr.testing import _formats as _tf
from cccdqr.testing._shared import (
    COUNTRIES,
    UNITS,
    UTC,
    EVENT_END,
    EVENT_START,
    utc_datetimes,
)
from cccdqr.testing.certificates import (
    event_dates,
    health_certificates,
    recoveries,
    tests,
)
from cccdqr.testing.people import (
    DOBS,
    FAMILY_NAMES,
    GIVEN_NAMES,
    MIDDLE_NAMES,
    strip_marks,
)
from cccdqr.testkeys import test_ed25519_key, test_es256_key
from cccdqr.trust.store import TrustStore
from cccdqr.wire import cose

__all__ = [
    "FORMATS",
    "SignedCode",
    "signed_codes",
    "signed_vn1",
    "test_keys",
]


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
    return st.just(now) if now is not None else utc_datetimes(
        dt.datetime(2021, 1, 1, tzinfo=UTC), dt.datetime(2029, 1, 1, tzinfo=UTC))


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
    return "<".join(strip_marks(word).upper() for word in text.split())


@st.composite
def _split_names(draw: st.DrawFn) -> tuple[str, str]:
    """A Vietnamese name as (family name, middle and given names)."""
    family = draw(FAMILY_NAMES)
    given = " ".join([*draw(MIDDLE_NAMES), draw(GIVEN_NAMES)])
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
                         date=event_dates(), country=st.sampled_from(COUNTRIES))
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
_SHC_UNITS = st.one_of(st.none(), st.sampled_from(UNITS))
_B64URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@st.composite
def _signed_shc(draw: st.DrawFn, keys: st.SearchStrategy[cose.PrivateKey],
                clocks: st.SearchStrategy[dt.datetime], kinds: st.SearchStrategy[frozenset[str]],
                valid_for: dt.timedelta, issuer: str) -> SignedCode:
    key = draw(keys)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    chosen = draw(kinds)
    family, given = draw(_split_names())
    dob = draw(DOBS)
    resources: list[dict[str, Any]] = [{
        "resourceType": "Patient", "birthDate": dob,
        "name": [{"family": family, "given": given.split(" ")}]}]
    doses: list[tuple[dt.date, int, str, str | None]] = []
    if "v" in chosen:
        for order in range(draw(st.integers(1, 4))):
            cvx, product = draw(st.sampled_from(_SHC_CVX))
            day, unit = draw(event_dates()), draw(_SHC_UNITS)
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
            sampled = draw(utc_datetimes(dt.datetime.combine(EVENT_START, dt.time(), UTC),
                                          dt.datetime.combine(EVENT_END, dt.time(), UTC)))
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
    dob = draw(DOBS)
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
            day, unit = draw(event_dates()), draw(_SHC_UNITS)
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
        sampled = draw(utc_datetimes(dt.datetime.combine(EVENT_START, dt.time(), UTC),
                                      dt.datetime.combine(EVENT_END, dt.time(), UTC)))
        msg = {"utci": f"VT{draw(st.integers(0, 10**10 - 1)):010d}", "pid": pid,
               "sp": {"spn": draw(st.sampled_from(UNITS)), "ctr": alpha3,
                      "cd": {"p": "+84 24 0000 0000"}},
               "dat": {"sc": sampled.astimezone(_ICT).isoformat(),
                       "ri": (sampled + dt.timedelta(hours=12)).astimezone(_ICT).isoformat()},
               "tr": {"tc": tc, "r": outcome}}
        cert = HealthCertificate(subject=Subject(dob=dob, **names), tests=(
            Test(test_type=test_type, sampled_at=sampled, result=result, country=alpha2),))
        data = {"hdr": {"t": "icao.test", "v": 1, "is": "VNM"}, "msg": msg}
    text = _tf.vdsnc_seal(data, key, _tf.vdsnc_signer(key))
    return SignedCode(text=text, certificate=cert, trust=_tf.vdsnc_trust(), now=draw(clocks))
