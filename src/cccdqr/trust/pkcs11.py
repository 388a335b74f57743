"""Signing keys kept in a PKCS#11 token (a hardware HSM, or SoftHSM2 in tests).

Owns: reading an RFC 7512 ``pkcs11:`` URI (:func:`parse_uri`), finding the
PKCS#11 module and the user PIN (:func:`module_path`, :func:`read_pin`),
creating a P-256 key pair inside a token with the private half sensitive and
non-extractable (:func:`generate_key`), and :class:`TokenKey`, a private key
whose ES256 signatures are made inside the token (``CKM_ECDSA`` over a SHA-256
digest computed here; the token returns raw r‖s, the form COSE carries).

:class:`TokenKey` is a :class:`cryptography` ``EllipticCurvePrivateKey``, so the
issuer (``engine.issue.Issuer``) and the COSE writer sign with it as with a key
read from a PEM file; its private numbers and bytes cannot be read, and it
refuses to be pickled. What crosses to another process (a pool worker, a Dask
worker) is a :class:`TokenKeySpec`: the URI, the module path and *where* the
PIN is (a file path or an environment variable name) — never the PIN itself
and never a session. Each process opens the key once from its spec.

May import: :mod:`cccdqr.core` and the third-party ``pkcs11`` (python-pkcs11)
and ``cryptography`` packages. Nothing here is imported by ``import cccdqr``:
python-pkcs11 is the optional ``pkcs11`` extra.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote_to_bytes

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from cccdqr.core.errors import CccdqrError

__all__ = [
    "DEFAULT_MODULES",
    "MODULE_ENV",
    "PIN_ENV",
    "Pkcs11Error",
    "Pkcs11Uri",
    "TokenKey",
    "TokenKeySpec",
    "generate_key",
    "module_path",
    "open_key",
    "parse_uri",
    "read_pin",
]

PIN_ENV = "CCCDQR_PKCS11_PIN"
"""Environment variable holding the token's user PIN when no PIN file is given."""
MODULE_ENV = "CCCDQR_PKCS11_MODULE"
"""Environment variable naming the PKCS#11 module (a shared library path)."""
DEFAULT_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
"""Where Debian's softhsm2 package puts its module: the last resort when neither
the URI (``module-path``), the caller nor :data:`MODULE_ENV` names one."""

# RFC 7512 section 2.3: the path attributes and the query attributes it defines.
_PATH_ATTRIBUTES = frozenset({
    "token", "manufacturer", "serial", "model", "library-manufacturer",
    "library-description", "library-version", "object", "type", "id",
    "slot-description", "slot-manufacturer", "slot-id",
})
_QUERY_ATTRIBUTES = frozenset({"pin-source", "pin-value", "module-name", "module-path"})
_TYPES = frozenset({"public", "private", "cert", "secret-key", "data"})


class Pkcs11Error(CccdqrError, ValueError):
    """A URI that does not parse, a token or key that is not there, a wrong or
    missing PIN, a module that does not load: the key cannot be used. The
    message names what is wrong and never holds the PIN."""


