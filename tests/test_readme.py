"""The README's examples run as they are written.

The Python blocks run in one namespace, in order. The shell block of "Use it
from the shell" runs line by line through ``bash`` with the installed
``cccdqr`` command, in a folder holding the files the README says an issuer
receives from elsewhere; each line's exit code and output are pinned below,
so a change to a command, a flag, an output line or an exit code fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cccdqr import Status, VerificationResult
from cccdqr.testing import _formats
from cccdqr.testkeys import test_es256_key

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str, after: str = "") -> list[str]:
    text = README.read_text(encoding="utf-8")
    text = text[text.index(after):] if after else text
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def _shell_lines() -> list[str]:
    """Commands of the shell block, continuation lines joined, comments kept."""
    block = _blocks("sh", after="## Use it from the shell")[0]
    joined = block.replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


# (start of the command, exit code, text its output must hold). The README's
# "# exit N" comments must agree with the exit code here.
EXPECTED: list[tuple[str, int, tuple[str, ...]]] = [
    ("cccdqr keygen", 0, ("private key  issuer.pem (ES256; keep it secret)", "1 keys")),
    ("cccdqr issue --key issuer.pem", 0, ("QR version 10-M written to cert.png",)),
    ("cccdqr render", 0, ("cert.svg: QR version 10-M, alphanumeric mode, 57×57 modules",)),
    ("cccdqr scan cert.png | cccdqr verify", 0, ("✔ VALID", "Name: Nguyễn Văn An",
                                                  "Revocation was not checked")),
    ("cccdqr verify --file cert.txt --trust trust.json --at 2028", 1,
     ('"status": "INVALID"', '"EXPIRED"', "Chứng nhận đã hết hạn")),
    ("cccdqr inspect", 0, ("UNVERIFIED: signature not checked", "expires 2027-11-23")),
    ("cccdqr revoke add", 0, ("added 1 new ids; 1 in revoked.sqlite",)),
    ("cccdqr revoke mark-updated", 0, ("marked up to date at 2026-12-01T00:00:00+00:00",)),
    ("cccdqr revoke count", 0, ("revoked.sqlite: 1 entries  cti=1",)),
    ("cccdqr verify --file cert.txt --trust trust.json --at 2026-12-01 --policy", 0,
     ("✔ VALID", "✔ Meets the rules (vaccination)", "✔ Card and certificate match")),
    ("cccdqr trust add", 0, ("(ES256); 2 keys",)),
    ("cccdqr trust list", 0, ("issuer=VN types=vtr  2020-01-01T00:00:00+00:00 .. 2040",)),
    ("cccdqr issue --format HC1", 0, ()),
    ("cccdqr verify --file eu.txt", 0, ("✔ VALID", "format HC1 · alg ES256")),
    ("cccdqr trust sign", 0, ("signed 2 keys into trust.signed.json",)),
    ("cccdqr trust verify", 0, ("signature and window hold", "2 keys, 0 authorities")),
    ("cccdqr verify --file cert.txt --trust trust.signed.json --trust-root", 0, ("✔ VALID",)),
    ("cccdqr verify --file cert.txt --trust trust.signed.json --at", 2,
     ("give its root key with --trust-root",)),
]


def _received_files(folder: Path) -> None:
    """What the README says an issuer gets from elsewhere (TEST-ONLY keys)."""
    pem = serialization.Encoding.PEM
    private = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    dsc_key = test_es256_key("readme DSC")
    (folder / "dsc-key.pem").write_bytes(dsc_key.private_bytes(pem, *private))
    (folder / "dsc.pem").write_bytes(_formats.dsc(dsc_key).public_bytes(pem))
    root = test_es256_key("readme trust-list root")
    (folder / "root.pem").write_bytes(root.private_bytes(pem, *private))
    (folder / "root.pub.pem").write_bytes(root.public_key().public_bytes(
        pem, serialization.PublicFormat.SubjectPublicKeyInfo))


def test_the_shell_block_is_the_pinned_list() -> None:
    lines = _shell_lines()
    starts = [start for start, _, _ in EXPECTED]
    assert len(lines) == len(starts)
    assert [line[:len(start)] for line, start in zip(lines, starts, strict=True)] == starts
    for line, (_, code, _) in zip(lines, EXPECTED, strict=True):
        said = re.search(r"# exit (\d)", line)
        assert said is None or int(said.group(1)) == code, line


def test_the_shell_block_runs(tmp_path: Path) -> None:
    _received_files(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("LANGUAGE", None)
    for line, (_, code, wanted) in zip(_shell_lines(), EXPECTED, strict=True):
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        output = done.stdout + done.stderr
        assert done.returncode == code, f"{line}\n{output}"
        for text in wanted:
            assert text in output, f"{line}\nmissing {text!r} in\n{output}"
    assert (tmp_path / "cert.txt").read_text().startswith("VN1:")
    assert (tmp_path / "eu.txt").read_text().startswith("HC1:")
    assert json.loads((tmp_path / "trust.signed.json").read_text())


def test_the_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    blocks = _blocks("python")
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102  # our own README
    result = namespace["result"]
    assert isinstance(result, VerificationResult)
    assert result.status is Status.VALID and result.policy is not None
    assert str(namespace["text"]).startswith("VN1:")
