"""ICAO VDS-NC reasons, and the TEST-ONLY PKI the VDS-NC tests build seals with.

``Pki`` makes a country signing CA (CSCA), barcode signer certificates (BSC)
and CRLs with ``cryptography``'s X.509 builders; every key is derived from a
label prefixed ``cccdqr TEST-ONLY`` (:mod:`cccdqr.testkeys`), so runs are
reproducible and nothing secret is committed. ``seal()`` signs ``data`` over
its canonical JSON exactly as the VDS-NC specification says.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID

import cccdqr
from cccdqr import Limits, Reason, testkeys
from cccdqr.wire import cose
from cccdqr.formats import vdsnc
from cccdqr.trust.x509chain import DOCUMENT_TYPE_EXTENSION, VDS_NC_EKU

from helpers import NOW
from reason_cases import Case, Producer

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
CSCA_FROM, CSCA_UNTIL = dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2036, 1, 1, tzinfo=UTC)
BSC_FROM, BSC_UNTIL = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2027, 12, 31, tzinfo=UTC)
CRL_FROM, CRL_UNTIL = NOW - 20 * DAY, NOW + 70 * DAY


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def doc_type_extension(*types: str, version: bytes = b"\x02\x01\x00") -> x509.UnrecognizedExtension:
    """ICAO document type list: SEQUENCE { INTEGER 0, SET OF PrintableString }."""
    items = b"".join(b"\x13" + bytes([len(t)]) + t.encode() for t in types)
    body = version + b"\x31" + bytes([len(items)]) + items
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(DOCUMENT_TYPE_EXTENSION),
                                      b"\x30" + bytes([len(body)]) + body)


def _name(country: str, cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@functools.cache
def rsa_key(label: str) -> rsa.RSAPrivateKey:
    """An RSA-2048 key, generated once per run (RSA keys cannot be derived from a label)."""
    del label
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Pki:
    """A TEST-ONLY CSCA for ``country`` and the certificates it issues."""

    label: str = "vdsnc csca"
    country: str = "VN"
    cn: str = "cccdqr TEST-ONLY CSCA"
    key: Any = None
    cert: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        if self.key is None:
            self.key = testkeys.test_es256_key(self.label)
        public = self.key.public_key()
        self.cert = (
            x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
            .public_key(public).serial_number(1)
            .not_valid_before(CSCA_FROM).not_valid_after(CSCA_UNTIL)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, self._hash()))

    @property
    def name(self) -> x509.Name:
        return _name(self.country, self.cn)

    def _hash(self) -> hashes.HashAlgorithm | None:
        return None if isinstance(self.key, ed25519.Ed25519PrivateKey) else hashes.SHA256()

    def bsc(
        self,
        key: Any = None,
        *,
        serial: int = 0x2A,
        country: str | None = None,
        not_before: dt.datetime = BSC_FROM,
        not_after: dt.datetime = BSC_UNTIL,
        eku: tuple[str, ...] | None = (VDS_NC_EKU,),
        doc_types: tuple[str, ...] | None = ("NV", "NT"),
        aki: bool = True,
        signer: Any = None,
        issuer: x509.Name | None = None,
        extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
        sign_hash: hashes.HashAlgorithm | None = None,
        rsa_padding: Any = None,
    ) -> tuple[x509.Certificate, Any]:
        """A barcode signer certificate and its private key (P-256 by default)."""
        key = key if key is not None else testkeys.test_es256_key(f"vdsnc bsc {serial}")
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(country or self.country, "cccdqr TEST-ONLY BSC"))
            .issuer_name(issuer or self.name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(not_before).not_valid_after(not_after))
        if eku is not None:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), critical=True)
        if doc_types is not None:
            builder = builder.add_extension(doc_type_extension(*doc_types), critical=False)
        if aki:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False)
        for ext, critical in extra:
            builder = builder.add_extension(ext, critical=critical)
        options = {"rsa_padding": rsa_padding} if rsa_padding is not None else {}
        cert = builder.sign(signer or self.key, sign_hash or self._hash(), **options)
        return cert, key

    def crl(self, *revoked: int, last: dt.datetime = CRL_FROM, next_: dt.datetime = CRL_UNTIL,
            signer: Any = None) -> x509.CertificateRevocationList:
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.name)
                   .last_update(last).next_update(next_))
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(last).build())
        return builder.sign(signer or self.key, self._hash())

    def trust(self, *crls: x509.CertificateRevocationList, default_crl: bool = True
              ) -> cccdqr.TrustStore:
        """A store with this CSCA and ``crls`` (an empty CRL when none are given)."""
        chosen = crls or ((self.crl(),) if default_crl else ())
        return cccdqr.TrustStore(authorities=[self.cert], crls=chosen)


def vacc_data(**msg_changes: Any) -> dict[str, Any]:
    """A proof of vaccination (icao.vacc v1) for a synthetic Vietnamese holder."""
    msg: dict[str, Any] = {
        "uvci": "VN0000000042",
        "pid": {"n": "NGUYEN  VAN AN", "dob": "1990-05-17", "sex": "M", "ai": "001090123456"},
        "ve": [{"des": "XM68M6", "nam": "Comirnaty", "dis": "RA01.0",
                "vd": [{"dvc": "2021-07-01", "seq": 1, "ctr": "VNM", "adm": "TYT Cat Linh",
                        "lot": "FA1234"},
                       {"dvc": "2021-08-30", "seq": 2, "ctr": "VNM", "lot": "FA5678"}]}],
    }
    msg.update(msg_changes)
    return {"hdr": {"t": "icao.vacc", "v": 1, "is": "VNM"}, "msg": msg}


def test_data(**msg_changes: Any) -> dict[str, Any]:
    """A proof of testing (icao.test v1)."""
    msg: dict[str, Any] = {
        "utci": "VT0000000007",
        "pid": {"n": "NGUYEN  VAN AN", "dob": "1990-05-17", "dt": "P", "dn": "C1234567"},
        "sp": {"spn": "Lab Ha Noi", "ctr": "VNM", "cd": {"p": "+84 24 0000 0000"}},
        "dat": {"sc": "2026-11-22T08:30:00+07:00", "ri": "2026-11-22T20:00:00+07:00"},
        "tr": {"tc": "molecular(PCR)", "r": "negative"},
    }
    msg.update(msg_changes)
    return {"hdr": {"t": "icao.test", "v": 1, "is": "VNM"}, "msg": msg}


test_data.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def seal(data: Any, cert: x509.Certificate, key: Any, *, alg: str = "ES256",
         signature: bytes | None = None, indent: int | None = None) -> str:
    """A VDS-NC document: ``data`` signed (ES256, RFC 6979) over its canonical JSON."""
    if signature is None:
        signature = cose.sign_bytes(cose.Algorithm.ES256, key, vdsnc.canonical_json(data),
                                    deterministic=True)
    doc = {"data": data, "sig": {"alg": alg, "cer": b64url(cert.public_bytes(
        serialization.Encoding.DER)), "sigvl": b64url(signature)}}
    return json.dumps(doc, ensure_ascii=False, indent=indent)


PKI = Pki()


def signed(data: Any = None, **bsc_options: Any) -> str:
    cert, key = PKI.bsc(**bsc_options)
    return seal(data if data is not None else vacc_data(), cert, key)


# --- coverage ------------------------------------------------------------------------

def _bad_signer(_: pytest.MonkeyPatch) -> Case:
    # names the real CSCA and its key id, but an impostor signed it
    impostor = testkeys.test_es256_key("vdsnc impostor csca")
    return Case(signed(signer=impostor), trust=PKI.trust())


def _unknown_ca(_: pytest.MonkeyPatch) -> Case:
    return Case(signed(), trust=Pki(label="vdsnc other csca", cn="Other CSCA").trust())


COVERAGE: dict[Reason, Producer] = {
    Reason.JSON_TOO_LARGE: lambda _: Case(signed(), trust=PKI.trust(),
                                          options={"limits": Limits(max_json_bytes=200)}),
    Reason.BAD_JSON: lambda _: Case('{"data": {}, "sig": {}, "sig": {}}', trust=PKI.trust()),
    Reason.BAD_SIGNER_CERTIFICATE: _bad_signer,
    Reason.UNKNOWN_CA: _unknown_ca,
    Reason.SIGNER_REVOKED: lambda _: Case(signed(serial=0x2A), trust=PKI.trust(PKI.crl(0x2A))),
    Reason.CRL_STALE: lambda _: Case(signed(), trust=PKI.trust(PKI.crl(
        last=NOW - 60 * DAY, next_=NOW - DAY))),
}
