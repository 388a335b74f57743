"""Batch issuance (issue 15, item 9): images, pages, rows/s per core, memory, workers.

Every figure sits beside its floor from the same run:

- PNG render per version-10 symbol, fast renderer vs segno (the reference);
- rows/s with a PNG per row (issue + render + atomic write), per renderer, beside
  rows/s without images; PDF pages/s;
- rows/s per core without images as a ratio of bare ES256 signing (cryptography
  ``ec`` sign over a payload-sized message, one core): the real batch
  (:func:`cccdqr.batch.issue.run`: a CSV read, rows parsed and signed on 1 worker
  process, codes.jsonl and the journal written);
- peak RSS (``ru_maxrss`` of a fresh subprocess running the batch, and of its
  workers) at two row counts;
- 1 vs 2 local worker processes, 1 vs 2 Dask workers (LocalCluster): speed-up.

    python bench/batch.py [--quick] [--rss-rows 100000,1000000]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from _batch_work import NOW, VALID_FOR, person, write_csv
from cccdqr import Issuer, testkeys
from cccdqr.batch.images import ImageOptions, write_images
from cccdqr.batch.issue import IssueSettings, KeySource, run
from cccdqr.batch.runner import LocalRunner
from cccdqr.qr.fast import render_with

V10 = ("VN1:" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" * 8)[:311]


def _best(fn: Callable[[], object], rounds: int) -> float:
    """Best wall seconds of ``rounds`` calls."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _key_file(folder: Path) -> Path:
    path = folder / "issuer.pem"  # TEST-ONLY key
    path.write_bytes(testkeys.test_es256_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


def render_ms(n: int, rounds: int) -> dict[str, float]:
    """ms per version-10 PNG, per renderer (the two take turns each round)."""
    out = {r: float("inf") for r in ("fast", "segno")}
    for r in out:
        render_with(V10, renderer=r)  # imports and tables out of the figures
    for _ in range(rounds):
        for r in out:
            out[r] = min(out[r], _best(lambda r=r: [render_with(V10, renderer=r)
                                                   for _ in range(n)], 1) / n * 1000)
    return out


def image_rates(folder: Path, n: int, pages: int) -> dict[str, float]:
    """Rows/s in one process: no images, PNG per renderer; PDF A6 pages/s."""
    issuer = Issuer(testkeys.test_es256_key())

    def rows(options: ImageOptions, count: int) -> float:
        t0 = time.perf_counter()
        for row in range(1, count + 1):
            cert = person(row)
            text = issuer.issue(cert, now=NOW, valid_for=VALID_FOR)
            write_images(folder, row, text, cert, options)
        return count / (time.perf_counter() - t0)

    for options in (ImageOptions(png=True), ImageOptions(png=True, renderer="segno"),
                    ImageOptions(pdf="A6")):
        rows(options, 2)  # warm: imports, fonts
    return {"none": rows(ImageOptions(), n), "fast": rows(ImageOptions(png=True), n),
            "segno": rows(ImageOptions(png=True, renderer="segno"), n),
            "pdf": rows(ImageOptions(pdf="A6"), pages)}


def signs_per_s(n: int) -> float:
    """The floor: bare ES256 signatures per second on one core (best of 3)."""
    return n / min(_sign_n(n) for _ in range(3))


def _sign_n(n: int) -> float:
    """Seconds for ``n`` bare ES256 signatures in this process (a pool task)."""
    key = testkeys.test_es256_key()
    message = os.urandom(200)
    t0 = time.perf_counter()
    for _ in range(n):
        key.sign(message, ec.ECDSA(hashes.SHA256()))
    return time.perf_counter() - t0


def sign_scaling(n: int, rounds: int = 3) -> float:
    """The machine's own ceiling for 2 workers: bare ES256 signs/s on 2 processes at
    once over 1 process (the same fork pool as the batch, nothing else); best of
    ``rounds`` for each, taking turns."""
    from cccdqr.engine.pool import ordered_map

    one = two = 0.0
    for _ in range(rounds):
        one = max(one, n / sum(ordered_map(_sign_n, [n], workers=1)))
        t0 = time.perf_counter()
        list(ordered_map(_sign_n, [n, n], workers=2))
        two = max(two, 2 * n / (time.perf_counter() - t0))
    return two / one


def _batch(key: Path, source: Path, out: Path, runner: Any) -> float:
    """Rows/s of one real batch run (:func:`cccdqr.batch.issue.run`, chunks of 256)."""
    summary = run(source, out=out, source=KeySource(key_file=str(key)),
                  settings=IssueSettings(now=NOW, valid_for=VALID_FOR), runner=runner)
    return summary.rows_per_s


def local_rows_per_s(key: Path, source: Path, workers: int, out: Path) -> float:
    """Rows/s on ``workers`` local processes (pool start, reading and writing included)."""
    return _batch(key, source, out, functools.partial(LocalRunner, workers))


def dask_rows_per_s(key: Path, source: Path, workers: int, out: Path) -> float:
    """Rows/s on a LocalCluster of ``workers`` (cluster start not included; the key
    plugin's start on the workers is)."""
    import distributed

    from cccdqr.batch.dask import DaskRunner

    with distributed.LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=40) as cluster:
        client = distributed.Client(cluster)
        client.wait_for_workers(workers)
        return _batch(key, source, out, functools.partial(DaskRunner, client))


