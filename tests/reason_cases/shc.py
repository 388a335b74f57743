"""SMART Health Card inputs for the reason table, and the builder the SHC tests share.

Cards are signed here with a TEST-ONLY P-256 key derived from a public label
(``cccdqr.testkeys``), trusted through a JWKS under a made-up issuer name.
"""

from __future__ import annotations

import base64
import copy
import json
import zlib
from typing import Any

import pytest

import cccdqr
from cccdqr import Reason, testkeys
from cccdqr.wire import cose
from cccdqr.trust import jwks
from cccdqr.formats import shc

from helpers import NOW
from reason_cases import Case, Producer

KEY = testkeys.test_es256_key("shc")  # TEST-ONLY
OTHER_KEY = testkeys.test_es256_key("shc other")  # TEST-ONLY, never trusted
ISSUER = "test-issuer:shc"  # an iss value; SMART Health Cards use the issuer's URL
CVX = "test:/sid/cvx"  # recognised by its last path segment
LOINC = "test://loinc"  # recognised by its host's first label
SCT = "test:/sct"
NBF = NOW.timestamp() - 3600.25  # fractional, as the spec examples write it
RID = "aBc-_123"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(key: Any = KEY, **changes: Any) -> dict[str, Any]:
    """The public JWK of a TEST-ONLY key, kid = its RFC 7638 thumbprint."""
    numbers = key.public_key().public_numbers()
    out: dict[str, Any] = {"kty": "EC", "crv": "P-256", "x": b64(numbers.x.to_bytes(32, "big")),
                           "y": b64(numbers.y.to_bytes(32, "big")), "use": "sig", "alg": "ES256"}
    out["kid"] = jwks.jwk_thumbprint(out)
    out.update(changes)
    return out


KID = jwk()["kid"]
TRUST = cccdqr.TrustStore(jwks.trusted_keys_from_jwks({"keys": [jwk()]}, issuer=ISSUER))


def patient(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient",
                           "name": [{"family": "Nguyễn", "given": ["Văn", "An"]}],
                           "birthDate": "1990-05-17"}
    out.update(changes)
    return out


def immunization(cvx: str = "208", day: str = "2021-07-01", **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Immunization", "status": "completed",
                           "vaccineCode": {"coding": [{"system": CVX, "code": cvx}]},
                           "patient": {"reference": "resource:0"}, "occurrenceDateTime": day,
                           "performer": [{"actor": {"display": "Trạm Y tế Phường 1"}}],
                           "lotNumber": "0000001"}
    out.update(changes)
    return out


def lab(loinc: str = "94558-4", value: str = "260415000", at: str = "2026-11-22T08:30:00Z",
        **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Observation", "status": "final",
                           "code": {"coding": [{"system": LOINC, "code": loinc}]},
                           "subject": {"reference": "resource:0"}, "effectiveDateTime": at,
                           "valueCodeableConcept": {"coding": [{"system": SCT, "code": value}]}}
    out.update(changes)
    return out


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    chosen = resources or (patient(), immunization("208", "2021-07-01"),
                           immunization("208", "2021-08-30"))
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"resource:{i}", "resource": r} for i, r in enumerate(chosen)]}


def claims(fhir: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iss": ISSUER, "nbf": NBF,
        "vc": {"type": ["#health-card"], "rid": RID,
               "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": fhir or bundle()}}}
    out.update(changes)
    return copy.deepcopy(out)


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def compact(
    payload: dict[str, Any] | bytes | None = None,
    *,
    header: dict[str, Any] | str | None = None,
    key: Any = KEY,
    compressed: bytes | None = None,
    signature: bytes | None = None,
) -> str:
    """A compact JWS: ``header`` (dict, or raw JSON text), the raw-DEFLATE payload
    (or ``compressed`` exactly as given), signed with ``key`` unless
    ``signature`` is given."""
    if header is None:
        header = {"zip": "DEF", "alg": "ES256", "kid": KID}
    header_text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    if compressed is None:
        raw = payload if isinstance(payload, bytes) else json.dumps(
            payload if payload is not None else claims(), separators=(",", ":"),
            ensure_ascii=False).encode()
        compressed = deflate(raw)
    signing_input = f"{b64(header_text.encode())}.{b64(compressed)}"
    if signature is None:
        signature = cose.sign_bytes(cose.Algorithm.ES256, key, signing_input.encode(),
                                    deterministic=True)
    return f"{signing_input}.{b64(signature)}"


def card(payload: dict[str, Any] | bytes | None = None, **options: Any) -> str:
    """The ``shc:/`` QR text of :func:`compact`."""
    return shc.to_qr_text(compact(payload, **options))


def verify(text: Any, trust: cccdqr.TrustStore = TRUST, **options: Any
           ) -> cccdqr.VerificationResult:
    options.setdefault("now", NOW)
    return cccdqr.verify(text, trust, **options)


def _case(text: Any) -> Producer:
    def produce(_: pytest.MonkeyPatch) -> Case:
        return Case(text() if callable(text) else text, trust=TRUST)
    return produce


COVERAGE: dict[Reason, Producer] = {
    # a compact JWS of two parts
    Reason.BAD_JWS: _case(lambda: shc.to_qr_text(compact().rsplit(".", 1)[0])),
    Reason.DEPRECATED_CHUNKING: _case(lambda: shc.chunk(compact(), 2)),
    # a genuine card about a person with no COVID-19 record we read
    Reason.UNSUPPORTED_CONTENT: _case(lambda: card(claims(bundle(patient())))),
    # the second of three QR images, scanned alone
    Reason.INCOMPLETE_CHUNKS: _case(lambda: shc.chunk(compact(), 3)[1]),
}
