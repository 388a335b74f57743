"""Timing helpers shared by the benchmarks (not a benchmark: bench/run.py skips
files whose name starts with an underscore)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
