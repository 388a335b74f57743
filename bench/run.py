"""Run every benchmark in bench/ and collect their reports in bench/RESULTS.md.

A benchmark is any ``bench/*.py`` (other than this file) with a
``main(argv) -> str`` that returns a Markdown report. ``--quick`` is passed on
to each one (tiny sets, for a smoke run).

    python bench/run.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_"))


def load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sets (smoke run)")
    ap.add_argument("--only", nargs="*", default=None, help="benchmark names (file stems) to run")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    sections = ["# Benchmark results", "",
                f"`python bench/run.py{' --quick' if args.quick else ''}`, "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    failed = 0
    for path in benchmarks():
        if args.only and path.stem not in args.only:
            continue
        module = load(path)
        if not callable(getattr(module, "main", None)):
            continue
        print(f"== {path.name}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            report = module.main(["--quick"] if args.quick else [])
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed += 1
            report = f"FAILED: {type(exc).__name__}: {exc}\n"
        sections += [f"## {path.stem}", "", f"({time.perf_counter() - t0:.0f} s)", "",
                     str(report).rstrip(), ""]
    args.out.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
