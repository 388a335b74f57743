"""SMART Health Cards: ``shc:/`` numeric QR text holding a compact JWS.

Wire: ``"shc:/"`` then two decimal digits per JWS character (``ord(c) - 45``,
``00``..``77``). The JWS header is ``{"alg":"ES256","zip":"DEF","kid":...}``,
the payload is raw DEFLATE (no zlib header) of the JSON claims, the
signature is raw r||s. The deprecated multi-QR form is ``shc:/<i>/<n>/<digits>``.

``decode_unverified`` checks the text, the JWS structure and header, and
inflates the payload (within ``limits.max_decompressed``); ``open`` reads the
claims and maps the FHIR bundle to a :class:`~cccdqr.core.model.HealthCertificate`
only after the signature holds. docs/interop-shc.md lists every decision.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from typing import Any
from collections.abc import Sequence

from cccdqr.wire import cose
from cccdqr.wire.inflate import RAW_DEFLATE, inflate
from cccdqr.core._reject import Reject
from cccdqr.core.errors import InvalidCertificate
from cccdqr.core.limits import Limits
from cccdqr.core.model import (
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Subject,
    Test,
    Vaccination,
)
from cccdqr.core.products import PRODUCT_NUMBERS
from cccdqr.core.reasons import Reason
from cccdqr.formats._base import Contents, Envelope

__all__ = [
    "NAME",
    "PREFIX",
    "bundle_to_certificate",
    "chunk",
    "decode_unverified",
    "join",
    "matches",
    "numeric_decode",
    "numeric_encode",
    "open_payload",
    "to_qr_text",
]

NAME = "SHC"
PREFIX = "shc:/"
_SCHEME = "shc:"
ALG = "ES256"
ZIP = "DEF"
HEADER_MEMBERS = frozenset({"alg", "zip", "kid", "typ"})
"""The only JWS header members accepted. Key-carrying or key-pointing members
(``jwk``, ``jku``, ``x5c``, ``x5u``), ``crit``, ``b64`` and anything else are
refused: the key always comes from the trust store, by kid."""
MAX_RID_CHARS = 24
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z
UNKNOWN_COUNTRY = "ZZ"
"""SMART Health Cards do not say where a dose was given; ``ZZ`` is the
user-assigned ISO 3166 code commonly used for "unknown region"."""

_CHUNKED = re.compile(r"shc:/([1-9][0-9]{0,2})/([1-9][0-9]{0,2})/([0-9]*)")
_SINGLE = re.compile(r"shc:/([0-9]*)")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_FHIR_DATE = re.compile(r"([0-9]{4})(-[0-9]{2}(-[0-9]{2})?)?")
_FHIR_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                        r"(Z|[+-][0-9]{2}:[0-9]{2}))?")


def matches(text: str) -> bool:
    """Any ``shc:`` text; a malformed one (``shc:`` without ``/``) is then
    ``BAD_JWS`` rather than an unknown format."""
    return text.startswith(_SCHEME)


# --- the numeric QR text ------------------------------------------------------------

def numeric_encode(jws: str) -> str:
    """Two digits per character, ``ord(c) - 45``. Only ``-`` .. ``z`` can be encoded
    (a compact JWS uses ``A-Za-z0-9_-.``)."""
    out = []
    for c in jws:
        value = ord(c) - 45
        if not 0 <= value <= 77:
            raise ValueError(f"character {c!r} cannot be numeric-encoded")
        out.append(f"{value:02d}")
    return "".join(out)


def numeric_decode(digits: str) -> str:
    """The inverse of :func:`numeric_encode`; ``BAD_JWS`` for an odd count, a
    non-digit or a pair above 77."""
    if len(digits) % 2:
        raise Reject(Reason.BAD_JWS, "odd number of digits in the numeric QR text")
    if not (digits.isascii() and digits.isdigit()) and digits:
        raise Reject(Reason.BAD_JWS, "the QR text after shc:/ is not all digits")
    chars = []
    for i in range(0, len(digits), 2):
        value = (ord(digits[i]) - 48) * 10 + ord(digits[i + 1]) - 48
        if value > 77:
            raise Reject(Reason.BAD_JWS, f"digit pair {digits[i:i + 2]} is above 77")
        chars.append(chr(value + 45))
    return "".join(chars)


def to_qr_text(jws: str) -> str:
    """The single-QR text for a compact JWS: ``shc:/`` and its digits."""
    return PREFIX + numeric_encode(jws)


def chunk(jws: str, n: int) -> list[str]:
    """The deprecated multi-QR form: the JWS cut into ``n`` near-equal parts,
    ``shc:/<i>/<n>/<digits>`` each (for tests and old readers; never issue it)."""
    if not 1 <= n <= 999 or n > len(jws):
        raise ValueError("n must be 1..999 and at most the JWS length")
    size = -(-len(jws) // n)
    parts = [jws[i:i + size] for i in range(0, len(jws), size)]
    if len(parts) != n:
        raise ValueError(f"{len(jws)} characters do not split into {n} chunks")
    return [f"{PREFIX}{i}/{n}/{numeric_encode(p)}" for i, p in enumerate(parts, 1)]


def _parse(text: str) -> tuple[int | None, int | None, str]:
    """``(i, n, digits)`` of one QR text; ``i`` and ``n`` are ``None`` unchunked."""
    m = _CHUNKED.fullmatch(text)
    if m:
        index, total = int(m[1]), int(m[2])
        if index > total:
            raise Reject(Reason.BAD_JWS, f"chunk index {index} is above the count {total}")
        return index, total, m[3]
    m = _SINGLE.fullmatch(text)
    if m:
        return None, None, m[1]
    if not text.startswith(PREFIX):
        raise Reject(Reason.BAD_JWS, "a SMART Health Card QR text starts with shc:/")
    raise Reject(Reason.BAD_JWS, "malformed shc:/ text (expected digits, or i/n/digits)")


def join(chunks: Sequence[str]) -> tuple[str, tuple[Reason, ...]]:
    """One ``shc:/`` text from the chunks of a multi-QR card, in any order.

    Every chunk must be ``shc:/<i>/<n>/...`` with the same ``n``, each index
    once, none missing. A sequence holding one unchunked text is that text.
    Chunked input warns ``DEPRECATED_CHUNKING``."""
    parsed = [_parse(c) for c in chunks]
    if len(parsed) == 1 and parsed[0][1] is None:
        return chunks[0], ()
    if any(total is None for _, total, _ in parsed):
        raise Reject(Reason.BAD_JWS, "several QR texts given, but not all are numbered chunks")
    totals = {total for _, total, _ in parsed}
    if len(totals) != 1:
        raise Reject(Reason.BAD_JWS, f"chunks disagree on their count: {sorted(totals)}")  # type: ignore[type-var]
    total = totals.pop()
    assert total is not None
    by_index: dict[int, str] = {}
    for index, _, digits in parsed:
        assert index is not None
        if index in by_index:
            raise Reject(Reason.BAD_JWS, f"chunk {index} of {total} was given twice")
        if len(digits) % 2:
            raise Reject(Reason.BAD_JWS, f"chunk {index} has an odd number of digits")
        by_index[index] = digits
    missing = [i for i in range(1, total + 1) if i not in by_index]
    if missing:
        raise Reject(Reason.INCOMPLETE_CHUNKS, f"chunks {missing} of {total} are missing")
    return PREFIX + "".join(by_index[i] for i in range(1, total + 1)), (Reason.DEPRECATED_CHUNKING,)


# --- the JWS ------------------------------------------------------------------------------

def _b64url(part: str, what: str) -> bytes:
    """Strict base64url: its alphabet only, no padding, canonical last character."""
    if not part or not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise Reject(Reason.BAD_JWS, f"{what} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise Reject(Reason.BAD_JWS, f"{what} is not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part:
        raise Reject(Reason.BAD_JWS, f"{what} is not canonical base64url")
    return raw


def _no_duplicates(reason: Reason) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            raise Reject(reason, "a JSON object repeats a member")
        return out
    return hook


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _load_json(data: bytes, *, malformed: Reason, duplicate: Reason) -> Any:
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates(duplicate),
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Reject(malformed, f"not JSON: {str(exc)[:80]}") from None


def _inflate(data: bytes, limits: Limits) -> bytes:
    """Raw DEFLATE (RFC 1951, no zlib header); stops after ``max_decompressed + 1``
    bytes, so a bomb is never inflated whole."""
    return inflate(data, limits, wbits=RAW_DEFLATE)


def _header(part: str) -> tuple[str, bytes]:
    """The kid (as written, and decoded) after every header check."""
    header = _load_json(_b64url(part, "JWS header"), malformed=Reason.BAD_JWS,
                        duplicate=Reason.BAD_JWS)
    if not isinstance(header, dict):
        raise Reject(Reason.BAD_JWS, "JWS header is not a JSON object")
    alg = header.get("alg")
    if alg != ALG:
        raise Reject(Reason.ALG_NOT_ALLOWED,
                     f"alg {str(alg)[:20]!r} not allowed (SMART Health Cards use ES256)"
                     if "alg" in header else "no alg in the JWS header")
    other = sorted(set(header) - HEADER_MEMBERS)
    if other:
        raise Reject(Reason.BAD_JWS, f"JWS header members {[o[:20] for o in other[:5]]} are "
                     "not accepted (keys come from the trust list, never from the code)")
    if "kid" not in header:
        raise Reject(Reason.MISSING_KID, "no kid in the JWS header")
    kid = header["kid"]
    if not isinstance(kid, str):
        raise Reject(Reason.BAD_JWS, "kid is not a string")
    kid_bytes = _b64url(kid, "kid")
    if header.get("zip") != ZIP:
        raise Reject(Reason.BAD_JWS, "the payload must be DEFLATE-compressed (zip DEF)")
    typ = header.get("typ")
    if typ is not None and not isinstance(typ, str):
        raise Reject(Reason.BAD_JWS, "typ is not a string")
    return kid, kid_bytes


def decode_unverified(text: str, limits: Limits) -> Envelope:
    index, total, digits = _parse(text)
    warnings: tuple[Reason, ...] = ()
    if total is not None:
        if total > 1:
            # Incomplete rather than forged; the detail tells staff what to do.
            raise Reject(Reason.INCOMPLETE_CHUNKS,
                         f"this is QR {index} of {total}: scan all {total} together")
        warnings = (Reason.DEPRECATED_CHUNKING,)  # shc:/1/1/...
    if not digits:
        raise Reject(Reason.BAD_JWS, "no digits after shc:/")
    parts = numeric_decode(digits).split(".")
    if len(parts) != 3:
        raise Reject(Reason.BAD_JWS, f"a compact JWS has 3 parts, not {len(parts)}")
    kid, kid_bytes = _header(parts[0])
    signature = _b64url(parts[2], "JWS signature")
    if len(signature) != 64:
        raise Reject(Reason.BAD_JWS, f"ES256 signature must be 64 bytes (r||s), not {len(signature)}")
    payload = _inflate(_b64url(parts[1], "JWS payload"), limits)
    return Envelope(format=NAME, alg=cose.Algorithm.ES256, kid=kid_bytes,
                    signed=f"{parts[0]}.{parts[1]}".encode("ascii"), signature=signature,
                    open=lambda lim: open_payload(payload, lim, kid=kid), warnings=warnings)


# --- the claims -----------------------------------------------------------------------------

def _claims_fail(what: str) -> Reject:
    return Reject(Reason.BAD_CLAIMS, what)


def _time(value: object, what: str) -> dt.datetime:
    """Seconds since the epoch; SMART Health Cards may write fractions."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or (
            not math.isfinite(value) or not 0 <= value <= MAX_TIME):
        raise _claims_fail(f"{what} must be seconds (a number in 0..{MAX_TIME})")
    return dt.datetime.fromtimestamp(value, dt.timezone.utc)


