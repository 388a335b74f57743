"""COSE_Sign1 (RFC 9052) over bytes: the algorithm table, kids, sign and verify.

This is the lower layer that the formats build on, as hazmat is to Fernet:
it signs and checks bytes and knows nothing of health records. The outer
COSE_Sign1 array and the Sig_structure are handled by hand (a fixed shape of
four items, on the hot path); the protected header goes through the bounded
CBOR decoder.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from cccdqr.wire import cbor as _cbor
from cccdqr.core._reject import Reject
from cccdqr.core.errors import KeyAlgorithmMismatch
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason

__all__ = [
    "Algorithm",
    "KeyAlgorithmMismatch",
    "PrivateKey",
    "PublicKey",
    "Sign1",
    "Sign1Writer",
    "algorithm_for_key",
    "certificate_kid",
    "check_key_algorithm",
    "decode_sign1",
    "encode_sign1",
    "key_fits",
    "spki_kid",
]

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_KID = 4


class Algorithm(enum.Enum):
    """Signature algorithms cccdqr knows, by name. ``cose_id`` is what it writes."""

    ES256 = "ES256"
    EDDSA = "EdDSA"
    PS256 = "PS256"

    @property
    def cose_id(self) -> int:
        return _COSE_ID[self.value]

    @classmethod
    def from_cose_id(cls, value: object) -> Algorithm | None:
        """The algorithm for a COSE ``alg`` value, or ``None`` if not one of ours.
        -19 is the fully specified "Ed25519" identifier, read as EdDSA."""
        if type(value) is not int:
            return None
        return _BY_COSE_ID.get(value)


_COSE_ID = {"ES256": -7, "EdDSA": -8, "PS256": -37}  # by value: no dict built per call
_BY_COSE_ID = {-7: Algorithm.ES256, -8: Algorithm.EDDSA, -19: Algorithm.EDDSA,
               -37: Algorithm.PS256}


def key_fits(alg: Algorithm, key: PublicKey) -> bool:
    """Whether ``key`` is the one type of key ``alg`` may be used with."""
    if alg is Algorithm.ES256:
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if alg is Algorithm.EDDSA:
        return isinstance(key, ed25519.Ed25519PublicKey)
    return isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048


def algorithm_for_key(key: PublicKey | PrivateKey) -> Algorithm:
    """The algorithm a key is used with: P-256 -> ES256, Ed25519 -> EdDSA,
    RSA (2048 bits or more) -> PS256. Any other key is refused, never guessed."""
    # Read off the key itself, private or public (a private key's curve and
    # size are its public key's): deriving the public key cost more than the
    # signature's hashing on the issuing hot path.
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if isinstance(key.curve, ec.SECP256R1):
            return Algorithm.ES256
    elif isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return Algorithm.EDDSA
    elif isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size >= 2048:
            return Algorithm.PS256
    raise KeyAlgorithmMismatch(f"unsupported key type: {type(key).__name__}")


def check_key_algorithm(alg: Algorithm, key: PublicKey | PrivateKey) -> None:
    if algorithm_for_key(key) is not alg:
        raise KeyAlgorithmMismatch(f"{alg.value} cannot be used with a {type(key).__name__}")


def spki_kid(key: PublicKey) -> bytes:
    """VN1 kid: the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER."""
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:8]


def certificate_kid(cert: x509.Certificate) -> bytes:
    """EU DCC kid: the first 8 bytes of SHA-256 over the certificate DER."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:8]


# --- signing primitives ----------------------------------------------------------

_PSS_SIGN = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
# RFC 8230 section 2: PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a salt
# of the hash length (32 bytes). Verification requires exactly that salt length,
# as python-cwt and pycose do (issue #17; vectors/pss-salt/).
PSS_SALT_LENGTH = 32
_PSS_VERIFY = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)


_ECDSA = ec.ECDSA(hashes.SHA256())  # built once: the hot paths sign and verify with it
_ECDSA_RFC6979 = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def sign_bytes(alg: Algorithm, key: PrivateKey, data: bytes, *, deterministic: bool = False) -> bytes:
    """A raw COSE signature: r||s (64 bytes) for ES256, 64 bytes for EdDSA, the
    modulus size for PS256. ``deterministic`` selects RFC 6979 nonces for ES256
    (used for reproducible test vectors); EdDSA is always deterministic."""
    if alg is Algorithm.ES256:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        der = key.sign(data, _ECDSA_RFC6979 if deterministic else _ECDSA)
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if alg is Algorithm.EDDSA:
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key.sign(data)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(data, _PSS_SIGN, hashes.SHA256())


