"""Tolerant DSC loading and the informational ``iss`` (issue #17, item 5).

Crafted TEST-ONLY signer certificates: built with ``cryptography``, then one
extension's DER bytes patched (the enclosing lengths recomputed and the
certificate signed again over the patched TBS), so each breaks strict DER in
exactly one way. The real case is EU test vector ``common/CO15`` (an empty
extendedKeyUsage).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import cccdqr
from cccdqr import Reason, testkeys
from cccdqr.core.errors import TrustListError
from cccdqr.formats import dcc
from cccdqr.trust.dsc import read_profile
from cccdqr.trust.store import make_trusted_certificate, record_types_from_eku
from cccdqr.wire import cose

import helpers

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)
KEY = testkeys.test_es256_key("dsc-tolerance")
OID_BC, OID_EKU, OID_KU = "551d13", "551d25", "551d0f"
VACCINATION_EKU = "1.3.6.1.4.1.1847.2021.1.2"
CO15 = helpers.shared("vectors", "eu-dcc", "common") / "CO15.json"


# --- a small DER tree, enough to patch one extension and fix every length ----------------

Node = tuple[int, "bytes | list[Node]"]


def _tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    return tag, data[pos:pos + length], pos + length


def parse(data: bytes) -> list[Node]:
    nodes: list[Node] = []
    pos = 0
    while pos < len(data):
        tag, body, pos = _tlv(data, pos)
        nodes.append((tag, parse(body) if tag & 0x20 else body))
    return nodes


def dump(nodes: list[Node]) -> bytes:
    out = b""
    for tag, body in nodes:
        raw = body if isinstance(body, bytes) else dump(body)
        n = len(raw)
        head = bytes((n,)) if n < 0x80 else bytes((0x80 | ((n.bit_length() + 7) // 8),)) + \
            n.to_bytes((n.bit_length() + 7) // 8, "big")
        out += bytes((tag,)) + head + raw
    return out


def patch_extension(cert: x509.Certificate, oid_hex: str, value: bytes,
                    key: ec.EllipticCurvePrivateKey = KEY) -> bytes:
    """The certificate's DER with extension ``oid_hex``'s value replaced by
    ``value``, signed again with ``key`` over the patched TBS (ECDSA-SHA256)."""
    (_, (tbs, alg, _sig)), = parse(cert.public_bytes(serialization.Encoding.DER))  # type: ignore[misc]
    assert isinstance(tbs[1], list)
    for tag, body in tbs[1]:
        if tag != 0xA3:
            continue
        assert isinstance(body, list) and isinstance(body[0][1], list)
        for _, ext in body[0][1]:
            assert isinstance(ext, list)
            if ext[0][1] == bytes.fromhex(oid_hex):
                ext[-1] = (0x04, value)
    tbs_der = dump([tbs])
    signature = key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
    return dump([(0x30, [*parse(tbs_der), alg, (0x03, b"\x00" + signature)])])


def build(*, eku: tuple[str, ...] = (VACCINATION_EKU,), country: str = "VN",
          key: ec.EllipticCurvePrivateKey = KEY) -> x509.Certificate:
    """A self-signed TEST-ONLY DSC with basicConstraints, keyUsage and an EKU."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST ONLY Ministry"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY lenient DSC")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(17)
               .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC))
               .not_valid_after(dt.datetime(2028, 1, 1, tzinfo=UTC))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                            False, False), critical=True))
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), critical=False)
    return builder.sign(key, hashes.SHA256())


EXPLICIT_CA_FALSE = bytes.fromhex("3003010100")  # cA FALSE spelled out: the default, not DER
EMPTY_EKU = bytes.fromhex("3000")


def strict_refuses(der: bytes) -> bool:
    try:
        x509.load_der_x509_certificate(der).extensions  # noqa: B018
    except ValueError:
        return True
    return False


# --- HC1 codes signed with KEY ------------------------------------------------------------

