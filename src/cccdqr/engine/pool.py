"""An ordered, bounded map over a pool of processes: how cccdqr uses every core.

``ordered_map`` runs a picklable function over an iterable in worker processes
and yields the results in input order, with at most ``window`` items in flight,
so memory stays bounded however long the input is. Per-worker state (a trust
store, a signing key) is opened once per process by ``initializer``. Callers
send chunks, not single codes: one round trip costs far more than one verify.

May import: the standard library only.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter), read lazily."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    window: int | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    context: str | None = None,
) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` processes, in order, ``window`` in flight.

    The input is read only as results are taken, so a stream of millions never
    sits in memory. An exception in ``fn`` is raised here, at its item's turn.
    Closing the iterator early cancels what has not started. ``context`` is a
    multiprocessing start method; the default is ``fork`` where it exists (the
    parent's imports and loaded data are shared copy-on-write, which is why a
    worker starts in milliseconds), else the platform's default.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    window = window or 2 * workers
    if context is None and "fork" in multiprocessing.get_all_start_methods():
        context = "fork"
    pool = ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=initargs,
                               mp_context=multiprocessing.get_context(context))
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