@dataclass(frozen=True, slots=True)
class Pkcs11Uri:
    """The parts of an RFC 7512 URI that cccdqr uses; other attributes in
    :attr:`path` / :attr:`query` (percent-decoded, as text)."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    key_id: bytes | None = None
    """``id=``, as bytes (it is binary: percent-encoded octets)."""

    @property
    def token(self) -> str | None:
        return self.path.get("token")

    @property
    def object(self) -> str | None:
        return self.path.get("object")


def _decode(value: str, what: str) -> bytes:
    try:
        return unquote_to_bytes(value)
    except (ValueError, TypeError):  # pragma: no cover - unquote_to_bytes is lenient
        raise Pkcs11Error(f"pkcs11 URI: {what} is not percent-encoded text") from None


def _attributes(part: str, sep: str, known: frozenset[str], where: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for item in part.split(sep) if part else ():
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise Pkcs11Error(f"pkcs11 URI: {where} attribute {item!r} is not NAME=VALUE")
        if name not in known and not name.startswith("x-"):
            raise Pkcs11Error(f"pkcs11 URI: unknown {where} attribute {name!r}")
        if name in found:
            raise Pkcs11Error(f"pkcs11 URI: {where} attribute {name!r} given twice")
        found[name] = _decode(value, name)
    return found


def parse_uri(text: str) -> Pkcs11Uri:
    """Parse ``pkcs11:token=...;object=...?module-path=...`` (RFC 7512).

    Path attributes are separated by ``;``, query attributes by ``&``; values
    are percent-decoded. Unknown attributes (other than vendor ``x-`` ones) and
    repeated ones are refused, so a typo never selects some other key. A PIN in
    the URI (``pin-value``) is refused: it would sit in shell history and
    process listings; give ``pin-source`` (a file), a PIN file or the
    environment variable instead."""
    if not isinstance(text, str):
        raise TypeError("a pkcs11 URI is text")
    if text[:7].lower() != "pkcs11:":
        raise Pkcs11Error("a pkcs11 URI starts with 'pkcs11:'")
    body = text[7:].strip()
    path_part, _, query_part = body.partition("?")
    raw_path = _attributes(path_part, ";", _PATH_ATTRIBUTES, "path")
    raw_query = _attributes(query_part, "&", _QUERY_ATTRIBUTES, "query")
    if "pin-value" in raw_query:
        raise Pkcs11Error("pkcs11 URI: pin-value is refused; give the PIN in a file "
                          f"(--pin-file or pin-source) or in ${PIN_ENV}")
    key_id = raw_path.pop("id", None)
    try:
        path = {k: v.decode("utf-8") for k, v in raw_path.items()}
        query = {k: v.decode("utf-8") for k, v in raw_query.items()}
    except UnicodeDecodeError:
        raise Pkcs11Error("pkcs11 URI: an attribute other than id is not UTF-8") from None
    if "type" in path and path["type"] not in _TYPES:
        raise Pkcs11Error(f"pkcs11 URI: type must be one of {sorted(_TYPES)}")
    if "type" in path and path["type"] != "private":
        raise Pkcs11Error("pkcs11 URI: a signing key is type=private (or no type)")
    if not path.get("object") and key_id is None:
        raise Pkcs11Error("pkcs11 URI: name the key with object=LABEL (or id=...)")
    return Pkcs11Uri(path=path, query=query, key_id=key_id)


def module_path(uri: Pkcs11Uri, given: str | None = None) -> str:
    """The PKCS#11 module to load: the URI's ``module-path``, else ``given``
    (a CLI option), else :data:`MODULE_ENV`, else Debian's SoftHSM2 module."""
    for candidate in (uri.query.get("module-path"), given, os.environ.get(MODULE_ENV)):
        if candidate:
            if not Path(candidate).is_file():
                raise Pkcs11Error(f"PKCS#11 module {candidate} does not exist")
            return candidate
    for candidate in DEFAULT_MODULES:
        if Path(candidate).is_file():
            return candidate
    raise Pkcs11Error(f"no PKCS#11 module: give module-path= in the URI or set ${MODULE_ENV}")


def read_pin(pin_file: str | None = None, *, uri: Pkcs11Uri | None = None,
             env: str = PIN_ENV) -> str:
    """The user PIN: from ``pin_file``, else the URI's ``pin-source`` file,
    else environment variable ``env``. A file's trailing newline is dropped.
    Never a command-line value."""
    source = pin_file or (uri.query.get("pin-source") if uri is not None else None)
    if source:
        if source.startswith("file:"):
            source = source[5:]
        try:
            pin = Path(source).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise Pkcs11Error(f"cannot read the PIN file {source}: {type(exc).__name__}") from None
    else:
        pin = os.environ.get(env, "")
        if not pin:
            raise Pkcs11Error(f"no PIN: give --pin-file FILE or set ${env}")
    if not pin:
        raise Pkcs11Error("the PIN is empty")
    return pin


_LIBS: dict[str, Any] = {}
_LIBS_LOCK = threading.Lock()


def _lib(path: str) -> Any:
    """One loaded module per path and process (a module is initialised once)."""
    import pkcs11

    with _LIBS_LOCK:
        lib = _LIBS.get(path)
        if lib is None:
            try:
                lib = pkcs11.lib(path)
            except (RuntimeError, OSError, pkcs11.PKCS11Error) as exc:
                raise Pkcs11Error(f"cannot load the PKCS#11 module {path}: {exc!r}") from None
            _LIBS[path] = lib
        return lib


_TOKEN_MATCH = (("token", "label"), ("manufacturer", "manufacturer_id"),
                ("serial", "serial"), ("model", "model"))


_ANCHORS: dict[tuple[str, str], tuple[Any, bytes]] = {}
"""(module, token serial) -> (the session that logged in, SHA-256 of its PIN)."""


