"""TEST-ONLY published trust lists, made with ``cryptography`` (not cccdqr):
an EU DCC gateway trust list (CMS-signed items) and a signed national DSC-TL
(a JWS). Every key comes from ``cccdqr.testkeys`` labels: TEST-ONLY.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from cccdqr import testkeys

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIST_TIME = dt.datetime(2026, 5, 30, 8, 0, tzinfo=UTC)


def key(label: str) -> ec.EllipticCurvePrivateKey:
    return testkeys.test_es256_key(f"trust-lists {label}")


def name(cn: str, country: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)] if country else []
    return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, f"TEST ONLY {cn}")])


def certificate(subject_key: ec.EllipticCurvePrivateKey, cn: str, country: str | None, *,
                issuer: tuple[ec.EllipticCurvePrivateKey, x509.Name] | None = None,
                ca: bool = False) -> x509.Certificate:
    subject = name(cn, country)
    signer, issuer_name = issuer if issuer else (subject_key, subject)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(subject_key.public_key())
               .serial_number(int.from_bytes(hashlib.sha256(cn.encode()).digest()[:8], "big"))
               .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC))
               .not_valid_after(dt.datetime(2028, 1, 1, tzinfo=UTC)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    return builder.sign(signer, hashes.SHA256())


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def cms(content: bytes, signer_cert: x509.Certificate, signer_key: ec.EllipticCurvePrivateKey) -> str:
    """A detached CMS SignedData over ``content``, as the gateway stores it."""
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(content)
              .add_signer(signer_cert, signer_key, hashes.SHA256())
              .sign(serialization.Encoding.DER,
                    [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
    return b64(signed)


@dataclass
class Country:
    """A country's CSCA, upload certificate and one DSC, with their keys."""

    code: str
    csca_key: ec.EllipticCurvePrivateKey = field(init=False)
    csca: x509.Certificate = field(init=False)
    upload_key: ec.EllipticCurvePrivateKey = field(init=False)
    upload: x509.Certificate = field(init=False)
    dsc_key: ec.EllipticCurvePrivateKey = field(init=False)
    dsc: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self.csca_key = key(f"{self.code} csca")
        self.csca = certificate(self.csca_key, f"{self.code} CSCA", self.code, ca=True)
        self.upload_key = key(f"{self.code} upload")
        self.upload = certificate(self.upload_key, f"{self.code} upload", self.code)
        self.dsc_key = key(f"{self.code} dsc")
        self.dsc = certificate(self.dsc_key, f"{self.code} DSC", self.code,
                               issuer=(self.csca_key, self.csca.subject))


TA_KEY = key("gateway trust anchor")
TA = certificate(TA_KEY, "gateway trust anchor", None)


def item(cert: x509.Certificate, kind: str, country: str, signature: str,
         when: dt.datetime = LIST_TIME) -> dict[str, Any]:
    raw = der(cert)
    return {"kid": b64(hashlib.sha256(raw).digest()[:8]),
            "timestamp": when.isoformat().replace("+00:00", "Z"), "country": country,
            "certificateType": kind, "thumbprint": hashlib.sha256(raw).hexdigest(),
            "signature": signature, "rawData": b64(raw)}


def gateway_items(*countries: Country, when: dt.datetime = LIST_TIME) -> list[dict[str, Any]]:
    items = []
    for c in countries:
        items.append(item(c.csca, "CSCA", c.code, cms(der(c.csca), TA, TA_KEY), when))
        items.append(item(c.upload, "UPLOAD", c.code, cms(der(c.upload), TA, TA_KEY), when))
        items.append(item(c.dsc, "DSC", c.code, cms(der(c.dsc), c.upload, c.upload_key), when))
    return items


def gateway_list(*countries: Country, when: dt.datetime = LIST_TIME) -> bytes:
    return json.dumps(gateway_items(*countries, when=when), indent=1).encode()


def pem_public(private: ec.EllipticCurvePrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)


# --- the DSC-TL JWS --------------------------------------------------------------------------

LIST_SIGNER_KEY = key("national list signer")
LIST_SIGNER = certificate(LIST_SIGNER_KEY, "national list signer", "SE")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(cert: x509.Certificate) -> dict[str, Any]:
    numbers = cert.public_key().public_numbers()
    assert isinstance(numbers, ec.EllipticCurvePublicNumbers)
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
            "kid": b64(hashlib.sha256(der(cert)).digest()[:8]), "x5c": [b64(der(cert))],
            "x5t#S256": b64url(hashlib.sha256(der(cert)).digest())}


def dsc_tl_payload(*countries: Country, iat: dt.datetime = LIST_TIME,
                   valid_for: dt.timedelta = dt.timedelta(days=7)) -> dict[str, Any]:
    return {"iss": "TEST ONLY national trust point", "id": "tl-1",
            "iat": int(iat.timestamp()), "exp": int((iat + valid_for).timestamp()),
            "aud": ["dgc-validators"],
            "dsc_trust_list": {c.code: {"eku": {jwk(c.dsc)["kid"]: []}, "keys": [jwk(c.dsc)]}
                               for c in countries}}


def jws(payload: dict[str, Any], *, signer_key: ec.EllipticCurvePrivateKey = LIST_SIGNER_KEY,
        signer: x509.Certificate | None = LIST_SIGNER) -> bytes:
    header: dict[str, Any] = {"typ": "JOSE", "alg": "ES256"}
    if signer is not None:
        header["x5c"] = [b64(der(signer))]
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(payload).encode())).encode()
    r, s = decode_dss_signature(signer_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return signing_input + b"." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")).encode()
