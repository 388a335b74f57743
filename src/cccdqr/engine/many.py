"""``verify_many`` on every core: the in-process loop, or chunks of texts on a process pool.

The rule for ``workers``:

- ``None`` (the default): in this process, one text after another.
- ``0``: one worker process per core this process may run on
  (:func:`cccdqr.engine.pool.default_workers`).
- ``N >= 1``: ``N`` worker processes.

An input whose length is known and is at most one chunk (``chunk`` texts, 64 by
default) always runs in-process: starting a pool costs more than it saves. So
does every input where the platform cannot ``fork`` (see below).

Results come back in input order and are the same, field for field, as the
in-process ones. Memory is bounded: the input is read lazily, and at most
``window`` chunks (default two per worker) are in flight.

What each worker holds, opened once in its initializer:

- the trust store and the policy are **inherited** through ``fork`` exactly as
  the caller built them (copy-on-write: no pickling, no re-parsing; neither a
  ``TrustStore`` nor a ``Policy`` pickles, as they hold live key objects);
- a :class:`~cccdqr.trust.revocation.RevocationList` is **reopened read-only by
  its path** in each worker: a SQLite connection must never cross a ``fork``.
  Any other revocation source is inherited as it is.

The public entry is :func:`cccdqr.verify_many` in :mod:`cccdqr.engine.verify`,
which hands its own ``verify`` to :func:`map_verify` (so this module never imports
``verify``: no import circle).

May import: engine (pool, result), trust, core and the standard library.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sized
from pathlib import Path
from typing import Any

from cccdqr.engine.pool import chunked, default_workers, ordered_map
from cccdqr.engine.result import VerificationResult
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.store import TrustStore

__all__ = ["DEFAULT_CHUNK", "map_verify", "worker_count"]

Verify = Callable[..., VerificationResult]
"""``verify(text, trust, *, now, **options)``: the one-code check every worker runs."""

DEFAULT_CHUNK = 64
"""Texts per task: one round trip to a worker costs about as much as a few
verifies, so a chunk amortises it; 64 keeps a window of results small."""

_STATE: dict[str, Any] = {}
"""The worker's trust store, clock and options, set once by :func:`_init_worker`."""


def worker_count(workers: int | None) -> int | None:
    """The processes ``workers`` asks for, or ``None`` for in-process (see the module)."""
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be None, 0 (all cores) or a positive int, not {workers!r}")
    return workers or default_workers()


def map_verify(
    verify: Verify,
    texts: Iterable[Any],
    trust: TrustStore,
    *,
    now: dt.datetime,
    workers: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    window: int | None = None,
    **options: Any,
) -> Iterator[VerificationResult]:
    """Verify a stream, one result per input, in order, with bounded memory.

    ``options`` are :func:`cccdqr.verify`'s (``policy``, ``revocation``,
    ``skew``...). ``workers`` follows the module's rule: ``None`` in-process,
    ``0`` all cores, ``N`` processes. A wrong argument type raises at once on the
    pool path, at the first result in-process; bad *input* never raises.
    """
    count = worker_count(workers)
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    small = isinstance(texts, Sized) and len(texts) <= chunk
    if count is None or small or "fork" not in multiprocessing.get_all_start_methods():
        return _in_process(verify, texts, trust, now, options)
    verify("", trust, now=now, **options)  # the argument checks, here rather than in a worker
    revocation = options.pop("revocation", None)
    path = None
    if isinstance(revocation, RevocationList):
        path, revocation = revocation.path, None
    elif revocation is not None:
        options["revocation"] = revocation
    return _pooled(texts, (verify, trust, now, options, path), count, chunk, window)


def _in_process(verify: Verify, texts: Iterable[Any], trust: TrustStore, now: dt.datetime,
                options: dict[str, Any]) -> Iterator[VerificationResult]:
    for text in texts:
        yield verify(text, trust, now=now, **options)


def _pooled(texts: Iterable[Any], initargs: tuple[Any, ...], workers: int, chunk: int,
            window: int | None) -> Iterator[VerificationResult]:
    results = ordered_map(_verify_chunk, chunked(texts, chunk), workers=workers, window=window,
                          initializer=_init_worker, initargs=initargs, context="fork")
    try:
        for batch in results:
            yield from batch
    finally:
        results.close()  # type: ignore[attr-defined]  # an early close stops the pool


def _init_worker(verify: Verify, trust: TrustStore, now: dt.datetime, options: dict[str, Any],
                 revocation_path: Path | None) -> None:
    """Once per worker: keep what every verify needs; reopen the revocation list.
    ``gc.freeze()`` moves what the fork inherited out of the collector's sight, so
    a collection never writes to (and so copies) the parent's pages."""
    gc.freeze()
    if revocation_path is not None:
        options = {**options, "revocation": RevocationList.open(revocation_path)}
    _STATE.update(verify=verify, trust=trust, now=now, options=options)


def _verify_chunk(texts: list[Any]) -> list[VerificationResult]:
    verify, trust, now = _STATE["verify"], _STATE["trust"], _STATE["now"]
    options = _STATE["options"]
    return [verify(text, trust, now=now, **options) for text in texts]
