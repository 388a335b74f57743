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

import dataclasses
import datetime as dt
import gc
import io
import multiprocessing
import operator
import pickle
import types
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
            yield from pickle.loads(batch)  # noqa: S301  # our own workers' bytes
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


def _verify_chunk(texts: list[Any]) -> bytes:
    verify, trust, now = _STATE["verify"], _STATE["trust"], _STATE["now"]
    options = _STATE["options"]
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(
        [verify(text, trust, now=now, **options) for text in texts])
    return out.getvalue()


# --- the way back: results as compact pickles ----------------------------------------------
# A result and its model are frozen slotted dataclasses, which pickle through
# dataclasses' own __getstate__/__setstate__ (a Python loop over fields() per
# object): about 20 µs each way for a three-dose code, beside a ~180 µs verify,
# and the parent's share is what caps the speed-up. Reduced to (class, values)
# and rebuilt through the slots' own descriptors, it is ~11 µs out, ~14 µs back
# (measured here), and the same object: tests/engine/test_many.py compares.

_Plan = tuple[Callable[[Any], tuple[Any, ...]], tuple[Callable[[Any, Any], None], ...]]
_PLANS: dict[type, _Plan | None] = {}


def _plan(cls: type) -> _Plan | None:
    """How to take ``cls`` apart and put it back, or None to pickle it as usual."""
    if cls in _PLANS:
        return _PLANS[cls]
    plan = None
    if _plain_slotted_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
        slots = [getattr(cls, name, None) for name in names]
        if len(names) > 1 and all(isinstance(d, types.MemberDescriptorType) for d in slots):
            plan = (operator.attrgetter(*names), tuple(d.__set__ for d in slots))  # type: ignore[union-attr]
    _PLANS[cls] = plan
    return plan


def _plain_slotted_dataclass(cls: type) -> bool:
    """A slotted dataclass that pickles the dataclass way (no reduce or state of its own)."""
    getstate = getattr(cls, "__getstate__", None)
    return (dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__
            and getattr(getstate, "__name__", "") == "_dataclass_getstate"
            and cls.__reduce_ex__ is object.__reduce_ex__ and cls.__reduce__ is object.__reduce__)


def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    obj: Any = object.__new__(cls)
    plan = _plan(cls)
    assert plan is not None
    for put, value in zip(plan[1], values, strict=True):
        put(obj, value)
    return obj


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        plan = _plan(type(obj))
        if plan is None:
            return NotImplemented
        return _rebuild, (type(obj), plan[0](obj))
