"""Batch verify: a file or folder of codes in, one verdict per row out, on every core.

Input (:func:`input_rows`):

- a CSV, JSONL or Parquet file with a ``text`` column, read by
  :func:`cccdqr.batch.inputs.iter_rows`; a ``codes.jsonl`` as ``batch issue``
  writes it (``{"row": N, "text": ...}``) keeps its own ``row`` numbers, any
  other file numbers rows from 1 in file order. A missing or empty ``text`` is
  ``EMPTY_INPUT``; a value that is not a string, or a record that is not an
  object (:class:`cccdqr.batch.inputs.BadRow`), is ``NOT_TEXT``.
- a folder of images (``.png``, ``.jpg``, ``.jpeg``, searched recursively, in
  sorted path order), each scanned with :func:`cccdqr.qr.scan`. When every file
  name is a number (``png/000/000123.png``, as ``batch issue`` names them) the
  row is that number; otherwise it is the file's 1-based place in sorted order.
  An image with no readable code (or not an image at all) is ``EMPTY_INPUT``;
  several codes in one image are verified together as the chunks of one code.

Output (:func:`run`): ``DIR/verdicts.jsonl``, one ``{"row", "status",
"reasons"}`` per row in input order and nothing else (no name, ID, date or text
of the code), and ``DIR/summary.json``: counts per status and per primary
reason, and the exit code. A row's status and reasons are those of
:func:`cccdqr.checkpoint.decision.decide`, as ``cccdqr verify`` exits: a genuine
code that fails the policy is INVALID with ``POLICY_NOT_MET``.

Exit code (:attr:`Summary.exit_code`): 0 every row valid; 1 any row invalid
(this wins over cannot-check: a proven forgery or a failed rule is the stronger
finding); 3 any row cannot be checked and none is invalid.

Floor 7. May import ``engine``, ``checkpoint``, ``qr``, ``trust``, ``core`` and
``batch.inputs``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cccdqr.batch.inputs import BadRow, iter_rows
from cccdqr.batch._files import write_json_atomic
from cccdqr.checkpoint.decision import decide
from cccdqr.core.errors import CccdqrError
from cccdqr.core.reasons import Reason, Status
from cccdqr.engine.many import worker_count
from cccdqr.engine.pool import chunked, ordered_map
from cccdqr.engine.verify import verify_many
from cccdqr.trust.store import TrustStore

__all__ = ["IMAGE_SUFFIXES", "BatchInputError", "Summary", "Verdict", "input_rows", "run",
           "verify_rows"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
_NOT_TEXT = b"\xff"  # not UTF-8: verify gives NOT_TEXT for it
_SCAN_CHUNK = 8
Input = str | bytes | tuple[str, ...]


class BatchInputError(CccdqrError):
    """The input as a whole cannot be read (no such file, an empty folder, no rows)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One row's verdict: all that leaves the batch about a person's code."""

    row: int
    status: Status
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "status": self.status.value,
                "reasons": [r.value for r in self.reasons]}


@dataclass
class Summary:
    """Counts per status and per primary reason (the first reason of a row that is not valid)."""

    rows: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    primary_reasons: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: Verdict) -> None:
        self.rows += 1
        self.statuses[verdict.status.value] += 1
        if verdict.reasons:
            self.primary_reasons[verdict.reasons[0].value] += 1

    @property
    def exit_code(self) -> int:
        if self.statuses[Status.INVALID.value]:
            return 1
        return 3 if self.statuses[Status.CANNOT_CHECK.value] else 0

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows,
                "statuses": {s.value: self.statuses[s.value] for s in Status},
                "primary_reasons": dict(self.primary_reasons.most_common()),
                "exit_code": self.exit_code}


# --- input ---------------------------------------------------------------------------------

def _as_input(value: object) -> Input:
    if value is None:
        return ""
    return value if isinstance(value, str) else _NOT_TEXT


def _table_rows(path: Path) -> Iterator[tuple[int, Input]]:
    for number, mapping in iter_rows(path):
        if isinstance(mapping, BadRow):  # not an object: that row's NOT_TEXT
            yield number, _NOT_TEXT
            continue
        row = mapping.get("row")
        if isinstance(row, bool) or not isinstance(row, int) or row < 1:
            row = number
        yield row, _as_input(mapping.get("text"))


def _image_files(folder: Path) -> list[tuple[int, Path]]:
    files = sorted((p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                   key=lambda p: p.relative_to(folder).as_posix())
    if not files:
        raise BatchInputError(f"{folder}: no .png, .jpg or .jpeg files")
    if all(p.stem.isdigit() for p in files):
        return [(int(p.stem), p) for p in files]
    return list(enumerate(files, start=1))


def scan_image(path: str | os.PathLike[str]) -> Input:
    """The text of the code in one image; ``""`` when none can be read."""
    from cccdqr.qr.scan import scan

    try:
        codes = scan(path)
    except Exception:  # noqa: BLE001  # an unreadable image is a row's reject, never a crash
        return ""
    if len(codes) == 1:
        return codes[0].text
    return tuple(c.text for c in codes) if codes else ""


def _scan_chunk(paths: list[Path]) -> list[Input]:
    return [scan_image(p) for p in paths]


def _image_rows(files: list[tuple[int, Path]], workers: int | None
                ) -> Iterator[tuple[int, Input]]:
    paths = (p for _, p in files)
    count = worker_count(workers)
    if count is None:
        texts: Iterable[Input] = map(scan_image, paths)
    else:
        scanned = ordered_map(_scan_chunk, chunked(paths, _SCAN_CHUNK), workers=count)
        texts = itertools.chain.from_iterable(scanned)
    for (row, _), text in zip(files, texts, strict=True):
        yield row, text


def input_rows(path: str | os.PathLike[str], *, workers: int | None = None
               ) -> Iterator[tuple[int, Input]]:
    """``(row, text)`` of every row of ``path``, lazily (see the module for the rules).
    Raises :class:`BatchInputError` or :class:`~cccdqr.batch.inputs.InputError` when
    the input cannot be read."""
    p = Path(path)
    if p.is_dir():
        return _image_rows(_image_files(p), workers)
    if not p.is_file():
        raise BatchInputError(f"{p}: no such file or folder")
    return _table_rows(p)


# --- verify and write ----------------------------------------------------------------------

def verify_rows(rows: Iterable[tuple[int, Input]], trust: TrustStore, *, now: dt.datetime,
                workers: int | None = None, **options: Any) -> Iterator[Verdict]:
    """A :class:`Verdict` per row, in order; ``options`` are :func:`cccdqr.verify`'s."""
    numbers, texts = itertools.tee(rows)
    results = verify_many((text for _, text in texts), trust, now=now, workers=workers, **options)
    for (row, _), result in zip(numbers, results, strict=True):
        decision = decide(result)
        yield Verdict(row, decision.status, decision.reasons)


def run(path: str | os.PathLike[str], trust: TrustStore, *, out: str | os.PathLike[str],
        now: dt.datetime, workers: int | None = None, **options: Any) -> Summary:
    """Verify every row of ``path`` into ``out/verdicts.jsonl`` and ``out/summary.json``.
    ``workers``: ``None`` in-process, ``0`` all cores, ``N`` processes (as
    :func:`cccdqr.verify_many`). Files are written under a temporary name and
    renamed, so a run that stops leaves no half file under the final name."""
    rows = input_rows(path, workers=workers)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    target = out_dir / "verdicts.jsonl"
    tmp = target.with_name(target.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            for verdict in verify_rows(rows, trust, now=now, workers=workers, **options):
                summary.add(verdict)
                f.write(json.dumps(verdict.to_dict(), separators=(",", ":")) + "\n")
        if not summary.rows:
            raise BatchInputError(f"{path}: no rows")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    write_json_atomic(out_dir / "summary.json", summary.to_dict())
    return summary
