"""Benchmark: a 5,000,000-entry revocation list in SQLite (cccdqr.trust.revocation).

Not a test. Builds the list the way an operator would: ids streamed from a
seeded generator into a CSV file, then ``RevocationList.import_file``. Reports:

* import time and rate, the file's size, peak memory: the process's maximum
  resident set (which includes SQLite's page cache and mapped file pages) and
  the Python heap peak under ``tracemalloc`` during a second, all-duplicate
  import of the same file;
* ``is_revoked`` per call on the read-only list (hits and misses, one id per
  call, random order): median and p99 in µs, against floors measured in the
  same run: a bare ``sqlite3`` primary-key SELECT on the same file, and a
  Python ``set`` membership test;
* ``verify()`` of one VN1 code with and without the list.

    python bench/revocation.py            # full run (minutes), writes bench/revocation.md
    python bench/revocation.py --quick    # 20,000 entries (smoke, seconds), prints only

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import cccdqr
from cccdqr import testkeys
from cccdqr.trust.revocation import DEFAULT_BATCH, RevocationList

OUT = Path(__file__).with_name("revocation.md")
GOAL_US = 50.0
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
UCI_EVERY = 10  # one id in ten is an EU "uci" hash (16 bytes), the rest VN1 cti (12 bytes)


def generate(n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``n`` distinct-with-overwhelming-probability ids, from a seeded generator."""
    rng = random.Random(seed)
    for i in range(n):
        if i % UCI_EVERY == UCI_EVERY - 1:
            yield "uci", rng.randbytes(16)
        else:
            yield "cti", rng.randbytes(12)