def dgc(kind: str = "v") -> dict[str, Any]:
    common = {"tg": "840539006", "co": "VN", "is": "TEST ONLY", "ci": "URN:UVCI:01:VN:LENIENT1"}
    event = ({"vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 1, "sd": 2,
              "dt": "2026-05-01"} if kind == "v" else
             {"tt": "LP6464-4", "sc": "2026-05-31T08:00:00Z", "tr": "260415000"})
    return {"ver": "1.3.0", "nam": {"fn": "Nguyen", "fnt": "NGUYEN", "gn": "An", "gnt": "AN"},
            "dob": "1990-01-02", kind: [{**common, **event}]}


def hc1(cert_der: bytes, *, iss: Any = "VN", kind: str = "v", drop_iss: bool = False) -> str:
    claims: dict[int, Any] = {1: iss, 6: int(NOW.timestamp()) - 3600,
                              4: int(NOW.timestamp()) + 86400 * 30, -260: {1: dgc(kind)}}
    if drop_iss:
        del claims[1]
    cert = x509.load_der_x509_certificate(cert_der)
    signed = cose.encode_sign1(cbor2.dumps(claims), alg=cose.Algorithm.ES256, key=KEY,
                               kid=cose.certificate_kid(cert))
    return dcc.wrap(signed)


def verify(text: str, der: bytes) -> cccdqr.VerificationResult:
    return cccdqr.verify(text, cccdqr.TrustStore([make_trusted_certificate(der)]), now=NOW)


@functools.cache
def strict_der() -> bytes:
    return build().public_bytes(serialization.Encoding.DER)


# --- the real vector ------------------------------------------------------------------------

def test_co15_loads_with_a_note_not_a_rejection() -> None:
    der = base64.b64decode(json.loads(CO15.read_text("utf-8"))["TESTCTX"]["CERTIFICATE"])
    assert strict_refuses(der)
    key = make_trusted_certificate(der)
    assert key.record_types == frozenset("vtr")  # an empty EKU lists no DCC usage
    assert key.encoding_faults and "extendedKeyUsage is empty" in key.encoding_faults[0]
    assert key.public_key.public_numbers() == x509.load_der_x509_certificate(
        der).public_key().public_numbers()  # type: ignore[union-attr]


# --- crafted: only the encoding is at fault ------------------------------------------------

def test_strictly_encoded_dsc_has_no_note() -> None:
    key = make_trusted_certificate(strict_der())
    assert key.encoding_faults == () and key.record_types == frozenset("v")
    result = verify(hc1(strict_der()), strict_der())
    assert result.valid and Reason.SIGNER_CERTIFICATE_NOT_DER not in result.warnings


def test_explicit_default_in_basic_constraints_is_a_warning() -> None:
    der = patch_extension(build(), OID_BC, EXPLICIT_CA_FALSE)
    assert strict_refuses(der)
    key = make_trusted_certificate(der)
    assert key.record_types == frozenset("v")  # the EKU still limits it, read leniently
    assert any("basicConstraints is not DER" in f for f in key.encoding_faults)
    result = verify(hc1(der), der)
    assert result.valid, (result.reasons, result.detail)
    assert Reason.SIGNER_CERTIFICATE_NOT_DER in result.warnings


def test_empty_extended_key_usage_is_a_warning_and_allows_every_type() -> None:
    der = patch_extension(build(), OID_EKU, EMPTY_EKU)
    assert strict_refuses(der)
    key = make_trusted_certificate(der)
    assert key.record_types == frozenset("vtr")
    result = verify(hc1(der, kind="t"), der)
    assert result.valid and Reason.SIGNER_CERTIFICATE_NOT_DER in result.warnings


def test_lenient_reading_never_widens_what_the_dsc_may_sign() -> None:
    der = patch_extension(build(), OID_BC, EXPLICIT_CA_FALSE)  # EKU: vaccination only
    result = verify(hc1(der, kind="t"), der)
    assert result.reasons == (Reason.RECORD_TYPE_NOT_ALLOWED,)


