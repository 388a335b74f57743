"""docs/SECURITY.md names the test behind each control: every one it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")


def _references() -> list[tuple[str, str]]:
    """(file, test) pairs: `tests/x.py::test_y` and the `::test_z` that follow it in a cell."""
    found: list[tuple[str, str]] = []
    for cell in re.split(r"\|", DOC):
        current = None
        for m in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(test_\w+))?`", cell):
            if m[1]:
                current = m[1]
            if m[2]:
                assert current is not None, f"::{m[2]} has no file before it"
                found.append((current, m[2]))
    return found


def test_the_doc_names_tests() -> None:
    assert len(_references()) >= 30


def test_every_named_test_exists() -> None:
    missing = []
    for path, name in _references():
        source = ROOT / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, f"SECURITY.md names tests that do not exist: {missing}"


def test_every_named_file_exists() -> None:
    for path in set(re.findall(r"`(tests/[\w/]+\.(?:py|md))", DOC)):
        assert (ROOT / path).exists(), path
