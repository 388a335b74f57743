"""TrustStore: the keys a verifier accepts, by kid, with their limits.

Each :class:`TrustedKey` carries its algorithm (which must fit the key type:
no algorithm confusion), the issuer it speaks for, a validity window and the
record types it may sign. A store is immutable once built; ``with_key`` and
friends return new stores. ``parse_json`` takes bytes, ``load`` is a thin
shell that reads a file.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from typing import Any, Union
from collections.abc import Iterable, Iterator

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from cccdqr.wire import cbor as _cbor
from cccdqr.core._reject import Reject
from cccdqr.wire.cose import (
    Algorithm,
    PrivateKey,
    PublicKey,
    algorithm_for_key,
    certificate_kid,
    check_key_algorithm,
    decode_sign1,
    encode_sign1,
    header_algorithm,
    key_fits,
    spki_kid,
    verify_bytes,
)
from cccdqr.core.errors import KeyAlgorithmMismatch, TrustListError
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason
from cccdqr.trust.dsc import RECORD_TYPES as _RECORD_TYPES
from cccdqr.trust.dsc import check_own_signature, read_profile

__all__ = ["SIGNED_TRUST_LIST_FORMAT", "TRUST_LIST_FORMAT", "TrustListSource", "TrustStore",
           "TrustedKey"]

TRUST_LIST_FORMAT = "cccdqr-trust-list"
SIGNED_TRUST_LIST_FORMAT = "cccdqr-signed-trust-list"
RECORD_TYPES = _RECORD_TYPES
PathLike = Union[str, "os.PathLike[str]"]
# A signed list holds one big byte string: the item count and depth stay tiny,
# the size does not (an EU-wide list of DSCs runs to megabytes).
_SIGNED_LIST_LIMITS = Limits(max_decompressed=64 * 1024 * 1024, max_cbor_depth=4, max_cbor_items=16)


def _utc(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
        raise TypeError(f"{name} must be a timezone-aware datetime")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustListSource:
    """A published trust list that keys were imported from (``cccdqr trust
    import``; :mod:`cccdqr.trust.lists`): its shape, who signed it, and its age."""

    format: str
    """``"gateway"`` (EU DCC gateway trust list) or ``"dsc-tl"`` (signed national DSC list)."""
    sha256: str
    """Hex SHA-256 of the file as imported: names the list in the store."""
    issuer: str | None = None
    """Who signed it: the list's ``iss``, or the trust anchor's subject."""
    issued_at: dt.datetime | None = None
    """When it was signed (``iat``), or for a list without one the newest entry's time."""
    expires_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _utc(self.issued_at, "issued_at")
        _utc(self.expires_at, "expires_at")

    def describe(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """JSON-ready; with ``now``, also the list's age in whole seconds and
        whether it is past its expiry."""
        out: dict[str, Any] = {"format": self.format, "issuer": self.issuer,
                               "issued_at": _iso(self.issued_at) if self.issued_at else None,
                               "expires_at": _iso(self.expires_at) if self.expires_at else None,
                               "sha256": self.sha256}
        if now is not None:
            out["age_seconds"] = (int((now - self.issued_at).total_seconds())
                                  if self.issued_at else None)
            out["expired"] = self.expires_at is not None and now >= self.expires_at
        return out

    @classmethod
    def from_json(cls, doc: object) -> TrustListSource:
        if not isinstance(doc, dict) or not isinstance(doc.get("format"), str) \
                or not isinstance(doc.get("sha256"), str):
            raise TrustListError("a trust list source needs 'format' and 'sha256'")
        issuer = doc.get("issuer")
        if issuer is not None and not isinstance(issuer, str):
            raise TrustListError("a trust list source's issuer must be text")
        return cls(format=doc["format"], sha256=doc["sha256"], issuer=issuer,
                   issued_at=_parse_time(doc.get("issued_at")),
                   expires_at=_parse_time(doc.get("expires_at")))


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustedKey:
    """One public key a verifier trusts, and what it is trusted for."""

    kid: bytes
    public_key: PublicKey
    alg: Algorithm
    issuer: str | None = None
    """The issuer (e.g. country ``"VN"``) this key speaks for; checked against
    the certificate's issuer claim when both are set."""
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    record_types: frozenset[str] = RECORD_TYPES
    """Subset of ``{"v", "t", "r"}``: vaccination, test, recovery."""
    certificate: x509.Certificate | None = field(default=None, compare=False)
    label: str | None = None
    encoding_faults: tuple[str, ...] = field(default=(), compare=False)
    """How the signer certificate breaks strict DER, when it was read leniently
    (:mod:`cccdqr.trust.dsc`); each verify result it signs warns
    ``SIGNER_CERTIFICATE_NOT_DER``."""
    source: TrustListSource | None = field(default=None, compare=False)
    """The published list this key was imported from, if any."""

    def __post_init__(self) -> None:
        if not isinstance(self.kid, bytes) or not self.kid:
            raise TypeError("kid must be non-empty bytes")
        if not isinstance(self.alg, Algorithm):
            raise TypeError("alg must be an Algorithm")
        if not key_fits(self.alg, self.public_key):
            raise KeyAlgorithmMismatch(
                f"{self.alg.value} does not fit a {type(self.public_key).__name__}")
        _utc(self.not_before, "not_before")
        _utc(self.not_after, "not_after")
        types = frozenset(self.record_types)
        if not types or not types <= RECORD_TYPES:
            raise ValueError("record_types must be a non-empty subset of 'vtr'")
        object.__setattr__(self, "record_types", types)

    def valid_at(self, now: dt.datetime, skew: dt.timedelta = dt.timedelta(0)) -> bool:
        if self.not_before is not None and now + skew < self.not_before:
            return False
        return self.not_after is None or now - skew <= self.not_after

    @property
    def index_kids(self) -> tuple[bytes, ...]:
        """Every kid this key is found under: its own, and for a certificate both
        the key's SPKI kid (VN1) and the certificate's kid (EU DCC)."""
        kids = [self.kid]
        if self.certificate is not None:
            kids += [spki_kid(self.public_key), certificate_kid(self.certificate)]
        return tuple(dict.fromkeys(kids))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kid": base64.b64encode(self.kid).decode(), "alg": self.alg.value}
        if self.certificate is not None:
            out["certificate"] = self.certificate.public_bytes(
                serialization.Encoding.PEM).decode()
        else:
            out["public_key"] = self.public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
        if self.issuer is not None:
            out["issuer"] = self.issuer
        if self.not_before is not None:
            out["not_before"] = _iso(self.not_before)
        if self.not_after is not None:
            out["not_after"] = _iso(self.not_after)
        out["record_types"] = "".join(t for t in "vtr" if t in self.record_types)
        if self.label is not None:
            out["label"] = self.label
        if self.source is not None:
            out["source"] = self.source.sha256
        return out


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _load_public_key(data: bytes) -> PublicKey:
    try:
        key = (serialization.load_pem_public_key(data) if data.lstrip().startswith(b"-----")
               else serialization.load_der_public_key(data))
    except ValueError as exc:
        raise TrustListError(f"not a public key: {exc}") from None
    algorithm_for_key(key)  # type: ignore[arg-type]  # refuses unsupported key types
    return key  # type: ignore[return-value]


def _load_certificate(data: bytes) -> x509.Certificate:
    try:
        return (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----")
                else x509.load_der_x509_certificate(data))
    except ValueError as exc:
        raise TrustListError(f"not an X.509 certificate: {exc}") from None


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        return (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                else x509.load_der_x509_crl(data))
    except ValueError as exc:
        raise TrustListError(f"not an X.509 CRL: {exc}") from None


def make_trusted_key(
    key: PublicKey | bytes,
    *,
    alg: Algorithm | str | None = None,
    kid: bytes | None = None,
    issuer: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    record_types: Iterable[str] = RECORD_TYPES,
    label: str | None = None,
) -> TrustedKey:
    """A TrustedKey for a public key (object, PEM or DER). ``alg`` defaults to the
    key's algorithm; an ``alg`` that does not fit the key raises, never tried."""
    public = _load_public_key(key) if isinstance(key, bytes) else key
    algorithm = Algorithm(alg) if isinstance(alg, str) else alg
    if algorithm is None:
        algorithm = algorithm_for_key(public)
    check_key_algorithm(algorithm, public)
    return TrustedKey(kid=spki_kid(public) if kid is None else kid, public_key=public, alg=algorithm,
                      issuer=issuer, not_before=not_before, not_after=not_after,
                      record_types=frozenset(record_types), label=label)


def record_types_from_eku(certificate: x509.Certificate) -> frozenset[str]:
    """The record types a signer certificate's extended key usage allows: the
    types of the DCC usages it lists, or all types when it lists none of them
    (no EKU, or only generic ones such as TLS). Extensions that break strict DER
    are read leniently (:func:`cccdqr.trust.dsc.read_profile`); ones that do not
    parse even so raise :class:`TrustListError`."""
    return read_profile(certificate).record_types


def make_trusted_certificate(
    cert: x509.Certificate | bytes,
    *,
    alg: Algorithm | str | None = None,
    issuer: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    record_types: Iterable[str] | None = None,
    label: str | None = None,
) -> TrustedKey:
    """A TrustedKey for an X.509 signer certificate (object, PEM or DER). Its window
    is the certificate's, narrowed by ``not_before``/``not_after`` when given (a key
    retired early stays retired); it is found under both its SPKI kid and its
    certificate kid. ``issuer`` defaults to the subject's country (C) when present;
    ``record_types`` defaults to what the certificate's EU DCC extended key usage
    allows (see :func:`record_types_from_eku`)."""
    certificate = _load_certificate(cert) if isinstance(cert, bytes) else cert
    try:
        public = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TrustListError(f"signer certificate key does not load: {exc}") from None
    check_own_signature(certificate)
    profile = read_profile(certificate)
    if issuer is None:
        countries = certificate.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
        issuer = str(countries[0].value) if countries else None
    if record_types is None:
        record_types = profile.record_types
    base = make_trusted_key(public, alg=alg, kid=certificate_kid(certificate),  # type: ignore[arg-type]
                            issuer=issuer,
                            not_before=max(t for t in (certificate.not_valid_before_utc,
                                                       _utc(not_before, "not_before")) if t),
                            not_after=min(t for t in (certificate.not_valid_after_utc,
                                                      _utc(not_after, "not_after")) if t),
                            record_types=record_types, label=label)
    return dataclasses.replace(base, certificate=certificate,
                               encoding_faults=profile.encoding_faults)


class TrustStore:
    """An immutable set of trusted keys, indexed by kid, and of certificate
    authorities (with their revocation lists) for formats whose codes carry
    their own signer certificate (ICAO VDS-NC: the country's CSCA)."""

    __slots__ = ("_keys", "_by_kid", "_authorities", "_crls")

    def __init__(
        self,
        keys: Iterable[TrustedKey] = (),
        *,
        authorities: Iterable[x509.Certificate] = (),
        crls: Iterable[x509.CertificateRevocationList] = (),
    ) -> None:
        self._keys: tuple[TrustedKey, ...] = tuple(keys)
        self._authorities: tuple[x509.Certificate, ...] = tuple(authorities)
        self._crls: tuple[x509.CertificateRevocationList, ...] = tuple(crls)
        if not all(isinstance(a, x509.Certificate) for a in self._authorities):
            raise TypeError("authorities must be x509.Certificate values")
        if not all(isinstance(c, x509.CertificateRevocationList) for c in self._crls):
            raise TypeError("crls must be x509.CertificateRevocationList values")
        by_kid: dict[bytes, list[TrustedKey]] = {}
        for entry in self._keys:
            if not isinstance(entry, TrustedKey):
                raise TypeError("TrustStore holds TrustedKey values")
            for kid in entry.index_kids:
                by_kid.setdefault(kid, []).append(entry)
        self._by_kid = {kid: tuple(entries) for kid, entries in by_kid.items()}

    def lookup(self, kid: bytes) -> tuple[TrustedKey, ...]:
        """Every key filed under ``kid`` (several keys may share one; each is tried)."""
        return self._by_kid.get(kid, ())

    @property
    def keys(self) -> tuple[TrustedKey, ...]:
        return self._keys

    @property
    def authorities(self) -> tuple[x509.Certificate, ...]:
        """Trusted certificate authorities (CSCAs) for codes carrying their signer certificate."""
        return self._authorities

    @property
    def crls(self) -> tuple[x509.CertificateRevocationList, ...]:
        """Revocation lists of those authorities."""
        return self._crls

    @property
    def sources(self) -> tuple[TrustListSource, ...]:
        """The published lists the keys came from (``cccdqr trust import``), in order."""
        return tuple(dict.fromkeys(k.source for k in self._keys if k.source is not None))

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def __repr__(self) -> str:
        return (f"TrustStore({len(self._keys)} keys, {len(self._authorities)} authorities, "
                f"{len(self._crls)} CRLs)")

    def _replace(self, keys: Iterable[TrustedKey] | None = None, *,
                 authorities: Iterable[x509.Certificate] | None = None,
                 crls: Iterable[x509.CertificateRevocationList] | None = None) -> TrustStore:
        return TrustStore(self._keys if keys is None else keys,
                          authorities=self._authorities if authorities is None else authorities,
                          crls=self._crls if crls is None else crls)

    def with_key(self, entry: TrustedKey) -> TrustStore:
        return self._replace((*self._keys, entry))

    def with_keys(self, entries: Iterable[TrustedKey]) -> TrustStore:
        return self._replace((*self._keys, *entries))

    def with_authority(self, cert: x509.Certificate | bytes) -> TrustStore:
        """A new store that also trusts a certificate authority (PEM, DER or object)."""
        certificate = _load_certificate(cert) if isinstance(cert, bytes) else cert
        return self._replace(authorities=(*self._authorities, certificate))

    def with_crl(self, crl: x509.CertificateRevocationList | bytes) -> TrustStore:
        """A new store that also holds an authority's revocation list (PEM, DER or object)."""
        parsed = _load_crl(crl) if isinstance(crl, bytes) else crl
        return self._replace(crls=(*self._crls, parsed))

    def with_public_key(self, key: PublicKey | bytes, **options: Any) -> TrustStore:
        """A new store that also trusts ``key``; options as :func:`make_trusted_key`."""
        return self.with_key(make_trusted_key(key, **options))

    def with_certificate(self, cert: x509.Certificate | bytes, **options: Any) -> TrustStore:
        """A new store that also trusts a signer certificate's key."""
        return self.with_key(make_trusted_certificate(cert, **options))

    def without(self, kid: bytes) -> TrustStore:
        """A new store without any key filed under ``kid``."""
        return self._replace(k for k in self._keys if kid not in k.index_kids)

    # --- the JSON trust list -----------------------------------------------------

    def to_json(self) -> str:
        doc: dict[str, Any] = {"format": TRUST_LIST_FORMAT, "version": 1,
                               "keys": [entry.to_json() for entry in self._keys]}
        if self._authorities:
            doc["authorities"] = [a.public_bytes(serialization.Encoding.PEM).decode()
                                  for a in self._authorities]
        if self._crls:
            doc["crls"] = [c.public_bytes(serialization.Encoding.PEM).decode() for c in self._crls]
        if self.sources:
            doc["sources"] = [s.describe() for s in self.sources]
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: PathLike) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @classmethod
    def parse_json(cls, data: bytes | str) -> TrustStore:
        """Read a cccdqr JSON trust list; :class:`TrustListError` when malformed."""
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TrustListError(f"trust list is not JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != TRUST_LIST_FORMAT:
            raise TrustListError(f"not a {TRUST_LIST_FORMAT} document")
        if type(doc.get("version")) is not int or doc["version"] != 1:
            raise TrustListError(f"unsupported trust list version {doc.get('version')!r}")
        entries = doc.get("keys")
        if not isinstance(entries, list):
            raise TrustListError("trust list has no 'keys' array")
        authorities, crls = doc.get("authorities", []), doc.get("crls", [])
        if not isinstance(authorities, list) or not all(isinstance(a, str) for a in authorities):
            raise TrustListError("'authorities' must be an array of PEM strings")
        if not isinstance(crls, list) or not all(isinstance(c, str) for c in crls):
            raise TrustListError("'crls' must be an array of PEM strings")
        sources = doc.get("sources", [])
        if not isinstance(sources, list):
            raise TrustListError("'sources' must be an array")
        by_id = {s.sha256: s for s in map(TrustListSource.from_json, sources)}
        return cls((_entry_from_json(e, i, by_id) for i, e in enumerate(entries)),
                   authorities=[_load_certificate(a.encode()) for a in authorities],
                   crls=[_load_crl(c.encode()) for c in crls])

    @classmethod
    def load(cls, path: PathLike) -> TrustStore:
        with open(path, "rb") as f:
            return cls.parse_json(f.read())

    # --- the signed trust list ---------------------------------------------------

    def sign(self, root_key: PrivateKey, *, now: dt.datetime, valid_for: dt.timedelta) -> str:
        """This list signed by ``root_key`` (ES256 or Ed25519), valid from ``now``
        for ``valid_for``: a small JSON document holding a COSE_Sign1 whose payload
        carries the list and its window (see ``docs/trust.md``)."""
        _utc(now, "now")
        if not isinstance(valid_for, dt.timedelta) or valid_for <= dt.timedelta(0):
            raise ValueError("valid_for must be a positive timedelta")
        alg = algorithm_for_key(root_key)
        payload = _cbor.dumps({"iat": int(now.timestamp()),
                               "exp": int((now + valid_for).timestamp()),
                               "list": self.to_json().encode()})
        signed = encode_sign1(payload, alg=alg, key=root_key, kid=spki_kid(root_key.public_key()))
        doc = {"format": SIGNED_TRUST_LIST_FORMAT, "version": 1,
               "cose": base64.b64encode(signed).decode()}
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def parse_signed(
        cls,
        data: bytes | str,
        root_public_key: PublicKey | bytes,
        *,
        now: dt.datetime,
        skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> TrustStore:
        """The trust list inside a signed document, after checking its signature
        with ``root_public_key`` (object, PEM or DER) and its window at ``now``.
        :class:`TrustListError` when malformed, signed by another key, tampered
        with, not yet valid or expired: a list that fails is never used."""
        _utc(now, "now")
        root = _load_public_key(root_public_key) if isinstance(root_public_key, bytes) \
            else root_public_key
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict) or doc.get("format") != SIGNED_TRUST_LIST_FORMAT:
                raise TrustListError(f"not a {SIGNED_TRUST_LIST_FORMAT} document")
            if type(doc.get("version")) is not int or doc["version"] != 1:
                raise TrustListError(f"unsupported signed trust list version {doc.get('version')!r}")
            msg = decode_sign1(base64.b64decode(doc["cose"], validate=True), _SIGNED_LIST_LIMITS)
            alg = header_algorithm(msg)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise TrustListError(f"signed trust list is malformed: {exc}") from None
        except Reject as r:
            raise TrustListError(f"signed trust list is malformed: {r.reason.value} {r.detail}") from None
        if msg.protected.get(4) != spki_kid(root):
            raise TrustListError("signed trust list was signed by another key than the root given")
        if not key_fits(alg, root) or not verify_bytes(alg, root, msg.signature, msg.to_be_signed):
            raise TrustListError("signed trust list: the signature does not verify (tampered?)")
        try:
            claims = _cbor.loads(msg.payload, _SIGNED_LIST_LIMITS, malformed=Reason.BAD_CLAIMS)
            iat, exp, listed = claims["iat"], claims["exp"], claims["list"]
            if type(iat) is not int or type(exp) is not int or not isinstance(listed, bytes):
                raise TypeError("iat, exp must be integers and list bytes")
        except (Reject, KeyError, TypeError) as exc:
            raise TrustListError(f"signed trust list payload is malformed: {exc}") from None
        start = dt.datetime.fromtimestamp(iat, dt.timezone.utc)
        end = dt.datetime.fromtimestamp(exp, dt.timezone.utc)
        if now + skew < start:
            raise TrustListError(f"signed trust list is not valid before {_iso(start)}")
        if now - skew >= end:
            raise TrustListError(f"signed trust list expired at {_iso(end)}")
        return cls.parse_json(listed)

    @classmethod
    def load_signed(
        cls,
        path: PathLike,
        root_public_key: PublicKey | bytes,
        *,
        now: dt.datetime,
        skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> TrustStore:
        """Read a signed trust list file; see :meth:`parse_signed`."""
        with open(path, "rb") as f:
            return cls.parse_signed(f.read(), root_public_key, now=now, skew=skew)


def _entry_from_json(e: object, index: int,
                     sources: dict[str, TrustListSource] | None = None) -> TrustedKey:
    where = f"trust list key #{index}"
    if not isinstance(e, dict):
        raise TrustListError(f"{where} is not an object")
    if "source" in e:
        source = (sources or {}).get(e["source"])
        if source is None:
            raise TrustListError(f"{where}: source {e['source']!r} is not in 'sources'")
        return dataclasses.replace(_entry_from_json({k: v for k, v in e.items() if k != "source"},
                                                    index), source=source)
    try:
        options: dict[str, Any] = {
            "alg": e.get("alg"), "issuer": e.get("issuer"), "label": e.get("label"),
            "record_types": e.get("record_types"),  # a certificate defaults to its EKU
            "not_before": _parse_time(e.get("not_before")),
            "not_after": _parse_time(e.get("not_after")),
        }
        if "certificate" in e:
            entry = make_trusted_certificate(e["certificate"].encode(), **options)
            if "kid" in e and base64.b64decode(e["kid"], validate=True) not in entry.index_kids:
                raise TrustListError(f"{where}: kid does not belong to the certificate")
            return entry
        kid = base64.b64decode(e["kid"], validate=True) if "kid" in e else None
        if options["record_types"] is None:
            options["record_types"] = RECORD_TYPES
        return make_trusted_key(e["public_key"].encode(), kid=kid, **options)
    except TrustListError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TrustListError(f"{where}: {exc}") from None


def _parse_time(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TrustListError("times must be ISO 8601 strings")
    t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise TrustListError(f"time {value!r} has no UTC offset")
    return t
