"""Keys in a PKCS#11 token (issue 15, item 4), against a real SoftHSM2 token.

``cccdqr keygen --pkcs11`` makes the key pair in the token and writes the trust
entry; ``cccdqr issue --pkcs11`` signs in the token; the code verifies with
cccdqr, with python-cwt and with bare ``cryptography``; the private key is
sensitive and was never extractable; the PIN never comes from a flag value.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import cbor2
import cwt
import pkcs11 as p11
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import cccdqr
from cccdqr.trust import pkcs11
from cccdqr.wire import cose

import helpers
from softhsm_token import Token


AT = "2026-11-01T00:00:00Z"
PERSON = ("--id", "001303004567", "--name", "Trần Thị Bình", "--dob", "2003-02-11",
          "--sex", "female", "--dose", "EU/1/20/1528,1/2,2021-10-01")


run = helpers.run_cli


@pytest.fixture
def token_key(softhsm: Token, tmp_path: Path, capsys: pytest.CaptureFixture[str],
              request: pytest.FixtureRequest) -> tuple[str, Path]:
    """A fresh key in the token (labelled after the test) and its trust list."""
    uri = softhsm.uri(f"k-{request.node.name}"[:60])
    trust = tmp_path / "trust.json"
    code, out, err = run(capsys, "keygen", "--pkcs11", uri, "--pin-file", str(softhsm.pin_file),
                         "--trust", str(trust), "--at", "2026-01-01T00:00Z")
    assert code == 0, err
    assert "not extractable" in out
    return uri, trust


def test_keygen_issue_verify_through_the_token(softhsm: Token, token_key: tuple[str, Path],
                                               capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    uri, trust = token_key
    code, text, err = run(capsys, "issue", "--pkcs11", uri, "--pin-file", str(softhsm.pin_file),
                          *PERSON, "--at", AT, "--valid-days", "30")
    assert code == 0, err
    assert text.startswith("VN1:")
    (tmp_path / "c.txt").write_text(text)
    code, out, _ = run(capsys, "verify", "--trust", str(trust), "--at", "2026-11-02T00:00Z",
                       "--json", "--file", str(tmp_path / "c.txt"))
    assert code == 0, out
    assert '"VALID"' in out

    # The same bytes, checked by two other implementations with the trust entry's public key.
    entry = cccdqr.TrustStore.load(trust).keys[0]
    raw = helpers.raw_sign1(text.strip())
    pem = entry.public_key.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    payload = cwt.COSE.new().decode(raw, cwt.COSEKey.from_pem(pem, alg=-7, kid=entry.kid))
    assert cbor2.loads(payload)[-65537][1][1] == "001303004567"

    sign1 = cbor2.loads(raw)
    assert sign1.tag == 18
    protected, _, body, signature = sign1.value
    assert cbor2.loads(protected) == {1: -7, 4: entry.kid}
    assert len(signature) == 64  # raw r||s, as COSE carries it (not DER)
    tbs = cbor2.dumps(["Signature1", protected, b"", body])
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    assert isinstance(entry.public_key, ec.EllipticCurvePublicKey)
    entry.public_key.verify(der, tbs, ec.ECDSA(hashes.SHA256()))


def test_the_private_key_is_sensitive_and_never_extractable(softhsm: Token,
                                                            token_key: tuple[str, Path]) -> None:
    uri, _ = token_key
    parsed = pkcs11.parse_uri(uri)
    label = parsed.object
    # A session of this process's login (keygen logged in here: a login is per process).
    with pkcs11._session(parsed, softhsm.module, softhsm.pin, rw=False) as session:
        key = session.get_key(object_class=p11.ObjectClass.PRIVATE_KEY, label=label)
        assert key[p11.Attribute.EXTRACTABLE] is False
        assert key[p11.Attribute.NEVER_EXTRACTABLE] is True
        assert key[p11.Attribute.SENSITIVE] is True
        assert key[p11.Attribute.ALWAYS_SENSITIVE] is True
        assert key[p11.Attribute.TOKEN] is True
        with pytest.raises(p11.PKCS11Error):  # the token will not hand out the private value
            key[p11.Attribute.VALUE]


def test_a_token_key_signs_es256_and_cannot_leave_the_process(softhsm: Token,
                                                              token_key: tuple[str, Path]) -> None:
    uri, trust = token_key
    spec = pkcs11.TokenKeySpec(uri=uri, pin_file=str(softhsm.pin_file))
    blob = pickle.dumps(spec)
    assert softhsm.pin.encode() not in blob  # where the PIN is travels, never the PIN
    with pickle.loads(blob).open() as key:
        issuer = cccdqr.Issuer(key)
        assert cose.spki_kid(key.public_key()) == cccdqr.TrustStore.load(trust).keys[0].kid
        text = issuer.issue(helpers.certificate(3), now=helpers.NOW,
                            valid_for=helpers.dt.timedelta(days=30))
        result = cccdqr.verify(text, cccdqr.TrustStore.load(trust), now=helpers.NOW)
        assert result.valid, result.reasons
        der = key.sign(b"data", ec.ECDSA(hashes.SHA256()))
        key.public_key().verify(der, b"data", ec.ECDSA(hashes.SHA256()))
        with pytest.raises(TypeError):
            pickle.dumps(key)
        with pytest.raises(TypeError):
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        with pytest.raises(ValueError, match="RFC 6979"):
            key.sign(b"data", ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    assert "TokenKey" in repr(key)


def test_the_pin_comes_from_the_environment_and_a_wrong_pin_is_exit_2(
        softhsm: Token, token_key: tuple[str, Path], tmp_path: Path) -> None:
    """In a fresh process each time: a PKCS#11 login belongs to the process."""
    uri, _ = token_key
    env = {**os.environ, pkcs11.PIN_ENV: softhsm.pin}
    cmd = [sys.executable, "-c", "from cccdqr.cli import main; main()",
           "issue", "--pkcs11", uri, *PERSON, "--at", AT]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("VN1:")
    env[pkcs11.PIN_ENV] = "0000"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "refused the PIN" in done.stderr and "0000" not in done.stderr
    del env[pkcs11.PIN_ENV]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no PIN" in done.stderr