def _is_rid(value: object) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= MAX_RID_CHARS
            and _B64URL.fullmatch(value) is not None)


def open_payload(payload: bytes, limits: Limits, *, kid: str) -> Contents:
    """Read the JWS claims and the FHIR bundle (after the signature holds)."""
    if len(payload) > limits.max_json_bytes:
        raise Reject(Reason.JSON_TOO_LARGE, f"{len(payload)} bytes of JSON")
    claims = _load_json(payload, malformed=Reason.BAD_JSON, duplicate=Reason.DUPLICATE_KEY)
    if not isinstance(claims, dict):
        raise _claims_fail("the JWS payload is not a JSON object")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise _claims_fail("iss is missing or not a string")
    if "nbf" not in claims:
        raise _claims_fail("nbf is missing")
    issued_at = _time(claims["nbf"], "nbf")
    expires_at = _time(claims["exp"], "exp") if "exp" in claims else None
    if expires_at is not None and expires_at < issued_at:
        raise _claims_fail("exp is before nbf")
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        raise _claims_fail("vc is missing or not an object")
    types = vc.get("type")
    if not isinstance(types, list) or not any(
            isinstance(t, str) and t.endswith("#health-card") for t in types):
        raise _claims_fail("vc.type does not name the health-card type")
    rid = vc.get("rid")
    if rid is not None and not _is_rid(rid):
        raise _claims_fail(f"vc.rid must be 1..{MAX_RID_CHARS} base64url characters")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("fhirBundle"), dict):
        raise _claims_fail("vc.credentialSubject.fhirBundle is missing")
    if not isinstance(subject.get("fhirVersion", ""), str):
        raise _claims_fail("fhirVersion is not a string")
    certificate = bundle_to_certificate(subject["fhirBundle"])
    return Contents(certificate=certificate, issuer=issuer, issued_at=issued_at,
                    expires_at=expires_at, certificate_id=rid,
                    revocation_ids=(("rid", f"{kid}.{rid}".encode()),) if rid else ())


