"""Authenticate an ICAO barcode signer certificate against the trusted CSCAs.

A VDS-NC code carries its signer certificate (BSC). It is trusted only when a
country signing CA (CSCA) in the trust store issued it, that CSCA's revocation
list does not name it, and it has the barcode-signer profile (ICAO VDS-NC
technical report; ICAO Doc 9303-12 for the PKI). The result is a
:class:`~cccdqr.trust.store.TrustedKey` whose window is the BSC's narrowed by the
CSCA's, so ``verify`` reports a signer outside its time as
``KEY_OUTSIDE_VALIDITY``.

Pure: certificates, CRLs and the clock come in as arguments. Every failure is a
:class:`~cccdqr.core._reject.Reject` with one reason (see ``docs/interop-vdsnc.md``):

- ``BAD_SIGNER_CERTIFICATE`` (INVALID): not DER, not signed by the CSCA it
  names, a weak signature hash, or not a barcode-signer profile;
- ``UNKNOWN_CA`` (CANNOT_CHECK): no trusted CSCA with the issuer's name and key id;
- ``SIGNER_REVOKED`` (INVALID): on a CRL of that CSCA;
- ``CRL_STALE`` (CANNOT_CHECK): the newest usable CRL is past its nextUpdate,
  has none, or every CRL held for the CSCA fails its signature check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID, NameOID

from cccdqr.core._reject import Reject
from cccdqr.core.errors import KeyAlgorithmMismatch
from cccdqr.core.reasons import Reason
from cccdqr.trust.store import RECORD_TYPES, TrustedKey, make_trusted_certificate

__all__ = [
    "DOCUMENT_TYPE_EXTENSION",
    "DOCUMENT_TYPE_RECORDS",
    "VDS_NC_EKU",
    "SignerChain",
    "authenticate_signer",
    "document_types",
]

VDS_NC_EKU = "2.23.136.1.1.14.2"
"""Extended key usage a VDS-NC barcode signer certificate must list."""
DOCUMENT_TYPE_EXTENSION = "2.23.136.1.1.6.2"
"""ICAO document type list: SEQUENCE { version INTEGER, SET OF PrintableString }."""
DOCUMENT_TYPE_RECORDS = {"NV": "v", "NT": "t"}
"""Document types of the health proofs: NV proof of vaccination, NT proof of testing."""

_WEAK_HASHES = frozenset({"md5", "sha1"})
_HANDLED_CRITICAL = frozenset({
    ExtensionOID.EXTENDED_KEY_USAGE.dotted_string,
    ExtensionOID.KEY_USAGE.dotted_string,
    ExtensionOID.BASIC_CONSTRAINTS.dotted_string,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER.dotted_string,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER.dotted_string,
    DOCUMENT_TYPE_EXTENSION,
})


@dataclass(frozen=True, slots=True)
class SignerChain:
    """An authenticated signer: its key, the CSCA that issued it, and the CRL it
    was checked against (``None``: the store holds no CRL for that CSCA)."""

    key: TrustedKey
    authority: x509.Certificate
    crl: x509.CertificateRevocationList | None


def _bad(detail: str) -> Reject:
    return Reject(Reason.BAD_SIGNER_CERTIFICATE, detail)


def _country(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    return str(values[0].value) if values else None


def _key_id(cert: x509.Certificate, cls: type[x509.ExtensionType]) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    assert isinstance(value, x509.SubjectKeyIdentifier)
    return value.digest


def _read_der(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """One DER TLV at ``pos``: (tag, value, next position). Definite lengths only."""
    if pos + 2 > len(data):
        raise ValueError("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 2 or pos + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated")
    return tag, data[pos:pos + length], pos + length


def document_types(cert: x509.Certificate) -> frozenset[str] | None:
    """The ICAO document types a signer certificate lists (``{"NV"}`` for the AU
    sample), or ``None`` when it has no document type extension. Raises
    ``ValueError`` when the extension is malformed."""
    try:
        ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(DOCUMENT_TYPE_EXTENSION))
    except x509.ExtensionNotFound:
        return None
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    raw = ext.value.value
    tag, body, end = _read_der(raw, 0)
    if tag != 0x30 or end != len(raw):
        raise ValueError("document type list is not one SEQUENCE")
    tag, version, pos = _read_der(body, 0)
    if tag != 0x02 or version != b"\x00":
        raise ValueError("document type list version is not 0")
    tag, items, end = _read_der(body, pos)
    if tag != 0x31 or end != len(body):
        raise ValueError("document type list has no SET of types")
    types, pos = [], 0
    while pos < len(items):
        tag, value, pos = _read_der(items, pos)
        if tag != 0x13 or not value.isascii():
            raise ValueError("a document type is not a PrintableString")
        types.append(value.decode("ascii"))
    return frozenset(types)


def _check_signature_bits(cert_der: bytes) -> None:
    """The outer Certificate SEQUENCE { tbs, algorithm, BIT STRING signature } must
    be exact DER with no unused bits in the signature: ``cryptography`` ignores
    that count, so a changed byte there would give a second spelling of one
    certificate (found by the certificate-mutation property test)."""
    tag, body, end = _read_der(cert_der, 0)
    if tag != 0x30 or end != len(cert_der):
        raise ValueError("not one DER SEQUENCE")
    pos = 0
    for expected in (0x30, 0x30, 0x03):
        tag, value, pos = _read_der(body, pos)
        if tag != expected:
            raise ValueError("not a Certificate structure")
    if pos != len(body) or value[:1] != b"\x00":
        raise ValueError("signature BIT STRING has unused bits")


def _issuing_authorities(cert: x509.Certificate,
                         authorities: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """The trusted CSCAs whose name (and key id, when the BSC names one) match."""
    named = [a for a in authorities if a.subject == cert.issuer]
    if not named:
        raise Reject(Reason.UNKNOWN_CA, f"no trusted CSCA named {cert.issuer.rfc4514_string()}")
    aki = _key_id(cert, x509.AuthorityKeyIdentifier)
    if aki is None:
        return named
    keyed = [a for a in named if _key_id(a, x509.SubjectKeyIdentifier) in (aki, None)]
    if not keyed:
        raise Reject(Reason.UNKNOWN_CA, f"no trusted CSCA with key id {aki.hex()}")
    return keyed


def _issued_by(cert: x509.Certificate, authority: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(authority)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _check_profile(cert: x509.Certificate, required_eku: str | None) -> frozenset[str]:
    """Barcode-signer profile checks; the record types the certificate may sign."""
    for ext in cert.extensions:
        if ext.critical and ext.oid.dotted_string not in _HANDLED_CRITICAL:
            raise _bad(f"unknown critical extension {ext.oid.dotted_string}")
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise _bad("the signer certificate is a CA certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            raise _bad("key usage does not allow digital signatures")
    except x509.ExtensionNotFound:
        pass
    if required_eku is not None:
        try:
            ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            raise _bad("no extended key usage (a barcode signer must list it)") from None
        if required_eku not in {u.dotted_string for u in ekus}:
            raise _bad(f"extended key usage does not list {required_eku}")
    try:
        types = document_types(cert)
    except ValueError as exc:
        raise _bad(f"document type extension: {exc}") from None
    if types is None:
        return RECORD_TYPES
    records = frozenset(DOCUMENT_TYPE_RECORDS[t] for t in types if t in DOCUMENT_TYPE_RECORDS)
    if not records:
        raise _bad(f"document types {sorted(types)} include no health proof (NV, NT)")
    return records


def _check_crls(cert: x509.Certificate, authority: x509.Certificate,
                crls: Iterable[x509.CertificateRevocationList], now: dt.datetime,
                skew: dt.timedelta) -> x509.CertificateRevocationList | None:
    """The newest CRL of ``authority`` after the revocation and freshness checks."""
    named = [c for c in crls if c.issuer == authority.subject]
    if not named:
        return None
    public = authority.public_key()
    usable = []
    for crl in named:
        try:
            if crl.is_signature_valid(public):  # type: ignore[arg-type]
                usable.append(crl)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    if not usable:
        raise Reject(Reason.CRL_STALE, "no CRL held for this CSCA has a valid signature")
    for crl in usable:
        # A revocation on any authentic CRL stands: it is never undone.
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise Reject(Reason.SIGNER_REVOKED, f"serial {cert.serial_number:x} is revoked")
    newest = max(usable, key=lambda c: c.last_update_utc)
    next_update = newest.next_update_utc
    if next_update is None or next_update < now - skew:
        raise Reject(Reason.CRL_STALE, f"CRL nextUpdate {next_update} is before {now}")
    return newest


def authenticate_signer(
    cert_der: bytes,
    authorities: Iterable[x509.Certificate],
    crls: Iterable[x509.CertificateRevocationList],
    *,
    now: dt.datetime,
    skew: dt.timedelta,
    required_eku: str | None = VDS_NC_EKU,
) -> SignerChain:
    """Authenticate a DER signer certificate; raise :class:`Reject` otherwise.

    Checks, in order: DER parse; a trusted CSCA with the issuer's name and key
    id (AKI = SKI); the CSCA's signature (RSA PKCS#1 v1.5 or PSS, ECDSA; not
    over MD5/SHA-1); the barcode-signer profile (no unknown critical extension,
    not a CA, digital signature usage, ``required_eku``, document types); the
    BSC's country equal to the CSCA's; the CSCA's CRLs. The key's issuer is the
    CSCA's country (ISO 3166 alpha-2), its window the BSC's within the CSCA's,
    its record types those of the document type list (all when absent)."""
    try:
        cert = x509.load_der_x509_certificate(cert_der)
        _check_signature_bits(cert_der)
        candidates = _issuing_authorities(cert, authorities)
        try:
            weak = cert.signature_hash_algorithm
        except UnsupportedAlgorithm:
            raise _bad("unsupported signature algorithm") from None
        if weak is not None and weak.name in _WEAK_HASHES:
            raise _bad(f"signature over {weak.name} is not accepted")
        authority = next((a for a in candidates if _issued_by(cert, a)), None)
        if authority is None:
            raise _bad("not signed by the CSCA it names")
        records = _check_profile(cert, required_eku)
        country, own = _country(authority.subject), _country(cert.subject)
        if own is not None and country is not None and own != country:
            raise _bad(f"signer country {own} differs from the CSCA's {country}")
        crl = _check_crls(cert, authority, crls, now, skew)
        key = make_trusted_certificate(
            cert, issuer=country or own, record_types=records,
            not_before=authority.not_valid_before_utc, not_after=authority.not_valid_after_utc,
            label=f"VDS-NC signer {cert.subject.rfc4514_string()}")
    except KeyAlgorithmMismatch as exc:
        raise Reject(Reason.ALG_KEY_MISMATCH, f"signer key: {exc}") from None
    except (ValueError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as exc:  # the certificate is parsed lazily
        raise _bad(f"malformed signer certificate: {type(exc).__name__}: {exc}") from None
    return SignerChain(key=key, authority=authority, crl=crl)
