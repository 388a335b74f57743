"""PS256 EU DCC codes with other PSS salt lengths, signed by peer libraries.

RFC 8230 (section 2) fixes the PSS salt of PS256 at the hash length, 32 bytes.
This script signs one DGC under one TEST-ONLY RSA-2048 signer certificate with
salt lengths 0, 20, 32, 64 and the largest a 2048-bit key allows (222), each
with ``cryptography`` (OpenSSL's PSS encoder, not cccdqr's signer), and the
32-byte case also with pycose and python-cwt. The COSE_Sign1 is put together
with cbor2, so cccdqr's own encoder makes none of these codes; only the text
layer (zlib, Base45, ``HC1:``) is shared.

Output (next to this file): ``cases.json`` (the clock, the signer certificate
PEM, and per case its name, signer, salt length, text and expected verdict)
and ``TEST-ONLY-dsc.pem``. The private key ``TEST-ONLY-dsc-key.pem`` is
committed so the certificate stays the same when the script runs again; it is
TEST-ONLY, anyone can read it, it protects nothing. PSS salts are random, so a
new run changes every signature (and text), never a verdict.

    python vectors/pss-salt/generate.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
KEY_FILE = HERE / "TEST-ONLY-dsc-key.pem"
CERT_FILE = HERE / "TEST-ONLY-dsc.pem"
CASES_FILE = HERE / "cases.json"

NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)
IAT = int(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc).timestamp())
EXP = int(dt.datetime(2027, 6, 1, tzinfo=dt.timezone.utc).timestamp())
SALTS = (0, 20, 32, 64, 222)  # 222 = 256 - 32 - 2: the most a 2048-bit modulus allows

DGC: dict[str, Any] = {
    "ver": "1.3.0",
    "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"},
    "dob": "1990-01-02",
    "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
           "dn": 2, "sd": 2, "dt": "2026-05-01", "co": "VN", "is": "cccdqr TEST-ONLY",
           "ci": "URN:UVCI:01:VN:TESTONLYPSSSALT0000000000000000"}],
}


def _key() -> rsa.RSAPrivateKey:
    if KEY_FILE.exists():
        key = serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    KEY_FILE.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return key


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    if CERT_FILE.exists():
        cert = x509.load_pem_x509_certificate(CERT_FILE.read_bytes())
        if cert.public_key() == key.public_key():
            return cert
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "cccdqr TEST-ONLY PS256 salt DSC")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(0x5A17)
            .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
            .not_valid_after(dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc))
            .sign(key, hashes.SHA256()))
    CERT_FILE.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _b45(data: bytes) -> str:
    """RFC 9285 Base45, written here so no cccdqr code touches the vectors."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    out = []
    for i in range(0, len(data), 2):
        chunk = data[i:i + 2]
        n = int.from_bytes(chunk, "big")
        digits = 3 if len(chunk) == 2 else 2
        for _ in range(digits):
            n, r = divmod(n, 45)
            out.append(alphabet[r])
    return "".join(out)


def _hc1(cose: bytes) -> str:
    return "HC1:" + _b45(zlib.compress(cose, 9))


def _claims() -> bytes:
    return cbor2.dumps({1: "VN", 6: IAT, 4: EXP, -260: {1: DGC}})


def _by_cryptography(key: rsa.RSAPrivateKey, kid: bytes, salt: int) -> bytes:
    protected = cbor2.dumps({1: -37, 4: kid})
    payload = _claims()
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = key.sign(to_be_signed, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                    salt_length=salt), hashes.SHA256())
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


def _by_pycose(key: rsa.RSAPrivateKey, kid: bytes) -> bytes:
    from pycose.algorithms import Ps256
    from pycose.headers import KID, Algorithm
    from pycose.keys import CoseKey
    from pycose.messages import Sign1Message

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    msg = Sign1Message(phdr={Algorithm: Ps256, KID: kid}, uhdr={}, payload=_claims())
    msg.key = CoseKey.from_pem_private_key(pem)
    encoded: bytes = msg.encode(tag=True)
    return encoded


def _by_python_cwt(key: rsa.RSAPrivateKey, kid: bytes) -> bytes:
    import cwt

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    signer = cwt.COSEKey.from_pem(pem, alg=-37, kid=kid)
    signed: bytes = cwt.COSE.new().encode(_claims(), signer, protected={1: -37, 4: kid},
                                          unprotected={})
    return signed


def generate() -> dict[str, Any]:
    key = _key()
    cert = _certificate(key)
    kid = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:8]
    cases = []
    for salt in SALTS:
        cases.append(("cryptography", salt, _by_cryptography(key, kid, salt)))
    cases.append(("pycose", 32, _by_pycose(key, kid)))
    cases.append(("python-cwt", 32, _by_python_cwt(key, kid)))
    doc = {
        "description": "PS256 EU DCC codes with PSS salt lengths other than RFC 8230's 32 bytes "
                       "(TEST-ONLY key); only salt 32 verifies",
        "now": NOW.isoformat().replace("+00:00", "Z"),
        "certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "cases": [{
            "name": f"ps256-salt-{salt}-{signer}",
            "signer": signer,
            "salt_length": salt,
            "text": _hc1(cose),
            "expected": ({"valid": True, "status": "VALID", "reasons": []} if salt == 32 else
                         {"valid": False, "status": "INVALID", "reasons": ["BAD_SIGNATURE"]}),
        } for signer, salt, cose in cases],
    }
    CASES_FILE.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


if __name__ == "__main__":
    made = generate()
    print(f"wrote {len(made['cases'])} cases to {CASES_FILE}", file=sys.stderr)