# --- the FHIR bundle ------------------------------------------------------------------------

# CVX (vaccine administered) codes of products that have a VN1 product number.
# Any other CVX code becomes the text code "CVX-<code>".
_CVX_PRODUCTS: dict[str, str] = {
    **dict.fromkeys(("208", "217", "218", "219"), PRODUCT_NUMBERS[1]),  # Pfizer-BioNTech
    **dict.fromkeys(("207", "221", "229"), PRODUCT_NUMBERS[2]),  # Moderna
    "210": PRODUCT_NUMBERS[3],  # AstraZeneca
    "212": PRODUCT_NUMBERS[10],  # Janssen
    "211": PRODUCT_NUMBERS[12],  # Novavax
    "502": PRODUCT_NUMBERS[13],  # Covaxin
    "504": PRODUCT_NUMBERS[8],  # Sputnik Light
    "505": PRODUCT_NUMBERS[7],  # Sputnik V
    "510": PRODUCT_NUMBERS[5],  # Sinopharm BIBP
    "511": PRODUCT_NUMBERS[11],  # CoronaVac
    "503": "VN-COVIVAC",
}

# LOINC codes of qualitative SARS-CoV-2 tests, by method.
_LOINC_NAA = frozenset({
    "94307-6", "94308-4", "94309-2", "94310-0", "94311-8", "94312-6", "94313-4", "94314-2",
    "94315-9", "94316-7", "94500-6", "94502-2", "94509-7", "94510-5", "94511-3", "94532-9",
    "94533-7", "94534-5", "94559-2", "95409-9", "101289-7",
})
_LOINC_ANTIGEN = frozenset({"94558-4", "95209-3", "96119-3"})
# Result codes (SNOMED CT and LOINC answers) mapped to detected / not detected.
_RESULTS = {
    "260373001": RESULT_DETECTED, "10828004": RESULT_DETECTED,
    "LA11882-0": RESULT_DETECTED, "LA6576-8": RESULT_DETECTED,
    "260415000": RESULT_NOT_DETECTED, "260385009": RESULT_NOT_DETECTED,
    "LA11883-8": RESULT_NOT_DETECTED, "LA6577-6": RESULT_NOT_DETECTED,
}
_FINAL = frozenset({"final", "amended", "corrected"})


