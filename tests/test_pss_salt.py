"""PS256 takes only a PSS salt of the hash length (RFC 8230), as python-cwt and pycose do.

The codes in ``vectors/pss-salt/cases.json`` were signed by ``cryptography``
(OpenSSL's PSS encoder) with salt lengths 0, 20, 32, 64 and 222, and by pycose
and python-cwt with 32 (see that folder's ``generate.py``). Each signature is
genuine (it verifies as PSS with any salt length), and its salt length is read
back from the signature itself, so each case is what its name says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from typing import Any

import cbor2
import cwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pycose.keys import CoseKey
from pycose.messages import Sign1Message

import cccdqr
from cccdqr.trust.store import make_trusted_certificate
from cccdqr.wire.base45 import b45decode
from cccdqr.wire.cose import PSS_SALT_LENGTH, Algorithm, verify_bytes

import helpers

FOLDER = helpers.ROOT / "vectors" / "pss-salt"
DOC: dict[str, Any] = json.loads((FOLDER / "cases.json").read_text(encoding="utf-8"))
NOW = dt.datetime.fromisoformat(DOC["now"].replace("Z", "+00:00"))
CERT = x509.load_pem_x509_certificate(DOC["certificate"].encode())
PUBLIC = CERT.public_key()
assert isinstance(PUBLIC, rsa.RSAPublicKey)
TRUST = cccdqr.TrustStore([make_trusted_certificate(CERT)])
CASES = {c["name"]: c for c in DOC["cases"]}


def cose_of(text: str) -> bytes:
    return zlib.decompress(b45decode(text.removeprefix("HC1:")))


def salt_length_of(signature: bytes) -> int:
    """The salt length inside an RSASSA-PSS signature (RFC 8017 section 9.1.2,
    read backwards with the public key): SHA-256, MGF1-SHA-256, 2048 bits."""
    numbers = PUBLIC.public_numbers()
    em = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(256, "big")
    assert em[-1] == 0xBC
    masked, h = em[:256 - 33], em[256 - 33:-1]
    mask = b"".join(hashlib.sha256(h + i.to_bytes(4, "big")).digest() for i in range(7))
    db = bytearray(a ^ b for a, b in zip(masked, mask, strict=False))
    db[0] &= 0x7F  # 8 * 256 - 2047 = 1 leftmost bit
    start = db.index(1)
    assert not any(db[:start])
    return len(db) - start - 1


def test_the_set_covers_the_salt_lengths() -> None:
    assert PSS_SALT_LENGTH == 32
    assert sorted({c["salt_length"] for c in CASES.values()}) == [0, 20, 32, 64, 222]
    assert {c["signer"] for c in CASES.values() if c["salt_length"] == 32} == {
        "cryptography", "pycose", "python-cwt"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_is_a_genuine_signature_with_its_salt(name: str) -> None:
    case = CASES[name]
    msg = cbor2.loads(cose_of(case["text"])).value
    assert cbor2.loads(msg[0])[1] == -37
    to_be_signed = cbor2.dumps(["Signature1", msg[0], b"", msg[2]])
    any_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    PUBLIC.verify(msg[3], to_be_signed, any_salt, hashes.SHA256())  # raises if forged
    assert salt_length_of(msg[3]) == case["salt_length"]
    assert verify_bytes(Algorithm.PS256, PUBLIC, msg[3], to_be_signed) is (
        case["salt_length"] == 32)


@pytest.mark.parametrize("name", sorted(CASES))
def test_verify_gives_the_expected_verdict(name: str) -> None:
    case = CASES[name]
    result = cccdqr.verify(case["text"], TRUST, now=NOW)
    assert result.valid is case["expected"]["valid"]
    assert result.status.value == case["expected"]["status"]
    assert [r.value for r in result.reasons] == case["expected"]["reasons"]
    if not result.valid:
        assert not result.signature_verified


def _pycose_accepts(cose: bytes) -> bool:
    msg = Sign1Message.decode(cose)
    msg.key = CoseKey.from_pem_public_key(PUBLIC.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    try:
        return bool(msg.verify_signature())
    except Exception:  # noqa: BLE001  # some pycose versions raise instead of returning False
        return False


def _python_cwt_accepts(cose: bytes) -> bool:
    kid = cbor2.loads(cbor2.loads(cose).value[0])[4]
    key = cwt.COSEKey.from_pem(PUBLIC.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        alg=-37, kid=kid)
    try:
        cwt.COSE.new().decode(cose, key)
    except cwt.VerifyError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(CASES))
def test_python_cwt_and_pycose_give_the_same_verdict(name: str) -> None:
    case = CASES[name]
    cose = cose_of(case["text"])
    ours = cccdqr.verify(case["text"], TRUST, now=NOW).signature_verified
    assert _pycose_accepts(cose) is ours
    assert _python_cwt_accepts(cose) is ours
