"""batch/inputs.py: CSV, JSON Lines and Parquet rows from real files, streamed, numbered
from 1; a record that is not an object is a BadRow; an unreadable input an InputError."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cccdqr.batch import inputs
from cccdqr.batch.inputs import BadRow, InputError, input_digest, iter_rows


def _rows(path: Path) -> list[tuple[int, dict[str, Any] | BadRow]]:
    return list(iter_rows(path))


def test_csv_with_a_bom_quoted_commas_and_doses_joined_by_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "in.CSV"  # the extension in any case
    path.write_bytes(
        "\ufeffid,name,dob,dose\r\n"
        '079095012345,"Nguyễn, Văn An",1995-08-15,"EU/1/20/1528,1/2,2021-08-01;'
        'EU/1/20/1528,2/2,2021-09-01"\r\n'
        "\r\n"  # a blank line: skipped, not counted
        "001090123456,Trần Thị Bình,,\r\n"
        "001090123457,Lê An\r\n".encode())  # fewer cells: the rest are ""
    rows = _rows(path)
    assert [n for n, _ in rows] == [1, 2, 3]
    assert rows[0][1] == {"id": "079095012345", "name": "Nguyễn, Văn An", "dob": "1995-08-15",
                          "dose": "EU/1/20/1528,1/2,2021-08-01;EU/1/20/1528,2/2,2021-09-01"}
    assert rows[1][1] == {"id": "001090123456", "name": "Trần Thị Bình", "dob": "", "dose": ""}
    assert rows[2][1] == {"id": "001090123457", "name": "Lê An", "dob": "", "dose": ""}


def test_csv_row_with_too_many_cells_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,name\n079095012345,An,extra,more\n001090123456,Bình\n", encoding="utf-8")
    rows = _rows(path)
    assert rows[0] == (1, BadRow("4 cells, the header has 2"))
    assert "079095012345" not in rows[0][1].message  # type: ignore[union-attr]
    assert rows[1] == (2, {"id": "001090123456", "name": "Bình"})


def test_csv_that_is_not_utf8_or_names_a_column_twice(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name\n079095012345,An\n001090123456,Tr\xe0n\n".encode("latin-1"))
    rows = iter_rows(latin)
    with pytest.raises(InputError, match="latin.csv: not UTF-8"):
        list(rows)
    twice = tmp_path / "twice.csv"
    twice.write_text("id,dose,dose\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="'dose' twice"):
        _rows(twice)


def test_jsonl_bad_lines_are_rows_and_blank_lines_are_not(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [b'\xef\xbb\xbf{"id": "079095012345", "dose": ["a", "b"], "x": null}', b"",
             b"   ", b'{"id": "079095012345"', b"[1, 2]", b'"text"', b'{"a": 1, "a": 2}',
             b'{"name": "Tr\xe0n"}', b'{"ok": true}']
    path.write_bytes(b"\n".join(lines) + b"\n\n")
    rows = _rows(path)
    assert [n for n, _ in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[0][1] == {"id": "079095012345", "dose": ["a", "b"], "x": None}
    bad = [r for _, r in rows[1:6]]
    assert all(isinstance(r, BadRow) for r in bad)
    messages = [r.message for r in bad]  # type: ignore[union-attr]
    assert messages[0].startswith("not JSON: ") and "079095012345" not in messages[0]
    assert messages[1:] == ["a JSON list, not an object", "a JSON str, not an object",
                            "the object names the key 'a' twice", "the line is not UTF-8"]
    assert rows[6] == (7, {"ok": True})


def test_ndjson_is_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text('{"a": 1}\n{"a": 2}', encoding="utf-8")  # no final newline
    assert _rows(path) == [(1, {"a": 1}), (2, {"a": 2})]


def test_parquet_over_three_row_groups_with_lists_dates_and_nulls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "in.parquet"
    count = 9
    table = pa.table({
        "id": pa.array([f"0790950123{i:02d}" for i in range(count)]),
        "dob": pa.array([dt.date(1995, 8, 15)] * (count - 1) + [None], pa.date32()),
        "dose": pa.array([["EU/1/20/1528,1/2,2021-08-01"] * (i % 3) for i in range(count)],
                         pa.list_(pa.string())),
        "valid-for": pa.array([30, None, 7] * 3, pa.int64()),
    })
    pq.write_table(table, path, row_group_size=3)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    batches: list[int] = []
    real = pq.ParquetFile.iter_batches

    def spy(self: Any, *args: Any, **kw: Any) -> Any:
        for batch in real(self, *args, **kw):
            batches.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    rows = iter_rows(path)
    first = next(rows)
    assert first == (1, {"id": "079095012300", "dob": dt.date(1995, 8, 15), "dose": [],
                         "valid-for": 30})
    assert batches == [3]  # one row group read, not the file
    rest = list(rows)
    assert batches == [3, 3, 3]
    assert [n for n, _ in rest] == list(range(2, count + 1))
    assert rest[0][1]["dose"] == ["EU/1/20/1528,1/2,2021-08-01"]  # type: ignore[index]
    assert rest[-1][1] == {"id": "079095012308", "dob": None,
                           "dose": ["EU/1/20/1528,1/2,2021-08-01"] * 2, "valid-for": 7}


def test_parquet_batches_are_bounded_within_a_big_row_group(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(10)]}), path)
    monkeypatch.setattr(inputs, "PARQUET_BATCH_ROWS", 4)
    assert [r["id"] for _, r in iter_rows(path)] == [str(i) for i in range(10)]  # type: ignore[index]


@pytest.mark.parametrize(("name", "content", "words"), [
    ("missing.csv", None, "no such file"),
    ("rows.txt", b"id\n1\n", "not a .csv, .jsonl, .ndjson, .parquet file"),
    ("rows", b"id\n1\n", "not a .csv"),
    ("broken.parquet", b"PAR1 this is not parquet", "not a Parquet file"),
])
def test_unreadable_inputs_raise_at_once(tmp_path: Path, name: str, content: bytes | None,
                                         words: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=words) as info:
        iter_rows(path)  # not only when iterated
    assert name in str(info.value)


def test_input_digest_reads_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "in.jsonl"
    data = json.dumps({"id": "x" * 100}).encode() * 50
    path.write_bytes(data)
    monkeypatch.setattr(inputs, "_DIGEST_BLOCK", 64)  # many blocks, the same digest
    assert input_digest(path) == "sha256:" + hashlib.sha256(data).hexdigest()
    with pytest.raises(InputError, match="nope.csv"):
        input_digest(tmp_path / "nope.csv")