@pytest.mark.parametrize("argv, message", [
    (("--pkcs11", "pkcs11:token=cccdqr-test;object=nope"), "0 private keys"),
    (("--pkcs11", "pkcs11:token=no-such-token;object=k"), "0 tokens match"),
    (("--pkcs11", "pkcs11:token=cccdqr-test;object=k?pin-value=1234"), "pin-value is refused"),
    (("--pkcs11", "pkcs11:token=cccdqr-test;objet=k"), "unknown path attribute"),
    (("--pkcs11", "slot=1"), "starts with 'pkcs11:'"),
    (("--key", "k.pem", "--pkcs11", "pkcs11:object=k"), "not both"),
    (("--pin-file", "pin"), "go with --pkcs11"),
])
def test_bad_token_options_are_usage_errors(softhsm: Token, capsys: pytest.CaptureFixture[str],
                                            argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(capsys, "issue", *argv, "--pin-file", str(softhsm.pin_file),
                         *PERSON, "--at", AT) if "--pin-file" not in argv else \
        run(capsys, "issue", *argv, *PERSON, "--at", AT)
    assert code == 2
    assert message in " ".join(err.split())
    assert softhsm.pin not in err


def test_keygen_refuses_a_label_the_token_already_holds(softhsm: Token, token_key: tuple[str, Path],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    uri, trust = token_key
    code, _, err = run(capsys, "keygen", "--pkcs11", uri, "--pin-file", str(softhsm.pin_file),
                       "--trust", str(trust))
    assert code == 2 and "already holds" in err
    assert len(cccdqr.TrustStore.load(trust)) == 1


def test_uri_parsing_follows_rfc_7512() -> None:
    uri = pkcs11.parse_uri("pkcs11:token=My%20Token;object=vn%3B2026;id=%01%FF;type=private"
                           "?module-path=/usr/lib/x.so&pin-source=file:/run/pin")
    assert uri.token == "My Token" and uri.object == "vn;2026"
    assert uri.key_id == b"\x01\xff"
    assert uri.query == {"module-path": "/usr/lib/x.so", "pin-source": "file:/run/pin"}
    for bad in ("pkcs11:object=a;object=b", "pkcs11:token=t", "pkcs11:object=k;type=cert",
                "pkcs11:object=k;novalue", "pkcs11:object=k?pin-value=1"):
        with pytest.raises(pkcs11.Pkcs11Error):
            pkcs11.parse_uri(bad)
    assert pkcs11.parse_uri("PKCS11:object=k;x-vendor=1").object == "k"


def test_the_pin_file_of_the_uri_pin_source(tmp_path: Path) -> None:
    pin = tmp_path / "pin"
    pin.write_text("4321\r\n")
    uri = pkcs11.parse_uri(f"pkcs11:object=k?pin-source=file:{pin}")
    assert pkcs11.read_pin(uri=uri, env="CCCDQR_TEST_UNSET") == "4321"
    with pytest.raises(pkcs11.Pkcs11Error, match="no PIN"):
        pkcs11.read_pin(env="CCCDQR_TEST_UNSET")
