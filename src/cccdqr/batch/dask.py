"""The batch runner on Dask: chunks go to a dask.distributed cluster, results come back in order.

:class:`DaskRunner` is the batch ``Runner`` (``map(fn, chunks)`` yields one result
per chunk, in input order) on a :class:`distributed.Client`:

- ``DaskRunner.local(workers)`` (``--dask local``) starts a LocalCluster of
  ``workers`` processes with one thread each, and stops it on :meth:`close`;
- ``DaskRunner.connect("tcp://HOST:PORT")`` (``--dask tcp://...``) uses an existing
  scheduler and leaves it running.

At most ``window`` chunks (default two per worker) are in flight: the next one is
submitted as the oldest result is taken, so a stream of millions never sits in
the scheduler's memory nor in this process's. Closing the iterator early cancels
the futures not yet taken, so a stopped batch stops the cluster's work too.

**The signing key never enters the task graph.** The per-worker state is opened
by ``initializer(*initargs)``, the same pair the local pool takes, run once in each
worker process by a worker plugin (also on workers that join or restart later).
``initargs`` carry the key's *source* — a key file's path, readable on every
worker, or a picklable :class:`~cccdqr.trust.pkcs11.TokenKeySpec` naming a PKCS#11
module and a PIN file or variable present on every worker — never the key:
:func:`check_initargs` refuses private key objects and PEM private key bytes.
Chunk functions must be top level (picklable by reference) and read the key from
the worker's state that ``initializer`` set.

Floor 7. May import floors 0-6, the standard library and ``distributed`` (the
optional ``dask`` extra; the module still imports without it, and only
:meth:`DaskRunner.local` / :meth:`DaskRunner.connect` then fail).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["DaskRunner", "KeyPlugin", "check_initargs"]

_Plugin: Any
try:  # a Dask worker plugin must be a WorkerPlugin; without Dask the class still imports
    from distributed.diagnostics.plugin import WorkerPlugin as _Plugin
except ImportError:  # pragma: no cover - the dask extra is not installed
    _Plugin = object

C = TypeVar("C")
R = TypeVar("R")

_PRIVATE_PEM = "PRIVATE KEY-----"


def check_initargs(initargs: tuple[Any, ...]) -> None:
    """Raise ``TypeError`` when an argument is a private key or a PEM private key:
    what reaches workers must be where the key is, not the key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    keys = (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)
    for arg in initargs:
        if isinstance(arg, keys) \
                or (isinstance(arg, bytes) and _PRIVATE_PEM.encode() in arg) \
                or (isinstance(arg, str) and _PRIVATE_PEM in arg):
            raise TypeError("a private key must not be sent to Dask workers: pass its source "
                            "(a key file path or a PKCS#11 key spec) instead")


def _distributed() -> Any:
    """dask.distributed, untyped (its classes carry no annotations)."""
    import distributed

    return distributed


class KeyPlugin(_Plugin):  # type: ignore[misc]
    """A Dask worker plugin that runs ``initializer(*initargs)`` once in each worker
    process (``setup`` is called on every worker, present or joining later)."""

    def __init__(self, initializer: Callable[..., object], initargs: tuple[Any, ...],
                 name: str) -> None:
        check_initargs(initargs)
        self.initializer = initializer
        self.initargs = initargs
        self.name = name

    def setup(self, worker: object) -> None:
        """Open the worker's state from its source."""
        self.initializer(*self.initargs)

    def teardown(self, worker: object) -> None:
        """Nothing to undo: the state lives as long as the worker process."""


class DaskRunner:
    """``map(fn, chunks)`` on a dask.distributed cluster (see the module docstring)."""

    def __init__(self, client: Any, *, cluster: Any = None,
                 initializer: Callable[..., object] | None = None,
                 initargs: tuple[Any, ...] = (), window: int | None = None) -> None:
        self.client, self._cluster = client, cluster
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.window = window if window is not None else 2 * self.workers
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if initializer is not None:
            plugin = KeyPlugin(initializer, initargs, name=f"cccdqr-key-{uuid.uuid4().hex}")
            client.register_plugin(plugin, name=plugin.name)

    @classmethod
    def local(cls, workers: int, **options: Any) -> DaskRunner:
        """``--dask local``: a LocalCluster of ``workers`` processes, one thread each."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        cluster = _distributed().LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                               dashboard_address=":0", silence_logs=40)
        client = _distributed().Client(cluster)
        client.wait_for_workers(workers)
        try:
            return cls(client, cluster=cluster, **options)
        except BaseException:
            client.close()
            cluster.close()
            raise

    @classmethod
    def connect(cls, address: str, **options: Any) -> DaskRunner:
        """``--dask tcp://HOST:PORT``: the scheduler at ``address`` (left running)."""
        if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise ValueError(f"a Dask scheduler address looks like tcp://HOST:PORT, not {address!r}")
        return cls(_distributed().Client(address, timeout="30s"), **options)

    @classmethod
    def from_option(cls, value: str, workers: int, **options: Any) -> DaskRunner:
        """The runner a ``--dask`` value names: ``local`` or a scheduler address."""
        return cls.local(workers, **options) if value == "local" else cls.connect(value, **options)

    def map(self, fn: Callable[[C], R], chunks: Iterable[C]) -> Iterator[R]:
        """``fn`` over ``chunks`` on the cluster: results in input order, at most
        ``window`` in flight. An exception in ``fn`` is raised at its chunk's turn."""
        pending: deque[Any] = deque()
        it = iter(chunks)
        try:
            for chunk in it:
                pending.append(self.client.submit(fn, chunk, pure=False))
                if len(pending) >= self.window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            if pending:
                self.client.cancel(list(pending))

    def close(self) -> None:
        """Close the client, and the cluster when this runner started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