def write_csv(path: Path, n: int, seed: int, sample_every: int) -> list[tuple[str, bytes]]:
    """Stream the ids to ``path``; keep every ``sample_every``-th for hit lookups."""
    sample: list[tuple[str, bytes]] = []
    with path.open("w", encoding="ascii", newline="\n") as f:
        f.write("kind,id\n")
        for i, (kind, value) in enumerate(generate(n, seed)):
            f.write(f"{kind},{value.hex()}\n")
            if i % sample_every == 0:
                sample.append((kind, value))
    return sample


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def per_call_us(call: Callable[[tuple[str, bytes]], object],
                ids: Sequence[tuple[str, bytes]]) -> list[float]:
    out = []
    clock = time.perf_counter_ns
    for one in ids:
        t0 = clock()
        call(one)
        out.append((clock() - t0) / 1000)
    return out


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run(n: int, lookups: int, seed: int, folder: Path, log: Callable[[str], None]) -> dict[str, object]:
    res: dict[str, object] = {"n": n, "lookups": lookups}
    csv_path, db_path = folder / "revoked.csv", folder / "revoked.sqlite"

    log(f"writing {n:,} ids to CSV")
    t0 = time.perf_counter()
    sample = write_csv(csv_path, n, seed, max(1, n // lookups))
    res["csv_s"] = time.perf_counter() - t0
    res["csv_mib"] = csv_path.stat().st_size / 2**20

    log("importing")
    rss0 = max_rss_mib()
    t0 = time.perf_counter()
    with RevocationList.open(db_path, create=True) as rl:
        report = rl.import_file(csv_path, fmt="csv", at=NOW)
        rl.mark_updated(NOW, valid_for=dt.timedelta(days=1))
    res["import_s"] = time.perf_counter() - t0
    res["rss_before_mib"], res["rss_after_mib"] = rss0, max_rss_mib()
    res["read"], res["added"] = report.read, report.added
    res["db_mib"] = db_path.stat().st_size / 2**20

    log("re-importing under tracemalloc (all duplicates)")
    tracemalloc.start()
    t0 = time.perf_counter()
    with RevocationList.open(db_path, writable=True) as rl:
        again = rl.import_file(csv_path, fmt="csv", at=NOW)
    res["reimport_s"] = time.perf_counter() - t0
    res["py_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    res["reimport_added"] = again.added
    csv_path.unlink()

    rng = random.Random(seed + 1)
    hits = sample[:lookups]
    rng.shuffle(hits)
    misses = [(k, rng.randbytes(len(v))) for k, v in hits]  # same kinds and lengths, not listed

    log(f"looking up {len(hits):,} hits and {len(misses):,} misses")
    with RevocationList.open(db_path) as ro:
        res["count"] = ro.count()
        for name, ids in (("hit", hits), ("miss", misses)):
            per_call_us(lambda one: ro.is_revoked((one,)), ids[: len(ids) // 10])  # warm up
            times = per_call_us(lambda one: ro.is_revoked((one,)), ids)
            res[f"list_{name}"] = summary(times)
        assert all(ro.is_revoked((h,)) for h in hits[:1000])
        assert not any(ro.is_revoked((m,)) for m in misses[:1000])
        unlisted = misses[:3]
        res["list_three"] = summary(per_call_us(lambda _: ro.is_revoked(unlisted), hits))

        text = cccdqr.Issuer(testkeys.test_es256_key("bench"), deterministic=True).issue(
            _certificate(), now=NOW - dt.timedelta(hours=1), valid_for=dt.timedelta(days=365),
            cti=bytes(range(12)))
        trust = cccdqr.TrustStore([cccdqr.Issuer(testkeys.test_es256_key("bench")).trusted_key()])
        assert cccdqr.verify(text, trust, now=NOW, revocation=ro).valid
        k = max(50, min(500, lookups // 20))
        paths = {"verify_with": lambda _: cccdqr.verify(text, trust, now=NOW, revocation=ro),
                 "verify_without": lambda _: cccdqr.verify(text, trust, now=NOW)}
        for path in paths.values():  # warm up both first: whichever ran first paid for it
            per_call_us(path, hits[:k])
        for _ in range(5):  # taking turns; the round with the lowest median counts
            for name, path in paths.items():
                got = summary(per_call_us(path, hits[:k]))
                res[name] = min(res.get(name, got), got)  # type: ignore[type-var]

    bare = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True)
    bare.execute("PRAGMA mmap_size = 268435456")
    query = "SELECT 1 FROM entries WHERE kind = ? AND id = ?"
    for name, ids in (("hit", hits), ("miss", misses)):
        per_call_us(lambda one: bare.execute(query, one).fetchone(), ids[: len(ids) // 10])
        res[f"bare_{name}"] = summary(per_call_us(lambda one: bare.execute(query, one).fetchone(), ids))
    bare.close()

    in_memory = set(hits)
    for name, ids in (("hit", hits), ("miss", misses)):
        res[f"set_{name}"] = summary(per_call_us(lambda one: one in in_memory, ids))
    return res


def _certificate() -> cccdqr.HealthCertificate:
    return cccdqr.HealthCertificate(
        subject=cccdqr.Subject(id_number="079095012345", name="Nguyễn Văn An", dob="1995-08-15",
                               sex=cccdqr.Sex.MALE),
        vaccinations=(cccdqr.Vaccination(product="EU/1/20/1528", dose_number=1, doses_in_series=2,
                                         date=dt.date(2021, 8, 1)),))


def report(res: dict[str, object], argv: Sequence[str], seconds: float) -> str:
    r = res

    def us(key: str) -> str:
        median, p99 = r[key]  # type: ignore[misc]
        return f"{median:.2f} | {p99:.2f}"

    n, read = int(r["n"]), int(r["read"])  # type: ignore[call-overload]
    import_s = float(r["import_s"])  # type: ignore[arg-type]
    worst = max(r["list_hit"][1], r["list_miss"][1])  # type: ignore[index]
    median = max(r["list_hit"][0], r["list_miss"][0])  # type: ignore[index]
    lines = [
        f"`python bench/revocation.py {' '.join(argv)}`".replace(" `", "`"),
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared); total {seconds:.0f} s.",
        "",
        f"{n:,} ids (9 in 10 VN1 `cti`, 12 bytes; 1 in 10 EU `uci`, 16 bytes) from a seeded "
        f"generator, streamed to a {r['csv_mib']:.0f} MiB CSV in {r['csv_s']:.1f} s, then imported.",
        "",
        "| import | value |",
        "|---|---|",
        f"| `import_file` (CSV, batches of {DEFAULT_BATCH:,}, one transaction each) | {import_s:.1f} s "
        f"({read / import_s:,.0f} ids/s) |",
        f"| ids read / added / listed | {read:,} / {r['added']:,} / {r['count']:,} |",
        f"| file size | {r['db_mib']:.0f} MiB ({float(r['db_mib']) * 2**20 / max(1, int(r['count'])):.0f}"  # type: ignore[arg-type, call-overload]
        " bytes per id) |",
        f"| max RSS of the process before / after the import | {r['rss_before_mib']:.0f} / "
        f"{r['rss_after_mib']:.0f} MiB (includes SQLite's 64 MiB cache and mapped pages) |",
        f"| Python heap peak (tracemalloc) over a second, all-duplicate import of the "
        f"same file | {r['py_peak_mib']:.1f} MiB in {r['reimport_s']:.1f} s, "
        f"{r['reimport_added']} added |",
        "",
        f"Lookups, µs per call ({int(r['lookups']):,} hits and as many misses, random order, warm "  # type: ignore[call-overload]
        "cache, one id per call unless noted):",
        "",
        "| lookup | median | p99 |",
        "|---|---|---|",
        f"| `RevocationList.is_revoked`, hit | {us('list_hit')} |",
        f"| `RevocationList.is_revoked`, miss | {us('list_miss')} |",
        f"| `RevocationList.is_revoked`, three ids none listed (an EU DCC code, not revoked) | "
        f"{us('list_three')} |",
        f"| floor: bare `sqlite3` primary-key SELECT, same file, hit | {us('bare_hit')} |",
        f"| floor: bare `sqlite3` primary-key SELECT, same file, miss | {us('bare_miss')} |",
        f"| floor: Python `set` membership, hit | {us('set_hit')} |",
        f"| floor: Python `set` membership, miss | {us('set_miss')} |",
        f"| `verify()` of one VN1 code, with the list | {us('verify_with')} |",
        f"| `verify()` of one VN1 code, without a list | {us('verify_without')} |",
        "",
        "| goal | measured | met |",
        "|---|---|---|",
        f"| `is_revoked` ≤ {GOAL_US:.0f} µs at {n:,} entries (median, worst of hit/miss) | "
        f"{median:.1f} µs | {'yes' if median <= GOAL_US else 'NO'} |",
        f"| same, p99 | {worst:.1f} µs | {'yes' if worst <= GOAL_US else 'NO'} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> str:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 entries for a smoke run; writes no file")
    ap.add_argument("--n", type=int, default=None, help="entries (default 5,000,000)")
    ap.add_argument("--lookups", type=int, default=None, help="hit lookups, as many misses (default 100,000)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--dir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"report file (default {OUT.name}; none with --quick)")
    args = ap.parse_args(argv)
    n = args.n or (20_000 if args.quick else 5_000_000)
    lookups = min(n, args.lookups or (2_000 if args.quick else 100_000))
    out = args.out or (None if args.quick else OUT)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="cccdqr-bench-") as folder:
        res = run(n, lookups, args.seed, Path(folder), log)
    md = report(res, argv, time.perf_counter() - t0)
    print(md)
    if out is not None:
        out.write_text("# Revocation list benchmark: SQLite, 5 million entries\n\n" + md,
                       encoding="utf-8")
    return md


if __name__ == "__main__":
    main()
