"""Benchmark: the HTTP verification service and the checkpoint page.

Not a test. Two measurements, on loopback, each next to its floor in the same run:

* ``POST /v1/verify`` of a valid VN1 code: requests/s and p50/p99 latency at 64
  concurrent keep-alive connections (and at 1, the service time), against
  ``serve()`` in its own process with 1 and 2 workers (as ``cccdqr serve
  --workers N`` runs it); the floors are in-process ``verify()`` of the same code
  and the handler's whole work without HTTP (verify, decision, JSON document).
  The client (tests/serve/rawhttp.py, asyncio) runs on the same two cores.
* the checkpoint page in Debian's Chromium with a 1280×720 fake camera: blank
  paper, then a frame holding a readable code (a new code each time). The time
  from the page receiving that first frame (``requestVideoFrameCallback``) to
  the verdict in the DOM (``window.__cccdqr.verdicts[].shownAt``), both on the
  page's ``performance.now()`` clock.

    python bench/serve.py [--quick] [-n 4000]

``main(argv) -> str`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "serve"))  # the service tests' codes and helpers

import browser  # noqa: E402
import codes  # noqa: E402
import rawhttp  # noqa: E402

import cccdqr  # noqa: E402
from cccdqr import testkeys  # noqa: E402
from cccdqr.core._json import document_bytes  # noqa: E402
from cccdqr.serve.app import Service, ServiceLimits  # noqa: E402
from cccdqr.serve.state import Checks, Sources  # noqa: E402

GOAL_P99_MS = 5.0
GOAL_VERDICT_MS = 300.0
SIZE = (1280, 720)
FPS = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- in process -----------------------------------------------------------------------

def in_process(world: codes.World, n: int, rounds: int) -> dict[str, float]:
    """µs per call: ``verify()`` alone, and the handler's work without HTTP."""
    checks = Checks(Sources(trust=str(world.trust)), clock=lambda: codes.NOW)
    service = Service(checks, lambda: codes.NOW, ServiceLimits())
    trust = checks.snapshot.trust

    def verify_only() -> None:
        cccdqr.verify(world.valid, trust, now=codes.NOW)

    def handler() -> None:
        document_bytes(service.verify_document(world.valid, None))

    def best(fn: Callable[[], None]) -> float:
        runs = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            runs.append((time.perf_counter() - t0) / n * 1e6)
        return min(runs)

    return {"verify": best(verify_only), "handler": best(handler)}


# --- over HTTP ------------------------------------------------------------------------

