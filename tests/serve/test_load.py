"""The service under load: 20 000 requests at 64 concurrent on loopback against
``serve()`` in its own process with 2 workers (as ``cccdqr serve --workers 2``
runs it), valid, tampered and garbage bodies mixed, ``/healthz`` polled on every
worker throughout, and the trust list replaced and reloaded (SIGHUP) half way.

What must hold: every answer is the one its body calls for (200 with the right
verdict, or the expected 4xx), never anything else; ``/healthz`` answers 200 on
both workers before, during and after the reload; and the reload is atomic:
the codes the old and the new list both trust stay VALID on every answer, and on
each worker (each keep-alive connection is one worker) the code only the new list
trusts goes from CANNOT_CHECK to VALID once and never back, as the trust-list
fingerprint in ``/healthz`` goes from the old to the new one once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import browser
import codes
import rawhttp

import cccdqr
from cccdqr import testkeys
from cccdqr.serve.state import Sources

TOTAL = 20_000
CONCURRENCY = 64
WORKERS = 2


@dataclass(frozen=True)
class Case:
    """One kind of request and what its answer must be."""

    name: str
    path: str
    body: bytes
    content_type: str | None
    status: int
    check: Callable[[Any], bool]


def _verdict(expected: str) -> Callable[[Any], bool]:
    return lambda doc: doc["decision"]["status"] == expected


def _error(code: str) -> Callable[[Any], bool]:
    return lambda doc: doc["error"] == code


def cases(world: codes.World) -> list[Case]:
    """The mix: mostly codes (JSON and raw text), then garbage of every kind."""
    def js(doc: object) -> bytes:
        return json.dumps(doc).encode()

    rng = random.Random(16)
    garbage = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(8)]
    out = [
        Case("valid", "/v1/verify", js({"text": world.valid}), "application/json", 200, _verdict("VALID")),
        Case("valid-raw", "/v1/verify", world.valid.encode(), "text/plain", 200, _verdict("VALID")),
        Case("dcc", "/v1/verify", js({"text": world.dcc}), "application/json", 200, _verdict("VALID")),
        Case("card+cert", "/v1/verify", js({"text": world.card_cert, "card": world.card}),
             "application/json", 200, lambda d: d["decision"]["status"] == "VALID"
             and d["binding"]["matched"] is True),
        Case("tampered", "/v1/verify", js({"text": world.tampered}), "application/json", 200,
             lambda d: d["decision"]["status"] == "INVALID" and d["reasons"][0] == "BAD_SIGNATURE"),
        Case("unknown", "/v1/verify", js({"text": world.unknown}), "application/json", 200,
             lambda d: d["decision"]["status"] in ("CANNOT_CHECK", "VALID")),
        Case("bad-json", "/v1/verify", b'{"text": "VN1:', "application/json", 400, _error("BAD_JSON")),
        Case("bad-field", "/v1/verify", js({"text": 5}), "application/json", 400, _error("BAD_REQUEST")),
        Case("xml", "/v1/verify", b"<text/>", "application/xml", 415, _error("UNSUPPORTED_MEDIA_TYPE")),
        Case("too-long", "/v1/verify", js({"text": "VN1:" + "A" * 17_000}), "application/json", 413,
             _error("TEXT_TOO_LARGE")),
        Case("no-such-path", "/v1/nothing", b"x", "text/plain", 404, _error("NOT_FOUND")),
    ]
    out += [Case(f"garbage-{i}", "/v1/verify", g, "text/plain", 200, _verdict("INVALID"))
            for i, g in enumerate(garbage)]
    out += [Case(f"garbage-json-{i}", "/v1/verify", g, "application/json", 400, _error("BAD_JSON"))
            for i, g in enumerate(garbage[:2])]
    return out


def plan(world: codes.World) -> list[Case]:
    """``TOTAL`` requests: each code case weighted up, every garbage case present."""
    weights = {"valid": 6, "valid-raw": 2, "dcc": 3, "card+cert": 2, "tampered": 3, "unknown": 4}
    mix = cases(world)
    rng = random.Random(20_000)
    return rng.choices(mix, weights=[weights.get(c.name, 0.5) for c in mix], k=TOTAL)


@dataclass
class Run:
    answered: int = 0
    wrong: list[str] = field(default_factory=list)
    unknown_by_connection: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    health: dict[int, list[tuple[float, str, int, int]]] = field(default_factory=lambda: defaultdict(list))
    health_failures: list[str] = field(default_factory=list)
    reloaded_at: float | None = None
    started: float = 0.0
    finished: float = 0.0


async def _load(host: str, port: int, requests: list[Case], run: Run, reload: Callable[[], None]) -> None:
    queue = iter(requests)

    async def client() -> None:
        conn = rawhttp.Connection(host, port)
        try:
            for case in queue:
                reply = await conn.request("POST", case.path, case.body, case.content_type)
                run.answered += 1
                if run.answered == TOTAL // 2:
                    reload()
                    run.reloaded_at = time.monotonic()
                try:
                    ok = reply.status == case.status and case.check(json.loads(reply.body))
                except (ValueError, KeyError, TypeError):
                    ok = False
                if not ok:
                    run.wrong.append(f"{case.name}: {reply.status} {reply.body[:120]!r}")
                elif case.name == "unknown":
                    run.unknown_by_connection[reply.connection].append(
                        json.loads(reply.body)["decision"]["status"])
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))


async def _health_connections(host: str, port: int) -> dict[int, rawhttp.Connection]:
    """One healthz connection on each worker: connect until every worker has one."""
    by_worker: dict[int, rawhttp.Connection] = {}
    for _ in range(200):
        conn = rawhttp.Connection(host, port)
        worker = json.loads((await conn.request("GET", "/healthz")).body)["worker"]
        if worker in by_worker:
            await conn.close()
        else:
            by_worker[worker] = conn
        if len(by_worker) == WORKERS:
            break
    return by_worker


async def _poll_health(conns: dict[int, rawhttp.Connection], run: Run, stop: asyncio.Event) -> None:
    while True:
        for worker, conn in conns.items():
            reply = await conn.request("GET", "/healthz")
            doc = json.loads(reply.body) if reply.status == 200 else {}
            if reply.status != 200 or doc.get("worker") != worker or doc.get("status") != "ok":
                run.health_failures.append(f"{reply.status} {reply.body[:200]!r}")
                continue
            run.health[worker].append((time.monotonic(), doc["trust"]["fingerprint"],
                                       doc["trust"]["keys"], doc["reloads"]))
        if stop.is_set():
            return
        await asyncio.sleep(0.02)


async def _scenario(base: str, requests: list[Case], run: Run, reload: Callable[[], None]) -> None:
    address = urlsplit(base)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    health = await _health_connections(host, port)
    assert len(health) == WORKERS, f"healthz reached {len(health)} of {WORKERS} workers"
    stop = asyncio.Event()
    poller = asyncio.create_task(_poll_health(health, run, stop))
    await asyncio.sleep(0.1)  # a few answers from before the load
    run.started = time.monotonic()
    await _load(host, port, requests, run, reload)
    run.finished = time.monotonic()
    await asyncio.sleep(0.3)  # and a few after it
    stop.set()
    await poller
    for conn in health.values():
        await conn.close()


def _new_trust(world: codes.World, path: Path) -> None:
    """The same list plus the key that signed ``world.unknown``, written atomically."""
    stranger = cccdqr.Issuer(testkeys.test_es256_key("serve stranger"))
    store = cccdqr.TrustStore.load(world.trust).with_key(stranger.trusted_key())
    tmp = path.with_suffix(".new")
    store.save(tmp)
    os.replace(tmp, path)


def test_twenty_thousand_requests_with_a_reload_half_way(world: codes.World, tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_bytes(world.trust.read_bytes())
    requests, run = plan(world), Run()
    with browser.process(Sources(trust=str(trust)), codes.NOW, workers=WORKERS) as (base, proc):
        def reload() -> None:
            _new_trust(world, trust)
            proc.send_signal(signal.SIGHUP)

        asyncio.run(_scenario(base, requests, run, reload))
    seconds = run.finished - run.started
    print(f"{TOTAL} requests at {CONCURRENCY} concurrent on {WORKERS} workers: {seconds:.1f} s, "
          f"{TOTAL / seconds:.0f} requests/s")

    assert run.answered == TOTAL and run.wrong == [], run.wrong[:5]
    assert {c.name for c in requests} == {c.name for c in cases(world)}  # every kind was sent

    # /healthz answered on every worker, before, during and after the load
    assert run.health_failures == []
    for worker, answers in run.health.items():
        times = [t for t, *_ in answers]
        assert min(times) < run.started and max(times) > run.finished, worker
        assert any(run.started < t < run.finished for t in times), worker
        # the fingerprint moves from the old list to the new one exactly once
        states = [(fp, keys, reloads) for _, fp, keys, reloads in answers]
        changes = [i for i in range(1, len(states)) if states[i] != states[i - 1]]
        assert len(changes) == 1, (worker, sorted(set(states)))
        (old_fp, old_keys, old_reloads), (new_fp, new_keys, new_reloads) = states[0], states[-1]
        assert old_fp != new_fp and (old_keys, new_keys) == (2, 3) and (old_reloads, new_reloads) == (0, 1)

    # on each connection (one worker) the newly trusted code flips once, never back
    assert run.reloaded_at is not None
    flips = 0
    for statuses in run.unknown_by_connection.values():
        first_valid = statuses.index("VALID") if "VALID" in statuses else len(statuses)
        assert set(statuses[:first_valid]) <= {"CANNOT_CHECK"} and set(statuses[first_valid:]) <= {"VALID"}
        flips += 0 < first_valid < len(statuses)
    seen = [s for statuses in run.unknown_by_connection.values() for s in statuses]
    assert "CANNOT_CHECK" in seen and "VALID" in seen and flips > 0
