"""A throw-away SoftHSM2 token for the tests: its own config and token folder
under a temporary directory, initialised with ``softhsm2-util --init-token --free``.

SoftHSM2 reads ``SOFTHSM2_CONF`` once, when a process first loads the module,
so the fixture is session-wide: every test in the run shares one token (each
test makes keys with its own label) and subprocesses inherit the variable.
It is registered once, in ``tests/batch/conftest.py``: importing it into two test
modules would make two session tokens, and the second would move ``SOFTHSM2_CONF``
away from the token this process already loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LABEL = "cccdqr-test"
PIN = "1234-test-only"
SO_PIN = "5678-test-only"


@dataclass(frozen=True)
class Token:
    label: str
    pin: str
    pin_file: Path
    module: str

    def uri(self, obj: str) -> str:
        return f"pkcs11:token={self.label};object={obj}"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    util = shutil.which("softhsm2-util")
    from cccdqr.trust.pkcs11 import DEFAULT_MODULES

    module = next((m for m in DEFAULT_MODULES if Path(m).is_file()), None)
    if util is None or module is None:  # make setup installs softhsm2: a failure, not a skip
        pytest.fail("SoftHSM2 is not installed (Debian package softhsm2; run make setup)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run([util, "--init-token", "--free", "--label", LABEL, "--so-pin", SO_PIN,
                    "--pin", PIN], check=True, capture_output=True)
    pin_file = root / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    yield Token(label=LABEL, pin=PIN, pin_file=pin_file, module=module)
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before
