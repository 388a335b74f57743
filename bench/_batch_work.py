"""Input for bench/batch.py (not a benchmark: bench/run.py skips files whose name
starts with an underscore): people with valid CCCD numbers, as certificates and as
the CSV rows ``cccdqr batch issue`` reads."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import cccdqr

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
VALID_FOR = dt.timedelta(days=365)
_DOSE = "EU/1/20/1528,{n}/2,{date}"


def _doses(row: int) -> list[tuple[int, dt.date]]:
    return [(n, dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1))) for n in range(1, 2 + row % 3)]


def person(row: int) -> cccdqr.HealthCertificate:
    """Row ``row``'s certificate: a valid CCCD number and 1-3 doses."""
    subject = cccdqr.Subject(name="Nguyễn Văn An", dob="1990-05-17",
                             id_number=f"001090{row % 1_000_000:06d}", sex=cccdqr.Sex.MALE)
    doses = tuple(cccdqr.Vaccination(product="EU/1/20/1528", dose_number=n, doses_in_series=2,
                                     date=date) for n, date in _doses(row))
    return cccdqr.HealthCertificate(subject=subject, vaccinations=doses)


def write_csv(path: Path, rows: int) -> Path:
    """``rows`` rows of :func:`person` as a batch issue CSV, streamed to ``path``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "dob", "sex", "dose"])
        for row in range(1, rows + 1):
            w.writerow([f"001090{row % 1_000_000:06d}", "Nguyễn Văn An", "1990-05-17", "male",
                        ";".join(_DOSE.format(n=n, date=d) for n, d in _doses(row))])
    return path
