"""The EU Digital COVID Certificate ``HC1:`` (eHealth Network, CWT/COSE).

Wire: ``"HC1:" + Base45(zlib(COSE_Sign1))``. The COSE_Sign1 is tag 18, untagged,
or tag 61 (CWT) around tag 18; the signature is ES256 or PS256; the kid is the
first 8 bytes of SHA-256 over the signer certificate (DSC) DER. The payload is
CWT claims ``1 iss``, ``4 exp``, ``6 iat`` and ``-260 {1: DGC}``, where the DGC
is the JSON document of the EU DCC schema, written in CBOR.

Decisions (docs/interop-dcc.md): uncompressed input is refused as
``BAD_COMPRESSION``; the kid and the alg may sit in the unprotected header and
the protected value wins; ``iat``/``exp`` may be CBOR floats; the schema is the
1.3.3 schema checked by hand (:mod:`._dcc_schema`); an empty ``dob`` is refused
because cccdqr's model cannot express an unknown date of birth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import unicodedata
import zlib
from typing import Any

from cccdqr.wire import cbor as _cbor
from cccdqr.wire import cose
from cccdqr.wire.base45 import Base45Error, b45decode, b45encode
from cccdqr.wire.cwt import CLAIM_EXP, CLAIM_IAT, CLAIM_ISS
from cccdqr.wire.inflate import inflate as _inflate
from cccdqr.core._reject import Reject
from cccdqr.core.errors import InvalidCertificate
from cccdqr.core.limits import Limits
from cccdqr.core.model import (
    HealthCertificate,
    Recovery,
    Subject,
    Test,
    Vaccination,
    decoded_certificate,
    decoded_subject,
)
from cccdqr.core.products import dcc_product_details, product_from_dcc
from cccdqr.core.reasons import Reason
from cccdqr.core.model import RevocationId
from cccdqr.formats._base import Contents, Envelope
from cccdqr.formats._dcc_schema import SchemaError, check_dgc

__all__ = [
    "NAME",
    "PREFIX",
    "decode_unverified",
    "encode",
    "icao_transliterate",
    "matches",
    "new_uvci",
    "revocation_ids",
    "uvci_checksum",
]

NAME = "HC1"
PREFIX = "HC1:"
ALGORITHMS = frozenset({cose.Algorithm.ES256, cose.Algorithm.PS256})

CLAIM_HCERT = -260
HCERT_DGC_V1 = 1
SCHEMA_VERSION = "1.3.0"
"""The DGC ``ver`` cccdqr writes: Viet Nam's production version."""
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z
FAST_PATH = True
"""Build the subject and certificate with the decoder's builders of
:mod:`cccdqr.core.model`, which skip what :func:`check_dgc` has proven (tests
switch it off to compare with the plain constructors)."""
_CWT_TAG_PREFIX = b"\xd8\x3d"  # tag 61 (CWT), followed by tag 18 (0xD2)


def matches(text: str) -> bool:
    return text.startswith(PREFIX)


# --- decoding ---------------------------------------------------------------------

def inflate(data: bytes, limits: Limits) -> bytes:
    """Inflate the zlib stream within the size cap. An HC1 payload is always
    compressed (eHealth Network spec, and the test vector Z2), so anything that
    is not a complete zlib stream is ``BAD_COMPRESSION``."""
    return _inflate(data, limits)


def unwrap(text: str, limits: Limits) -> bytes:
    """The COSE bytes of an ``HC1:`` text: Base45-decode, then inflate."""
    try:
        data = b45decode(text[len(PREFIX):])
    except Base45Error as exc:
        raise Reject(Reason.BAD_BASE45, str(exc)) from None
    return inflate(data, limits)


def decode_sign1(data: bytes, limits: Limits) -> cose.Sign1:
    """The COSE_Sign1, accepting tag 61 (CWT) around tag 18, as RFC 8392 allows
    and the test vector CO28 expects."""
    if data[:3] == _CWT_TAG_PREFIX + b"\xd2":
        data = data[2:]
    return cose.decode_sign1(data, limits)


def _header(msg: cose.Sign1, label: int) -> Any:
    """A header parameter: the protected value wins, else the unprotected one."""
    if label in msg.protected:
        return msg.protected[label]
    return msg.unprotected.get(label)


