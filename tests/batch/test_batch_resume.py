"""Killed, then resumed (issue 15, item 3): a real ``cccdqr batch issue`` process is
killed with SIGKILL at random moments, then run to the end; every good row is in
codes.jsonl exactly once, in order, and verifies. SIGTERM and Ctrl-C stop cleanly.
The journal's own rules (torn lines, cut-back files, the lock) are tested directly."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cccdqr.batch.journal import BatchDirError, Journal

from batch_inputs import AT, good_rows, write_input, write_key
from test_batch_issue import check_codes

N = 12_000
CLI = [sys.executable, "-c", "from cccdqr.cli import main; main()"]


def command(source: Path, key: Path, out: Path) -> list[str]:
    return [*CLI, "batch", "issue", str(source), "--key", str(key), "--out", str(out),
            "--at", AT, "--chunk-size", "25", "--workers", "2", "--json"]


def finished_chunks(out: Path) -> int:
    journal = out / "journal.jsonl"
    return journal.read_bytes().count(b"\n") if journal.exists() else 0


def running(out: Path) -> list[int]:
    """Processes still running this batch (forked workers share the parent's command line)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_sigkill_at_random_moments_then_resume_gives_every_row_once(tmp_path: Path) -> None:
    source, key = write_input(tmp_path / "people.csv", N), write_key(tmp_path / "k.pem")
    out, rng = tmp_path / "out", random.Random(15)
    chunks, progress = N // 25, []
    for target in sorted(rng.sample(range(1, chunks * 3 // 4), 4)):
        # Killed once the journal reaches a random chunk, plus a random part of a chunk's time.
        proc = subprocess.Popen(command(source, key, out), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while finished_chunks(out) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.01))
        assert proc.poll() is None, "the batch ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while running(out) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(out), "a worker outlived its killed parent"
        progress.append(finished_chunks(out))
    assert progress == sorted(progress) and progress[0] > 0  # journal lines are never lost
    done = subprocess.run(command(source, key, out), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["rows"] == N and summary["issued"] == len(good_rows(N))
    assert summary["rows_this_run"] < N  # it resumed, it did not start over
    check_codes(out, N)
    again = subprocess.run(command(source, key, out), capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and json.loads(again.stdout)["already_complete"] is True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_cleanly_and_resume(sig: signal.Signals, tmp_path: Path) -> None:
    source, key = write_input(tmp_path / "people.csv", N), write_key(tmp_path / "k.pem")
    out = tmp_path / "out"
    proc = subprocess.Popen(command(source, key, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while finished_chunks(out) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C or a service manager: the whole group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert "resume" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()
    done = subprocess.run(command(source, key, out), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    check_codes(out, N, every=10)


# --- the journal on its own ------------------------------------------------------------------

MANIFEST = {"input_digest": "sha256:00", "key": "sha256:11"}
COUNTS = {"rows": 2, "issued": 1, "rejected": 1, "reasons": {"BAD_DATE": 1}}


def test_a_torn_journal_line_and_lines_after_the_last_chunk_are_dropped(tmp_path: Path) -> None:
    with Journal.open(tmp_path, MANIFEST) as j:
        j.commit(b'{"row": 1}\n', b'{"row": 2}\n', [], COUNTS)
        j.commit(b'{"row": 3}\n', b'{"row": 4}\n', [("png", 3, b"png")], COUNTS)
    with (tmp_path / "journal.jsonl").open("ab") as f:
        f.write(b'{"chunk": 2, "rows"')  # killed in the middle of a journal line
    with (tmp_path / "codes.jsonl").open("ab") as f:
        f.write(b'{"row": 5}\n{"ro')  # and after writing part of the next chunk
    with Journal.open(tmp_path, MANIFEST) as j:
        assert (j.totals.chunks, j.totals.rows, j.totals.reasons["BAD_DATE"]) == (2, 4, 2)
        assert (tmp_path / "codes.jsonl").read_bytes() == b'{"row": 1}\n{"row": 3}\n'
        assert (tmp_path / "journal.jsonl").read_bytes().count(b"\n") == 2
        j.commit(b'{"row": 5}\n', b"", [], COUNTS)
    assert (tmp_path / "codes.jsonl").read_bytes().endswith(b'{"row": 3}\n{"row": 5}\n')
    assert (tmp_path / "png" / "000" / "000003.png").read_bytes() == b"png"


def test_a_folder_changed_by_hand_or_in_use_is_refused(tmp_path: Path) -> None:
    with Journal.open(tmp_path, MANIFEST) as j:
        j.commit(b'{"row": 1}\n', b"", [], COUNTS)
        with pytest.raises(BatchDirError, match="in use by another run"):
            Journal.open(tmp_path, MANIFEST)
    (tmp_path / "codes.jsonl").write_bytes(b"")
    with pytest.raises(BatchDirError, match="changed by hand"):
        Journal.open(tmp_path, MANIFEST)
    with pytest.raises(BatchDirError, match="key"):
        Journal.open(tmp_path, dict(MANIFEST, key="sha256:22"))


def test_a_terminal_gets_a_progress_bar_and_json_gets_none(tmp_path: Path) -> None:
    import pty

    source, key = write_input(tmp_path / "people.csv", 2000), write_key(tmp_path / "k.pem")
    for out, extra, bar in ((tmp_path / "tty", [], True), (tmp_path / "json", ["--json"], False)):
        cmd = [c for c in command(source, key, out) if c != "--json"] + extra
        main, side = pty.openpty()
        proc = subprocess.Popen(cmd, stdout=side, stderr=subprocess.PIPE)
        os.close(side)
        shown = b""
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # the terminal's other side closed: the process is done
                break
            if not data:
                break
            shown += data
        os.close(main)
        assert proc.wait(timeout=60) == 0
        assert (b"rows/s" in shown and b"2000/2000" in shown) is bar, shown[-300:]
        assert (b"\x1b[" in shown) is bar  # no terminal codes around the JSON


def test_a_worker_killed_mid_batch_is_exit_2_and_resumable(tmp_path: Path) -> None:
    source, key = write_input(tmp_path / "people.csv", N), write_key(tmp_path / "k.pem")
    out = tmp_path / "out"
    proc = subprocess.Popen(command(source, key, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while finished_chunks(out) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = [p for p in running(out) if p != proc.pid]
    assert workers
    os.kill(workers[0], signal.SIGKILL)  # the OOM killer, say
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "worker process died" in err and "Traceback" not in err
    done = subprocess.run(command(source, key, out), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    check_codes(out, N, every=50)
