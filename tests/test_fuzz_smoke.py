"""The fuzzing campaign (`make fuzz`) runs: a tiny hypothesis campaign, no crash."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[1] / "fuzz" / "run.py"


def test_a_tiny_campaign_runs_and_reports(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("cccdqr_fuzz_run", FUZZ)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert len(module.seeds()) > 40  # every format's samples are in the seed corpus
    out = tmp_path / "RESULTS.md"
    assert module.main(["--runs", "60", "--engine", "hypothesis", "--out", str(out)]) == 0
    text = out.read_text()
    assert "crashes: **0**" in text and "engine: hypothesis" in text
