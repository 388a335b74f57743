"""The `cccdqr` command, run in-process: exit codes, files written, output."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from cccdqr import TrustStore
from cccdqr.cli.common import default_lang

import helpers

AT = "2026-11-01T00:00:00Z"


run = helpers.run_cli


@pytest.fixture
def issued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    key, trust, cert = tmp_path / "k.pem", tmp_path / "trust.json", tmp_path / "c.txt"
    code, _, _ = run(capsys, "keygen", "--alg", "Ed25519", "--key-out", str(key),
                     "--trust", str(trust), "--at", "2026-01-01T00:00Z")
    assert code == 0
    code, out, _ = run(capsys, "issue", "--key", str(key), "--id", "001303004567",
                       "--name", "Trần Thị Bình", "--dob", "2003-02-11", "--sex", "female",
                       "--dose", "EU/1/20/1528,1/2,2021-10-01", "--dose", "VN-NANOCOVAX,2/2,2021-11-01",
                       "--at", AT, "--valid-days", "30")
    assert code == 0 and out.startswith("VN1:")
    cert.write_text(out)
    return key, trust, cert


def test_keygen_writes_a_private_key_only_the_owner_can_read(issued: tuple[Path, Path, Path]) -> None:
    key, trust, _ = issued
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    store = TrustStore.load(trust)
    assert len(store) == 1 and store.keys[0].issuer == "VN"


def test_keygen_refuses_to_overwrite_a_key(issued: tuple[Path, Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    key, trust, _ = issued
    code, _, err = run(capsys, "keygen", "--key-out", str(key), "--trust", str(trust))
    assert code == 2 and "--force" in err


@pytest.mark.parametrize("at, lang, exit_code, word", [
    ("2026-11-02T00:00Z", "en", 0, "VALID"),
    ("2027-01-01T00:00Z", "en", 1, "EXPIRED"),
    ("2027-01-01T00:00Z", "vi", 1, "hết hạn"),
])
def test_verify_exit_codes_and_language(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str],
                                        at: str, lang: str, exit_code: int, word: str) -> None:
    _, trust, cert = issued
    code, out, _ = run(capsys, "verify", "--file", str(cert), "--trust", str(trust),
                       "--at", at, "--lang", lang)
    assert code == exit_code
    assert word in out


def test_verify_unknown_key_is_cannot_check(issued: tuple[Path, Path, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cert = issued
    other = tmp_path / "other.json"
    run(capsys, "keygen", "--key-out", str(tmp_path / "k2.pem"), "--trust", str(other))
    code, out, _ = run(capsys, "verify", "--file", str(cert), "--trust", str(other), "--at", AT)
    assert code == 3 and "UNKNOWN_KID" in out


def test_verify_json_output(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, cert = issued
    code, out, _ = run(capsys, "verify", "--json", "--file", str(cert), "--trust", str(trust),
                       "--at", AT)
    doc = json.loads(out)
    assert code == 0 and doc["valid"] is True and doc["status"] == "VALID"
    assert doc["certificate"]["subject"]["name"] == "Trần Thị Bình"
    assert doc["certificate"]["vaccinations"][1]["product"] == "VN-NANOCOVAX"


def test_verify_reads_stdin(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    _, trust, cert = issued
    monkeypatch.setattr("sys.stdin", io.StringIO(cert.read_text() + "\r\n"))
    code, _, _ = run(capsys, "verify", "--trust", str(trust), "--at", AT)
    assert code == 0


@pytest.mark.parametrize("argv", [
    ("verify", "--file", "/nonexistent/c.txt"),
    ("verify", "VN1:X", "--trust", "/nonexistent/trust.json"),
    ("verify", "VN1:X", "--trust", "/dev/null"),
])
def test_unreadable_input_exits_2(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str],
                                  argv: tuple[str, ...]) -> None:
    _, trust, _ = issued
    if "--trust" not in argv:
        argv = (*argv, "--trust", str(trust))
    code, _, err = run(capsys, *argv)
    assert code == 2 and "cccdqr:" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "verify", "--at", "not-a-time", "--trust", "t.json")
    assert code == 2


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", "--help")
    assert code == 0
    assert "0 valid" in out and "1 invalid" in out and "2 usage" in out and "3 cannot check" in out


def test_issue_refuses_a_bad_cccd_number(issued: tuple[Path, Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    key = issued[0]
    code, out, err = run(capsys, "issue", "--key", str(key), "--id", "001203004567",
                         "--name", "X", "--dob", "2003-02-11", "--sex", "female",
                         "--dose", "EU/1/20/1528,1/2,2021-10-01", "--at", AT)
    assert code == 2 and out == "" and "sex digit" in err


def test_issue_from_json(issued: tuple[Path, Path, Path], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    key, trust, _ = issued
    doc = {"subject": {"id_number": "079095012345", "name": "Nguyễn Văn An", "dob": "1995-08-15",
                       "sex": "male"},
           "tests": [{"test_type": "LP217198-3", "sampled_at": "2026-10-31T08:00:00Z",
                      "result": 260415000}]}
    (tmp_path / "c.json").write_text(json.dumps(doc, ensure_ascii=False))
    code, out, _ = run(capsys, "issue", "--key", str(key), "--json", str(tmp_path / "c.json"),
                       "--at", AT)
    assert code == 0
    code, verdict, _ = run(capsys, "verify", out.strip(), "--trust", str(trust), "--at", AT,
                           "--json")
    assert code == 0
    assert json.loads(verdict)["certificate"]["tests"][0]["test_type"] == "LP217198-3"


def test_inspect_says_unverified(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "--file", str(issued[2]), "--lang", "en")
    assert code == 0 and "UNVERIFIED" in out and "Trần Thị Bình" in out
    code, out, _ = run(capsys, "inspect", "VN1:%%%", "--json")
    assert code == 1 and json.loads(out)["problems"] == ["BAD_BASE45"]


def test_trust_add_list_remove(issued: tuple[Path, Path, Path], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives import serialization

    from cccdqr.testkeys import test_es256_key

    pem = test_es256_key("cli").public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "pub.pem").write_bytes(pem)
    trust = tmp_path / "t.json"
    code, out, _ = run(capsys, "trust", "add", str(tmp_path / "pub.pem"), "--trust", str(trust),
                       "--issuer", "VN", "--record-types", "t")
    assert code == 0
    kid = TrustStore.load(trust).keys[0].kid.hex()
    code, out, _ = run(capsys, "trust", "list", "--trust", str(trust))
    assert code == 0 and kid in out and "types=t " in out
    code, _, _ = run(capsys, "trust", "remove", kid, "--trust", str(trust))
    assert code == 0 and len(TrustStore.load(trust)) == 0
    code, _, err = run(capsys, "trust", "remove", kid, "--trust", str(trust))
    assert code == 2 and "no key" in err


def test_render_then_scan(issued: tuple[Path, Path, Path], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    cert = issued[2]
    png = tmp_path / "c.png"
    code, out, _ = run(capsys, "render", "--file", str(cert), "--out", str(png))
    assert code == 0 and "version 10" in out and "alphanumeric" in out
    code, out, _ = run(capsys, "scan", str(png))
    assert code == 0 and out.strip() == cert.read_text().strip()


@pytest.mark.parametrize("env, expected", [
    ({"LANG": "vi_VN.UTF-8"}, "vi"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "vi_VN", "LANG": "en_US"}, "vi"),
])
def test_default_language_follows_the_locale(monkeypatch: pytest.MonkeyPatch,
                                             env: dict[str, str], expected: str) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert default_lang() == expected


# --- the signed trust list ---------------------------------------------------------------

def _root_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    root_key, scratch = tmp_path / "root.pem", tmp_path / "root-trust.json"
    assert run(capsys, "keygen", "--key-out", str(root_key), "--trust", str(scratch))[0] == 0
    store = TrustStore.load(scratch)
    root_pub = tmp_path / "root.pub.pem"
    root_pub.write_bytes(json.loads(store.to_json())["keys"][0]["public_key"].encode())
    return root_key, root_pub


def test_trust_sign_and_verify(issued: tuple[Path, Path, Path], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, cert = issued
    root_key, root_pub = _root_keys(tmp_path, capsys)
    signed = tmp_path / "trust.signed.json"
    code, out, _ = run(capsys, "trust", "sign", "--trust", str(trust), "--key", str(root_key),
                       "--valid-days", "30", "--out", str(signed), "--at", AT)
    assert code == 0 and "signed 1 keys" in out
    assert run(capsys, "trust", "verify", str(signed), "--trust-root", str(root_pub),
               "--at", "2026-11-02T00:00Z")[0] == 0
    # verify with the signed list inside its window, and refuse it outside (exit 3)
    base = ("verify", "--file", str(cert), "--trust", str(signed), "--trust-root", str(root_pub))
    assert run(capsys, *base, "--at", "2026-11-02T00:00Z")[0] == 0
    code, _, err = run(capsys, *base, "--at", "2026-12-05T00:00Z")
    assert code == 3 and "expired" in err
    # a signed list without its root is a usage error; an unsigned list with a root is refused
    code, _, err = run(capsys, "verify", "--file", str(cert), "--trust", str(signed),
                       "--at", "2026-11-02T00:00Z")
    assert code == 2 and "--trust-root" in err
    code, _, err = run(capsys, "verify", "--file", str(cert), "--trust", str(trust),
                       "--trust-root", str(root_pub), "--at", "2026-11-02T00:00Z")
    assert code == 3 and "refused" in err


def test_a_tampered_signed_list_is_refused(issued: tuple[Path, Path, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, _ = issued
    root_key, root_pub = _root_keys(tmp_path, capsys)
    signed = tmp_path / "trust.signed.json"
    run(capsys, "trust", "sign", "--trust", str(trust), "--key", str(root_key), "--out", str(signed),
        "--at", AT)
    doc = json.loads(signed.read_text())
    cose = bytearray(base64.b64decode(doc["cose"]))
    cose[len(cose) // 2] ^= 0x20
    doc["cose"] = base64.b64encode(bytes(cose)).decode()
    signed.write_text(json.dumps(doc))
    code, _, err = run(capsys, "trust", "verify", str(signed), "--trust-root", str(root_pub),
                       "--at", "2026-11-02T00:00Z")
    assert code == 3 and "refused" in err


def test_trust_add_authority_and_crl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = helpers.shared("vectors", "vds-nc")
    trust = tmp_path / "t.json"
    assert run(capsys, "trust", "add", str(shared / "au_csca.der"), "--authority",
               "--trust", str(trust))[0] == 0
    assert run(capsys, "trust", "add", str(shared / "au_csca_crl.der"), "--crl",
               "--trust", str(trust))[0] == 0
    store = TrustStore.load(trust)
    assert len(store.authorities) == 1 and len(store.crls) == 1 and len(store) == 0
    assert store.authorities[0].subject.rfc4514_string().endswith("C=AU")


# --- revocation and policy ---------------------------------------------------------------

def _cti(cert: Path) -> str:
    from cccdqr import inspect

    found = inspect(cert.read_text().strip()).certificate_id
    assert found is not None
    return found


def test_revoke_add_then_verify_says_revoked(issued: tuple[Path, Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, cert = issued
    db = tmp_path / "revoked.sqlite"
    at = "2026-11-02T00:00Z"
    code, out, _ = run(capsys, "revoke", "add", "--db", str(db), "--valid-days", "7",
                       _cti(cert), "--at", at)
    assert code == 0 and "added 1 new" in out
    base = ("verify", "--file", str(cert), "--trust", str(trust), "--revocation", str(db), "--json")
    code, out, _ = run(capsys, *base, "--at", at)
    assert code == 1 and json.loads(out)["reasons"] == ["REVOKED"]
    code, out, _ = run(capsys, "revoke", "count", "--db", str(db), "--at", at)
    assert code == 0 and "cti=1" in out and "fresh" in out


def test_revoke_import_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, source, exported = tmp_path / "r.sqlite", tmp_path / "ids.txt", tmp_path / "out.csv"
    ids = [f"{i:024x}" for i in range(1, 501)]
    source.write_text("# cti list\n" + "\n".join(ids) + "\n")
    code, out, _ = run(capsys, "revoke", "import", str(source), "--format", "text", "--db", str(db))
    assert code == 0 and "500 new" in out
    assert run(capsys, "revoke", "export", "--db", str(db), "--out", str(exported))[0] == 0
    rows = exported.read_text().splitlines()
    assert rows[0] == "kind,id" and sorted(r.split(",")[1] for r in rows[1:]) == ids
    # a never-marked list is stale: verify would say so
    assert "STALE" in run(capsys, "revoke", "count", "--db", str(db))[1]


def test_revoke_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.sqlite"
    assert run(capsys, "revoke", "add", "--db", str(db), "zz")[0] == 2
    assert run(capsys, "revoke", "add", "--db", str(db), "--uvci", "URN:UVCI:01:VN:X")[0] == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("00112233445566778899aabb\nnot-hex\n")
    code, _, err = run(capsys, "revoke", "import", str(bad), "--format", "text", "--db", str(db))
    assert code == 2 and "line 2" in err
    code, out, _ = run(capsys, "revoke", "add", "--db", str(db), "--uvci", "URN:UVCI:01:VN:X",
                       "--country", "VN")
    assert code == 0 and "added 2 new" in out


def test_verify_with_a_policy(issued: tuple[Path, Path, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, cert = issued
    base = ("verify", "--file", str(cert), "--trust", str(trust), "--at", "2026-11-02T00:00Z")
    code, out, _ = run(capsys, *base, "--policy", "default", "--lang", "en")
    assert code == 0 and "Meets the rules" in out
    # the same genuine code fails a policy that accepts no product: exit 1, rules listed
    strict = tmp_path / "strict.toml"
    strict.write_text('[vaccination.products]\naccepted = ["EU/1/21/1618"]\n')
    code, out, _ = run(capsys, *base, "--policy", str(strict), "--json")
    result = json.loads(out)
    assert code == 1 and result["valid"] is True and result["policy"]["passed"] is False
    code, _, err = run(capsys, *base, "--policy", str(tmp_path / "missing.toml"))
    assert code == 2 and "policy" in err


# --- card binding and SMART Health Card keys ---------------------------------------------

CARD = "001303004567||Trần Thị Bình|11022003|Nữ|Hà Nội|01012022"


@pytest.mark.parametrize(("card", "exit_code", "reasons"), [
    (CARD, 0, []),
    (CARD.replace("Trần Thị Bình", "TRAN THI BINH"), 0, []),  # folded names match
    (CARD.replace("Trần Thị Bình", "Trần Thị Bính"), 0, []),  # tone marks fold away too
    (CARD.replace("Trần Thị Bình", "Lê Văn Cường").replace("|Nữ|", "|Nam|")
     .replace("001303004567", "001203004567"), 1, ["ID_MISMATCH", "NAME_MISMATCH"]),
])
def test_verify_binds_the_card(issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str],
                               card: str, exit_code: int, reasons: list[str]) -> None:
    _, trust, cert = issued
    code, out, _ = run(capsys, "verify", "--file", str(cert), "--trust", str(trust), "--card", card,
                       "--at", "2026-11-02T00:00Z", "--json")
    doc = json.loads(out)
    assert code == exit_code and doc["valid"] is True
    assert doc["binding"]["matched"] is (exit_code == 0) and doc["binding"]["reasons"] == reasons


def test_verify_with_an_unreadable_card_is_a_usage_error(
        issued: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, trust, cert = issued
    code, _, err = run(capsys, "verify", "--file", str(cert), "--trust", str(trust),
                       "--card", "001303004567|x", "--at", "2026-11-02T00:00Z")
    assert code == 2 and "CARD_FIELD_COUNT" in err


def test_trust_add_jwks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shc = helpers.shared("vectors", "shc")
    issuer = json.loads((shc / "spec-examples" / "example-00-b-jws-payload-expanded.json")
                        .read_text())["iss"]
    trust = tmp_path / "t.json"
    code, out, _ = run(capsys, "trust", "add", str(shc / "issuer-jwks.json"), "--jwks",
                       "--issuer", issuer, "--trust", str(trust))
    assert code == 0 and "added 2 keys" in out
    text = (shc / "spec-examples" / "example-00-f-qr-code-numeric-value-0.txt").read_text()
    code, out, _ = run(capsys, "verify", text, "--trust", str(trust), "--at", "2023-07-01T00:00Z",
                       "--json")
    assert code == 0 and json.loads(out)["format"] == "SHC"
    assert run(capsys, "trust", "add", str(shc / "issuer-jwks.json"), "--jwks",
               "--trust", str(trust))[0] == 2  # the issuer is required


def test_issue_an_eu_dcc_and_verify_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    from cccdqr import testkeys

    key = testkeys.test_es256_key("cli hc1")  # TEST-ONLY
    name = x509.Name([x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Ban Co Yeu")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    dsc = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(7).not_valid_before(start)
           .not_valid_after(start + dt.timedelta(days=730)).sign(key, hashes.SHA256()))
    key_pem, dsc_pem, trust = tmp_path / "k.pem", tmp_path / "dsc.pem", tmp_path / "t.json"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    dsc_pem.write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    code, out, err = run(capsys, "issue", "--format", "HC1", "--key", str(key_pem),
                         "--certificate", str(dsc_pem), "--name", "Nguyễn Bảo Duy",
                         "--dob", "1983-10-10", "--dose", "EU/1/21/1529,2/2,2021-03-18", "--at", AT)
    assert code == 0 and out.startswith("HC1:"), err
    assert run(capsys, "trust", "add", str(dsc_pem), "--trust", str(trust))[0] == 0
    code, verified, _ = run(capsys, "verify", out.strip(), "--trust", str(trust), "--json",
                            "--at", "2026-11-02T00:00Z")
    doc = json.loads(verified)
    assert code == 0 and doc["format"] == "HC1" and doc["issuer"] == "VN"
    assert run(capsys, "issue", "--format", "HC1", "--key", str(key_pem), "--name", "A B",
               "--dob", "1990", "--dose", "EU/1/21/1529,1/2,2021-03-18")[0] == 2  # no certificate


def test_revoke_import_of_a_smart_health_card_crl(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    shc = helpers.shared("vectors", "shc")
    [crl] = shc.glob("issuer-crl-*.json")
    issuer = json.loads((shc / "spec-examples" / "example-00-b-jws-payload-expanded.json")
                        .read_text())["iss"]
    trust, db = tmp_path / "t.json", tmp_path / "r.sqlite"
    run(capsys, "trust", "add", str(shc / "issuer-jwks.json"), "--jwks", "--issuer", issuer,
        "--trust", str(trust))
    code, out, _ = run(capsys, "revoke", "import", str(crl), "--format", "shc-crl", "--db", str(db),
                       "--valid-days", "0", "--at", "2023-07-01T00:00Z")
    assert code == 0 and "rids" in out
    revoked = (shc / "spec-examples" / "example-03-f-qr-code-numeric-value-0.txt").read_text()
    base = ("verify", revoked, "--trust", str(trust), "--at", "2023-07-01T00:00Z", "--json")
    assert json.loads(run(capsys, *base)[1])["valid"] is True  # no list: genuine
    code, out, _ = run(capsys, *base, "--revocation", str(db))
    assert code == 1 and json.loads(out)["reasons"] == ["REVOKED"]