def decode_unverified(text: str, limits: Limits) -> Envelope:
    msg = decode_sign1(unwrap(text, limits), limits)
    raw_alg = _header(msg, cose.HEADER_ALG)
    alg = cose.Algorithm.from_cose_id(raw_alg)
    if alg not in ALGORITHMS:
        raise Reject(Reason.ALG_NOT_ALLOWED, f"algorithm {raw_alg!r} is not allowed in HC1")
    assert alg is not None
    # The kid may be unprotected only (the EU test data has such codes). It only
    # selects the key: the key's type fixes the algorithm, so neither an
    # unprotected kid nor an unprotected alg can make a forged code verify.
    kid = _header(msg, cose.HEADER_KID)
    if kid is None:
        raise Reject(Reason.MISSING_KID, "no kid in the COSE headers")
    if not isinstance(kid, bytes) or not kid:
        raise Reject(Reason.BAD_COSE, "kid is not a byte string")
    return Envelope(format=NAME, alg=alg, kid=kid, signed=msg.to_be_signed,
                    signature=msg.signature,
                    open=lambda lim: open_payload(msg.payload, lim, alg=alg,
                                                  signature=msg.signature))


def _time(claims: dict[Any, Any], key: int, what: str) -> dt.datetime:
    """An NumericDate claim: an integer or (as 21 Spanish test vectors have) a
    float, within 1970..9999."""
    if key not in claims:
        raise Reject(Reason.BAD_CLAIMS, f"{what} is missing")
    value = claims[key]
    if type(value) is float and math.isfinite(value):
        pass
    elif type(value) is not int:
        raise Reject(Reason.BAD_CLAIMS, f"{what} must be a number")
    if not 0 <= value <= MAX_TIME:
        raise Reject(Reason.BAD_CLAIMS, f"{what} is outside 1970..9999")
    return dt.datetime.fromtimestamp(value, dt.timezone.utc)


_PAYLOAD_TAGS = frozenset({0})
"""Tag 0 (a date-time string, RFC 8949) occurs on ``sc`` in the Swedish test
vectors; it is read back as the text it tags. No other tag is accepted."""


