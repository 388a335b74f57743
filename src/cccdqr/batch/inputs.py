"""Reading a batch input file: CSV, JSON Lines or Parquet rows, streamed.

:func:`iter_rows` picks the reader by the file's extension (any case):

- ``.csv``: :class:`csv.DictReader` over UTF-8 (a byte-order mark is skipped);
  the header names the columns, an empty cell is ``""``, a cell the row lacks is
  ``""`` too, a row with more cells than the header is a :class:`BadRow`. Blank
  lines are skipped and not counted. A header that names a column twice is an
  :class:`InputError` (which cell would count?).
- ``.jsonl`` / ``.ndjson``: one JSON object per line; blank lines are skipped
  and not counted; a line that is not UTF-8 JSON, not an object, or names a
  key twice is a :class:`BadRow` for its row.
- ``.parquet``: :class:`pyarrow.parquet.ParquetFile`, read one row group at a
  time in batches (``iter_batches``) of at most :data:`PARQUET_BATCH_ROWS`
  rows, each batch turned into dicts: lists stay lists, nulls are None,
  ``date32`` columns give ``datetime.date``, timestamps ``datetime``.

Rows are numbered from 1 in file order (data rows, the CSV header is not one).
Nothing reads the whole file: memory is bounded by one row (CSV, JSONL) or one
batch (Parquet). The values are what the file holds; judging them is
:mod:`cccdqr.batch.rows`' job. A :class:`BadRow` message never quotes the row.

Floor 7: imports ``cccdqr.core`` and the standard library (and pyarrow for Parquet).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cccdqr.core.errors import CccdqrError

__all__ = ["PARQUET_BATCH_ROWS", "SUFFIXES", "BadRow", "InputError", "input_digest", "iter_rows"]

SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
PARQUET_BATCH_ROWS = 4096
_DIGEST_BLOCK = 1 << 20

Row = dict[str, Any]


class InputError(CccdqrError):
    """The input as a whole cannot be read; the message names the path."""


@dataclass(frozen=True)
class BadRow:
    """A record that is not an object (bad JSON, too many CSV cells): its row's reject."""

    message: str


def iter_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, Row | BadRow]]:
    """``(row, fields)`` for every data row of ``path``, lazily (see the module).

    A missing file, an unknown extension or a Parquet file pyarrow cannot open
    raise :class:`InputError` here; a CSV that turns out not to be UTF-8 (or
    not CSV) raises it while iterating, naming the row it reached."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{p}: not a {', '.join(SUFFIXES)} file")
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    if suffix == ".csv":
        return _csv_rows(p)
    if suffix == ".parquet":
        return _parquet_rows(p)
    return _jsonl_rows(p)


def _csv_rows(path: Path) -> Iterator[tuple[int, Row | BadRow]]:
    number = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, restval="")
            header = reader.fieldnames or []
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:
                raise InputError(f"{path}: the header names {', '.join(map(repr, twice))} twice")
            for number, record in enumerate(reader, start=1):
                extra = record.pop(None, None)
                if extra is not None:
                    yield number, BadRow(f"{len(header) + len(extra)} cells, "
                                         f"the header has {len(header)}")
                else:
                    yield number, record
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 (after data row {number})") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not CSV after data row {number}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None


class _DuplicateKey(ValueError):
    """A JSON object names a key twice (json keeps the last silently)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return doc


def _json_row(line: bytes) -> Row | BadRow:
    try:
        text = line.decode("utf-8")  # strict: no lone surrogates either
    except UnicodeDecodeError:
        return BadRow("the line is not UTF-8")
    try:
        doc = json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey as exc:
        return BadRow(f"the object names the key {str(exc)[:40]!r} twice")
    except json.JSONDecodeError as exc:
        return BadRow(f"not JSON: {exc.msg} at column {exc.colno}")
    except (ValueError, RecursionError):
        return BadRow("not JSON")
    if not isinstance(doc, dict):
        return BadRow(f"a JSON {type(doc).__name__}, not an object")
    return doc


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Row | BadRow]]:
    try:
        with path.open("rb") as f:
            number = 0
            for line in f:
                if number == 0 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]  # a byte-order mark before the first line
                if not line.strip():
                    continue
                number += 1
                yield number, _json_row(line)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None


def _parquet_rows(path: Path) -> Iterator[tuple[int, Row | BadRow]]:
    # Imported here, as pyarrow is slow to import; it ships no type information.
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    try:
        parquet = pq.ParquetFile(os.fspath(path))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a Parquet file pyarrow can read: {exc}") from None
    return _parquet_batches(path, parquet)


def _parquet_batches(path: Path, parquet: Any) -> Iterator[tuple[int, Row | BadRow]]:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    number = 0
    try:
        with parquet:
            for group in range(parquet.metadata.num_row_groups):  # one row group at a time
                for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS,
                                                  row_groups=[group]):
                    for record in batch.to_pylist():
                        number += 1
                        yield number, record
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: Parquet unreadable after data row {number}: {exc}") from None


def input_digest(path: str | os.PathLike[str]) -> str:
    """``"sha256:<hex>"`` of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(_DIGEST_BLOCK):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    return "sha256:" + digest.hexdigest()
