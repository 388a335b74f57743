"""SMART Health Card issuer keys (JWKS) and revocation lists (CRL JSON).

``trusted_keys_from_jwks(data, issuer=...)`` turns an issuer's published key
set into :class:`~cccdqr.trust.store.TrustedKey` values for
``TrustStore().with_keys(...)``: EC P-256 signing keys for ES256 only, each
``kid`` checked against its RFC 7638 thumbprint, private keys refused, and a
key's ``x5c`` chain (when present) checked for consistency with the key and
the issuer. ``revocation_ids_from_crl(data)`` reads an issuer's CRL into the
``("rid", b"kid.rid")`` ids a revocation list stores. Pure functions over
bytes/str/dict: fetching the files is the caller's business (no network here).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cccdqr.wire.cose import Algorithm
from cccdqr.core.errors import RevocationListError, TrustListError
from cccdqr.core.model import RevocationId
from cccdqr.trust.store import TrustedKey

__all__ = [
    "IssuerCrl",
    "jwk_thumbprint",
    "parse_crl",
    "public_key_from_jwk",
    "revocation_ids_from_crl",
    "trusted_keys_from_jwks",
]

_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_RID = re.compile(r"([A-Za-z0-9_-]{1,24})(?:\.([0-9]{1,12}))?")
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


def _b64url(value: object, what: str, error: type[Exception] = TrustListError) -> bytes:
    if not isinstance(value, str) or not _B64URL.fullmatch(value) or len(value) % 4 == 1:
        raise error(f"{what} is not base64url")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise error(f"{what} is not base64url") from None


def _load(data: bytes | str | Mapping[str, Any], what: str,
          error: type[Exception]) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    if not isinstance(data, (bytes, str)):
        raise TypeError(f"{what} must be bytes, str or a dict")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(f"{what} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise error(f"{what} is not a JSON object")
    return doc


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC public JWK, base64url without padding: SHA-256
    over the required members (crv, kty, x, y) in lexical order, no whitespace."""
    members = {name: jwk.get(name) for name in ("crv", "kty", "x", "y")}
    if not all(isinstance(v, str) for v in members.values()):
        raise TrustListError("an EC JWK needs string crv, kty, x and y")
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def public_key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of an EC JWK; :class:`TrustListError` for any other key,
    a private key, or a point that is not on the curve."""
    if any(name in jwk for name in _PRIVATE_MEMBERS):
        raise TrustListError("the key set holds a private key: never publish or trust it")
    if jwk.get("kty") != "EC":
        raise TrustListError(f"key type {str(jwk.get('kty'))[:10]!r} is not EC")
    if jwk.get("crv") != "P-256":
        raise TrustListError(f"curve {str(jwk.get('crv'))[:10]!r} is not P-256")
    x, y = _b64url(jwk.get("x"), "x"), _b64url(jwk.get("y"), "y")
    if len(x) != 32 or len(y) != 32:
        raise TrustListError("P-256 coordinates must be 32 bytes each")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
    except ValueError:
        raise TrustListError("the key's point is not on P-256") from None


def _same_key(a: ec.EllipticCurvePublicKey, b: object) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return isinstance(b, ec.EllipticCurvePublicKey) and (
        a.public_bytes(der, spki) == b.public_bytes(der, spki))


def _check_x5c(chain: object, key: ec.EllipticCurvePublicKey, issuer: str, kid: str) -> None:
    """A key's certificate chain must hold together: the leaf carries this key and
    names the issuer as a SAN URI, and each certificate is signed by the next.
    The JWKS itself is the trust anchor; certificate dates do not bound the key."""
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise TrustListError(f"key {kid}: x5c must be a non-empty array of strings")
    try:
        certs = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
                 for c in chain]
    except (binascii.Error, ValueError) as exc:
        raise TrustListError(f"key {kid}: x5c holds a malformed certificate: {exc}") from None
    if not _same_key(key, certs[0].public_key()):
        raise TrustListError(f"key {kid}: the x5c leaf certificate holds another key")
    for child, parent in zip(certs, certs[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise TrustListError(f"key {kid}: the x5c chain is broken") from None
    try:
        names = certs[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise TrustListError(f"key {kid}: the x5c leaf certificate has no subject "
                             "alternative name") from None
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    if issuer not in uris:
        raise TrustListError(f"key {kid}: the x5c leaf certificate does not name the issuer "
                             "as a URI subject alternative name")


def _trusted_key(jwk: object, issuer: str) -> TrustedKey:
    if not isinstance(jwk, Mapping):
        raise TrustListError("a JWKS key is not a JSON object")
    key = public_key_from_jwk(jwk)
    kid = jwk.get("kid")
    if not isinstance(kid, str):
        raise TrustListError("a key has no kid")
    if kid != jwk_thumbprint(jwk):
        raise TrustListError(f"kid {kid[:50]!r} is not the key's RFC 7638 thumbprint")
    if jwk.get("use") != "sig":
        raise TrustListError(f"key {kid}: use must be 'sig'")
    if jwk.get("alg") != "ES256":
        raise TrustListError(f"key {kid}: alg must be 'ES256'")
    if "x5c" in jwk:
        _check_x5c(jwk["x5c"], key, issuer, kid)
    return TrustedKey(kid=_b64url(kid, "kid"), public_key=key, alg=Algorithm.ES256,
                      issuer=issuer, label=f"SHC {kid}")


def trusted_keys_from_jwks(
    data: bytes | str | Mapping[str, Any],
    *,
    issuer: str,
    strict: bool = True,
) -> list[TrustedKey]:
    """The trusted keys of one SMART Health Card issuer's JWKS.

    ``issuer`` is the issuer's ``iss`` (where the JWKS was published); every
    key speaks only for it, so ``verify`` rejects a card whose ``iss`` differs
    (``ISSUER_MISMATCH``). A key set with a private key always raises
    :class:`TrustListError`. Any other unusable key (not EC P-256, ``use`` not
    ``sig``, ``alg`` not ES256, kid not its thumbprint, a broken ``x5c``) raises
    too, unless ``strict=False``, which skips it; a set left empty raises."""
    if not isinstance(issuer, str) or not issuer:
        raise TypeError("issuer must be a non-empty string (the cards' iss)")
    doc = _load(data, "JWKS", TrustListError)
    keys = doc.get("keys")
    if not isinstance(keys, list):
        raise TrustListError("JWKS has no 'keys' array")
    out: list[TrustedKey] = []
    for jwk in keys:
        if isinstance(jwk, Mapping) and any(name in jwk for name in _PRIVATE_MEMBERS):
            raise TrustListError("the key set holds a private key: never publish or trust it")
        try:
            out.append(_trusted_key(jwk, issuer))
        except TrustListError:
            if strict:
                raise
    if not out:
        raise TrustListError("the JWKS holds no usable ES256 signing key")
    return out


# --- the issuer's CRL ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IssuerCrl:
    """One SMART Health Card CRL: the key it is for, its counter, and each revoked
    rid with the time (epoch seconds) before which cards are revoked, or ``None``
    for every card with that rid."""

    kid: str
    ctr: int
    rids: Mapping[str, int | None]

    def revocation_ids(self) -> list[RevocationId]:
        """Every rid as ``("rid", b"kid.rid")``, timestamps dropped (see
        :func:`revocation_ids_from_crl`)."""
        return [("rid", f"{self.kid}.{rid}".encode("ascii")) for rid in self.rids]

    def revokes(self, rid: str, issued_at: float) -> bool:
        """Whether a card with ``rid`` issued at ``issued_at`` (its ``nbf``) is
        revoked: listed without a timestamp, or issued before the timestamp."""
        if rid not in self.rids:
            return False
        before = self.rids[rid]
        return before is None or issued_at < before


def parse_crl(data: bytes | str | Mapping[str, Any], *,
              crl_version: int | None = None) -> IssuerCrl:
    """Read an issuer CRL (``{"kid", "method": "rid", "ctr", "rids"}``).

    Refused with :class:`RevocationListError`: a method other than ``rid``, a
    counter that is not a positive integer (or differs from the key's
    ``crlVersion`` when ``crl_version`` is given), a rid that is not 1-24
    base64url characters with an optional ``.<epoch seconds>``, and a rid
    listed twice."""
    doc = _load(data, "CRL", RevocationListError)
    kid, method, ctr, rids = doc.get("kid"), doc.get("method"), doc.get("ctr"), doc.get("rids")
    if not isinstance(kid, str) or not _B64URL.fullmatch(kid):
        raise RevocationListError("CRL kid is missing or not base64url")
    if method != "rid":
        raise RevocationListError(f"CRL method {str(method)[:20]!r} is not 'rid'")
    if type(ctr) is not int or ctr < 1:
        raise RevocationListError("CRL ctr must be a positive integer")
    if crl_version is not None and ctr != crl_version:
        raise RevocationListError(f"CRL ctr {ctr} differs from the key's crlVersion {crl_version}")
    if not isinstance(rids, list):
        raise RevocationListError("CRL rids must be an array")
    entries: dict[str, int | None] = {}
    for entry in rids:
        m = _RID.fullmatch(entry) if isinstance(entry, str) else None
        if m is None:
            raise RevocationListError(f"CRL entry {str(entry)[:40]!r} is not rid[.timestamp]")
        if m[1] in entries:
            raise RevocationListError(f"CRL lists rid {m[1]} twice")
        entries[m[1]] = int(m[2]) if m[2] else None
    return IssuerCrl(kid=kid, ctr=ctr, rids=MappingProxyType(entries))


def revocation_ids_from_crl(data: bytes | str | Mapping[str, Any], *,
                            crl_version: int | None = None) -> list[RevocationId]:
    """The CRL's rids as ``("rid", b"kid.rid")``, the form SMART Health Cards take
    in ``Contents.revocation_ids``. A rid with a timestamp revokes only cards
    issued before it; an id list cannot compare times, so here it revokes every
    card with that rid (fail closed). :meth:`IssuerCrl.revokes` applies the
    timestamp exactly."""
    return parse_crl(data, crl_version=crl_version).revocation_ids()