def _untag_times(value: Any) -> Any:
    """Turn the datetimes cbor2 builds for tag 0 back into RFC 3339 text."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _untag_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag_times(v) for v in value]
    return value


def is_country_code(issuer: str | None) -> bool:
    """Whether an ``iss`` reads as an ISO 3166-1 alpha-2 code: two upper-case
    ASCII letters (the form every EU DCC country writes)."""
    return issuer is not None and len(issuer) == 2 and issuer.isascii() and issuer.isupper() \
        and issuer.isalpha()


def _claims(claims: object) -> tuple[dict[Any, Any], str | None, dt.datetime, dt.datetime]:
    """``(claims, iss, iat, exp)``. The eHealth Network specification makes ``iss``
    optional, so it may be absent; when present it must be non-empty text."""
    if not isinstance(claims, dict):
        raise Reject(Reason.BAD_CLAIMS, "CWT claims are not a map")
    issuer = claims.get(CLAIM_ISS)
    if issuer is not None and (not isinstance(issuer, str) or not issuer):
        raise Reject(Reason.BAD_CLAIMS, "issuer (iss) is not text")
    issued_at, expires_at = _time(claims, CLAIM_IAT, "iat"), _time(claims, CLAIM_EXP, "exp")
    if expires_at < issued_at:
        raise Reject(Reason.BAD_CLAIMS, "exp is before iat")
    return claims, issuer, issued_at, expires_at


def read_claims(payload: bytes, limits: Limits
                ) -> tuple[str | None, dt.datetime, dt.datetime, Any]:
    """``(iss, iat, exp, dgc)`` from the CWT payload, bounded by ``limits``;
    ``iss`` is ``None`` when absent."""
    if len(payload) > limits.max_json_bytes:
        raise Reject(Reason.JSON_TOO_LARGE, f"the payload is {len(payload)} bytes")
    claims = _cbor.loads(payload, limits, malformed=Reason.BAD_CLAIMS,
                         allowed_tags=_PAYLOAD_TAGS)
    if b"\xc0" in payload:  # maybe tag 0: cbor2 made a datetime of that text
        claims = _untag_times(claims)
    claims, issuer, issued_at, expires_at = _claims(claims)
    hcert = claims.get(CLAIM_HCERT)
    if not isinstance(hcert, dict) or HCERT_DGC_V1 not in hcert:
        raise Reject(Reason.BAD_CLAIMS, "no EU DCC v1 in the hcert claim (-260)")
    return issuer, issued_at, expires_at, hcert[HCERT_DGC_V1]


def open_payload(payload: bytes, limits: Limits, *, alg: cose.Algorithm,
                 signature: bytes) -> Contents:
    """Decode the claims and the DGC (after the signature holds)."""
    issuer, issued_at, expires_at, dgc = read_claims(payload, limits)
    certificate, uvci = dgc_to_certificate(dgc)
    # An iss that is not a country code is informational (as in the EU verifier
    # apps): the DSC's country stands, and only a two-letter iss can contradict it.
    country = is_country_code(issuer)
    return Contents(certificate=certificate, issuer=issuer, issued_at=issued_at,
                    expires_at=expires_at, certificate_id=uvci,
                    revocation_ids=revocation_ids(uvci, issuer=issuer, alg=alg,
                                                  signature=signature),
                    binds_issuer=country, dgc=dgc,
                    warnings=() if country else (Reason.ISSUER_NOT_A_COUNTRY,))


def _sha16(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()[:16]


def revocation_ids(uvci: str, *, issuer: str | None, alg: cose.Algorithm,
                   signature: bytes) -> tuple[RevocationId, ...]:
    """The three names the EU DCC revocation scheme gives a certificate: the
    first 16 bytes of SHA-256 over the UVCI (``uci``), over the issuing
    country (the CWT ``iss``) followed by the UVCI (``countrycodeuci``), and over
    the signature (``signature``): for ECDSA only its first half, r, so that a
    re-signed (r, n-s) copy has the same name; for RSA the whole signature.
    Without an ``iss`` there is no ``countrycodeuci`` name."""
    signed_part = signature[:len(signature) // 2] if alg is cose.Algorithm.ES256 else signature
    ids: list[RevocationId] = [("uci", _sha16(uvci.encode()))]
    if issuer is not None:
        ids.append(("countrycodeuci", _sha16((issuer + uvci).encode())))
    ids.append(("signature", _sha16(signed_part)))
    return tuple(ids)


def _fail(path: str, what: str) -> Reject:
    return Reject(Reason.BAD_RECORD, f"{path}: {what}")


def _date(value: str, path: str) -> dt.date:
    # The schema's "format: date" is RFC 3339 full-date: exactly YYYY-MM-DD.
    if len(value) != 10 or not value.isascii():
        raise _fail(path, "must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(path, "must be a date YYYY-MM-DD") from None


def _datetime(value: str, path: str) -> dt.datetime:
    """An RFC 3339 date-time with an offset (``Z`` included), in whole seconds
    (fractions are dropped: the model keeps seconds)."""
    if not value.isascii() or len(value) < 20 or value[10] not in "Tt ":
        raise _fail(path, "must be a date-time with a UTC offset")
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():  # +0200
        text = text[:-2] + ":" + text[-2:]
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(path, "must be a date-time with a UTC offset") from None
    if at.tzinfo is None:
        raise _fail(path, "must be a date-time with a UTC offset")
    return at.replace(microsecond=0)


def _disease(tg: str, path: str) -> int:
    if not (tg.isascii() and tg.isdigit() and 0 < len(tg) <= 18):
        raise _fail(f"{path}.tg", "must be a SNOMED CT code")
    return int(tg)


def _country(co: str, path: str) -> str:
    if len(co) != 2:
        raise _fail(f"{path}.co", "must be an ISO 3166 alpha-2 code")
    return co


def _subject(dgc: dict[str, Any]) -> Subject:
    nam = dgc["nam"]
    fn, gn = nam.get("fn") or None, nam.get("gn") or None
    fnt, gnt = nam.get("fnt") or None, nam.get("gnt") or None
    name = " ".join(p for p in (fn, gn) if p) or " ".join(
        p.replace("<", " ") for p in (fnt, gnt) if p).strip()
    if not name:
        raise _fail("nam", "has no name")
    if not dgc["dob"]:
        # The schema allows an empty dob (unknown); a checkpoint binds on DOB and
        # the model has no "unknown", so such a DCC cannot be used here.
        raise _fail("dob", "is empty (unknown date of birth is not supported)")
    if FAST_PATH:
        # check_dgc proved fnt/gnt text of A-Z and "<" of at most 80 characters
        # (empty ones are None here): what the model asks of an ICAO name.
        return decoded_subject(id_number=None, name=name, dob=dgc["dob"], dob_proven=False,
                               sex=None, family_name=fn, given_name=gn,
                               family_name_icao=fnt, given_name_icao=gnt)
    return Subject(name=name, dob=dgc["dob"], family_name=fn, given_name=gn,
                   family_name_icao=fnt, given_name_icao=gnt)


def _event(kind: str, e: dict[str, Any]) -> Vaccination | Test | Recovery:
    path = f"{kind}[0]"
    disease, country = _disease(e["tg"], path), _country(e["co"], path)
    if kind == "v":
        return Vaccination(product=product_from_dcc(e["mp"]), dose_number=int(e["dn"]),
                           doses_in_series=int(e["sd"]), date=_date(e["dt"], f"{path}.dt"),
                           country=country, disease=disease)
    if kind == "t":
        tr = e["tr"]
        if not (tr.isascii() and tr.isdigit() and 0 < len(tr) <= 18):
            raise _fail(f"{path}.tr", "must be a SNOMED CT code")
        return Test(test_type=e["tt"], sampled_at=_datetime(e["sc"], f"{path}.sc"),
                    result=int(tr), country=country, disease=disease)
    return Recovery(first_positive=_date(e["fr"], f"{path}.fr"),
                    valid_from=_date(e["df"], f"{path}.df"),
                    valid_until=_date(e["du"], f"{path}.du"), country=country, disease=disease)


def dgc_to_certificate(dgc: object) -> tuple[HealthCertificate, str]:
    """The certificate and its UVCI from a DGC; ``BAD_RECORD`` with the path of
    the first problem, ``UNSUPPORTED_VERSION`` for a schema major version other
    than 1."""
    try:
        kind = check_dgc(dgc)
    except SchemaError as exc:
        raise Reject(Reason.BAD_RECORD, f"schema: {exc}") from None
    assert isinstance(dgc, dict)
    if dgc["ver"].split(".")[0] != "1":
        raise Reject(Reason.UNSUPPORTED_VERSION, f"DGC schema version {dgc['ver']}")
    entry = dgc[kind][0]
    try:
        event = _event(kind, entry)
        subject = _subject(dgc)
        if FAST_PATH:
            certificate = decoded_certificate(
                subject, (event,) if isinstance(event, Vaccination) else (),
                (event,) if isinstance(event, Test) else (),
                (event,) if isinstance(event, Recovery) else ())
        else:
            group: dict[str, Any] = {{"v": "vaccinations", "t": "tests",
                                      "r": "recoveries"}[kind]: (event,)}
            certificate = HealthCertificate(subject=subject, **group)
    except InvalidCertificate as exc:
        raise Reject(Reason.BAD_RECORD, str(exc)) from None
    return certificate, entry["ci"]


# --- encoding ---------------------------------------------------------------------

_UVCI_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/:"


def uvci_checksum(uvci: str) -> str:
    """The Luhn mod N check character (N = 38: digits, A-Z, ``/``, ``:``) of a
    UVCI, the optional ``#`` suffix of the eHealth Network UVCI guideline
    (Annex 2), computed over the identifier after ``URN:UVCI:``. The EU test
    data is not consistent about this suffix, so verification never checks it;
    ``ValueError`` for a character outside the set."""
    body = uvci[9:] if uvci.upper().startswith("URN:UVCI:") else uvci
    n = len(_UVCI_CHARSET)
    total, factor = 0, 2
    for ch in reversed(body):
        index = _UVCI_CHARSET.find(ch)
        if index < 0:
            raise ValueError(f"{ch!r} is not a UVCI character")
        addend = factor * index
        total += addend // n + addend % n
        factor = 3 - factor
    return _UVCI_CHARSET[(n - total % n) % n]


def new_uvci(country: str, *, issuing_entity: str = "", random_hex: str | None = None) -> str:
    """A fresh UVCI ``URN:UVCI:01:<CC>:<opaque>#<check>``: 128 random bits as
    32 upper-case hex characters (option 3 of the guideline: opaque unique
    string), optionally after an issuing-entity segment."""
    if not (len(country) == 2 and country.isascii() and country.isupper()):
        raise ValueError("country must be an ISO 3166 alpha-2 code")
    if random_hex is None:
        random_hex = secrets.token_hex(16).upper()
    middle = f"{issuing_entity}/{random_hex}" if issuing_entity else random_hex
    body = f"URN:UVCI:01:{country}:{middle}"
    return f"{body}#{uvci_checksum(body)}"


def icao_transliterate(text: str) -> str:
    """An ICAO 9303 style transliteration for ``fnt``/``gnt``: diacritics dropped
    (Đ -> D), upper case, spaces and hyphens as ``<``, anything else left out."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    out = []
    for ch in folded.upper():
        if "A" <= ch <= "Z":
            out.append(ch)
        elif ch in " -":
            out.append("<")
    return "".join(out)


