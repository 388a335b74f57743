"""The native format ``VN1:``: a CCCD-bound health record in a COSE_Sign1.

Wire: ``"VN1:" + Base45(Z)`` where Z is the COSE_Sign1 or its zlib stream,
whichever is shorter. The payload is CWT claims with the record under the
private claim -65537; see docs/FORMAT.md for the CDDL and a worked example.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any
from collections.abc import Callable

from cccdqr.wire import cbor as _cbor
from cccdqr.wire import cose
from cccdqr.wire.base45 import Base45Error, b45decode, b45encode
from cccdqr.wire.cwt import CLAIM_EXP, CLAIM_IAT, CLAIM_ISS, issuer_and_times
from cccdqr.wire.inflate import inflate
from cccdqr.core._reject import Reject
from cccdqr.core.errors import InvalidCertificate
from cccdqr.core.limits import Limits
from cccdqr.core.model import (
    DISEASE_COVID19,
    HealthCertificate,
    Recovery,
    Subject,
    Test,
    Vaccination,
    decoded_certificate,
    decoded_subject,
    decoded_vaccination,
    parse_dob,
)
from cccdqr.core.products import PRODUCT_CODES, PRODUCT_NUMBERS
from cccdqr.core.reasons import Reason
from cccdqr.formats._base import Contents, Envelope

__all__ = ["NAME", "PREFIX", "decode_unverified", "encode", "matches"]

NAME = "VN1"
PREFIX = "VN1:"
ALGORITHMS = frozenset({cose.Algorithm.ES256, cose.Algorithm.EDDSA})

RECORD_CLAIM = -65537
RECORD_VERSION = 1
CLAIM_CTI = 7
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z
EPOCH = dt.date(1970, 1, 1)
_MIN_DAY = (dt.date(1900, 1, 1) - EPOCH).days
_MAX_DAY = (dt.date(9999, 12, 31) - EPOCH).days
_DEFAULT_COUNTRY = "VN"

FAST_PATH = True
"""Build the model objects with :func:`~cccdqr.core.model.decoded_vaccination`
and its siblings, which skip the invariants the record reader has proven
(tests switch it off to compare with the plain constructors)."""

_RECORD_KEYS = frozenset({0, 1, 2, 3, 4})
_SUBJECT_KEYS = frozenset({1, 2, 3, 4})
_VACCINATION_KEYS = frozenset({1, 2, 3, 4, 5, 6, 7})
_TEST_KEYS = frozenset({1, 2, 5, 6, 8})
_RECOVERY_KEYS = frozenset({1, 6, 9, 10, 11})


def matches(text: str) -> bool:
    return text.startswith(PREFIX)


# --- encoding ---------------------------------------------------------------------

def _days(d: dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL  # no timedelta object on the issuing hot path


def _optional(out: dict[int, Any], key: int, value: Any, default: Any) -> None:
    # The issuer never writes a default value (smaller codes, one encoding).
    if value != default and value is not None:
        out[key] = value


def record_to_cbor(cert: HealthCertificate) -> dict[int, Any]:
    """The integer-keyed record map (claim -65537) for a certificate."""
    s = cert.subject
    if s.id_number is None:
        raise InvalidCertificate("a VN1 certificate needs the subject's CCCD number")
    year, month, day = parse_dob(s.dob)
    subject: dict[int, Any] = {
        1: s.id_number, 2: s.name,
        3: _days(dt.date(year, month, day)) if month and day else s.dob,
    }
    if s.sex:
        subject[4] = int(s.sex)
    record: dict[int, Any] = {0: RECORD_VERSION, 1: subject}
    if cert.vaccinations:
        record[2] = [_vaccination_to_cbor(v) for v in cert.vaccinations]
    if cert.tests:
        record[3] = [_test_to_cbor(t) for t in cert.tests]
    if cert.recoveries:
        record[4] = [_recovery_to_cbor(r) for r in cert.recoveries]
    return record


def _vaccination_to_cbor(v: Vaccination) -> dict[int, Any]:
    # _optional written out: three doses per code make this the issuer's inner loop.
    if v.doses_in_series is None:
        raise InvalidCertificate("VN1 needs the number of doses in the series")
    disease = v.disease
    out: dict[int, Any] = {} if disease == DISEASE_COVID19 or disease is None else {1: disease}
    product = v.product
    out[2] = PRODUCT_CODES.get(product, product)
    out[3], out[4], out[5] = v.dose_number, v.doses_in_series, v.date.toordinal() - _EPOCH_ORDINAL
    country = v.country
    if country != _DEFAULT_COUNTRY and country is not None:
        out[6] = country
    if v.administering_unit is not None:
        out[7] = v.administering_unit
    return out


def _test_to_cbor(t: Test) -> dict[int, Any]:
    out: dict[int, Any] = {}
    _optional(out, 1, t.disease, DISEASE_COVID19)
    out[2], out[5] = t.test_type, int(t.sampled_at.timestamp())
    _optional(out, 6, t.country, _DEFAULT_COUNTRY)
    out[8] = t.result
    return out


def _recovery_to_cbor(r: Recovery) -> dict[int, Any]:
    out: dict[int, Any] = {}
    _optional(out, 1, r.disease, DISEASE_COVID19)
    _optional(out, 6, r.country, _DEFAULT_COUNTRY)
    out[9], out[10], out[11] = _days(r.first_positive), _days(r.valid_from), _days(r.valid_until)
    return out


def claims_to_cbor(cert: HealthCertificate, *, issuer: str, iat: int, exp: int,
                   cti: bytes) -> bytes:
    """The deterministic CBOR of the claims. Every map above is built with its
    keys already in deterministic order (small keys ascending, -65537 last),
    so the order-keeping encoder writes the same bytes as cbor2's canonical
    mode at a third of the cost (tests/formats/test_native.py checks that)."""
    return _cbor.dumps_in_order({CLAIM_ISS: issuer, CLAIM_EXP: exp, CLAIM_IAT: iat,
                                 CLAIM_CTI: cti, RECORD_CLAIM: record_to_cbor(cert)})


def wrap(cose_bytes: bytes) -> str:
    """``VN1:`` + Base45 of the COSE bytes, or of their zlib stream when that is
    strictly shorter (level 9; on a tie the uncompressed form)."""
    packed = zlib.compress(cose_bytes, 9)
    return PREFIX + b45encode(packed if len(packed) < len(cose_bytes) else cose_bytes)


def encode_with(writer: cose.Sign1Writer, cert: HealthCertificate, *, issuer: str, iat: int,
                exp: int, cti: bytes) -> str:
    """What :func:`encode` writes, signed by an issuer's prepared ``writer`` (an
    ES256 or EdDSA key, checked when the writer was made)."""
    return wrap(writer.sign(claims_to_cbor(cert, issuer=issuer, iat=iat, exp=exp, cti=cti)))


def encode(
    cert: HealthCertificate,
    *,
    key: cose.PrivateKey,
    kid: bytes,
    issuer: str,
    iat: int,
    exp: int,
    cti: bytes,
    deterministic: bool = False,
) -> str:
    """Sign and wrap a certificate; the algorithm follows from the key."""
    alg = cose.algorithm_for_key(key)
    if alg not in ALGORITHMS:
        raise cose.KeyAlgorithmMismatch(f"VN1 allows ES256 and EdDSA keys, not {alg.value}")
    payload = claims_to_cbor(cert, issuer=issuer, iat=iat, exp=exp, cti=cti)
    return wrap(cose.encode_sign1(payload, alg=alg, key=key, kid=kid, deterministic=deterministic))


# --- decoding ---------------------------------------------------------------------

def unwrap(text: str, limits: Limits) -> bytes:
    """Base45-decode and, for a zlib stream, inflate within the size cap."""
    try:
        data = b45decode(text[len(PREFIX):])
    except Base45Error as exc:
        raise Reject(Reason.BAD_BASE45, str(exc)) from None
    return inflate_if_zlib(data, limits)


def inflate_if_zlib(data: bytes, limits: Limits) -> bytes:
    """A zlib stream (first byte 0x78) inflated within the cap; anything else as it is."""
    if data[:1] != b"\x78":
        return data
    return inflate(data, limits)


def decode_unverified(text: str, limits: Limits) -> Envelope:
    msg = cose.decode_sign1(unwrap(text, limits), limits)
    alg = cose.header_algorithm(msg)
    if alg not in ALGORITHMS:
        raise Reject(Reason.ALG_NOT_ALLOWED, f"{alg.value} is not allowed in VN1")
    kid = msg.protected.get(cose.HEADER_KID)
    other = msg.unprotected.get(cose.HEADER_KID)
    if kid is None:
        # VN1 is strict: the kid must be covered by the signature.
        raise Reject(Reason.MISSING_KID, "no kid in the protected header")
    if not isinstance(kid, bytes) or not kid:
        raise Reject(Reason.BAD_COSE, "kid is not a byte string")
    if other is not None and other != kid:
        raise Reject(Reason.KID_CONFLICT, "unprotected kid differs from the protected kid")
    return Envelope(format=NAME, alg=alg, kid=kid, signed=msg.to_be_signed,
                    signature=msg.signature, open=lambda lim: open_payload(msg.payload, lim))


def _fail(what: str) -> Reject:
    return Reject(Reason.BAD_RECORD, what)


def _int(value: object, what: str, low: int, high: int, reason: Reason = Reason.BAD_RECORD) -> int:
    if type(value) is not int or not low <= value <= high:
        raise Reject(reason, f"{what} must be an integer in {low}..{high}")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"{what} must be text")
    return value


_EPOCH_ORDINAL = EPOCH.toordinal()


def _day(value: object, what: str) -> dt.date:
    # fromordinal: one C call where EPOCH + timedelta(days=...) took two objects.
    return dt.date.fromordinal(_EPOCH_ORDINAL + _int(value, what, _MIN_DAY, _MAX_DAY))


def _map(value: object, what: str, allowed: frozenset[int]) -> dict[int, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be a map")
    unknown = set(value) - allowed
    if unknown:
        raise _fail(f"{what} has unknown keys {sorted(map(repr, unknown))}")
    return value


def _need(m: dict[int, Any], key: int, what: str) -> Any:
    if key not in m:
        raise _fail(f"{what} is missing")
    return m[key]


def _country(m: dict[int, Any]) -> str:
    return _text(m.get(6, _DEFAULT_COUNTRY), "country")


def _disease(m: dict[int, Any]) -> int:
    return _int(m.get(1, DISEASE_COVID19), "disease", 1, 2**63 - 1)


def _subject(m: dict[int, Any]) -> Subject:
    s = _map(m, "subject", _SUBJECT_KEYS)
    id_number = _text(_need(s, 1, "subject ID number"), "ID number")
    if not (len(id_number) == 12 and id_number.isascii() and id_number.isdigit()):
        raise Reject(Reason.CCCD_FORMAT, "ID number is not 12 digits")
    raw_dob = _need(s, 3, "date of birth")
    if isinstance(raw_dob, str):
        if len(raw_dob) not in (4, 7):
            raise _fail("a text date of birth must be YYYY or YYYY-MM")
        dob = raw_dob
    else:
        dob = _day(raw_dob, "date of birth").isoformat()
    sex = s.get(4)
    if sex is not None:
        _int(sex, "sex", 1, 2)
    name = _text(_need(s, 2, "name"), "name")
    if FAST_PATH:
        return decoded_subject(id_number=id_number, name=name, dob=dob,
                               dob_proven=not isinstance(raw_dob, str), sex=sex)
    return Subject(id_number=id_number, name=name, dob=dob, sex=sex)


def _vaccination(m: object) -> Vaccination:
    v = _map(m, "vaccination", _VACCINATION_KEYS)
    product = _need(v, 2, "product")
    if type(product) is int:
        if product not in PRODUCT_NUMBERS:
            # Numbers are only ever appended: an unknown one is newer than this
            # verifier, not proof of forgery (docs/decisions.md).
            raise Reject(Reason.UNSUPPORTED_VERSION, f"unknown product number {product}")
        product = PRODUCT_NUMBERS[product]
        proven = True
    else:
        proven = False
    disease, product = _disease(v), _text(product, "product")
    dose, series = _need(v, 3, "dose number"), _need(v, 4, "doses in series")
    date = _day(_need(v, 5, "vaccination date"), "vaccination date")
    country, unit = _country(v), v.get(7)
    if FAST_PATH:
        return decoded_vaccination(product, proven, dose, series, date, country, disease, unit)
    return Vaccination(disease=disease, product=product, dose_number=dose, doses_in_series=series,
                       date=date, country=country, administering_unit=unit)


def _test(m: object) -> Test:
    t = _map(m, "test", _TEST_KEYS)
    seconds = _int(_need(t, 5, "sample time"), "sample time", -2208988800, MAX_TIME)
    return Test(disease=_disease(t), test_type=_text(_need(t, 2, "test type"), "test type"),
                sampled_at=dt.datetime.fromtimestamp(seconds, dt.timezone.utc),
                result=_need(t, 8, "test result"), country=_country(t))


def _recovery(m: object) -> Recovery:
    r = _map(m, "recovery", _RECOVERY_KEYS)
    return Recovery(disease=_disease(r), country=_country(r),
                    first_positive=_day(_need(r, 9, "first positive"), "first positive"),
                    valid_from=_day(_need(r, 10, "valid from"), "valid from"),
                    valid_until=_day(_need(r, 11, "valid until"), "valid until"))


def _events(record: dict[int, Any], key: int, build: Callable[[object], Any]) -> tuple[Any, ...]:
    if key not in record:
        return ()
    events = record[key]
    if not isinstance(events, list) or not events:
        raise _fail("an event list must be a non-empty array")
    return tuple(build(e) for e in events)


def record_from_cbor(value: object) -> HealthCertificate:
    if not isinstance(value, dict):
        raise _fail("the record (claim -65537) is missing or not a map")
    version = value.get(0)
    if type(version) is not int:
        raise _fail("record version is missing")
    if version != RECORD_VERSION:
        raise Reject(Reason.UNSUPPORTED_VERSION, f"record version {version}")
    record = _map(value, "record", _RECORD_KEYS)
    try:
        parts = (_subject(_need(record, 1, "subject")), _events(record, 2, _vaccination),
                 _events(record, 3, _test), _events(record, 4, _recovery))
        if FAST_PATH:
            return decoded_certificate(*parts)
        return HealthCertificate(subject=parts[0], vaccinations=parts[1], tests=parts[2],
                                 recoveries=parts[3])
    except InvalidCertificate as exc:
        raise _fail(str(exc)) from None


def _time(claims: dict[Any, Any], key: int, what: str) -> dt.datetime:
    if key not in claims:
        raise Reject(Reason.BAD_CLAIMS, f"{what} is missing")
    seconds = _int(claims[key], what, 0, MAX_TIME, Reason.BAD_CLAIMS)
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def open_payload(payload: bytes, limits: Limits) -> Contents:
    """Decode the CWT claims and the record (after the signature holds)."""
    claims, issuer, issued_at, expires_at = issuer_and_times(
        _cbor.loads(payload, limits, malformed=Reason.BAD_CLAIMS), _time)
    cti = claims.get(CLAIM_CTI)
    if not isinstance(cti, bytes) or not 8 <= len(cti) <= 16:
        raise Reject(Reason.BAD_CLAIMS, "cti must be 8 to 16 bytes")
    return Contents(certificate=record_from_cbor(claims.get(RECORD_CLAIM)), issuer=issuer,
                    issued_at=issued_at, expires_at=expires_at, certificate_id=cti.hex(),
                    revocation_ids=(("cti", cti),))
