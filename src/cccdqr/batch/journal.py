"""A batch's output folder: what it was started with, which chunks are finished, and
appending a chunk so that a run killed at any moment resumes exactly.

The folder holds:

- ``manifest.json``: what must be the same to resume (the input's digest, the
  key's fingerprint, the format and every option that changes the output). It is
  written once, atomically, when the folder is created.
- ``codes.jsonl`` and ``rejects.jsonl``: appended one chunk at a time, in order.
- ``journal.jsonl``: one line per finished chunk, appended after its lines (and
  its image files) are written and flushed to disk, holding the byte length each
  output file had once the chunk was in. A chunk is finished when, and only when,
  its journal line is whole.
- ``summary.json``: written (atomically) when the last chunk is in.
- ``.lock``: an exclusive ``flock`` while a run owns the folder.

Resuming (:meth:`Journal.open` on a folder that exists) drops a torn last journal
line, then cuts ``codes.jsonl`` and ``rejects.jsonl`` back to the lengths the last
whole line records: whatever a killed run wrote after its last finished chunk is
gone, and that chunk's rows are issued again. So every row is in the files exactly
once whenever the process dies. Image files are written whole by rename, so a
redone chunk simply replaces them.

Floor 7. May import ``core`` and the standard library.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cccdqr.batch._files import write_json_atomic
from cccdqr.core.errors import CccdqrError

__all__ = ["CODES", "JOURNAL", "MANIFEST", "REJECTS", "SUMMARY", "BatchDirError", "Journal",
           "Totals"]

MANIFEST, JOURNAL, CODES, REJECTS, SUMMARY = (
    "manifest.json", "journal.jsonl", "codes.jsonl", "rejects.jsonl", "summary.json")
_LOCK = ".lock"
_OURS = frozenset({MANIFEST, JOURNAL, CODES, REJECTS, SUMMARY, _LOCK, "png", "svg", "pdf"})
_FORMAT = "cccdqr-batch-1"


class BatchDirError(CccdqrError):
    """The output folder cannot be used: it was started with another input, key or
    options, another run holds it, or it is some other folder with files in it."""


@dataclass
class Totals:
    """Rows handled so far, over every run of the batch."""

    chunks: int = 0
    rows: int = 0
    issued: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        self.chunks += 1
        self.rows += record["rows"]
        self.issued += record["issued"]
        self.rejected += record["rejected"]
        self.reasons.update(record["reasons"])


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            return (f"it was started with {key} = {old.get(key)!r}, this run has "
                    f"{new.get(key)!r}")
    return None


class Journal:
    """An output folder opened for a run (see the module docstring). Use
    :meth:`open`; close it (or use ``with``) to release the folder."""

    def __init__(self, out_dir: Path, lock_fd: int) -> None:
        self.out_dir = out_dir
        self._lock_fd = lock_fd
        self.totals = Totals()
        self._files: dict[str, Any] = {}

    @classmethod
    def open(cls, out_dir: str | os.PathLike[str], manifest: dict[str, Any]) -> Journal:
        """Create ``out_dir`` for ``manifest``, or reopen it to resume. Raises
        :class:`BatchDirError` when the folder belongs to another batch or run."""
        path = Path(out_dir)
        path.mkdir(parents=True, exist_ok=True)
        existing = path / MANIFEST
        if not existing.exists() and any(p.name not in _OURS for p in path.iterdir()):
            raise BatchDirError(f"{path} has other files in it and is not a batch folder; "
                                "give an empty or new --out folder")
        lock_fd = os.open(path / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise BatchDirError(f"{path} is in use by another run") from None
        journal = cls(path, lock_fd)
        try:
            journal._start(dict(manifest, format=_FORMAT))
        except BaseException:
            journal.close()
            raise
        return journal

    def _start(self, manifest: dict[str, Any]) -> None:
        path = self.out_dir / MANIFEST
        if path.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise BatchDirError(f"{path} cannot be read: {exc}") from None
            why = _difference(old, manifest) if isinstance(old, dict) else "it is not a manifest"
            if why:
                raise BatchDirError(f"{self.out_dir} belongs to another batch: {why}. "
                                    "Give a new --out folder, or the same input, key and "
                                    "options to resume")
        else:
            for name in (CODES, REJECTS, JOURNAL, SUMMARY):
                (self.out_dir / name).unlink(missing_ok=True)
            write_json_atomic(path, manifest, durable=True)
        self._recover()

    def _recover(self) -> None:
        """Read the whole journal lines; cut every file back to the last one."""
        journal = self.out_dir / JOURNAL
        data = journal.read_bytes() if journal.exists() else b""
        ends = {CODES: 0, REJECTS: 0}
        good = 0
        for line in data.splitlines(keepends=True):
            try:
                record = json.loads(line) if line.endswith(b"\n") else None
            except ValueError:
                record = None
            if not isinstance(record, dict) or record.get("chunk") != self.totals.chunks:
                break  # a torn or foreign line: everything from here on is redone
            self.totals.add(record)
            ends = {CODES: record["codes_end"], REJECTS: record["rejects_end"]}
            good += len(line)
        for name, end in ((JOURNAL, good), *ends.items()):
            with (self.out_dir / name).open("ab") as f:
                if f.tell() < end:
                    raise BatchDirError(f"{self.out_dir / name} is shorter than its journal "
                                        "says: the folder was changed by hand")
                f.truncate(end)
            self._files[name] = (self.out_dir / name).open("ab")

    @property
    def finished(self) -> bool:
        """Whether the batch completed (its summary is written)."""
        return (self.out_dir / SUMMARY).exists()

    def commit(self, codes: bytes, rejects: bytes, files: list[tuple[str, int, bytes]],
               counts: dict[str, Any]) -> None:
        """Append the next chunk: its lines, its image files, then its journal line.
        ``counts`` holds ``rows``, ``issued``, ``rejected`` and ``reasons``."""
        from cccdqr.batch.images import write_file

        for kind, row, data in files:
            write_file(self.out_dir, kind, row, data)
        ends = {}
        for name, data in ((CODES, codes), (REJECTS, rejects)):
            f = self._files[name]
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            ends[name] = f.tell()
        record = {"chunk": self.totals.chunks, **counts, "codes_end": ends[CODES],
                  "rejects_end": ends[REJECTS]}
        f = self._files[JOURNAL]
        f.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        f.flush()
        os.fsync(f.fileno())
        self.totals.add(record)

    def finish(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json``: the batch is complete."""
        write_json_atomic(self.out_dir / SUMMARY, summary, durable=True)

    def read_summary(self) -> dict[str, Any]:
        """The summary a finished batch wrote."""
        doc: dict[str, Any] = json.loads((self.out_dir / SUMMARY).read_text(encoding="utf-8"))
        return doc

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
