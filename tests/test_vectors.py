"""The committed test vectors: each verifies as its expectation says, scanned
from its images, and regenerating them gives byte-identical files."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "vectors"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    return _load(ROOT / "readers" / "check_vectors.py", "cccdqr_check_vectors")


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _load(VECTORS / "generate.py", "cccdqr_vectors_generate")


def _cases() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(VECTORS.glob("*.json"))
            if p.name != "trust.json"]


def test_every_vector_verifies_as_expected(checker: ModuleType) -> None:
    checks = checker.check_folder(VECTORS)
    mismatches = [c for c in checks if not c.ok]
    assert not mismatches
    assert len({c.case for c in checks}) == len(_cases())


def test_the_set_covers_the_acceptance_list() -> None:
    cases = _cases()
    assert len(cases) >= 30
    valid = [c for c in cases if c["expected"]["status"] == "VALID"]
    assert len(valid) >= 5
    cameras = [c for c in valid if (VECTORS / f"{c['name']}.camera.jpg").exists()]
    assert len(cameras) >= 5
    statuses = {c["expected"]["status"] for c in cases}
    assert statuses == {"VALID", "INVALID", "CANNOT_CHECK"}
    for c in cases:
        assert (VECTORS / f"{c['name']}.txt").exists()
        assert (VECTORS / f"{c['name']}.png").exists() is c["png"]
        assert c["expected"]["valid"] is (c["expected"]["status"] == "VALID")
    assert any(not c["png"] for c in cases)  # the oversize case


def test_checker_reports_a_wrong_expectation(checker: ModuleType, tmp_path: Path) -> None:
    for name in ("trust.json", "valid-es256-1-dose.txt", "valid-es256-1-dose.png"):
        (tmp_path / name).write_bytes((VECTORS / name).read_bytes())
    doc = json.loads((VECTORS / "valid-es256-1-dose.json").read_text(encoding="utf-8"))
    doc["expected"] = {"valid": False, "status": "INVALID", "reasons": ["EXPIRED"]}
    (tmp_path / "valid-es256-1-dose.json").write_text(json.dumps(doc), encoding="utf-8")
    assert checker.main([str(tmp_path)]) == 1
    assert checker.main([str(VECTORS)]) == 0


def test_regeneration_is_byte_identical(generator: ModuleType, tmp_path: Path) -> None:
    generator.generate(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in VECTORS.iterdir()
                       if p.is_file() and p.name not in ("generate.py", "README.md"))
    assert made == committed
    for name in made:
        assert (tmp_path / name).read_bytes() == (VECTORS / name).read_bytes(), name
