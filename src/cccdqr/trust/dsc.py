"""What an EU DCC signer certificate (DSC) may sign, read strictly or leniently.

Owns the reading of a DSC's key usage and extended key usage, and the checks
that a DSC's key and own signature are sound. May import ``cccdqr.core`` and
``cccdqr.wire`` (and asn1crypto, cryptography).

Some DSCs that countries really published break strict DER in an extension
(an explicitly encoded default such as ``cA FALSE`` in basicConstraints, an
empty extendedKeyUsage; EU test vector ``common/CO15``), and ``cryptography``
then refuses every extension of the certificate. Such a DSC is read again with
asn1crypto, a BER parser that accepts those spellings: the key usage and the
extended key usage come from it, and each encoding fault is reported as a note
(a warning in verify results), never a rejection. What stays a rejection
(:class:`~cccdqr.core.errors.TrustListError`): an extension that not even the
lenient parser reads, a public key that does not load, a self-issued DSC whose
own signature does not verify, and a key usage without digitalSignature.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from cccdqr.core.errors import TrustListError

__all__ = ["DCC_EKU", "RECORD_TYPES", "SignerProfile", "check_own_signature", "read_profile"]

RECORD_TYPES = frozenset("vtr")
# The EU DCC signer-certificate extended key usages that limit a key to record
# types (eHealth network, "DSC" profile). Both spellings occur in the test data.
DCC_EKU = {f"1.3.6.1.4.1.{arc}1847.2021.1.{n}": t
           for arc in ("", "0.") for n, t in (("1", "t"), ("2", "v"), ("3", "r"))}

_KEY_USAGE = "2.5.29.15"
_EXTENDED_KEY_USAGE = "2.5.29.37"
_NAMES = {"2.5.29.15": "keyUsage", "2.5.29.37": "extendedKeyUsage", "2.5.29.19": "basicConstraints",
          "2.5.29.14": "subjectKeyIdentifier", "2.5.29.35": "authorityKeyIdentifier"}


@dataclass(frozen=True, slots=True)
class SignerProfile:
    """What a DSC's extensions allow, and how they were read."""

    record_types: frozenset[str]
    """The record types its EU DCC extended key usage allows (all when it lists none)."""
    digital_signature: bool
    """Whether its key usage allows signatures (``True`` when it has no key usage)."""
    encoding_faults: tuple[str, ...] = ()
    """Strict-DER faults the lenient reading passed over; empty when strict parsing worked."""


def _types(oids: list[str]) -> frozenset[str]:
    return frozenset(DCC_EKU[o] for o in oids if o in DCC_EKU) or RECORD_TYPES


def _strict(cert: x509.Certificate) -> SignerProfile:
    """Raises ``ValueError`` when ``cryptography`` cannot parse the extensions."""
    extensions = cert.extensions
    try:
        eku = [u.dotted_string for u in
               extensions.get_extension_for_class(x509.ExtendedKeyUsage).value]
    except x509.ExtensionNotFound:
        eku = []
    try:
        signs = extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    except x509.ExtensionNotFound:
        signs = True
    return SignerProfile(_types(eku), signs)


def _lenient(der: bytes) -> SignerProfile:
    """The profile as asn1crypto reads it, with every strict-DER fault named."""
    try:
        parsed = asn1_x509.Certificate.load(der)
        extensions = parsed["tbs_certificate"]["extensions"]
        faults, eku, signs = [], [], True
        for ext in extensions:
            oid = ext["extn_id"].dotted
            raw = ext["extn_value"].contents
            value = ext["extn_value"].parsed  # raises when not even BER
            name = _NAMES.get(oid, oid)
            if isinstance(value, asn1_core.Asn1Value) and value.dump(force=True) != raw:
                faults.append(f"{name} is not DER (a default value or a length spelled out)")
            if oid == _EXTENDED_KEY_USAGE:
                eku = [purpose.dotted for purpose in value]
                if not eku:
                    faults.append("extendedKeyUsage is empty (RFC 5280 requires one purpose "
                                  "or more); read as listing none")
            elif oid == _KEY_USAGE:
                signs = "digital_signature" in value.native
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TrustListError(f"signer certificate extensions do not parse, not even "
                             f"leniently: {exc}") from None
    if not faults:  # cryptography refused something asn1crypto cannot name
        faults.append("an extension is not strict DER")
    return SignerProfile(_types(eku), signs, tuple(faults))


def read_profile(cert: x509.Certificate) -> SignerProfile:
    """The DSC's key usage and EU DCC extended key usage: strictly through
    ``cryptography`` when it parses them, else leniently (see the module)."""
    try:
        profile = _strict(cert)
    except ValueError:
        profile = _lenient(cert.public_bytes(serialization.Encoding.DER))
    if not profile.digital_signature:
        raise TrustListError("signer certificate key usage does not allow digital signatures")
    return profile


def check_own_signature(cert: x509.Certificate) -> None:
    """A self-issued DSC (issuer = subject) must verify under its own key; a
    DSC issued by a CSCA is checked by whoever holds the CSCA (the list's
    signer, for a published trust list). :class:`TrustListError` otherwise."""
    if cert.issuer != cert.subject:
        return
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise TrustListError(f"self-signed signer certificate does not verify under its own key "
                             f"({type(exc).__name__})") from None