def _name(s: Subject) -> dict[str, str]:
    fn = s.family_name if s.family_name or s.given_name else s.name
    nam: dict[str, str] = {}
    if fn:
        nam["fn"] = fn
        nam["fnt"] = s.family_name_icao or icao_transliterate(fn)
    if s.given_name:
        nam["gn"] = s.given_name
        nam["gnt"] = s.given_name_icao or icao_transliterate(s.given_name)
    return nam


def certificate_to_dgc(cert: HealthCertificate, *, uvci: str, authority: str) -> dict[str, Any]:
    """The DGC (schema ``SCHEMA_VERSION``) of a certificate with exactly one event."""
    events: tuple[Vaccination | Test | Recovery, ...] = (
        *cert.vaccinations, *cert.tests, *cert.recoveries)
    if len(events) != 1:
        raise InvalidCertificate("an EU DCC holds exactly one vaccination, test or "
                                 "recovery: issue one certificate per event")
    event = events[0]
    common = {"tg": str(event.disease), "co": event.country, "is": authority, "ci": uvci}
    dgc: dict[str, Any] = {"ver": SCHEMA_VERSION, "nam": _name(cert.subject),
                           "dob": cert.subject.dob}
    if isinstance(event, Vaccination):
        if event.doses_in_series is None:
            raise InvalidCertificate("an EU DCC needs the number of doses in the series")
        vp, ma = dcc_product_details(event.product)
        dgc["v"] = [{**common, "vp": vp, "mp": event.product, "ma": ma, "dn": event.dose_number,
                     "sd": event.doses_in_series, "dt": event.date.isoformat()}]
    elif isinstance(event, Test):
        sc = event.sampled_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        dgc["t"] = [{**common, "tt": event.test_type, "sc": sc, "tr": str(event.result)}]
    else:
        dgc["r"] = [{**common, "fr": event.first_positive.isoformat(),
                     "df": event.valid_from.isoformat(), "du": event.valid_until.isoformat()}]
    try:
        check_dgc(dgc)
    except SchemaError as exc:
        raise InvalidCertificate(f"cannot be written as an EU DCC: {exc}") from None
    return dgc


