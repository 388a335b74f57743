"""COSE_Sign1 over bytes: sign/verify, strict decoding, algorithms, kids, interop."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from cccdqr.wire import cose
from cccdqr.core._reject import Reject
from cccdqr.wire.cose import Algorithm
from cccdqr.core.errors import KeyAlgorithmMismatch
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason
from cccdqr.testkeys import test_ed25519_key, test_es256_key

LIMITS = Limits()
KID = bytes.fromhex("0102030405060708")
PAYLOAD = cbor2.dumps({1: "VN", 4: 1_700_000_000, -65537: {0: 1}})
NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


# --- keys (module-scoped: RSA generation is the slow part) ---------------------------

@pytest.fixture(scope="module")
def es256() -> ec.EllipticCurvePrivateKey:
    return test_es256_key("test_cose")


@pytest.fixture(scope="module")
def ed() -> ed25519.Ed25519PrivateKey:
    return test_ed25519_key("test_cose")


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="module")
def p384() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="module")
def keys(es256: Any, ed: Any, rsa2048: Any) -> dict[Algorithm, Any]:
    return {Algorithm.ES256: es256, Algorithm.EDDSA: ed, Algorithm.PS256: rsa2048}


def pem_private(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def build(protected: Any, unprotected: Any = None, payload: Any = PAYLOAD,
          signature: Any = b"\x00" * 64, *, tagged: bool = True) -> bytes:
    """A COSE_Sign1 from parts; ``protected`` as a dict is encoded, bytes kept as is."""
    if isinstance(protected, dict):
        protected = cbor2.dumps(protected)
    body = cbor2.dumps([protected, {} if unprotected is None else unprotected,
                        payload, signature])
    return (b"\xd2" + body) if tagged else body


def reject_reason(data: bytes) -> Reason:
    with pytest.raises(Reject) as info:
        cose.decode_sign1(data, LIMITS)
    return info.value.reason


def verifies(msg: cose.Sign1, public: Any) -> bool:
    alg = cose.header_algorithm(msg)
    return cose.verify_bytes(alg, public, msg.signature, msg.to_be_signed)


# --- round trips ------------------------------------------------------------------------

@pytest.mark.parametrize("alg", list(Algorithm))
@pytest.mark.parametrize("tagged", [True, False])
def test_round_trip(keys: dict[Algorithm, Any], alg: Algorithm, tagged: bool) -> None:
    key = keys[alg]
    data = cose.encode_sign1(PAYLOAD, alg=alg, key=key, kid=KID, tagged=tagged)
    assert data[0] == (0xD2 if tagged else 0x84)
    msg = cose.decode_sign1(data, LIMITS)
    assert msg.tagged is tagged
    assert msg.protected == {1: alg.cose_id, 4: KID}
    assert msg.unprotected == {}
    assert msg.payload == PAYLOAD
    assert cose.header_algorithm(msg) is alg
    assert verifies(msg, key.public_key())
    # tampered payload or wrong key fails
    assert not cose.verify_bytes(alg, key.public_key(), msg.signature,
                                 cose.sig_structure(msg.protected_bytes, PAYLOAD + b"\x00"))


def test_ps256_signature_is_modulus_sized(rsa2048: rsa.RSAPrivateKey) -> None:
    msg = cose.decode_sign1(
        cose.encode_sign1(PAYLOAD, alg=Algorithm.PS256, key=rsa2048, kid=KID), LIMITS)
    assert len(msg.signature) == 256
    assert cose.header_algorithm(msg).cose_id == -37


@pytest.mark.parametrize("deterministic", [True, False])
def test_es256_signature_is_raw_64_bytes(es256: Any, deterministic: bool) -> None:
    for i in range(8):  # r or s with leading zero bytes must still be 32 bytes each
        data = cose.encode_sign1(PAYLOAD + bytes([i]), alg=Algorithm.ES256, key=es256, kid=KID,
                                 deterministic=deterministic)
        msg = cose.decode_sign1(data, LIMITS)
        assert len(msg.signature) == 64
        # an independent DER conversion verifies under cryptography directly
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        der = encode_dss_signature(int.from_bytes(msg.signature[:32], "big"),
                                   int.from_bytes(msg.signature[32:], "big"))
        es256.public_key().verify(der, msg.to_be_signed, ec.ECDSA(hashes.SHA256()))


def test_eddsa_signature_is_64_bytes(ed: Any) -> None:
    msg = cose.decode_sign1(cose.encode_sign1(PAYLOAD, alg=Algorithm.EDDSA, key=ed, kid=KID),
                            LIMITS)
    assert len(msg.signature) == 64
    ed.public_key().verify(msg.signature, msg.to_be_signed)


def test_deterministic_es256_is_reproducible(es256: Any) -> None:
    a = cose.encode_sign1(PAYLOAD, alg=Algorithm.ES256, key=es256, kid=KID, deterministic=True)
    b = cose.encode_sign1(PAYLOAD, alg=Algorithm.ES256, key=es256, kid=KID, deterministic=True)
    assert a == b
    c = cose.encode_sign1(PAYLOAD + b"x", alg=Algorithm.ES256, key=es256, kid=KID,
                          deterministic=True)
    assert c != a


def test_randomised_es256_differs(es256: Any) -> None:
    a = cose.encode_sign1(PAYLOAD, alg=Algorithm.ES256, key=es256, kid=KID)
    b = cose.encode_sign1(PAYLOAD, alg=Algorithm.ES256, key=es256, kid=KID)
    assert a != b  # equal nonces: probability 2**-256
    for data in (a, b):
        assert verifies(cose.decode_sign1(data, LIMITS), es256.public_key())


def test_encoded_bytes_match_an_independent_encoding(ed: Any) -> None:
    data = cose.encode_sign1(PAYLOAD, alg=Algorithm.EDDSA, key=ed, kid=KID)
    protected = cbor2.dumps({1: -8, 4: KID})
    signature = ed.sign(cbor2.dumps(["Signature1", protected, b"", PAYLOAD]))
    assert data == cbor2.dumps(cbor2.CBORTag(18, [protected, {}, PAYLOAD, signature]))


def test_unprotected_header_is_written(ed: Any) -> None:
    data = cose.encode_sign1(PAYLOAD, alg=Algorithm.EDDSA, key=ed, kid=KID,
                             unprotected={4: b"other"})
    msg = cose.decode_sign1(data, LIMITS)
    assert msg.unprotected == {4: b"other"}
    assert verifies(msg, ed.public_key())


@pytest.mark.parametrize("alg_id", [-8, -19])
def test_eddsa_verifies_under_minus_8_and_minus_19(ed: Any, alg_id: int) -> None:
    protected = cbor2.dumps({1: alg_id, 4: KID})
    sig = ed.sign(cose.sig_structure(protected, PAYLOAD))
    msg = cose.decode_sign1(build(protected, signature=sig), LIMITS)
    assert cose.header_algorithm(msg) is Algorithm.EDDSA
    assert verifies(msg, ed.public_key())


def test_signature_over_other_protected_header_fails(es256: Any) -> None:
    data = cose.encode_sign1(PAYLOAD, alg=Algorithm.ES256, key=es256, kid=KID)
    msg = cose.decode_sign1(data, LIMITS)
    other = cbor2.dumps({1: -7, 4: b"\x00" * 8})
    forged = cose.decode_sign1(build(other, signature=msg.signature), LIMITS)
    assert not verifies(forged, es256.public_key())


@pytest.mark.parametrize("alg", list(Algorithm))
def test_wrong_key_does_not_verify(keys: dict[Algorithm, Any], alg: Algorithm) -> None:
    msg = cose.decode_sign1(cose.encode_sign1(PAYLOAD, alg=alg, key=keys[alg], kid=KID), LIMITS)
    other = {Algorithm.ES256: test_es256_key("other"),
             Algorithm.EDDSA: test_ed25519_key("other")}.get(alg)
    if other is None:
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not verifies(msg, other.public_key())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(Algorithm)), st.binary(max_size=300), st.binary(max_size=80))
def test_verify_bytes_never_raises(alg: Algorithm, signature: bytes, data: bytes) -> None:
    key = {Algorithm.ES256: test_es256_key("test_cose"),
           Algorithm.EDDSA: test_ed25519_key("test_cose"),
           Algorithm.PS256: _RSA_FOR_PROPERTY}[alg]
    assert cose.verify_bytes(alg, key.public_key(), signature, data) is False


_RSA_FOR_PROPERTY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("signature", [b"\x00" * 64, b"\xff" * 64, b"\x01" * 63, b"\x01" * 65,
                                       b"", b"\x00" * 32 + b"\x01" * 32])
def test_es256_degenerate_signatures_are_false(es256: Any, signature: bytes) -> None:
    assert cose.verify_bytes(Algorithm.ES256, es256.public_key(), signature, b"data") is False


# --- decode_sign1: accepted and rejected shapes ------------------------------------------

def test_decode_accepts_tagged_and_untagged() -> None:
    protected = {1: -7, 4: KID}
    tagged = cose.decode_sign1(build(protected), LIMITS)
    untagged = cose.decode_sign1(build(protected, tagged=False), LIMITS)
    assert tagged.tagged and not untagged.tagged
    for msg in (tagged, untagged):
        assert msg.protected == protected
        assert msg.payload == PAYLOAD
        assert msg.signature == b"\x00" * 64
        assert msg.protected_bytes == cbor2.dumps(protected)


def test_empty_protected_bytes_decode_to_empty_header() -> None:
    msg = cose.decode_sign1(build(b"", {1: -7, 4: KID}), LIMITS)
    assert msg.protected == {}
    with pytest.raises(Reject) as info:
        cose.header_algorithm(msg)
    assert info.value.reason is Reason.ALG_NOT_ALLOWED  # alg only unprotected does not count


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xd2",
        b"\x00",
        b"\xa4",
        b"\xd3" + build({1: -7}, tagged=False),              # tag 19
        b"\xd8\x12" + build({1: -7}, tagged=False),          # tag 18 in a two-byte head
        b"\xd2\xd2" + build({1: -7}, tagged=False),          # tag twice
        b"\xd1" + build({1: -7}, tagged=False),              # COSE_Mac0 tag
        b"\x98\x04" + build({1: -7}, tagged=False)[1:],      # array(4), non-shortest head
        cbor2.dumps(cbor2.CBORTag(98, [cbor2.dumps({1: -7}), {}, PAYLOAD, []])),  # COSE_Sign
    ],
)
def test_rejects_wrong_first_byte(data: bytes) -> None:
    assert reject_reason(data) is Reason.BAD_COSE


@pytest.mark.parametrize("n", [0, 1, 3, 5])
@pytest.mark.parametrize("tagged", [True, False])
def test_rejects_array_of_other_length(n: int, tagged: bool) -> None:
    items = [cbor2.dumps({1: -7}), {}, PAYLOAD, b"\x00" * 64, b""][:n]
    data = cbor2.dumps(items)
    assert reject_reason(b"\xd2" + data if tagged else data) is Reason.BAD_COSE


@pytest.mark.parametrize(
    "items",
    [
        ["\xa1\x01\x26", {}, PAYLOAD, b"s"],           # protected as text
        [{1: -7}, {}, PAYLOAD, b"s"],                  # protected as a map, not bytes
        [cbor2.dumps({1: -7}), [], PAYLOAD, b"s"],     # unprotected as array
        [cbor2.dumps({1: -7}), b"", PAYLOAD, b"s"],    # unprotected as bytes
        [cbor2.dumps({1: -7}), {}, None, b"s"],        # detached payload (nil)
        [cbor2.dumps({1: -7}), {}, "text", b"s"],      # payload as text
        [cbor2.dumps({1: -7}), {}, PAYLOAD, "s"],      # signature as text
        [cbor2.dumps({1: -7}), {}, PAYLOAD, 0],        # signature as int
        [cbor2.dumps({1: -7}), {}, PAYLOAD, None],
        [None, {}, PAYLOAD, b"s"],
    ],
)
def test_rejects_wrong_item_types(items: list[Any]) -> None:
    assert reject_reason(b"\xd2" + cbor2.dumps(items)) is Reason.BAD_COSE


@pytest.mark.parametrize(
    "protected",
    [
        cbor2.dumps([1, -7]),        # array
        cbor2.dumps(1),              # integer
        cbor2.dumps(b"\xa1\x01\x26"),  # a bstr inside the bstr
        cbor2.dumps("x"),
        b"\xa0",                     # empty map encoded as non-empty bytes
        b"\xf6",                     # nil
        b"\xff",                     # not well-formed
        b"\xa1\x01",                 # truncated map
        b"\xbf\x01\x26\xff",         # indefinite-length map
        b"\xa1\x01\x9f\xff",         # indefinite-length value inside
        b"\xa1\x04\x5f\x41\x00\xff",  # indefinite-length kid
        b"\xa1\x01\xc1\x00",         # a tag inside
    ],
)
def test_rejects_bad_protected_header(protected: bytes) -> None:
    assert reject_reason(build(protected)) is Reason.BAD_COSE


def test_protected_header_with_duplicate_alg() -> None:
    # {1: -7, 1: -8}: another decoder might read -8
    assert reject_reason(build(b"\xa2\x01\x26\x01\x27")) is Reason.DUPLICATE_KEY


def test_protected_header_with_trailing_bytes() -> None:
    assert reject_reason(build(b"\xa1\x01\x26\x00")) in {Reason.TRAILING_DATA, Reason.BAD_COSE}


@pytest.mark.parametrize(
    ("protected", "unprotected"),
    [
        ({1: -7, 2: [4]}, {}),
        ({1: -7, 2: []}, {}),
        ({1: -7}, {2: [4]}),
        ({1: -7, 4: KID}, {2: [1]}),
    ],
)
def test_rejects_critical_header(protected: dict[int, Any], unprotected: dict[int, Any]) -> None:
    assert reject_reason(build(protected, unprotected)) is Reason.BAD_COSE


@pytest.mark.parametrize("suffix", [b"\x00", b"\xd2", b"\x84", b"\xff", b"\x00" * 100])
@pytest.mark.parametrize("tagged", [True, False])
def test_trailing_data(suffix: bytes, tagged: bool, ed: Any) -> None:
    data = cose.encode_sign1(PAYLOAD, alg=Algorithm.EDDSA, key=ed, kid=KID, tagged=tagged)
    assert reject_reason(data + suffix) is Reason.TRAILING_DATA


def test_rejects_indefinite_lengths_in_the_outer_structure() -> None:
    protected = cbor2.dumps({1: -7})
    p = cbor2.dumps(protected)
    indefinite_payload = b"\x5f" + cbor2.dumps(PAYLOAD) + b"\xff"
    data = b"\xd2\x84" + p + b"\xa0" + indefinite_payload + cbor2.dumps(b"\x00" * 64)
    assert reject_reason(data) is Reason.BAD_COSE
    indefinite_unprotected = b"\xbf\x04\x41\x00\xff"
    data = b"\xd2\x84" + p + indefinite_unprotected + cbor2.dumps(PAYLOAD) + b"\x40"
    assert reject_reason(data) is Reason.BAD_COSE


def test_unprotected_header_duplicate_key() -> None:
    p = cbor2.dumps(cbor2.dumps({1: -7}))
    data = b"\xd2\x84" + p + b"\xa2\x04\x41\x00\x04\x41\x01" + cbor2.dumps(PAYLOAD) + b"\x40"
    assert reject_reason(data) is Reason.DUPLICATE_KEY


def test_huge_declared_payload_is_rejected() -> None:
    p = cbor2.dumps(cbor2.dumps({1: -7}))
    data = b"\xd2\x84" + p + b"\xa0" + b"\x5b" + b"\xff" * 8
    assert reject_reason(data) is Reason.BAD_COSE


@settings(max_examples=200)
@given(st.binary(max_size=120))
def test_decode_arbitrary_bytes_only_rejects(data: bytes) -> None:
    try:
        msg = cose.decode_sign1(data, LIMITS)
    except Reject:
        return
    assert isinstance(msg.protected, dict) and isinstance(msg.payload, bytes)


@settings(max_examples=200)
@given(st.data())
def test_decode_mutated_message_only_rejects(data: st.DataObject) -> None:
    good = bytearray(build({1: -7, 4: KID}))
    i = data.draw(st.integers(0, len(good) - 1))
    good[i] = data.draw(st.integers(0, 255))
    try:
        cose.decode_sign1(bytes(good), LIMITS)
    except Reject as exc:
        assert isinstance(exc.reason, Reason)


# --- header_algorithm ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "protected",
    [
        {4: KID},                 # no alg
        {1: -35},                 # ES384
        {1: -36},                 # ES512
        {1: -38},                 # PS384
        {1: -257},                # RS256
        {1: 0},
        {1: 5},                   # HMAC 256/256
        {1: "none"},
        {1: "ES256"},
        {1: "-7"},
        {1: -7.0},
        {1: True},
        {1: None},
        {1: b"\x26"},
        {1: [-7]},
        {"1": -7},                # text label 1 is not the alg label
    ],
)
def test_header_algorithm_not_allowed(protected: dict[Any, Any]) -> None:
    msg = cose.decode_sign1(build(protected), LIMITS)
    with pytest.raises(Reject) as info:
        cose.header_algorithm(msg)
    assert info.value.reason is Reason.ALG_NOT_ALLOWED


def test_header_algorithm_only_in_unprotected_is_not_allowed() -> None:
    msg = cose.decode_sign1(build({4: KID}, {1: -7}), LIMITS)
    with pytest.raises(Reject) as info:
        cose.header_algorithm(msg)
    assert info.value.reason is Reason.ALG_NOT_ALLOWED


@pytest.mark.parametrize(("alg_id", "alg"), [(-7, Algorithm.ES256), (-8, Algorithm.EDDSA),
                                             (-19, Algorithm.EDDSA), (-37, Algorithm.PS256)])
def test_header_algorithm_accepted(alg_id: int, alg: Algorithm) -> None:
    msg = cose.decode_sign1(build({1: alg_id, 4: KID}), LIMITS)
    assert cose.header_algorithm(msg) is alg


def test_algorithm_ids() -> None:
    assert {a: a.cose_id for a in Algorithm} == {
        Algorithm.ES256: -7, Algorithm.EDDSA: -8, Algorithm.PS256: -37}
    assert Algorithm.from_cose_id(-19) is Algorithm.EDDSA
    assert Algorithm.from_cose_id(True) is None
    assert Algorithm.from_cose_id(-7.0) is None


# --- keys and algorithms ------------------------------------------------------------------

def test_algorithm_for_key(es256: Any, ed: Any, rsa2048: Any) -> None:
    for private, alg in ((es256, Algorithm.ES256), (ed, Algorithm.EDDSA),
                         (rsa2048, Algorithm.PS256)):
        assert cose.algorithm_for_key(private) is alg
        assert cose.algorithm_for_key(private.public_key()) is alg


def test_unsupported_keys_refused(p384: Any, rsa1024: Any) -> None:
    others = [p384, rsa1024, ec.generate_private_key(ec.SECP256K1()),
              ec.generate_private_key(ec.SECP521R1()),
              ed448.Ed448PrivateKey.generate(), x25519.X25519PrivateKey.generate()]
    for key in others:
        with pytest.raises(KeyAlgorithmMismatch):
            cose.algorithm_for_key(key)
    for key in others[:4]:
        with pytest.raises(KeyAlgorithmMismatch):
            cose.algorithm_for_key(key.public_key())


@pytest.mark.parametrize("kind", ["ed448", "x25519", "dsa"])
def test_unknown_public_key_types_refused_with_key_algorithm_mismatch(kind: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import dsa

    private = {"ed448": ed448.Ed448PrivateKey.generate,
               "x25519": x25519.X25519PrivateKey.generate,
               "dsa": lambda: dsa.generate_private_key(key_size=1024)}[kind]()
    with pytest.raises(KeyAlgorithmMismatch):
        cose.algorithm_for_key(private.public_key())


def test_verify_bytes_with_a_key_of_the_wrong_type_is_false(es256: Any, ed: Any,
                                                            rsa2048: Any) -> None:
    data = b"data"
    sig_es = cose.sign_bytes(Algorithm.ES256, es256, data)
    sig_ed = cose.sign_bytes(Algorithm.EDDSA, ed, data)
    assert cose.verify_bytes(Algorithm.ES256, es256.public_key(), sig_es, data)
    assert cose.verify_bytes(Algorithm.EDDSA, ed.public_key(), sig_ed, data)
    assert cose.verify_bytes(Algorithm.ES256, ed.public_key(), sig_es, data) is False
    assert cose.verify_bytes(Algorithm.EDDSA, es256.public_key(), sig_ed, data) is False
    assert cose.verify_bytes(Algorithm.PS256, es256.public_key(), sig_es, data) is False
    assert cose.verify_bytes(Algorithm.ES256, rsa2048.public_key(), sig_es, data) is False


def test_key_fits_matrix(es256: Any, ed: Any, rsa2048: Any, rsa1024: Any, p384: Any) -> None:
    table = {
        "p256": es256.public_key(), "ed25519": ed.public_key(), "rsa2048": rsa2048.public_key(),
        "rsa1024": rsa1024.public_key(), "p384": p384.public_key(),
    }
    fits = {(Algorithm.ES256, "p256"), (Algorithm.EDDSA, "ed25519"),
            (Algorithm.PS256, "rsa2048")}
    for alg in Algorithm:
        for name, key in table.items():
            assert cose.key_fits(alg, key) is ((alg, name) in fits), (alg, name)


def test_check_key_algorithm(es256: Any, ed: Any, p384: Any) -> None:
    cose.check_key_algorithm(Algorithm.ES256, es256)
    cose.check_key_algorithm(Algorithm.EDDSA, ed.public_key())
    for alg, key in ((Algorithm.ES256, ed), (Algorithm.EDDSA, es256), (Algorithm.PS256, es256),
                     (Algorithm.ES256, p384)):
        with pytest.raises(KeyAlgorithmMismatch):
            cose.check_key_algorithm(alg, key)


@pytest.mark.parametrize(("alg", "keyname"), [(Algorithm.ES256, "ed"), (Algorithm.EDDSA, "es256"),
                                              (Algorithm.PS256, "es256"),
                                              (Algorithm.ES256, "rsa2048"),
                                              (Algorithm.PS256, "rsa1024"),
                                              (Algorithm.ES256, "p384")])
def test_encode_refuses_a_key_that_does_not_fit(alg: Algorithm, keyname: str,
                                                request: pytest.FixtureRequest) -> None:
    key = request.getfixturevalue(keyname)
    with pytest.raises(KeyAlgorithmMismatch):
        cose.encode_sign1(PAYLOAD, alg=alg, key=key, kid=KID)


def test_key_algorithm_mismatch_is_value_error() -> None:
    assert issubclass(KeyAlgorithmMismatch, ValueError)


# --- kids ----------------------------------------------------------------------------------

def test_spki_kid_ed25519_independent(ed: Any) -> None:
    raw = ed.public_key().public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw)
    spki = bytes.fromhex("302a300506032b6570032100") + raw  # RFC 8410 SPKI
    assert cose.spki_kid(ed.public_key()) == hashlib.sha256(spki).digest()[:8]


def test_spki_kid_p256_independent(es256: Any) -> None:
    nums = es256.public_key().public_numbers()
    point = b"\x04" + nums.x.to_bytes(32, "big") + nums.y.to_bytes(32, "big")
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + point
    kid = cose.spki_kid(es256.public_key())
    assert len(kid) == 8
    assert kid == hashlib.sha256(spki).digest()[:8]


def test_spki_kid_differs_per_key() -> None:
    kids = {cose.spki_kid(test_es256_key(str(i)).public_key()) for i in range(5)}
    assert len(kids) == 5


def self_signed(key: Any, *, country: str = "VN") -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.COMMON_NAME, "cccdqr TEST-ONLY DSC")])
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(NOW)
            .not_valid_after(NOW + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))


def test_certificate_kid(es256: Any) -> None:
    cert = self_signed(es256)
    der = cert.public_bytes(serialization.Encoding.DER)
    kid = cose.certificate_kid(cert)
    assert kid == hashlib.sha256(der).digest()[:8]
    assert kid == cert.fingerprint(hashes.SHA256())[:8]
    assert kid != cose.spki_kid(es256.public_key())


# --- Sig_structure -------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_sig_structure_boundaries(size: int) -> None:
    protected = cbor2.dumps({1: -7, 4: KID})
    payload = b"\x5a" * size
    assert cose.sig_structure(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload])


@settings(max_examples=150)
@given(st.binary(max_size=300), st.binary(max_size=300), st.binary(max_size=30))
def test_sig_structure_matches_cbor2(protected: bytes, payload: bytes, aad: bytes) -> None:
    assert cose.sig_structure(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload])
    assert cose.sig_structure(protected, payload, aad) == cbor2.dumps(
        ["Signature1", protected, aad, payload])


def test_to_be_signed_uses_protected_bytes_as_sent() -> None:
    protected = b"\xa1\x01\x38\x06"  # -7 in a non-shortest head: signed as sent
    msg = cose.decode_sign1(build(protected), LIMITS)
    assert msg.protected == {1: -7}
    assert msg.to_be_signed == cbor2.dumps(["Signature1", protected, b"", PAYLOAD])


# --- interop with python-cwt and pycose ------------------------------------------------

def _cwt_sign(key: Any, alg: str | None = None) -> bytes:
    from cwt import COSE, COSEKey

    ck = COSEKey.from_pem(pem_private(key), alg=alg or "", kid=KID)
    ctx = COSE.new(alg_auto_inclusion=True, kid_auto_inclusion=True)
    return ctx.encode_and_sign(PAYLOAD, ck)


@pytest.mark.parametrize(("alg", "cwt_alg"), [(Algorithm.ES256, None), (Algorithm.EDDSA, None),
                                              (Algorithm.PS256, "PS256")])
def test_python_cwt_message_verifies_here(keys: dict[Algorithm, Any], alg: Algorithm,
                                          cwt_alg: str | None) -> None:
    key = keys[alg]
    data = _cwt_sign(key, cwt_alg)
    msg = cose.decode_sign1(data, LIMITS)
    assert msg.payload == PAYLOAD
    assert cose.header_algorithm(msg) is alg
    assert verifies(msg, key.public_key())
    tampered = cose.sig_structure(msg.protected_bytes, PAYLOAD[:-1] + b"\x00")
    assert not cose.verify_bytes(alg, key.public_key(), msg.signature, tampered)


@pytest.mark.parametrize(("alg", "cwt_alg"), [(Algorithm.ES256, None), (Algorithm.EDDSA, None),
                                              (Algorithm.PS256, "PS256")])
@pytest.mark.parametrize("tagged", [True, False])
def test_our_message_verifies_under_python_cwt(keys: dict[Algorithm, Any], alg: Algorithm,
                                               cwt_alg: str | None, tagged: bool) -> None:
    from cwt import COSE, COSEKey
    from cwt.exceptions import VerifyError

    key = keys[alg]
    data = cose.encode_sign1(PAYLOAD, alg=alg, key=key, kid=KID, tagged=tagged)
    if not tagged:  # cwt needs the tag to know the message type
        data = b"\xd2" + data
    vk = COSEKey.from_pem(pem_public(key), alg=cwt_alg or "", kid=KID)
    assert COSE.new().decode(data, vk) == PAYLOAD
    bad = bytearray(data)
    bad[-1] ^= 1
    with pytest.raises(VerifyError):
        COSE.new().decode(bytes(bad), vk)


def _pycose_key(key: Any, *, private: bool) -> Any:
    from pycose.keys import CoseKey, EC2Key
    from pycose.keys.curves import P256

    if isinstance(key, ec.EllipticCurvePrivateKey):
        nums = key.private_numbers()
        x = nums.public_numbers.x.to_bytes(32, "big")
        y = nums.public_numbers.y.to_bytes(32, "big")
        if private:
            return EC2Key(crv=P256, x=x, y=y, d=nums.private_value.to_bytes(32, "big"))
        return EC2Key(crv=P256, x=x, y=y)
    if private:
        return CoseKey.from_pem_private_key(pem_private(key).decode())
    return CoseKey.from_pem_public_key(pem_public(key).decode())


def _pycose_alg(alg: Algorithm) -> Any:
    from pycose.algorithms import EdDSA, Es256, Ps256

    return {Algorithm.ES256: Es256, Algorithm.EDDSA: EdDSA, Algorithm.PS256: Ps256}[alg]


@pytest.mark.parametrize("alg", list(Algorithm))
def test_pycose_message_verifies_here(keys: dict[Algorithm, Any], alg: Algorithm) -> None:
    from pycose.headers import KID as KID_HEADER
    from pycose.headers import Algorithm as AlgHeader
    from pycose.messages import Sign1Message

    key = keys[alg]
    m = Sign1Message(phdr={AlgHeader: _pycose_alg(alg)}, uhdr={KID_HEADER: KID}, payload=PAYLOAD)
    m.key = _pycose_key(key, private=True)
    data = m.encode()
    msg = cose.decode_sign1(data, LIMITS)
    assert msg.unprotected == {4: KID}
    assert cose.header_algorithm(msg) is alg
    assert verifies(msg, key.public_key())


@pytest.mark.parametrize("alg", list(Algorithm))
def test_our_message_verifies_under_pycose(keys: dict[Algorithm, Any], alg: Algorithm) -> None:
    from pycose.messages import CoseMessage

    key = keys[alg]
    data = cose.encode_sign1(PAYLOAD, alg=alg, key=key, kid=KID)
    m = CoseMessage.decode(data)
    m.key = _pycose_key(key, private=False)
    assert m.verify_signature()
    assert m.payload == PAYLOAD
    bad = bytearray(data)
    bad[-1] ^= 1
    m2 = CoseMessage.decode(bytes(bad))
    m2.key = _pycose_key(key, private=False)
    assert not m2.verify_signature()