def peak_rss(rows: int) -> tuple[float, float, float]:
    """(MiB of the parent, MiB of its biggest worker, seconds) for ``rows`` rows on
    2 local workers, measured in a fresh subprocess."""
    done = subprocess.run([sys.executable, __file__, "--rss-child", str(rows)], check=True,
                          capture_output=True, text=True, cwd=Path(__file__).parent,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)})
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return got["self_mib"], got["children_mib"], got["seconds"]


def _rss_child(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = write_csv(Path(tmp) / "rows.csv", rows)
        t0 = time.perf_counter()
        local_rows_per_s(_key_file(Path(tmp)), source, 2, Path(tmp) / "out")
        seconds = time.perf_counter() - t0
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"self_mib": kib / 1024, "children_mib": child / 1024, "seconds": seconds}))


def _table(head: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(str(c) for c in r) + " |" for r in rows), ""]


def _sizes(quick: bool, rss_rows: str | None) -> dict[str, Any]:
    if quick:
        return dict(render=10, rounds=1, images=10, pages=3, signs=200, rows=1500,
                    rss=[2000, 6000])
    return dict(render=200, rounds=3, images=300, pages=40, signs=3000, rows=40000,
                rss=[int(x) for x in (rss_rows or "100000,1000000").split(",")])


def measure(quick: bool, rss_rows: str | None) -> list[str]:
    """Every figure of the report, as Markdown lines (see the module docstring)."""
    size = _sizes(quick, rss_rows)
    render = render_ms(size["render"], size["rounds"])
    lines = ["## Batch issuance (issue 15)", "",
             "Taken on a shared machine under load from other work (2 cores, four users): "
             "ratios within one run hold better than the absolute figures.", "",
             *_table(("version-10 PNG", "ms per symbol"),
                     [(r, f"{ms:.2f}") for r, ms in render.items()]),
             f"fast renderer: {render['segno'] / render['fast']:.1f}x segno (goal ≤ 2 ms).", ""]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rates = image_rates(folder / "img", size["images"], size["pages"])
        lines += _table(("one process", "rows/s"),
                        [("issue, no images", f"{rates['none']:.0f}"),
                         ("issue + PNG, fast", f"{rates['fast']:.0f}"),
                         ("issue + PNG, segno", f"{rates['segno']:.0f}"),
                         ("issue + PDF A6 page (pages/s)", f"{rates['pdf']:.1f}")])
        lines += _workers(folder, size["rows"], signs_per_s(size["signs"]))
    lines += _rss_lines(size["rss"])
    return lines


def _workers(folder: Path, rows: int, floor: float) -> list[str]:
    key, source = _key_file(folder), write_csv(folder / "rows.csv", rows)
    one = local_rows_per_s(key, source, 1, folder / "l1")
    two = local_rows_per_s(key, source, 2, folder / "l2")
    d1 = dask_rows_per_s(key, source, 1, folder / "d1")
    d2 = dask_rows_per_s(key, source, 2, folder / "d2")
    ceiling = sign_scaling(rows)
    outputs = [(folder / d / "codes.jsonl").read_bytes().count(b"\n")
               for d in ("l1", "l2", "d1", "d2")]
    same = outputs == [rows] * 4
    return [*_table(("cccdqr batch issue, CSV in, no images", "rows/s", "vs 1 worker"),
                    [("bare ES256 sign, 1 core (floor)", f"{floor:.0f}", ""),
                     ("local, 1 worker", f"{one:.0f}", "1.00x"),
                     ("local, 2 workers", f"{two:.0f}", f"{two / one:.2f}x"),
                     ("Dask LocalCluster, 1 worker", f"{d1:.0f}", "1.00x"),
                     ("Dask LocalCluster, 2 workers", f"{d2:.0f}", f"{d2 / d1:.2f}x")]),
            f"Rows/s per core (1 local worker) / bare ES256 signs/s: **{one / floor:.2f}** "
            f"(goal ≥ 0.40); {rows:,} rows, each run's codes.jsonl "
            f"{'complete' if same else 'INCOMPLETE'}. The machine's own 2-process ceiling, "
            f"bare ES256 signing on 2 processes at once over 1: **{ceiling:.2f}x** "
            "(the batch's 2-worker speed-up cannot beat it).", ""]


def _rss_lines(counts: list[int]) -> list[str]:
    got = [(rows, *peak_rss(rows)) for rows in counts]
    base = max(got[0][1], got[0][2])
    return [*_table(("rows (2 local workers)", "peak RSS parent MiB", "peak RSS worker MiB",
                     "seconds", "peak vs first"),
                    [(f"{r:,}", f"{s:.1f}", f"{c:.1f}", f"{t:.1f}", f"{max(s, c) / base:.3f}")
                     for r, s, c, t in got]), ""]


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sets (smoke run)")
    ap.add_argument("--rss-rows", help="row counts for peak RSS (default 100000,1000000)")
    ap.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        _rss_child(args.rss_child)
        return ""
    return "\n".join(measure(args.quick, args.rss_rows))


if __name__ == "__main__":
    print(main(sys.argv[1:]))
