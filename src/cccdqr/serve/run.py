"""Serving the app with uvicorn: one process, or N worker processes, each with
its own listening socket on the one port (``SO_REUSEPORT``, bound by the parent,
so a taken port fails before any worker starts). The parent passes SIGHUP on to
every worker (each reloads its own checks) and stops them on SIGINT or SIGTERM.

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

__all__ = ["ServeOptions", "listening_socket", "serve"]


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


def _worker(options: ServeOptions, sock: socket.socket | None,
            others: tuple[socket.socket, ...] = ()) -> None:
    """One uvicorn server over the app (in this process), on ``sock``; the
    other workers' sockets, inherited by the fork, are closed here."""
    import uvicorn

    for other in others:
        other.close()

    _logging(options.access_log)
    clock = _clock(options.at)
    checks = Checks(options.sources, clock=clock)
    app = create_app(checks, clock=clock, limits=ServiceLimits(), watch_interval=options.watch_interval)
    config = uvicorn.Config(app, host=options.host, port=options.port, access_log=False,
                            log_level="warning", lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock] if sock is not None else None)


def listening_socket(host: str, port: int, *, reuse_port: bool = False,
                     backlog: int = 2048) -> socket.socket:
    """A TCP socket listening on ``host:port``, made with its protocol number
    (``IPPROTO_TCP``): asyncio sets ``TCP_NODELAY`` only on connections accepted
    from such a socket, and without it (``socket.create_server`` leaves the
    protocol 0) an answer written in two pieces waits for the client's delayed
    ACK, about 40 ms a request. ``reuse_port``: several sockets on one port, the
    kernel spreading new connections over them."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def worker_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One listening socket per worker on the same port (``SO_REUSEPORT``), so
    the kernel spreads the connections evenly. (With one shared socket, the
    worker that wakes first accepts a whole burst of connections, and keeps
    them: keep-alive clients then load one worker and leave the other idle.)"""
    first = listening_socket(host, port, reuse_port=True)
    socks = [first]
    try:
        port = first.getsockname()[1]
        socks += [listening_socket(host, port, reuse_port=True) for _ in range(count - 1)]
    except OSError:
        for s in socks:
            s.close()
        raise
    return socks


def serve(options: ServeOptions) -> int:
    """Run until SIGINT or SIGTERM. Loads the checks first (raises
    :class:`~cccdqr.serve.state.LoadError` for a bad file, before listening)."""
    Checks(options.sources, clock=_clock(options.at)).snapshot.close()  # fail fast, once
    if options.workers <= 1:
        _worker(options, None)
        return 0
    socks = worker_sockets(options.host, options.port, options.workers)
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_worker, daemon=True,
                           args=(options, sock, tuple(o for o in socks if o is not sock)))
               for sock in socks]
    for w in workers:
        w.start()
    for sock in socks:  # each is the worker's now: one that dies takes its socket with it
        sock.close()

    def forward(signum: int, frame: FrameType | None) -> None:
        for w in workers:
            if w.pid is not None and w.is_alive():
                os.kill(w.pid, signal.SIGHUP if signum == signal.SIGHUP else signal.SIGTERM)

    signal.signal(signal.SIGHUP, forward)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for w in workers:
        w.join()
    return 0
