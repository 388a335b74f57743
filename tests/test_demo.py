"""`make demo`'s job, run at a fixed clock: every step's file exists and it ends VALID."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cccdqr import TrustStore, verify
from cccdqr.cli.demo import SAMPLE, run_demo
from cccdqr.qr import scan

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(tmp_path, now=NOW) == 0
    out = capsys.readouterr().out
    assert "HỢP LỆ" in out and "VALID" in out and "version 10-M" in out
    text = (tmp_path / "certificate.txt").read_text().strip()
    frame = scan(tmp_path / "camera.jpg")
    assert [c.text for c in frame] == [text]
    result = verify(text, TrustStore.load(tmp_path / "trust.json"), now=NOW)
    assert result.valid and result.certificate == SAMPLE