def _record_fail(what: str) -> Reject:
    return Reject(Reason.BAD_RECORD, what)


def _system_is(system: object, name: str) -> bool:
    """Whether a FHIR code-system URI is CVX, SNOMED CT or LOINC. Recognised by
    the URI's last path segment (``cvx``, ``sct``) or its host's first label
    (``loinc``), since this project writes no URLs (docs/interop-shc.md)."""
    if not isinstance(system, str):
        return False
    if name == "loinc":
        host = system.split("//", 1)[-1].split("/", 1)[0]
        return host.split(".", 1)[0].lower() == "loinc"
    return system.rstrip("/").rsplit("/", 1)[-1].lower() == name


def _codes(concept: object, system: str) -> list[str]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [c["code"] for c in concept["coding"]
            if isinstance(c, dict) and _system_is(c.get("system"), system)
            and isinstance(c.get("code"), str)]


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    if bundle.get("resourceType") != "Bundle" or not isinstance(bundle.get("entry"), list):
        raise _record_fail("fhirBundle is not a Bundle with entries")
    out = []
    for entry in bundle["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _record_fail("a bundle entry has no resource")
        out.append(resource)
    return out


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _record_fail(f"{what} must be non-empty text")
    return value.strip()


def _subject(patient: dict[str, Any]) -> Subject:
    names = patient.get("name")
    if not isinstance(names, list) or not names or not isinstance(names[0], dict):
        raise _record_fail("Patient has no name")
    name = names[0]
    family = _text(name["family"], "family name") if "family" in name else None
    given_list = name.get("given", [])
    if not isinstance(given_list, list):
        raise _record_fail("given names must be a list")
    given = " ".join(_text(g, "given name") for g in given_list) or None
    full = " ".join(p for p in (family, given) if p) or (
        _text(name["text"], "name text") if "text" in name else "")
    if not full:
        raise _record_fail("Patient name has no family, given or text")
    dob = patient.get("birthDate")
    if not isinstance(dob, str) or not _FHIR_DATE.fullmatch(dob):
        raise _record_fail("Patient birthDate is missing or not YYYY[-MM[-DD]]")
    return Subject(name=full, dob=dob, family_name=family, given_name=given)


def _date(value: object, what: str) -> dt.date:
    """The day of a FHIR date or dateTime (as written, no time-zone shift)."""
    if not isinstance(value, str) or not _FHIR_TIME.fullmatch(value):
        raise _record_fail(f"{what} must be a full date (YYYY-MM-DD[Thh:mm:ss...])")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise _record_fail(f"{what} is not a real date") from None


def _sampled_at(value: object) -> dt.datetime:
    """A FHIR dateTime as an aware UTC datetime in whole seconds; a bare date is
    read as midnight UTC."""
    day = _date(value, "effectiveDateTime")
    assert isinstance(value, str)
    if len(value) == 10:
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _record_fail("effectiveDateTime is not a real time") from None
    return at.astimezone(dt.timezone.utc).replace(microsecond=0)


def _administered_by(immunization: dict[str, Any]) -> str | None:
    performers = immunization.get("performer")
    if not isinstance(performers, list) or not performers or not isinstance(performers[0], dict):
        return None
    actor = performers[0].get("actor")
    display = actor.get("display") if isinstance(actor, dict) else None
    if isinstance(display, str) and 0 < len(display.strip()) <= 100 and display.isprintable():
        return display.strip()
    return None


def _immunizations(resources: list[dict[str, Any]]) -> list[Vaccination]:
    found: list[tuple[dt.date, int, str, str | None]] = []
    for order, r in enumerate(resources):
        if r["resourceType"] != "Immunization" or r.get("status") != "completed":
            continue
        cvx = _codes(r.get("vaccineCode"), "cvx")
        if not cvx:
            continue
        product = _CVX_PRODUCTS.get(cvx[0], f"CVX-{cvx[0][:20]}")
        found.append((_date(r.get("occurrenceDateTime"), "occurrenceDateTime"), order,
                      product, _administered_by(r)))
    found.sort()
    return [Vaccination(product=product, dose_number=n, date=day, country=UNKNOWN_COUNTRY,
                        administering_unit=unit)
            for n, (day, _, product, unit) in enumerate(found, 1)]


def _tests(resources: list[dict[str, Any]]) -> list[Test]:
    out = []
    for r in resources:
        if r["resourceType"] != "Observation" or r.get("status") not in _FINAL:
            continue
        loinc = _codes(r.get("code"), "loinc")
        kinds = [TEST_NAA if c in _LOINC_NAA else TEST_RAT for c in loinc
                 if c in _LOINC_NAA or c in _LOINC_ANTIGEN]
        results = [_RESULTS[c] for system in ("sct", "loinc")
                   for c in _codes(r.get("valueCodeableConcept"), system) if c in _RESULTS]
        if not kinds or not results:
            continue  # not a qualitative SARS-CoV-2 result this verifier reads
        out.append(Test(test_type=kinds[0], sampled_at=_sampled_at(r.get("effectiveDateTime")),
                        result=results[0], country=UNKNOWN_COUNTRY))
    return out


def bundle_to_certificate(bundle: object) -> HealthCertificate:
    """Map a SMART Health Card's FHIR bundle to the common model.

    One Patient (name, birthDate); completed Immunizations with a CVX code
    become vaccinations numbered by date; final qualitative SARS-CoV-2
    Observations become tests. Other resources are ignored. A bundle without
    a Patient or without any of those events is ``UNSUPPORTED_CONTENT``
    (CANNOT_CHECK): a genuine card this verifier cannot read."""
    if not isinstance(bundle, dict):
        raise _record_fail("fhirBundle is not an object")
    resources = _resources(bundle)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if len(patients) > 1:
        raise _record_fail("the bundle names more than one Patient")
    if not patients:
        raise Reject(Reason.UNSUPPORTED_CONTENT, "the card holds no Patient")
    try:
        subject = _subject(patients[0])
        vaccinations, tests = _immunizations(resources), _tests(resources)
        if not vaccinations and not tests:
            raise Reject(Reason.UNSUPPORTED_CONTENT,
                         "the card holds no COVID-19 immunization or lab result this verifier reads")
        return HealthCertificate(subject=subject, vaccinations=tuple(vaccinations),
                                 tests=tuple(tests))
    except InvalidCertificate as exc:
        raise _record_fail(str(exc)) from None