def test_record_types_from_eku_reads_leniently_too() -> None:
    der = patch_extension(build(eku=(VACCINATION_EKU, "1.3.6.1.4.1.1847.2021.1.3")), OID_BC,
                          EXPLICIT_CA_FALSE)
    assert record_types_from_eku(x509.load_der_x509_certificate(der)) == frozenset("vr")


# --- crafted: the key or the signature is bad, or not even BER ----------------------------

def test_bad_own_signature_stays_rejected() -> None:
    der = patch_extension(build(), OID_BC, EXPLICIT_CA_FALSE,
                          key=testkeys.test_es256_key("another signer"))
    with pytest.raises(TrustListError, match="does not verify under its own key"):
        make_trusted_certificate(der)
    tampered = bytearray(strict_der())
    tampered[-5] ^= 0x01  # inside the signature of a strictly encoded DSC
    with pytest.raises(TrustListError, match="does not verify"):
        make_trusted_certificate(bytes(tampered))


def test_bad_key_stays_rejected() -> None:
    der = bytearray(patch_extension(build(), OID_EKU, EMPTY_EKU))
    point = KEY.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    at = der.index(point)
    der[at + 40] ^= 0xFF  # the point leaves the curve
    with pytest.raises(TrustListError, match="key does not load"):
        make_trusted_certificate(bytes(der))


def test_extension_that_is_not_even_ber_stays_rejected() -> None:
    der = patch_extension(build(), OID_EKU, bytes.fromhex("30050603"))  # truncated OID
    with pytest.raises(TrustListError, match="not even leniently"):
        make_trusted_certificate(der)


def test_key_usage_without_digital_signature_is_rejected() -> None:
    key_cert_sign_only = bytes.fromhex("03020204")
    der = patch_extension(build(), OID_KU, key_cert_sign_only)
    with pytest.raises(TrustListError, match="digital signatures"):
        make_trusted_certificate(der)
    with pytest.raises(TrustListError, match="digital signatures"):
        read_profile(x509.load_der_x509_certificate(
            patch_extension(build(), OID_KU, bytes.fromhex("0303070400"))))


# --- item 5b: iss is informational unless it is a country code ------------------------------

@pytest.mark.parametrize("iss", ["Ministry of Health", "vn", "VNM", "V1", "Bộ Y tế"])
def test_iss_that_is_not_a_country_code_is_a_warning(iss: str) -> None:
    result = verify(hc1(strict_der(), iss=iss), strict_der())
    assert result.valid, (result.reasons, result.detail)
    assert Reason.ISSUER_NOT_A_COUNTRY in result.warnings
    assert result.issuer == iss


def test_absent_iss_is_a_warning_and_drops_the_country_revocation_name() -> None:
    text = hc1(strict_der(), drop_iss=True)
    result = verify(text, strict_der())
    assert result.valid and Reason.ISSUER_NOT_A_COUNTRY in result.warnings
    assert result.issuer is None
    env = dcc.decode_unverified(text, cccdqr.Limits())
    names = [kind for kind, _ in env.open(cccdqr.Limits()).revocation_ids]
    assert names == ["uci", "signature"]


def test_two_letter_iss_contradicting_the_dsc_is_a_mismatch() -> None:
    result = verify(hc1(strict_der(), iss="AT"), strict_der())
    assert result.signature_verified and result.reasons == (Reason.ISSUER_MISMATCH,)
    assert Reason.ISSUER_NOT_A_COUNTRY not in result.warnings


def test_matching_country_iss_has_no_warning() -> None:
    result = verify(hc1(strict_der()), strict_der())
    assert result.valid and Reason.ISSUER_NOT_A_COUNTRY not in result.warnings


def test_non_text_iss_stays_bad_claims() -> None:
    result = verify(hc1(strict_der(), iss=704), strict_der())
    assert result.reasons == (Reason.BAD_CLAIMS,)
