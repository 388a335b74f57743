"""Every benchmark in bench/ runs on tiny input (``--quick``) and returns a report.

Benchmarks are not tests: no figure is asserted here, only that each one still
runs, so ``make bench`` does not rot between runs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_smoke_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


RUNNER = _load(BENCH / "run.py")


@pytest.mark.parametrize("path", RUNNER.benchmarks(), ids=lambda p: p.stem)
def test_benchmark_runs_on_tiny_input(path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        report = _load(path).main(["--quick"])
    finally:
        sys.path.remove(str(BENCH))
    assert isinstance(report, str) and "|" in report  # a Markdown table


def test_the_runner_writes_machine_info_and_every_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    assert RUNNER.main(["--quick", "--only", "none-such", "--out", str(out)]) == 0
    text = out.read_text()
    assert "## Machine" in text and "cryptography" in text and "Python 3." in text