def _forget_after_fork() -> None:  # a forked child must not use its parent's sessions
    _ANCHORS.clear()
    _LIBS.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _session(uri: Pkcs11Uri, module: str, pin: str, *, rw: bool) -> Any:
    """A session in the logged-in user state on the one token the URI's token
    attributes select.

    A PKCS#11 login belongs to the whole process, not to one session, and
    closing a logged-in session logs every session out. So the first call per
    token logs in on an *anchor* session kept open for the life of the
    process, and every call returns a fresh session opened without a PIN,
    which shares that login and can be closed freely. A later call with a
    different PIN is refused (the PIN is compared by its SHA-256, never kept)."""
    import pkcs11

    lib = _lib(module)
    try:
        tokens = [slot.get_token() for slot in lib.get_slots(token_present=True)]
    except pkcs11.PKCS11Error as exc:
        raise Pkcs11Error(f"cannot list the tokens: {exc!r}") from None
    for attr, prop in _TOKEN_MATCH:
        if attr in uri.path:
            tokens = [t for t in tokens if _text(getattr(t, prop, "")) == uri.path[attr]]
    if len(tokens) != 1:
        what = f"token {uri.token!r}" if uri.token else "the URI's token"
        raise Pkcs11Error(f"{what}: {len(tokens)} tokens match, need exactly one")
    token = tokens[0]
    digest = hashlib.sha256(pin.encode("utf-8")).digest()
    with _LIBS_LOCK:
        anchor = _ANCHORS.get((module, _text(token.serial)))
        if anchor is not None and anchor[1] != digest:
            raise Pkcs11Error("the token refused the PIN (it differs from the one this "
                              "process logged in with)")
        try:
            if anchor is None:
                _ANCHORS[(module, _text(token.serial))] = (token.open(user_pin=pin), digest)
            return token.open(rw=rw)
        except pkcs11.PinIncorrect:
            raise Pkcs11Error("the token refused the PIN") from None
        except pkcs11.PKCS11Error as exc:
            raise Pkcs11Error(f"cannot log in to the token: {type(exc).__name__}") from None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).rstrip(" \x00")


def _template(uri: Pkcs11Uri) -> dict[Any, Any]:
    from pkcs11 import Attribute

    template: dict[Any, Any] = {}
    if uri.object:
        template[Attribute.LABEL] = uri.object
    if uri.key_id is not None:
        template[Attribute.ID] = uri.key_id
    return template


def _public_key(session: Any, uri: Pkcs11Uri) -> ec.EllipticCurvePublicKey:
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key

    found = list(session.get_objects({**_template(uri), Attribute.CLASS: ObjectClass.PUBLIC_KEY}))
    if len(found) != 1:
        raise Pkcs11Error(f"the token holds {len(found)} public keys for the URI, need one")
    if found[0].key_type != KeyType.EC:
        raise Pkcs11Error("the key is not an EC key")
    key = serialization.load_der_public_key(encode_ec_public_key(found[0]))
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise Pkcs11Error("the key is not a P-256 key (ES256)")
    return key