def wrap(cose_bytes: bytes) -> str:
    """``HC1:`` + Base45 of the zlib stream (level 9; always compressed)."""
    return PREFIX + b45encode(zlib.compress(cose_bytes, 9))


def encode(
    cert: HealthCertificate,
    *,
    key: cose.PrivateKey,
    kid: bytes,
    issuer: str,
    iat: int,
    exp: int,
    uvci: str,
    authority: str,
    deterministic: bool = False,
) -> str:
    """Sign and wrap a certificate as ``HC1:``; the algorithm follows from the key
    (P-256 -> ES256, RSA -> PS256). ``kid`` is the DSC's certificate kid and
    ``authority`` the DGC's ``is`` (certificate issuer) text."""
    alg = cose.algorithm_for_key(key)
    if alg not in ALGORITHMS:
        raise cose.KeyAlgorithmMismatch(f"EU DCC allows ES256 and PS256 keys, not {alg.value}")
    dgc = certificate_to_dgc(cert, uvci=uvci, authority=authority)
    payload = _cbor.dumps({CLAIM_ISS: issuer, CLAIM_IAT: iat, CLAIM_EXP: exp,
                           CLAIM_HCERT: {HCERT_DGC_V1: dgc}})
    return wrap(cose.encode_sign1(payload, alg=alg, key=key, kid=kid,
                                  deterministic=deterministic))
