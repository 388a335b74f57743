"""Worker-side pieces of bench/batch.py (not a benchmark: bench/run.py skips files
whose name starts with an underscore). Top level and importable by name, so local
worker processes and Dask workers (started with the parent's sys.path) find them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import cccdqr

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
VALID_FOR = dt.timedelta(days=365)
_WORKER: dict[str, Any] = {}


def person(row: int) -> cccdqr.HealthCertificate:
    """Row ``row``'s certificate: a valid CCCD number and 1-3 doses."""
    subject = cccdqr.Subject(name="Nguyễn Văn An", dob="1990-05-17",
                             id_number=f"001090{row % 1_000_000:06d}", sex=cccdqr.Sex.MALE)
    doses = tuple(cccdqr.Vaccination(product="EU/1/20/1528", dose_number=n, doses_in_series=2,
                                     date=dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1)))
                  for n in range(1, 2 + row % 3))
    return cccdqr.HealthCertificate(subject=subject, vaccinations=doses)


def open_issuer(source: str) -> None:
    """The per-worker initializer: the key read once from its file."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(Path(source).read_bytes(), password=None)
    _WORKER["issuer"] = cccdqr.Issuer(key)  # type: ignore[arg-type]


def issue_chunk(rows: list[int]) -> str:
    """The chunk function: codes.jsonl lines for ``rows``, no images."""
    issuer = _WORKER["issuer"]
    return "".join(json.dumps({"row": row, "text": issuer.issue(person(row), now=NOW,
                                                                valid_for=VALID_FOR)}) + "\n"
                   for row in rows)