def generate_key(uri: Pkcs11Uri, *, pin: str, module: str) -> ec.EllipticCurvePublicKey:
    """Create a P-256 key pair in the token, labelled and identified as the
    URI says (``object=``, ``id=``; id defaults to the first 8 bytes of
    SHA-256 of the label), and return its public key.

    The private key is a token object that is private, sensitive,
    non-extractable and sign-only: its value never leaves the token. An
    existing object with the same label or id is refused, never replaced."""
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    import pkcs11

    key_id = uri.key_id if uri.key_id is not None else hashlib.sha256(
        (uri.object or "").encode()).digest()[:8]
    label = uri.object or key_id.hex()
    with _session(uri, module, pin, rw=True) as session:
        clash = [*session.get_objects({Attribute.LABEL: label}),
                 *session.get_objects({Attribute.ID: key_id})]
        if clash:
            raise Pkcs11Error(f"the token already holds an object labelled {label!r} "
                              "or with that id; choose another object=")
        private_template = {
            Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False, Attribute.SIGN: True, Attribute.DECRYPT: False,
            Attribute.DERIVE: False, Attribute.UNWRAP: False,
        }
        public_template = {Attribute.TOKEN: True, Attribute.VERIFY: True}
        try:
            params = session.create_domain_parameters(KeyType.EC, {
                Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            params.generate_keypair(store=True, label=label, id=key_id,
                                    public_template=public_template,
                                    private_template=private_template)
        except pkcs11.PKCS11Error as exc:
            raise Pkcs11Error(f"the token could not make the key: {type(exc).__name__}") from None
        return _public_key(session, Pkcs11Uri(path={"object": label}, key_id=key_id))


class TokenKey(ec.EllipticCurvePrivateKey):
    """A P-256 private key inside a PKCS#11 token, signing there.

    Use it wherever a ``cryptography`` P-256 private key signs ES256: the
    digest is computed here, the token signs it with ``CKM_ECDSA`` and returns
    raw r‖s (:meth:`sign_raw`); :meth:`sign` returns the DER form the
    ``cryptography`` interface promises. One session per key, serialised by a
    lock (a PKCS#11 session is not for concurrent use). Close it with
    :meth:`close` or a ``with`` block. RFC 6979 (deterministic) nonces are
    refused: the token draws its own."""

    def __init__(self, session: Any, private: Any, public: ec.EllipticCurvePublicKey) -> None:
        self._session, self._private, self._public = session, private, public
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "TokenKey(ES256, in a PKCS#11 token)"

    def __enter__(self) -> TokenKey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def sign_raw(self, data: bytes) -> bytes:
        """ES256 over ``data``: 64 bytes r‖s, as COSE carries it."""
        return self._sign_digest(hashlib.sha256(data).digest())

    def _sign_digest(self, digest: bytes) -> bytes:
        from pkcs11 import Mechanism

        import pkcs11

        with self._lock:
            if self._session is None:
                raise Pkcs11Error("the token session is closed")
            try:
                signature: bytes = self._private.sign(digest, mechanism=Mechanism.ECDSA)
            except pkcs11.PKCS11Error as exc:
                raise Pkcs11Error(f"the token could not sign: {type(exc).__name__}") from None
        if len(signature) != 64:
            raise Pkcs11Error(f"the token returned a {len(signature)}-byte signature, not r||s")
        return signature

    def sign(self, data: bytes | bytearray | memoryview,
             signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise ValueError("a token key signs ECDSA only")
        if getattr(signature_algorithm, "deterministic_signing", False):
            raise ValueError("a token key cannot sign with RFC 6979 nonces")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, Prehashed):
            if not isinstance(algorithm._algorithm, hashes.SHA256) or len(data) != 32:
                raise ValueError("a token key signs SHA-256 digests only")
            digest = bytes(data)
        elif isinstance(algorithm, hashes.SHA256):
            digest = hashlib.sha256(data).digest()
        else:
            raise ValueError("a token key signs with SHA-256 only (ES256)")
        raw = self._sign_digest(digest)
        return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        self._refuse("key agreement")

    def private_numbers(self) -> ec.EllipticCurvePrivateNumbers:
        self._refuse("reading its private value")

    def private_bytes(self, encoding: serialization.Encoding, format: serialization.PrivateFormat,  # noqa: A002
                      encryption_algorithm: serialization.KeySerializationEncryption) -> bytes:
        self._refuse("exporting it")

    def __copy__(self) -> TokenKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> TokenKey:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a TokenKey cannot be pickled (it is a live token session); "
                        "hand other processes a TokenKeySpec and let each open the key")

    @staticmethod
    def _refuse(what: str) -> NoReturn:
        raise TypeError(f"a key in a PKCS#11 token does not allow {what}")


def open_key(uri: Pkcs11Uri, *, pin: str, module: str) -> TokenKey:
    """The token's private key the URI names, logged in with ``pin``."""
    from pkcs11 import Attribute, KeyType, ObjectClass

    session = _session(uri, module, pin, rw=False)
    try:
        found = list(session.get_objects({**_template(uri), Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        if len(found) != 1:
            raise Pkcs11Error(f"the token holds {len(found)} private keys for the URI, need one")
        if found[0].key_type != KeyType.EC:
            raise Pkcs11Error("the key is not an EC key")
        return TokenKey(session, found[0], _public_key(session, uri))
    except BaseException:
        session.close()
        raise


@dataclass(frozen=True, slots=True)
class TokenKeySpec:
    """How to open a token key, safe to pickle into another process: the URI
    text, the module path, and where the PIN is (``pin_file`` path, else the
    environment variable ``pin_env``) — never the PIN itself. The PIN file or
    variable must exist where :meth:`open` runs (on each worker)."""

    uri: str
    module: str | None = None
    pin_file: str | None = None
    pin_env: str = PIN_ENV

    def open(self) -> TokenKey:
        uri = parse_uri(self.uri)
        pin = read_pin(self.pin_file, uri=uri, env=self.pin_env)
        return open_key(uri, pin=pin, module=module_path(uri, self.module))
