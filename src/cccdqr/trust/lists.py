"""Published signer-certificate lists: the EU DCC gateway's trust list and a
signed national DSC list, imported into trust store keys.

Owns reading those two file shapes (``docs/trust-lists.md``) and checking the
list's own signature against a key the operator configured, before any DSC in
it is trusted. May import ``cccdqr.core``, ``cccdqr.wire`` and its own package
(``store``, ``cms``, ``dsc``). Pure: bytes, keys and the clock come in as
arguments; fetching a list is the operator's business, never a network call.

- ``gateway``: the JSON array of trust-list items the gateway hands national
  backends (``kid``, ``timestamp``, ``country``, ``certificateType``,
  ``thumbprint``, ``signature``, ``rawData``). CSCA and UPLOAD items carry a
  detached CMS signature of the gateway trust anchor over the certificate; DSC
  items one of the country's upload certificate; a DSC must be issued by a
  CSCA of its country. The configured key is the trust anchor's.
- ``dsc-tl``: the Swedish national DSC trust list (DSC-TL 1.0.0), a JWS
  ``header.payload.signature`` whose payload holds ``iss``, ``iat``, ``exp`` and
  ``dsc_trust_list`` ``{CC: {"eku": {...}, "keys": [JWK with x5c]}}``. The
  configured key is the list signer's.

Every failure raises: :class:`TrustListRefused` when the list is not authentic
or not current (bad signature, another signer, outside its window, a DSC its
chain does not vouch for), :class:`~cccdqr.core.errors.TrustListError` when it
is malformed. A list is taken whole or not at all.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cccdqr.core.errors import TrustListError
from cccdqr.trust.cms import verify_detached
from cccdqr.trust.store import TrustedKey, TrustListSource, TrustStore, make_trusted_certificate
from cccdqr.wire.cose import Algorithm, PublicKey, certificate_kid, verify_bytes

__all__ = ["FORMATS", "ImportedList", "TrustListRefused", "import_list", "merge",
           "parse_dsc_tl", "parse_gateway"]

FORMATS = ("gateway", "dsc-tl")
_COUNTRY = re.compile(r"[A-Z]{2}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
DEFAULT_SKEW = dt.timedelta(minutes=5)


class TrustListRefused(TrustListError):
    """The list is not authentic or not current: nothing in it is trusted."""


@dataclass(frozen=True, slots=True)
class ImportedList:
    """The keys of one checked list, each carrying ``source``."""

    source: TrustListSource
    keys: tuple[TrustedKey, ...]


# --- shared pieces ----------------------------------------------------------------------

def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate file's certificate, PEM or DER; ``ValueError`` when it is neither."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_list_key(data: bytes) -> PublicKey:
    """The configured list key: a public key or a certificate, PEM or DER."""
    try:
        if b"CERTIFICATE" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        elif data.lstrip().startswith(b"-----"):
            key = serialization.load_pem_public_key(data)
        else:
            try:
                key = serialization.load_der_public_key(data)
            except ValueError:
                key = x509.load_der_x509_certificate(data).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TrustListError(f"the list key is neither a public key nor a certificate: {exc}") \
            from None
    if not isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        raise TrustListError(f"the list key is a {type(key).__name__}; EC or RSA is needed")
    return key


def _spki(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo))


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise TrustListError(f"{what} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise TrustListError(f"{what} is not base64") from None


def _b64url(value: str, what: str) -> bytes:
    if not _B64URL.fullmatch(value) or len(value) % 4 == 1:
        raise TrustListError(f"{what} is not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _time(value: object, what: str) -> dt.datetime:
    """A gateway timestamp: ISO 8601 with an offset, a space allowed for ``T``."""
    if not isinstance(value, str):
        raise TrustListError(f"{what} is not a time")
    text = value.strip().replace(" ", "T", 1)
    text = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise TrustListError(f"{what} {value!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise TrustListError(f"{what} {value!r} has no UTC offset")
    return at.astimezone(dt.timezone.utc)


def _country_of(cert: x509.Certificate) -> str | None:
    values = cert.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
    return str(values[0].value) if values else None


def _dsc_key(der: bytes, country: str, label: str, source: TrustListSource) -> TrustedKey:
    """A DSC as a trusted key of ``country``; its own C must not say otherwise."""
    cert = x509.load_der_x509_certificate(der)
    own = _country_of(cert)
    if own is not None and own != country:
        raise TrustListRefused(f"{label}: the DSC says country {own}, the list {country}")
    try:
        key = make_trusted_certificate(cert, issuer=country, label=label)
    except ValueError as exc:  # a key cccdqr cannot hold (TrustListError, KeyAlgorithmMismatch)
        raise TrustListRefused(f"{label}: {exc}") from None
    return dataclasses.replace(key, source=source)


# --- the gateway trust list ---------------------------------------------------------------

def _gateway_items(data: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustListError(f"gateway trust list is not JSON: {exc}") from None
    if not isinstance(doc, list) or not all(isinstance(i, dict) for i in doc):
        raise TrustListError("gateway trust list is not a JSON array of objects")
    for n, item in enumerate(doc):
        for name in ("country", "certificateType", "thumbprint", "signature", "rawData"):
            if not isinstance(item.get(name), str):
                raise TrustListError(f"gateway item #{n} has no text {name!r}")
        if not _COUNTRY.fullmatch(item["country"]):
            raise TrustListError(f"gateway item #{n}: country {item['country']!r}")
    return doc


def _checked_item(item: dict[str, Any], n: int, signers: Callable[[x509.Certificate], bool],
                  who: str) -> bytes:
    """The certificate DER of an item whose thumbprint, kid and CMS signature hold."""
    where = f"gateway item #{n} ({item['country']} {item['certificateType']})"
    raw = _b64(item["rawData"], f"{where} rawData")
    if hashlib.sha256(raw).hexdigest() != item["thumbprint"].lower():
        raise TrustListRefused(f"{where}: thumbprint is not the SHA-256 of rawData")
    if "kid" in item and item["kid"] is not None:
        if _b64(item["kid"], f"{where} kid") != hashlib.sha256(raw).digest()[:8]:
            raise TrustListRefused(f"{where}: kid is not the first 8 bytes of SHA-256(rawData)")
    try:
        signed = verify_detached(_b64(item["signature"], f"{where} signature"), raw)
    except TrustListRefused:
        raise
    except TrustListError as exc:
        raise TrustListRefused(f"{where}: {exc}") from None
    if not signers(signed.signer):
        raise TrustListRefused(f"{where}: signed by {signed.signer.subject.rfc4514_string()}, "
                               f"not by {who}")
    return raw


def _issued_by_any(cert: x509.Certificate, cas: Iterable[x509.Certificate]) -> bool:
    for ca in cas:
        try:
            cert.verify_directly_issued_by(ca)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return True
    return False


def parse_gateway(data: bytes, anchor: PublicKey, *, now: dt.datetime) -> ImportedList:
    """The DSCs of a gateway trust list whose chain holds: each CSCA and UPLOAD
    item signed by the trust anchor ``anchor``, each DSC signed by an upload
    certificate of its country and issued by a CSCA of its country. The list
    has no time of its own: its age is that of its newest item (``timestamp``),
    which must not lie after ``now``."""
    items = _gateway_items(data)
    anchor_spki = _spki(anchor)
    source = TrustListSource(format="gateway", sha256=hashlib.sha256(data).hexdigest(),
                             issuer=f"trust anchor {hashlib.sha256(anchor_spki).hexdigest()[:16]}",
                             issued_at=max(
                                 (_time(i["timestamp"], "timestamp") for i in items
                                  if i.get("timestamp") is not None), default=None))
    if source.issued_at is not None and source.issued_at > now + DEFAULT_SKEW:
        raise TrustListRefused(f"gateway trust list has items from {source.issued_at}, after now")
    cscas: dict[str, list[x509.Certificate]] = {}
    uploads: dict[str, set[bytes]] = {}
    for n, item in enumerate(items):
        kind = item["certificateType"]
        if kind in ("CSCA", "UPLOAD"):
            raw = _checked_item(item, n, lambda s: _spki(s.public_key()) == anchor_spki,
                                "the trust anchor given")
            if kind == "CSCA":
                cscas.setdefault(item["country"], []).append(x509.load_der_x509_certificate(raw))
            else:
                uploads.setdefault(item["country"], set()).add(raw)
    keys = []
    for n, item in enumerate(items):
        if item["certificateType"] != "DSC":
            continue
        country = item["country"]
        raw = _checked_item(item, n, lambda s, c=country: s.public_bytes(  # type: ignore[misc]
            serialization.Encoding.DER) in uploads.get(c, set()),
            f"an upload certificate of {country}")
        if not _issued_by_any(x509.load_der_x509_certificate(raw), cscas.get(country, ())):
            raise TrustListRefused(f"gateway item #{n}: the DSC is not issued by a CSCA of "
                                   f"{country} in the list")
        keys.append(_dsc_key(raw, country, f"gateway {country} DSC", source))
    return ImportedList(source, tuple(keys))


# --- the signed national DSC list (DSC-TL) ---------------------------------------------------

def _jws_parts(data: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise TrustListError("DSC-TL is not a compact JWS (not ASCII)") from None
    parts = text.split(".")
    if len(parts) != 3:
        raise TrustListError("DSC-TL is not a compact JWS (header.payload.signature)")
    try:
        header = json.loads(_b64url(parts[0], "JWS header"))
        payload = json.loads(_b64url(parts[1], "JWS payload"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustListError(f"DSC-TL JWS header or payload is not JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TrustListError("DSC-TL JWS header and payload must be JSON objects")
    signature = _b64url(parts[2], "JWS signature")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _check_jws(header: dict[str, Any], signing_input: bytes, signature: bytes,
               key: PublicKey) -> None:
    alg = header.get("alg")
    if header.get("typ", "JOSE") != "JOSE":
        raise TrustListError(f"DSC-TL JWS typ is {header.get('typ')!r}, not JOSE")
    x5c = header.get("x5c")
    if x5c is not None:
        if not isinstance(x5c, list) or not x5c:
            raise TrustListError("DSC-TL JWS x5c is not a list of certificates")
        signer = x509.load_der_x509_certificate(_b64(x5c[0], "JWS x5c[0]"))
        if _spki(signer.public_key()) != _spki(key):
            raise TrustListRefused(f"DSC-TL was signed by {signer.subject.rfc4514_string()}, "
                                   "not by the list key given")
    if alg in ("ES256", "PS256"):
        ok = verify_bytes(Algorithm(alg), key, signature, signing_input)
    elif alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            ok = True
        except InvalidSignature:
            ok = False
    else:
        raise TrustListRefused(f"DSC-TL JWS alg {alg!r} does not fit the list key")
    if not ok:
        raise TrustListRefused("DSC-TL signature does not verify (tampered, or another signer)")


def _window(payload: dict[str, Any], now: dt.datetime, skew: dt.timedelta
            ) -> tuple[dt.datetime, dt.datetime]:
    iat, exp = payload.get("iat"), payload.get("exp")
    if type(iat) is not int or type(exp) is not int or not isinstance(payload.get("iss"), str):
        raise TrustListError("DSC-TL payload needs text iss and integer iat and exp")
    start = dt.datetime.fromtimestamp(iat, dt.timezone.utc)
    end = dt.datetime.fromtimestamp(exp, dt.timezone.utc)
    if now + skew < start:
        raise TrustListRefused(f"DSC-TL is not valid before {start.isoformat()}")
    if now - skew >= end:
        raise TrustListRefused(f"DSC-TL expired at {end.isoformat()}")
    return start, end


def _jwk_matches(jwk: dict[str, Any], key: Any) -> bool:
    """The JWK's public numbers are the certificate's (the certificate is normative)."""
    def num(name: str) -> int:
        return int.from_bytes(_b64url(str(jwk.get(name, "")), f"JWK {name}"), "big")
    if isinstance(key, ec.EllipticCurvePublicKey) and jwk.get("kty") == "EC":
        numbers = key.public_numbers()
        return (num("x"), num("y")) == (numbers.x, numbers.y)
    if isinstance(key, rsa.RSAPublicKey) and jwk.get("kty") == "RSA":
        rsa_numbers = key.public_numbers()
        return (num("n"), num("e")) == (rsa_numbers.n, rsa_numbers.e)
    return False


def _dsc_tl_keys(listed: object, source: TrustListSource) -> list[TrustedKey]:
    if not isinstance(listed, dict):
        raise TrustListError("DSC-TL dsc_trust_list is not an object")
    keys = []
    for country, entry in listed.items():
        if not _COUNTRY.fullmatch(country) or not isinstance(entry, dict) \
                or not isinstance(entry.get("keys", []), list):
            raise TrustListError(f"DSC-TL country {country!r} is malformed")
        for n, jwk in enumerate(entry.get("keys", [])):
            where = f"DSC-TL {country} key #{n}"
            chain = jwk.get("x5c") if isinstance(jwk, dict) else None
            if not isinstance(chain, list) or not chain:
                raise TrustListError(f"{where} has no x5c certificate")
            der = _b64(chain[0], f"{where} x5c[0]")
            cert = x509.load_der_x509_certificate(der)
            if "kid" in jwk and _b64(jwk["kid"], f"{where} kid") != certificate_kid(cert):
                raise TrustListRefused(f"{where}: kid is not the DSC's kid")
            if not _jwk_matches(jwk, cert.public_key()):
                raise TrustListRefused(f"{where}: the JWK is not the DSC's key")
            keys.append(_dsc_key(der, country, f"DSC-TL {country} DSC", source))
    return keys


def parse_dsc_tl(data: bytes, list_key: PublicKey, *, now: dt.datetime,
                 skew: dt.timedelta = DEFAULT_SKEW) -> ImportedList:
    """The DSCs of a DSC-TL JWS after checking its signature with ``list_key``
    (ES256, PS256 or RS256) and its ``iat``..``exp`` window at ``now``."""
    header, payload, signing_input, signature = _jws_parts(data)
    _check_jws(header, signing_input, signature, list_key)
    start, end = _window(payload, now, skew)
    source = TrustListSource(format="dsc-tl", sha256=hashlib.sha256(data).hexdigest(),
                             issuer=payload["iss"], issued_at=start, expires_at=end)
    try:
        keys = _dsc_tl_keys(payload.get("dsc_trust_list"), source)
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, TrustListError):
            raise
        raise TrustListError(f"DSC-TL entry is malformed: {exc}") from None
    return ImportedList(source, tuple(keys))


# --- import and merge --------------------------------------------------------------------

def import_list(data: bytes, fmt: str, list_key: PublicKey | bytes, *,
                now: dt.datetime) -> ImportedList:
    """Check and read a list of format ``fmt`` (one of :data:`FORMATS`)."""
    key = load_list_key(list_key) if isinstance(list_key, bytes) else list_key
    try:
        if fmt == "gateway":
            return parse_gateway(data, key, now=now)
        if fmt == "dsc-tl":
            return parse_dsc_tl(data, key, now=now)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, TrustListError):
            raise
        raise TrustListError(f"{fmt} list is malformed: {type(exc).__name__}: {exc}") from None
    raise ValueError(f"unknown trust list format {fmt!r}; one of {', '.join(FORMATS)}")


def merge(store: TrustStore, imported: ImportedList) -> TrustStore:
    """``store`` with the keys of an earlier list of the same format and signer
    replaced by ``imported``'s (a key the new list drops is no longer trusted).
    A list older than the one held is refused (:class:`TrustListRefused`), so
    an old file cannot roll the store back."""
    new = imported.source
    same = [s for s in store.sources if (s.format, s.issuer) == (new.format, new.issuer)]
    for held in same:
        if held.issued_at and new.issued_at and new.issued_at < held.issued_at:
            raise TrustListRefused(f"this {new.format} list was issued {new.issued_at.isoformat()}, "
                                   f"before the one held ({held.issued_at.isoformat()})")
    replaced = {s.sha256 for s in same}
    kept = [k for k in store.keys if k.source is None or k.source.sha256 not in replaced]
    return TrustStore((*kept, *imported.keys), authorities=store.authorities, crls=store.crls)
