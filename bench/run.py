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


def machine_info() -> list[str]:
    """The machine and the library versions every figure below was measured with."""
    import importlib.metadata as md
    import os
    import platform

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    packages = ["cccdqr", "cryptography", "cbor2", "segno", "zxing-cpp", "pyzbar", "pillow",
                "opencv-python-headless", "cwt", "pycose", "base45", "numpy"]
    lines = ["## Machine", "",
             f"- CPU: {cpu}, {os.cpu_count()} logical cores (benchmarks run on one)",
             f"- Python {platform.python_version()} ({platform.python_implementation()}), "
             f"{platform.system()} {platform.release()}",
             f"- OpenSSL (cryptography): {_openssl()}",
             "- libraries: " + ", ".join(f"{p} {version(p)}" for p in packages), ""]
    return lines


def _openssl() -> str:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        return str(backend.openssl_version_text())
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sets (smoke run)")
    ap.add_argument("--only", nargs="*", default=None, help="benchmark names (file stems) to run")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    sections = ["# Benchmark results", "",
                f"`python bench/run.py{' --quick' if args.quick else ''}`, "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
                "Every figure is measured next to its floor or peer in the same run; the "
                "ratios are what to compare across machines.", "", *machine_info()]
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
