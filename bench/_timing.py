"""Timing helpers shared by the benchmarks (not a benchmark: bench/run.py skips
files whose name starts with an underscore)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def in_sequence(items: list[Any], rounds: int,
                steps: list[Callable[[Any, int, Any], Any]]) -> list[float]:
    """µs per item of each step when the steps run one after another on each
    item, each fed the previous step's result, as inside ``verify``: a stage
    run between the others costs more than alone in a loop, because the others
    evict its code and data from the CPU caches. Step ``k`` is called as
    ``step(item, index, value)``, ``value`` being what step ``k - 1`` returned
    (``None`` for the first). Best of ``rounds`` per step; wall clock
    (``perf_counter_ns``), as the CPU clock is too coarse for single stages."""
    best = [float("inf")] * len(steps)
    for _ in range(rounds):
        spent = [0] * len(steps)
        for i, item in enumerate(items):
            value: Any = None
            for k, step in enumerate(steps):
                t0 = time.perf_counter_ns()
                value = step(item, i, value)
                spent[k] += time.perf_counter_ns() - t0
        best = [min(b, ns / len(items) / 1000) for b, ns in zip(best, spent, strict=True)]
    return best


def interleaved(paths: Sequence[tuple[str, Callable[[], object]]],
                rounds: int) -> dict[str, tuple[float, object]]:
    """Best CPU seconds of each path over ``rounds``, and what that run
    returned. The paths take turns within each round, so a stretch of load
    from other work on a shared machine falls on all of them alike, instead of
    on whichever path was being measured then (which skews the ratios)."""
    best: dict[str, tuple[float, object]] = {name: (float("inf"), None) for name, _ in paths}
    for _ in range(rounds):
        for name, fn in paths:
            t0 = time.process_time()
            got = fn()
            seconds = max(time.process_time() - t0, 1e-9)
            if seconds < best[name][0]:
                best[name] = (seconds, got)
    return best


def each(fn: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], int]:
    """A path that calls ``fn`` on every item and returns how many it called."""
    def run() -> int:
        for item in items:
            fn(item)
        return len(items)
    return run


def alone_us(fn: Callable[[Any], object], items: Sequence[Any], rounds: int) -> float:
    """µs per item of ``fn`` run alone over all ``items``: CPU time, best of
    ``rounds`` (the best run is the least disturbed)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9) / len(items) * 1e6


def stage_table(rows: list[tuple[str, float, float]], own: str, whole_label: str) -> list[str]:
    """Markdown rows for stages timed alone and in sequence (``in_sequence``),
    the last row being the whole call: each stage's share of the whole, and
    what the whole spends beyond the stages (``own``: the caller's own code)."""
    (_, _, whole), parts = rows[-1], rows[:-1]
    rest = whole - sum(q for _, _, q in parts)
    return ["| stage | alone µs | in sequence µs | share of the whole |", "|---|---:|---:|---:|",
            *(f"| {name} | {t:.1f} | {q:.1f} | {q / whole:.0%} |" for name, t, q in parts),
            f"| {own} | | {rest:.1f} | {rest / whole:.0%} |",
            f"| **{whole_label}** | | **{whole:.1f}** | 100% |"]

