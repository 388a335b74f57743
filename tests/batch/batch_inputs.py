"""Input tables for the batch issue tests: people with valid CCCD numbers, and known
bad rows at known places, written as CSV, JSON Lines or Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import cccdqr
from cryptography.hazmat.primitives import serialization

from cccdqr import testkeys

AT = "2026-11-23T09:00Z"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

BAD = {  # row -> (the change, the reject reason)
    3: ({"id": "001090"}, "BAD_ID_NUMBER"),
    5: ({"dob": "1990-13-45"}, "BAD_DATE"),
    8: ({"dose": "NOT/A/PRODUCT,1/2,2021-07-01"}, "UNKNOWN_PRODUCT"),
    13: ({"name": ""}, "MISSING_COLUMN"),
}


def person(row: int) -> dict[str, Any]:
    """Row ``row``: a man born 1990 in Ha Noi (a valid CCCD number), 1-3 doses."""
    doses = [f"EU/1/20/1528,{n}/2,{dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1))}"
             for n in range(1, 2 + row % 3)]
    fields: dict[str, Any] = {"id": f"001090{row:06d}", "name": "Nguyễn Văn An",
                              "dob": "1990-05-17", "sex": "male", "dose": doses}
    change = BAD.get(row)
    if change:
        fields.update(change[0])
    return fields


def good_rows(n: int) -> list[int]:
    return [r for r in range(1, n + 1) if r not in BAD]


def write_input(path: Path, n: int) -> Path:
    """``n`` rows in the format ``path``'s extension names."""
    rows = [person(r) for r in range(1, n + 1)]
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["id", "name", "dob", "sex", "dose"])
            w.writeheader()
            for r in rows:
                w.writerow(dict(r, dose=";".join(r["dose"]) if isinstance(r["dose"], list)
                                else r["dose"]))
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for r in rows:
            r["dose"] = r["dose"] if isinstance(r["dose"], list) else [r["dose"]]
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=7)
    return path


def write_key(path: Path, label: str = "batch") -> Path:
    """A TEST-ONLY P-256 key as PEM."""
    path.write_bytes(testkeys.test_es256_key(label).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


def trust_for(label: str = "batch") -> cccdqr.TrustStore:
    return cccdqr.TrustStore([cccdqr.Issuer(testkeys.test_es256_key(label)).trusted_key()])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
