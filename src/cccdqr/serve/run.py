"""Serving the app with uvicorn: one process, or N worker processes that share
one listening socket (bound by the parent). The parent passes SIGHUP on to every
worker (each reloads its own checks) and stops them on SIGINT or SIGTERM.

uvicorn's own access log is off: it would write query strings. The app's
:mod:`cccdqr.serve.guard` writes one that holds no codes.

May import :mod:`cccdqr.serve`'s modules, uvicorn and the layers below.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from cccdqr.serve.app import ServiceLimits, create_app
from cccdqr.serve.state import Checks, Sources

__all__ = ["ServeOptions", "serve"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServeOptions:
    sources: Sources
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    at: dt.datetime | None = None
    """A fixed clock for every verification (tests, demos); ``None``: the system clock."""
    watch_interval: float | None = 1.0
    access_log: bool = True


def _clock(at: dt.datetime | None) -> Callable[[], dt.datetime]:
    if at is not None:
        return lambda: at
    # The service is an edge, like the CLI: the one place the system clock is read.
    return lambda: dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _logging(access: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    for name in ("cccdqr.serve.access", "cccdqr.serve.error"):
        log = logging.getLogger(name)
        log.handlers[:] = [handler]
        log.setLevel(logging.INFO if access or name.endswith("error") else logging.WARNING)
        log.propagate = False


def _worker(options: ServeOptions, sock: socket.socket | None) -> None:
    """One uvicorn server over the app (in this process)."""
    import uvicorn

    _logging(options.access_log)
    clock = _clock(options.at)
    checks = Checks(options.sources, clock=clock)
    app = create_app(checks, clock=clock, limits=ServiceLimits(), watch_interval=options.watch_interval)
    config = uvicorn.Config(app, host=options.host, port=options.port, access_log=False,
                            log_level="warning", lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock] if sock is not None else None)


def serve(options: ServeOptions) -> int:
    """Run until SIGINT or SIGTERM. Loads the checks first (raises
    :class:`~cccdqr.serve.state.LoadError` for a bad file, before listening)."""
    Checks(options.sources, clock=_clock(options.at)).snapshot.close()  # fail fast, once
    if options.workers <= 1:
        _worker(options, None)
        return 0
    sock = socket.create_server((options.host, options.port), reuse_port=False, backlog=2048)
    sock.set_inheritable(True)
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_worker, args=(options, sock), daemon=True)
               for _ in range(options.workers)]
    for w in workers:
        w.start()

    def forward(signum: int, frame: FrameType | None) -> None:
        for w in workers:
            if w.pid is not None and w.is_alive():
                os.kill(w.pid, signal.SIGHUP if signum == signal.SIGHUP else signal.SIGTERM)

    signal.signal(signal.SIGHUP, forward)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for w in workers:
        w.join()
    sock.close()
    return 0