def verify_bytes(alg: Algorithm, key: PublicKey, signature: bytes, data: bytes) -> bool:
    """Check a raw COSE signature; ``False`` for any mismatch (a key of the wrong
    type included), never raises on input."""
    try:
        if alg is Algorithm.ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                       int.from_bytes(signature[32:], "big"))
            key.verify(der, data, _ECDSA)
        elif alg is Algorithm.EDDSA and isinstance(key, ed25519.Ed25519PublicKey):
            if len(signature) != 64:
                return False
            key.verify(signature, data)
        elif alg is Algorithm.PS256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, _PSS_VERIFY, hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


# --- COSE_Sign1 ---------------------------------------------------------------------

def _bstr_head(n: int) -> bytes:
    if n < 24:
        return bytes((0x40 | n,))
    if n < 0x100:
        return bytes((0x58, n))
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big")
    return b"\x5a" + n.to_bytes(4, "big")


_SIG1_PREFIX = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes a COSE_Sign1 signature covers (RFC 9052 section 4.4)."""
    return b"".join((_SIG1_PREFIX, _bstr_head(len(protected)), protected,
                     _bstr_head(len(external_aad)), external_aad,
                     _bstr_head(len(payload)), payload))


@dataclass(frozen=True, slots=True, kw_only=True)
class Sign1:
    """A decoded, *unverified* COSE_Sign1."""

    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes
    tagged: bool

    @property
    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected_bytes, self.payload)


def encode_sign1(
    payload: bytes,
    *,
    alg: Algorithm,
    key: PrivateKey,
    kid: bytes,
    unprotected: dict[Any, Any] | None = None,
    tagged: bool = True,
    deterministic: bool = False,
) -> bytes:
    """Sign ``payload``: protected header ``{1: alg, 4: kid}``, tag 18 by default."""
    check_key_algorithm(alg, key)
    protected = _cbor.dumps({HEADER_ALG: alg.cose_id, HEADER_KID: kid})
    signature = sign_bytes(alg, key, sig_structure(protected, payload),
                           deterministic=deterministic)
    if unprotected:
        body = _cbor.dumps([protected, unprotected, payload, signature])
    else:
        # What the canonical encoder writes for [protected, {}, payload,
        # signature], put together by hand on the issuing hot path.
        body = b"".join((b"\x84", _bstr_head(len(protected)), protected, b"\xa0",
                         _bstr_head(len(payload)), payload,
                         _bstr_head(len(signature)), signature))
    return (b"\xd2" + body) if tagged else body


class Sign1Writer:
    """Signs payloads as tagged COSE_Sign1 with one key and kid, as
    :func:`encode_sign1` does (empty unprotected header), to the byte.

    What is the same for every payload one key signs is built once: the
    protected header ``{1: alg, 4: kid}``, the front of the Sig_structure up to
    the payload, and the front of the COSE_Sign1 up to the payload. An issuer
    keeps one writer, so a signature costs the payload's two length heads, two
    joins and the signing call (issue 18)."""

    __slots__ = ("_alg", "_body_front", "_deterministic", "_key", "_tbs_front")

    def __init__(self, alg: Algorithm, key: PrivateKey, kid: bytes, *,
                 deterministic: bool = False) -> None:
        check_key_algorithm(alg, key)
        protected = _cbor.dumps({HEADER_ALG: alg.cose_id, HEADER_KID: kid})
        framed = _bstr_head(len(protected)) + protected
        self._alg, self._key, self._deterministic = alg, key, deterministic
        self._tbs_front = _SIG1_PREFIX + framed + _bstr_head(0)  # external_aad: empty
        self._body_front = b"\xd2\x84" + framed + b"\xa0"  # tag 18, array(4), ..., {}

    def __repr__(self) -> str:  # never shows the private key
        return f"Sign1Writer({self._alg.value})"

    def sign(self, payload: bytes) -> bytes:
        head = _bstr_head(len(payload))
        signature = sign_bytes(self._alg, self._key, b"".join((self._tbs_front, head, payload)),
                               deterministic=self._deterministic)
        return b"".join((self._body_front, head, payload, _bstr_head(len(signature)), signature))


def _bstr(data: bytes, pos: int) -> tuple[bytes, int] | None:
    """The definite-length byte string at ``pos`` and the offset after it, or
    ``None`` for anything else (left to the general decoder)."""
    if pos >= len(data):
        return None
    ib = data[pos]
    if not 0x40 <= ib <= 0x5B:
        return None
    if ib < 0x58:
        start, n = pos + 1, ib - 0x40
    else:
        size = 1 << (ib - 0x58)
        start = pos + 1 + size
        n = int.from_bytes(data[pos + 1:start], "big")
    end = start + n
    if end > len(data):
        return None
    return data[start:end], end


def _split_sign1(body: bytes, limits: Limits) -> tuple[bytes, dict[Any, Any], bytes, bytes] | None:
    """The four items of ``body`` when it is exactly array(4) of a byte string,
    an empty map, a byte string and a byte string; else ``None``.

    Hand-written on the hot path: this is the shape every issuer writes, and
    reading it directly skips the general CBOR decoder. The bounded decoder
    accepts exactly these bytes too (five items, two levels deep, which the
    limits are checked to allow) and returns the same values, so the result
    does not depend on which path ran."""
    if limits.max_cbor_items < 5 or limits.max_cbor_depth < 2:
        return None
    first = _bstr(body, 1)
    if first is None or first[1] >= len(body) or body[first[1]] != 0xA0:
        return None
    second = _bstr(body, first[1] + 1)
    if second is None:
        return None
    third = _bstr(body, second[1])
    if third is None or third[1] != len(body):
        return None
    return first[0], {}, second[0], third[0]


_PROTECTED_CACHE: dict[tuple[bytes, int, int], dict[Any, Any]] = {}
_PROTECTED_CACHE_SIZE = 64
_IMMUTABLE_HEADER_VALUES = frozenset({int, str, bytes})


def _protected_header(protected_bytes: bytes, limits: Limits) -> dict[Any, Any]:
    """The decoded protected header: a non-empty map, else ``BAD_COSE``.

    Every code an issuer key signs carries the same few header bytes, so
    accepted headers whose values are all immutable are remembered (a small
    cache, emptied when full) and handed out as fresh copies: the same value
    the decoder would build, without decoding it again."""
    key = (protected_bytes, limits.max_cbor_depth, limits.max_cbor_items)
    cached = _PROTECTED_CACHE.get(key)
    if cached is not None:
        return dict(cached)
    protected = _cbor.loads(protected_bytes, limits, malformed=Reason.BAD_COSE,
                            allow_indefinite=False)
    if not isinstance(protected, dict) or not protected:
        raise Reject(Reason.BAD_COSE, "protected header is not a non-empty map")
    if _IMMUTABLE_HEADER_VALUES.issuperset(map(type, protected.values())):
        if len(_PROTECTED_CACHE) >= _PROTECTED_CACHE_SIZE:
            _PROTECTED_CACHE.clear()
        _PROTECTED_CACHE[key] = dict(protected)
    return protected


def decode_sign1(data: bytes, limits: Limits) -> Sign1:
    """Parse a COSE_Sign1, tagged (0xD2) or untagged (0x84), without checking it.

    Rejects (``BAD_COSE``) anything but an array of four items of the right
    types, an indefinite-length or non-map protected header, or critical header
    parameters; ``TRAILING_DATA`` for bytes after the structure.
    """
    tagged = data[:1] == b"\xd2"
    body = data[1:] if tagged else data
    if body[:1] != b"\x84":
        raise Reject(Reason.BAD_COSE, "not a COSE_Sign1 (expected tag 18 or an array of 4)")
    items = _split_sign1(body, limits)
    if items is None:
        items = _cbor.loads(body, limits, malformed=Reason.BAD_COSE, allow_indefinite=False)
    protected_bytes, unprotected, payload, signature = items
    if not (isinstance(protected_bytes, bytes) and isinstance(unprotected, dict)
            and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise Reject(Reason.BAD_COSE, "COSE_Sign1 items have the wrong types")
    if protected_bytes:
        protected = _protected_header(protected_bytes, limits)
    else:
        protected = {}
    if HEADER_CRIT in protected or HEADER_CRIT in unprotected:
        raise Reject(Reason.BAD_COSE, "critical header parameters are not supported")
    return Sign1(protected_bytes=protected_bytes, protected=protected, unprotected=unprotected,
                 payload=payload, signature=signature, tagged=tagged)


def header_algorithm(msg: Sign1) -> Algorithm:
    """The algorithm from the protected header; ``ALG_NOT_ALLOWED`` otherwise."""
    if HEADER_ALG not in msg.protected:
        raise Reject(Reason.ALG_NOT_ALLOWED, "no algorithm in the protected header")
    alg = Algorithm.from_cose_id(msg.protected[HEADER_ALG])
    if alg is None:
        raise Reject(Reason.ALG_NOT_ALLOWED, f"algorithm {msg.protected[HEADER_ALG]!r} not allowed")
    return alg
