"""Running the service on loopback in a thread, and Debian's Chromium (driven by
Playwright, no downloaded browser) with a fake camera playing a y4m file."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from cccdqr.serve.app import create_app
from cccdqr.serve.run import listening_socket
from cccdqr.serve.state import Checks, Sources

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
         "--autoplay-policy=no-user-gesture-required"]


@contextlib.contextmanager
def service(sources: Sources, now: dt.datetime, **app_options: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; yields its base address."""
    checks = Checks(sources, clock=lambda: now)
    app = create_app(checks, clock=lambda: now, sighup=False, **app_options)
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"{'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def chromium(video: Path) -> Iterator[Any]:
    """A headless Chromium whose camera plays ``video``; yields a new page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=FLAGS + [f"--use-file-for-fake-video-capture={video}"])
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            yield context.new_page()
        finally:
            browser.close()


@contextlib.contextmanager
def process(sources: Sources, now: dt.datetime, *, workers: int = 1,
            watch: float | None = None) -> Iterator[tuple[str, Any]]:
    """``serve()`` in its own process (as ``cccdqr serve`` runs it); yields its
    base address and the process, then stops it with SIGTERM."""
    import json
    import os
    import signal
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = (
        "import datetime as dt, json, sys\n"
        "from cccdqr.serve.run import ServeOptions, serve\n"
        "from cccdqr.serve.state import Sources\n"
        "a = json.loads(sys.argv[1])\n"
        "serve(ServeOptions(sources=Sources(**a['sources']), port=a['port'], workers=a['workers'],\n"
        "                   at=dt.datetime.fromisoformat(a['at']), watch_interval=a['watch'],\n"
        "                   access_log=False))\n")
    arg = json.dumps({"sources": {"trust": sources.trust, "policy": sources.policy,
                                  "revocation": sources.revocation}, "port": port,
                      "workers": workers, "at": now.isoformat(), "watch": watch})
    proc = subprocess.Popen([sys.executable, "-c", script, arg], env={**os.environ})
    base = f"{'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
