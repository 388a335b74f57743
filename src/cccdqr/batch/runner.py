"""Where a batch's chunks run: the ``Runner`` shape, and the local process pool.

A runner maps a top-level chunk function over a stream of chunks and yields one
result per chunk **in input order**, with a bounded number in flight, so the
batch writes its output files in order without holding the stream. Per-worker
state (the signing key) is opened once in each worker by ``initializer(*initargs)``.
Two runners have this shape: :class:`LocalRunner` (processes on this machine,
over :func:`cccdqr.engine.pool.ordered_map`) and
:class:`cccdqr.batch.dask.DaskRunner` (a Dask cluster).

Local workers ignore SIGINT: stopping is the parent's job (it cancels what has
not started and waits for what has), so Ctrl-C in a terminal, which signals the
whole process group, stops the batch once and cleanly. SIGTERM keeps its default
in workers, since the pool itself ends a worker with it (after another worker
died); a SIGTERM to the whole group ends the workers at once and the parent
stops as for Ctrl-C, with only unfinished chunks lost. So that
a parent killed with SIGKILL leaves no orphans, each worker asks Linux to kill it
when its parent dies (``PR_SET_PDEATHSIG``).

Workers are forked (they start in milliseconds and share the parent's imports),
except when an ``initargs`` item says ``fork_safe = False``: a key in a PKCS#11
token, whose module this process has already initialised and which a forked
child must not touch (its sessions belong to the parent). Then workers are
spawned fresh and open the token themselves.

Floor 7. May import ``engine`` and the standard library.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from cccdqr.engine.pool import default_workers, ordered_map

__all__ = ["LocalRunner", "Runner"]

C = TypeVar("C")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Runner(Protocol):
    """``map(fn, chunks)``: one result per chunk, in order; ``close()`` when done."""

    workers: int

    def map(self, fn: Callable[[C], R], chunks: Iterable[C]) -> Iterator[R]: ...

    def close(self) -> None: ...


def _die_with_parent() -> None:
    """Linux only, best effort: SIGKILL this process when its parent dies. Hand-written
    with ctypes because it is one system call and no maintained package offers it."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - Linux is where batches run
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: orphans exit on EOF
        return


def start_worker(parent: int, initializer: Callable[..., object] | None,
                 initargs: tuple[Any, ...]) -> None:
    """A local worker's first step: leave Ctrl-C to the parent, die with it, then
    open the worker's state."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler the parent had when it forked
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


class LocalRunner:
    """Chunks on ``workers`` processes of this machine (default: every core)."""

    def __init__(self, workers: int | None = None, *,
                 initializer: Callable[..., object] | None = None,
                 initargs: tuple[Any, ...] = (), window: int | None = None,
                 context: str | None = None) -> None:
        self.workers = workers if workers else default_workers()
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        self._initializer, self._initargs = initializer, initargs
        if context is None and any(getattr(a, "fork_safe", True) is False for a in initargs):
            context = "spawn"
        self._window, self._context = window, context

    def map(self, fn: Callable[[C], R], chunks: Iterable[C]) -> Iterator[R]:
        """``fn`` over ``chunks``, in order, at most ``window`` (default two per worker)
        in flight. An exception in ``fn`` is raised at its chunk's turn."""
        return ordered_map(fn, chunks, workers=self.workers, window=self._window,
                           initializer=start_worker,
                           initargs=(os.getpid(), self._initializer, self._initargs),
                           context=self._context)

    def close(self) -> None:
        """Nothing to close: each :meth:`map` owns its pool and shuts it down."""

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