async def _hammer(base: str, body: bytes, n: int, concurrency: int) -> tuple[float, list[float]]:
    """``n`` requests over ``concurrency`` connections: wall seconds, latencies in ms."""
    address = urlsplit(base)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    left = iter(range(n))
    latencies: list[float] = []

    async def client() -> None:
        conn = rawhttp.Connection(host, port)
        try:
            for _ in left:
                t0 = time.perf_counter()
                reply = await conn.request("POST", "/v1/verify", body, "application/json")
                latencies.append((time.perf_counter() - t0) * 1000)
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")
        finally:
            await conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the workers), from /proc."""
    import os

    def own(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return own(pid) + sum(own(int(c)) for c in children)


def over_http(world: codes.World, workers: int, n: int, rounds: int) -> dict[int, dict[str, float]]:
    """Per concurrency (64, 8 and 1): requests/s, p50 and p99 ms, and the CPU µs per
    request of the server (all its processes) and of the client. Of ``rounds``
    runs, the one with the median throughput (the machine is shared: one run
    can fall on someone else's burst)."""
    body = json.dumps({"text": world.valid}).encode()
    out: dict[int, dict[str, float]] = {}
    with browser.process(Sources(trust=str(world.trust)), codes.NOW, workers=workers) as (base, proc):
        asyncio.run(_hammer(base, body, min(n, 1000), 64))  # warm up every worker
        for concurrency, count in ((64, n), (8, max(400, n // 4)), (1, max(200, n // 10))):
            runs = []
            for _ in range(rounds):
                server0, client0 = cpu_seconds(proc.pid), time.process_time()
                seconds, lat = asyncio.run(_hammer(base, body, count, concurrency))
                server, client = cpu_seconds(proc.pid) - server0, time.process_time() - client0
                runs.append({"rps": count / seconds, "p50": percentile(lat, 0.50),
                             "p99": percentile(lat, 0.99), "mean": statistics.fmean(lat),
                             "server_us": server / count * 1e6, "client_us": client / count * 1e6})
            out[concurrency] = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return out


# --- the page -------------------------------------------------------------------------

# Installed before the page's own script: marks the first frame of each code as
# the page receives it (centre of the frame dark = a code; light = blank paper).
WATCH_FRAMES = """
window.__bench = { appeared: [], frames: 0 };
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("video");
  const probe = document.createElement("canvas");
  probe.width = probe.height = 16;
  const ctx = probe.getContext("2d", { willReadFrequently: true });
  let showing = false;
  function onFrame(now, meta) {
    window.__bench.frames += 1;
    if (video.videoWidth) {
      const w = video.videoWidth, h = video.videoHeight;
      ctx.drawImage(video, w / 2 - 48, h / 2 - 48, 96, 96, 0, 0, 16, 16);
      const px = ctx.getImageData(0, 0, 16, 16).data;
      let sum = 0;
      for (let i = 0; i < px.length; i += 4) sum += px[i];
      const mean = sum / (px.length / 4);
      if (!showing && mean < 180) {
        window.__bench.appeared.push({ at: performance.now(), callback: now,
          presented: meta.presentationTime, captured: meta.captureTime || null,
          frames: meta.presentedFrames });
      }
      showing = mean < 180 ? true : (mean > 215 ? false : showing);
    }
    video.requestVideoFrameCallback(onFrame);
  }
  video.requestVideoFrameCallback(onFrame);
});
"""


def _camera(directory: Path, texts: list[str]) -> tuple[Path, int]:
    """A 720p y4m: per code 1.5 s of blank paper, then 1 s of the code."""
    blank = codes.frame(None, SIZE)
    frames = []
    for text in texts:
        frames += [blank] * (FPS * 3 // 2) + [codes.frame(text, SIZE)] * FPS
    frames += [blank] * FPS
    path = directory / "camera-720p.y4m"
    codes.write_y4m(path, frames, FPS)
    return path, len(frames)


def _fresh_codes(count: int) -> list[str]:
    issuer = cccdqr.Issuer(testkeys.test_es256_key(), deterministic=True)
    person = codes._person("Nguyễn Văn An", "1990-05-17", "001090123456", cccdqr.Sex.MALE)
    return [issuer.issue(person, now=codes.NOW, valid_for=dt.timedelta(days=365),
                         cti=bytes([9, i + 1]) * 6) for i in range(count)]


def page_latency(world: codes.World, directory: Path, trials: int) -> dict[str, Any]:
    """First readable frame → verdict in the DOM, ms, per code shown."""
    texts = _fresh_codes(trials)
    video, frames = _camera(directory, texts)
    with browser.process(Sources(trust=str(world.trust)), codes.NOW, workers=1) as (base, _), \
            browser.chromium(video) as page:
        page.add_init_script(WATCH_FRAMES)
        page.goto(base + "/?lang=en")
        page.wait_for_function(f"window.__cccdqr && window.__cccdqr.verdicts.length >= {trials}",
                               timeout=(frames / FPS + 30) * 1000)
        appeared = page.evaluate("window.__bench.appeared")
        verdicts = page.evaluate("window.__cccdqr.verdicts")
        scans = page.evaluate("window.__cccdqr.scans")
        seconds = page.evaluate("performance.now()") / 1000
    delays, indices = [], []
    for verdict in verdicts[:trials]:
        before = [a for a in appeared if a["presented"] <= verdict["shownAt"]]
        if verdict["status"] != "VALID" or not before:
            raise RuntimeError(f"unexpected verdict {verdict}")
        first = before[-1]  # the frame's capture time where the camera gives one, else its presentation
        delays.append(verdict["shownAt"] - (first["captured"] or first["presented"]))
        indices.append(first["frames"])
    expected = [FPS * 3 // 2 + k * (FPS * 5 // 2) for k in range(trials)]
    return {"delays": delays, "scans_per_s": scans / seconds, "frames_as_written": indices == expected,
            "indices": indices, "captured": all(a["captured"] for a in appeared)}


# --- report ---------------------------------------------------------------------------

def _http_rows(label: str, result: dict[int, dict[str, float]], floor_us: float) -> list[str]:
    rows = []
    for concurrency in (64, 8, 1):
        r = result[concurrency]
        rows.append(f"| {label} | {concurrency} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                    f"{r['server_us']:.0f} | {r['client_us']:.0f} | {r['rps'] * floor_us / 1e6:.2f} |")
    return rows


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run (smoke)")
    ap.add_argument("-n", type=int, default=4000, help="requests per HTTP measurement")
    ap.add_argument("--trials", type=int, default=8, help="codes shown to the page's camera")
    args = ap.parse_args(argv)
    n, rounds, trials = (300, 1, 1) if args.quick else (args.n, 5, args.trials)
    with tempfile.TemporaryDirectory() as tmp:
        world = codes.build(Path(tmp))
        local = in_process(world, max(200, n // 4), rounds)
        http = {w: over_http(world, w, n, 1 if args.quick else 3) for w in (1, 2)}
        page = page_latency(world, Path(tmp), trials)
    return report(n, local, http, page)


def report(n: int, local: dict[str, float], http: dict[int, dict[int, dict[str, float]]],
           page: dict[str, Any]) -> str:
    verify_rps = 1e6 / local["verify"]
    lines = [
        f"`POST /v1/verify` of one valid VN1 ES256 code, JSON body, keep-alive, {n} requests per "
        f"64-concurrent row ({max(400, n // 4)} at 8, {max(200, n // 10)} on one connection), "
        "the run of median throughput of 3; loopback; client and server on the same 2 cores. "
        "Latency is the client's, request written to answer read; CPU per request from /proc "
        "(server: all its processes).", "",
        "| path | concurrent | requests/s | p50 ms | p99 ms | server CPU µs/request | client CPU µs/request "
        "| requests/s ÷ in-process verify()/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| in-process `verify()` | 1 | {verify_rps:,.0f} | {local['verify'] / 1000:.2f} | | "
        f"{local['verify']:.0f} | | 1.00 |",
        f"| in-process handler (verify, decision, JSON) | 1 | {1e6 / local['handler']:,.0f} | "
        f"{local['handler'] / 1000:.2f} | | {local['handler']:.0f} | | "
        f"{local['verify'] / local['handler']:.2f} |",
        *_http_rows("HTTP, 1 worker", http[1], local["verify"]),
        *_http_rows("HTTP, 2 workers", http[2], local["verify"]),
    ]
    p99 = http[2][64]["p99"]
    delays = page["delays"]
    worst = max(delays)
    lines += [
        "",
        f"Page: {len(delays)} codes, each after 1.5 s of blank paper, 1280×720 fake camera at "
        f"{FPS} frames/s; first readable frame (its capture time, "
        f"{'given by the camera for every frame' if page['captured'] else 'or when the page got it'}; "
        f"the page's frame {', '.join(map(str, page['indices']))}: "
        f"{'as written in the video' if page['frames_as_written'] else 'NOT as written'}) "
        "to the verdict in the DOM: "
        f"median {statistics.median(delays):.0f} ms, worst {worst:.0f} ms "
        f"(all: {', '.join(f'{d:.0f}' for d in delays)}); the page sent "
        f"{page['scans_per_s']:.1f} frames/s to `/v1/scan`.",
        "",
        f"Goals: p99 ≤ {GOAL_P99_MS:g} ms at 64 concurrent on 2 workers: "
        + ("met" if p99 <= GOAL_P99_MS else f"not met ({p99:.1f} ms, {p99 / GOAL_P99_MS:.1f}× the goal)")
        + f"; verdict ≤ {GOAL_VERDICT_MS:g} ms after the first readable frame: "
        + ("met" if worst <= GOAL_VERDICT_MS else f"not met (worst {worst:.0f} ms)")
        + f" (worst {worst:.0f} ms).",
    ]
    lines += ["", *_closing(local, http[2])]
    return "\n".join(lines) + "\n"


def _closing(local: dict[str, float], two_workers: dict[int, dict[str, float]]) -> list[str]:
    """Why p99 at 64 concurrent is what it is: Little's law on this run's costs."""
    two = two_workers[64]
    cost = two["server_us"] + two["client_us"]
    within = [c for c in sorted(two_workers) if two_workers[c]["p99"] <= GOAL_P99_MS]
    holds = (f"it holds on {' and '.join(map(str, within))} connection(s) at a time"
             if within else "it holds at none of the concurrencies measured")
    return [
        "With 64 requests always in flight, the mean latency is 64 ÷ throughput (Little's law): "
        f"a p99 of {GOAL_P99_MS:g} ms needs well over {64 / GOAL_P99_MS * 1000:,.0f} answers/s. "
        f"Here an answer costs {two['server_us']:.0f} µs of server CPU (in-process handler "
        f"{local['handler']:.0f} µs, `verify()` {local['verify']:.0f} µs; the rest is uvicorn, "
        "Starlette, the kernel and sharing the cores with the client) and "
        f"{two['client_us']:.0f} µs of client CPU, so two cores answer at most "
        f"~{2e6 / cost:,.0f}/s, a mean of ≥ {64 * cost / 2 / 1000:.1f} ms. Even free HTTP and a "
        f"free client leave `verify()` alone at 64 × {local['verify']:.0f} µs ÷ 2 cores = "
        f"{64 * local['verify'] / 2 / 1000:.1f} ms mean. Of the 2-worker rows, {holds}; at 64 it "
        f"would take about {64 * cost / GOAL_P99_MS / 1000 * 1.5:.0f} cores at this cost "
        "(64 × cost ÷ 5 ms, × 1.5 for the p99 tail).",
    ]


if __name__ == "__main__":
    print(main(sys.argv[1:]))
