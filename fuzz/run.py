"""A long fuzzing campaign over ``verify()`` and ``inspect()`` (``make fuzz``; not in CI).

The target feeds each input to ``verify`` (as bytes and, when it decodes, as
text) and to ``inspect``, and fails on any exception, on ``INTERNAL_ERROR``, and
on a result that is not VALID yet carries no reason. The seed corpus holds a
valid payload of every format cccdqr reads (our VN1 vectors, the EU DCC, SMART
Health Card and VDS-NC samples under ``../shared/vectors``), so the mutations
start from real structure rather than noise.

With atheris (coverage-guided, libFuzzer mutations) when it is installed; else
a hypothesis campaign (random bytes, text, and byte-level mutations of the
seeds). Either way it writes ``fuzz/RESULTS.md``: the engine, the number of
inputs run, the time, and every crash found (inputs saved under
``fuzz/crashes/``).

    python fuzz/run.py [--runs 200000] [--engine atheris|hypothesis]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "vectors"
CRASHES = HERE / "crashes"
RESULTS = HERE / "RESULTS.md"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def seeds() -> list[bytes]:
    """One or more valid payloads of each format, as the scanner would hand them over."""
    out = [p.read_bytes() for p in sorted((ROOT / "vectors").glob("*.txt"))]
    for path in sorted((SHARED / "eu-dcc").glob("*/*.json"))[:60]:
        try:
            prefixed = json.loads(path.read_text()).get("PREFIX")
        except ValueError:
            continue
        if isinstance(prefixed, str):
            out.append(prefixed.encode())
    out += [p.read_bytes() for p in sorted((SHARED / "shc").rglob("*.txt"))[:30]]
    out += [p.read_bytes() for p in sorted((SHARED / "vds-nc").glob("au_pov_*.json"))]
    out += [p.read_bytes() for p in sorted((SHARED / "vn-eu-dcc").glob("*.txt"))]
    return [s for s in out if s.strip()]


def make_target():  # type: ignore[no-untyped-def]
    """The function every input goes through; raises on any property violation."""
    import cccdqr
    from cccdqr import Reason, Status

    trust = cccdqr.TrustStore.load(ROOT / "vectors" / "trust.json")

    def check(value: object) -> None:
        result = cccdqr.verify(value, trust, now=NOW)  # type: ignore[arg-type]
        if Reason.INTERNAL_ERROR in result.reasons:
            raise AssertionError(f"INTERNAL_ERROR: {result.detail}")
        if result.status is not Status.VALID and not result.reasons:
            raise AssertionError("a result that is not VALID has no reason")
        json.dumps(result.to_dict())
        inspection = cccdqr.inspect(value)  # type: ignore[arg-type]
        if Reason.INTERNAL_ERROR in inspection.problems:
            raise AssertionError(f"inspect INTERNAL_ERROR: {inspection.detail}")

    def target(data: bytes) -> None:
        check(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return
        check(text)
        if "\n" in text:  # several lines: the chunks of a split code
            check(text.splitlines())

    return target


# --- atheris -------------------------------------------------------------------------

ATHERIS_CHILD = "_CCCDQR_FUZZ_CHILD"


def atheris_child(corpus: str, runs: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["cccdqr", "cbor2", "json"]):
        target = make_target()
    atheris.Setup([sys.argv[0], corpus, f"-runs={runs}", f"-artifact_prefix={CRASHES}/",
                   "-max_len=8192", "-rss_limit_mb=4096", "-print_final_stats=1"], target)
    atheris.Fuzz()


def run_atheris(runs: int) -> dict[str, object]:
    CRASHES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cccdqr-corpus-") as corpus:
        for i, seed in enumerate(seeds()):
            Path(corpus, f"seed-{i:04d}").write_bytes(seed)
        env = dict(os.environ, **{ATHERIS_CHILD: corpus})
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--runs", str(runs)], env=env,
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    done = re.findall(r"Done (\d+) runs", log)
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    count = int(done[-1]) if done else int(execs[-1]) if execs else 0
    crashes = sorted(p.name for p in CRASHES.glob("crash-*"))
    tail = "\n".join(log.strip().splitlines()[-25:]) if proc.returncode else ""
    return {"engine": "atheris (libFuzzer, coverage-guided)", "runs": count, "seconds": elapsed,
            "crashes": crashes, "exit": proc.returncode, "log_tail": tail}


# --- hypothesis fallback ---------------------------------------------------------------

def run_hypothesis(runs: int) -> dict[str, object]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    target = make_target()
    corpus = seeds()
    count = 0

    def mutate(data: st.DataObject) -> bytes:
        seed = bytearray(data.draw(st.sampled_from(corpus)))
        for _ in range(data.draw(st.integers(1, 4))):
            op = data.draw(st.sampled_from(["flip", "cut", "insert", "splice"]))
            at = data.draw(st.integers(0, max(len(seed) - 1, 0)))
            if op == "flip" and seed:
                seed[at] ^= 1 << data.draw(st.integers(0, 7))
            elif op == "cut":
                del seed[at:at + data.draw(st.integers(1, 64))]
            elif op == "insert":
                seed[at:at] = data.draw(st.binary(max_size=16))
            else:
                other = data.draw(st.sampled_from(corpus))
                seed[at:] = other[data.draw(st.integers(0, max(len(other) - 1, 0))):]
        return bytes(seed)

    @settings(max_examples=runs, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def campaign(data: st.DataObject) -> None:
        nonlocal count
        count += 1
        kind = data.draw(st.integers(0, 3))
        if kind == 0:
            value = data.draw(st.binary(max_size=2048))
        elif kind == 1:
            value = data.draw(st.text(max_size=1024)).encode("utf-8", "surrogatepass")
        else:
            value = mutate(data)
        target(value)

    t0 = time.perf_counter()
    crashes: list[str] = []
    try:
        campaign()
    except Exception as exc:  # noqa: BLE001 - the campaign's finding, recorded below
        CRASHES.mkdir(exist_ok=True)
        crashes.append(f"{type(exc).__name__}: {exc}")
    return {"engine": "hypothesis", "runs": count, "seconds": time.perf_counter() - t0,
            "crashes": crashes, "exit": 1 if crashes else 0, "log_tail": ""}


def report(outcome: dict[str, object], seeds_used: int) -> str:
    lines = ["# Fuzzing results", "",
             f"`python fuzz/run.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             f"- engine: {outcome['engine']}",
             f"- inputs run: **{outcome['runs']:,}** (each through verify and inspect, as bytes "
             "and as text)",
             f"- seed corpus: {seeds_used} valid payloads (VN1, EU DCC, SHC, VDS-NC)",
             f"- time: {outcome['seconds']:.0f} s",
             f"- crashes: **{len(outcome['crashes'])}**"]  # type: ignore[arg-type]
    for crash in outcome["crashes"]:  # type: ignore[attr-defined]
        lines.append(f"  - `{crash}`")
    if outcome["log_tail"]:
        lines += ["", "```", str(outcome["log_tail"]), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200_000)
    ap.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the report")
    args = ap.parse_args(argv)
    if os.environ.get(ATHERIS_CHILD):
        atheris_child(os.environ[ATHERIS_CHILD], args.runs)
        return 0
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    sys.path.insert(0, str(ROOT / "src"))
    outcome = run_atheris(args.runs) if engine == "atheris" else run_hypothesis(args.runs)
    args.out.write_text(report(outcome, len(seeds())), encoding="utf-8")
    print(args.out.read_text())
    return 1 if outcome["crashes"] or outcome["exit"] else 0


if __name__ == "__main__":
    sys.exit(main())
