"""Check a detached CMS SignedData signature (RFC 5652) over given bytes.

Owns the one CMS shape the EU DCC gateway's trust list uses (see
``docs/trust-lists.md``): a SignedData whose content type is id-data, holding
exactly one certificate (the signer's) and exactly one SignerInfo, the content
detached (or encapsulated and then equal to the bytes given). May import
``cccdqr.core`` (and asn1crypto, cryptography). Parsing is asn1crypto's; every
signature check is ``cryptography``'s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cccdqr.core.errors import TrustListError

__all__ = ["SignedContent", "verify_detached"]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


@dataclass(frozen=True, slots=True)
class SignedContent:
    """Who signed, and when they say they did (the signingTime attribute)."""

    signer: x509.Certificate
    signed_at: dt.datetime | None


def _one(values: Any, what: str) -> Any:
    if values is None or len(values) != 1:
        raise TrustListError(f"CMS signature must hold exactly one {what}")
    return values[0]


def _attributes(signer_info: Any) -> dict[str, Any]:
    attrs = signer_info["signed_attrs"]
    if not attrs:
        return {}
    return {a["type"].native: _one(a["values"], f"value of {a['type'].native}") for a in attrs}


def _check_signature(key: Any, algorithm: Any, digest: str, signature: bytes, data: bytes) -> None:
    name = algorithm["algorithm"].native
    chosen = _HASHES[digest]()
    if isinstance(key, ec.EllipticCurvePublicKey) and name in ("ecdsa", f"{digest}_ecdsa"):
        key.verify(signature, data, ec.ECDSA(chosen))
    elif isinstance(key, rsa.RSAPublicKey) and name in ("rsassa_pkcs1v15", f"{digest}_rsa"):
        key.verify(signature, data, padding.PKCS1v15(), chosen)
    elif isinstance(key, rsa.RSAPublicKey) and name == "rsassa_pss":
        params = algorithm["parameters"]
        pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
        key.verify(signature, data, padding.PSS(mgf=padding.MGF1(pss_hash),
                                                salt_length=params["salt_length"].native), pss_hash)
    else:
        raise TrustListError(f"CMS signature algorithm {name} does not fit a "
                             f"{type(key).__name__}")


def _parse(signature_der: bytes, content: bytes) -> tuple[Any, x509.Certificate]:
    info = asn1_cms.ContentInfo.load(signature_der, strict=True)
    if info["content_type"].native != "signed_data":
        raise TrustListError("CMS message is not SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "data":
        raise TrustListError("CMS content type is not id-data")
    inside = encap["content"].native if encap["content"] else None
    if inside is not None and inside != content:
        raise TrustListError("CMS message signs other bytes than the certificate")
    certificate = _one(signed["certificates"], "certificate")
    signer = x509.load_der_x509_certificate(certificate.chosen.dump())
    return _one(signed["signer_infos"], "SignerInfo"), signer


def verify_detached(signature_der: bytes, content: bytes) -> SignedContent:
    """The signer of ``content`` after checking the CMS signature over it (with
    its signed attributes: content type id-data and the message digest).
    :class:`TrustListError` for anything malformed or any signature that fails."""
    try:
        signer_info, signer = _parse(signature_der, content)
        digest = signer_info["digest_algorithm"]["algorithm"].native
        if digest not in _HASHES:
            raise TrustListError(f"CMS digest {digest} is not accepted")
        attrs = _attributes(signer_info)
        if attrs:
            if attrs.get("content_type") is None or attrs["content_type"].native != "data":
                raise TrustListError("CMS signed attributes lack content type id-data")
            message_digest = attrs.get("message_digest")
            if message_digest is None or message_digest.native != hashlib.new(digest, content).digest():
                raise TrustListError("CMS message digest does not match the certificate")
            signed_bytes = b"\x31" + signer_info["signed_attrs"].dump()[1:]  # as a SET OF
        else:
            signed_bytes = content
        _check_signature(signer.public_key(), signer_info["signature_algorithm"], digest,
                         signer_info["signature"].native, signed_bytes)
        when = attrs.get("signing_time")
    except TrustListError:
        raise
    except InvalidSignature:
        raise TrustListError("CMS signature does not verify (tampered, or another signer)") from None
    except (ValueError, TypeError, KeyError, IndexError, UnsupportedAlgorithm) as exc:
        raise TrustListError(f"CMS signature is malformed: {type(exc).__name__}: {exc}") from None
    signed_at = when.native if when is not None else None
    return SignedContent(signer, signed_at if isinstance(signed_at, dt.datetime) else None)
