"""verify_many on 1 and 2 worker processes, beside the in-process loop: the 2-core speed-up.

    python bench/many.py [--quick] [-n 6000]

``main(argv)`` returns the Markdown report (used by bench/run.py). Wall-clock
time (the work is in other processes), best of the rounds; the paths take
turns within each round so load from other work falls on all of them alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable

from native import NOW, certificates

import cccdqr
from cccdqr import testkeys
from cccdqr.engine.pool import default_workers

GOAL = 1.8


def codes(n: int) -> tuple[list[str], cccdqr.TrustStore]:
    """``n`` distinct three-dose VN1 ES256 codes and the trust store for them."""
    issuer = cccdqr.Issuer(testkeys.test_es256_key("bench"))
    texts = [issuer.issue(c, now=NOW - dt.timedelta(days=1), valid_for=dt.timedelta(days=365))
             for c in certificates(n)]
    return texts, cccdqr.TrustStore([issuer.trusted_key()])


def wall(paths: list[tuple[str, Callable[[], int]]], rounds: int) -> dict[str, float]:
    """Best wall seconds of each path over ``rounds``, the paths taking turns."""
    best = {name: float("inf") for name, _ in paths}
    for _ in range(rounds):
        for name, fn in paths:
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run (smoke)")
    ap.add_argument("-n", type=int, default=6000, help="codes per run")
    args = ap.parse_args(argv)
    n, rounds = (200, 1) if args.quick else (args.n, 5)
    texts, trust = codes(n)

    def run(workers: int | None) -> Callable[[], int]:
        def go() -> int:
            results = list(cccdqr.verify_many(texts, trust, now=NOW, workers=workers))
            assert all(r.valid for r in results) and len(results) == n
            return n
        return go

    load_before = os.getloadavg()
    best = wall([("in-process", run(None)), ("1 worker", run(1)), ("2 workers", run(2))], rounds)
    load_after = os.getloadavg()
    speedup = best["1 worker"] / best["2 workers"]
    lines = [f"{n} distinct three-dose VN1 ES256 codes per run, valid; `verify_many` default chunk "
             f"(64 texts per task), fork; best wall time of {rounds} alternating rounds; "
             f"{default_workers()} cores available; load average "
             f"{load_before[0]:.2f} before, {load_after[0]:.2f} after.", "",
             "| path | codes/s | ÷ in-process |", "|---|---:|---:|"]
    for name in ("in-process", "1 worker", "2 workers"):
        lines.append(f"| `verify_many`, {name} | {n / best[name]:,.0f} | "
                     f"{best['in-process'] / best[name]:.2f} |")
    lines += ["", f"Speed-up, 2 workers ÷ 1 worker: **{speedup:.2f}×** (goal ≥ {GOAL}×: "
                  f"{'met' if speedup >= GOAL else 'missed'}).", "", *batch_verify(texts, trust, rounds)]
    return "\n".join(lines)


def batch_verify(texts: list[str], trust: cccdqr.TrustStore, rounds: int) -> list[str]:
    """``cccdqr batch verify``'s library path (codes.jsonl in, verdicts.jsonl and
    summary.json out) on every core, beside single-process ``verify()`` of the same texts."""
    import json
    import tempfile
    from pathlib import Path

    from cccdqr.batch.verify import run

    n = len(texts)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "codes.jsonl"
        source.write_text("".join(json.dumps({"row": i + 1, "text": t}) + "\n"
                                  for i, t in enumerate(texts)))

        def loop() -> int:
            for t in texts:
                cccdqr.verify(t, trust, now=NOW)
            return n

        def batch() -> int:
            assert run(source, trust, out=Path(tmp) / "out", now=NOW, workers=0).exit_code == 0
            return n

        best = wall([("verify", loop), ("batch", batch)], rounds)
    ratio = best["verify"] / best["batch"]
    return ["| path | rows/s | ÷ single-process `verify()` |", "|---|---:|---:|",
            f"| single-process `verify()` loop over the texts in memory | {n / best['verify']:,.0f} | 1.00 |",
            f"| `batch verify`: codes.jsonl read, verified on all cores, verdicts and summary "
            f"written | {n / best['batch']:,.0f} | {ratio:.2f} |"]


if __name__ == "__main__":
    print(main())
