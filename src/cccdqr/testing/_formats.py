"""TEST-ONLY signers and re-encoders behind :mod:`cccdqr.testing`.

Plain functions, no hypothesis: an EU DCC signer certificate (DSC), SMART
Health Card and ICAO VDS-NC signing, a deterministic RSA key for PS256, and the
byte-level rewrites the corruption strategy draws from. Every key is derived
from a label prefixed ``cccdqr TEST-ONLY`` (as :mod:`cccdqr.testkeys` does), so
nothing here protects anything and every run builds the same keys and
certificates.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import zlib
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from cccdqr.formats import shc, vdsnc
from cccdqr.trust import jwks
from cccdqr.trust.store import TrustStore
from cccdqr.trust.x509chain import DOCUMENT_TYPE_EXTENSION, VDS_NC_EKU
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45decode, b45encode

__all__: list[str] = []

_UTC = dt.timezone.utc
CERT_FROM = dt.datetime(2020, 1, 1, tzinfo=_UTC)
"""Start of every TEST-ONLY certificate and CRL window."""
CERT_UNTIL = dt.datetime(2040, 1, 1, tzinfo=_UTC)
"""End of every TEST-ONLY certificate and CRL window."""


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"cccdqr TEST-ONLY {label}".encode()).digest()


# --- a deterministic RSA key (PS256) ----------------------------------------------------

_SMALL_PRIMES = tuple(p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1)))
_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)


def _probably_prime(n: int) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(label: str, bits: int, e: int) -> int:
    counter = 0
    while True:
        stream = b"".join(hashlib.sha256(_seed(label) + (counter * 64 + i).to_bytes(8, "big"))
                          .digest() for i in range(bits // 256))
        counter += 1
        candidate = int.from_bytes(stream, "big") | (3 << (bits - 2)) | 1
        if candidate % e != 1 and _probably_prime(candidate):
            return candidate


@functools.cache
def rsa_key(label: str = "ps256") -> rsa.RSAPrivateKey:
    """An RSA-2048 private key derived from ``label`` (two 1024-bit primes from a
    SHA-256 stream, Miller-Rabin with 20 bases). TEST-ONLY; built once per label."""
    e = 65537
    p, q = _prime(label + " p", 1024, e), _prime(label + " q", 1024, e)
    d = pow(e, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                 rsa.rsa_crt_iqmp(p, q), public).private_key()


# --- EU DCC: a self-signed TEST-ONLY signer certificate ---------------------------------------

def _sign_options(key: Any) -> dict[str, Any]:
    return {"ecdsa_deterministic": True} if isinstance(key, ec.EllipticCurvePrivateKey) else {}


@functools.cache
def dsc(key: Any, country: str = "VN") -> x509.Certificate:
    """A self-signed TEST-ONLY DSC for ``key`` (C=``country``), valid 2020-2040.
    Deterministic: the same key gives the same DER, hence the same kid."""
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cccdqr TEST-ONLY Ministry of Health"),
        x509.NameAttribute(NameOID.COMMON_NAME, "cccdqr TEST-ONLY DSC")])
    serial = int.from_bytes(hashlib.sha256(
        key.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    ).digest()[:8], "big") | 1
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(CERT_FROM).not_valid_after(CERT_UNTIL)
            .sign(key, hashes.SHA256(), **_sign_options(key)))


# --- SMART Health Cards ------------------------------------------------------------------------

SHC_CVX = "test:/sid/cvx"
"""Code systems written into generated cards. The verifier recognises CVX and
SNOMED CT by the last path segment and LOINC by the first host label, so no
real address is needed."""
SHC_LOINC = "test://loinc"
SHC_SCT = "test:/sct"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def deflate(data: bytes, level: int = 9) -> bytes:
    """Raw DEFLATE (no zlib header), as SMART Health Cards compress."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def shc_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """The public JWK of a P-256 key; kid = its RFC 7638 thumbprint."""
    numbers = key.public_key().public_numbers()
    out = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
           "y": b64url(numbers.y.to_bytes(32, "big")), "use": "sig", "alg": "ES256"}
    out["kid"] = jwks.jwk_thumbprint(out)
    return out


@functools.cache
def shc_trust(key: ec.EllipticCurvePrivateKey, issuer: str) -> TrustStore:
    """A store that trusts ``key`` (as a one-key JWKS) for cards whose iss is ``issuer``."""
    return TrustStore(jwks.trusted_keys_from_jwks({"keys": [shc_jwk(key)]}, issuer=issuer))


def shc_jws(claims: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    """A compact JWS over the raw-DEFLATE of the claims' compact JSON (ES256, RFC 6979)."""
    header = {"zip": "DEF", "alg": "ES256", "kid": shc_jwk(key)["kid"]}
    payload = deflate(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signing_input = (f"{b64url(json.dumps(header, separators=(',', ':')).encode())}."
                     f"{b64url(payload)}")
    signature = cose.sign_bytes(cose.Algorithm.ES256, key, signing_input.encode(),
                                deterministic=True)
    return f"{signing_input}.{b64url(signature)}"


# --- ICAO VDS-NC -------------------------------------------------------------------------------

def _icao_name(country: str, cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _doc_types(*types: str) -> x509.UnrecognizedExtension:
    """ICAO document type list: SEQUENCE { INTEGER 0, SET OF PrintableString }."""
    items = b"".join(b"\x13" + bytes([len(t)]) + t.encode() for t in types)
    body = b"\x02\x01\x00\x31" + bytes([len(items)]) + items
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(DOCUMENT_TYPE_EXTENSION),
                                      b"\x30" + bytes([len(body)]) + body)


@functools.cache
def vdsnc_csca(country: str = "VN") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TEST-ONLY country signing CA for ``country`` and its key, valid 2020-2040."""
    from cccdqr.testkeys import test_es256_key

    key = test_es256_key(f"testing vdsnc csca {country}")
    name = _icao_name(country, "cccdqr TEST-ONLY CSCA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(CERT_FROM).not_valid_after(CERT_UNTIL)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))
    return cert, key


@functools.cache
def vdsnc_signer(key: ec.EllipticCurvePrivateKey, country: str = "VN") -> x509.Certificate:
    """A barcode signer certificate for ``key`` issued by :func:`vdsnc_csca`: the
    VDS-NC extended key usage, document types NV and NT, valid 2020-2040."""
    csca, csca_key = vdsnc_csca(country)
    serial = int.from_bytes(hashlib.sha256(
        key.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    ).digest()[:8], "big") | 1
    return (x509.CertificateBuilder()
            .subject_name(_icao_name(country, "cccdqr TEST-ONLY BSC"))
            .issuer_name(csca.subject).public_key(key.public_key()).serial_number(serial)
            .not_valid_before(CERT_FROM).not_valid_after(CERT_UNTIL)
            .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(VDS_NC_EKU)]),
                           critical=True)
            .add_extension(_doc_types("NV", "NT"), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                csca_key.public_key()), critical=False)
            .sign(csca_key, hashes.SHA256(), ecdsa_deterministic=True))


@functools.cache
def vdsnc_trust(country: str = "VN") -> TrustStore:
    """The CSCA of ``country`` with an empty CRL valid 2020-2040 (so revocation of
    the signer certificate is checked, and nothing is revoked)."""
    csca, csca_key = vdsnc_csca(country)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(csca.subject)
           .last_update(CERT_FROM).next_update(CERT_UNTIL)
           .sign(csca_key, hashes.SHA256(), ecdsa_deterministic=True))
    return TrustStore(authorities=[csca], crls=[crl])


def vdsnc_seal(data: dict[str, Any], key: ec.EllipticCurvePrivateKey,
               cert: x509.Certificate) -> str:
    """A VDS-NC document: ``data`` signed (ES256, RFC 6979) over its canonical JSON."""
    signature = cose.sign_bytes(cose.Algorithm.ES256, key, vdsnc.canonical_json(data),
                                deterministic=True)
    doc = {"data": data, "sig": {"alg": "ES256",
                                 "cer": b64url(cert.public_bytes(serialization.Encoding.DER)),
                                 "sigvl": b64url(signature)}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# --- taking codes apart and putting them back ---------------------------------------------------

def cose_parts(text: str) -> tuple[str, bytes, bool]:
    """``(prefix, COSE bytes, compressed)`` of a ``VN1:`` or ``HC1:`` text."""
    prefix = text[:4]
    data = b45decode(text[4:])
    if data[:1] == b"\x78":
        return prefix, zlib.decompress(data), True
    return prefix, data, False


def cose_text(prefix: str, cose_bytes: bytes, *, compress: bool, level: int = 9) -> str:
    """The text for COSE bytes, zlib-compressed at ``level`` or not."""
    body = zlib.compress(cose_bytes, level) if compress else cose_bytes
    return prefix + b45encode(body)


def cose_items(cose_bytes: bytes) -> tuple[bytes, list[Any]]:
    """``(tags before the array, [protected, unprotected, payload, signature])``."""
    start = cose_bytes.index(b"\x84")
    return cose_bytes[:start], list(cbor2.loads(cose_bytes[start:]))


def bstr(data: bytes, *, long_head: bool = False) -> bytes:
    """A CBOR byte string; ``long_head`` writes its length in 4 bytes (valid
    CBOR, not the shortest form)."""
    if long_head:
        return b"\x5a" + len(data).to_bytes(4, "big") + data
    return cbor2.dumps(data)


def sign1(tags: bytes, items: list[Any], *, long_heads: frozenset[int] = frozenset()) -> bytes:
    """A COSE_Sign1 from its four items, with the byte strings at the positions
    in ``long_heads`` (0 protected, 2 payload, 3 signature) in the long form."""
    protected, unprotected, payload, signature = items
    return (tags + b"\x84" + bstr(protected, long_head=0 in long_heads)
            + cbor2.dumps(unprotected) + bstr(payload, long_head=2 in long_heads)
            + bstr(signature, long_head=3 in long_heads))


def reordered_map(encoded: bytes) -> bytes:
    """A CBOR map re-encoded with its keys in reverse order (cbor2 keeps the
    order it is given): the same map, other bytes when it has two keys or more."""
    value = cbor2.loads(encoded)
    return cbor2.dumps(dict(reversed(list(value.items()))))


def shc_parts(text: str) -> list[str]:
    """The three base64url parts of a single ``shc:/`` text."""
    return shc.numeric_decode(text[len(shc.PREFIX):]).split(".")


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def inflate(data: bytes) -> bytes:
    return zlib.decompress(data, -15)


def dcc_cwt_tagged(cose_bytes: bytes) -> bytes:
    """Tag 61 (CWT) around a tagged COSE_Sign1, as RFC 8392 allows."""
    return b"\xd8\x3d" + cose_bytes if cose_bytes[:1] == b"\xd2" else cose_bytes

