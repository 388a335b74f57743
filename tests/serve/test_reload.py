"""Reloading the trust list, policy and revocation list: on a file change and on
SIGHUP, swapped whole; a corrupt new file keeps the old one in service."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import browser
import codes
import httpx
import pytest

import cccdqr
from cccdqr import testkeys
from cccdqr.serve.state import Checks, LoadError, Sources


def _trust_with_stranger(world: codes.World, path: Path) -> None:
    stranger = cccdqr.Issuer(testkeys.test_es256_key("serve stranger"))
    store = cccdqr.TrustStore.load(world.trust).with_key(stranger.trusted_key())
    tmp = path.with_suffix(".new")
    store.save(tmp)
    os.replace(tmp, path)  # atomic, as an operator's copy should be


def _status(checks: Checks, text: str) -> str:
    snap = checks.snapshot
    return cccdqr.verify(text, snap.trust, now=codes.NOW).status.value


def test_a_changed_file_is_swapped_in_and_a_corrupt_one_keeps_the_old(world: codes.World,
                                                                    tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_bytes(world.trust.read_bytes())
    checks = Checks(Sources(trust=str(trust)), clock=lambda: codes.NOW)
    assert not checks.changed() and _status(checks, world.unknown) == "CANNOT_CHECK"
    _trust_with_stranger(world, trust)
    assert checks.reload_if_changed() and checks.reloads == 1
    assert _status(checks, world.unknown) == "VALID"
    before = checks.snapshot
    trust.write_text('{"keys": [ {"kid": ')  # half written
    assert checks.changed() and not checks.reload_if_changed()
    assert checks.snapshot is before and _status(checks, world.unknown) == "VALID"
    health = checks.health()
    assert health["status"] == "degraded" and "trust list refused" in str(health["reload_error"])
    assert not checks.reload_if_changed()  # the same bad file is not retried until it changes
    trust.write_bytes(world.trust.read_bytes())
    assert checks.reload_if_changed() and checks.health()["status"] == "ok"
    assert _status(checks, world.unknown) == "CANNOT_CHECK"


def test_a_bad_file_at_start_is_refused(world: codes.World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    for sources in (Sources(trust=str(bad)), Sources(trust=str(tmp_path / "missing.json")),
                    Sources(trust=str(world.trust), policy=str(bad)),
                    Sources(trust=str(world.trust), revocation=str(bad))):
        with pytest.raises(LoadError):
            Checks(sources, clock=lambda: codes.NOW)


def test_policy_and_revocation_reload_too(world: codes.World, tmp_path: Path) -> None:
    policy, db = tmp_path / "policy.toml", tmp_path / "revoked.db"
    policy.write_text("")
    cccdqr.RevocationList.open(db, create=True).close()
    checks = Checks(Sources(trust=str(world.trust), policy=str(policy), revocation=str(db)),
                    clock=lambda: codes.NOW)
    health = checks.health()
    assert health["policy"]["loaded"] and health["revocation"]["entries"] == 0  # type: ignore[index]
    policy.write_text("this is [not toml")
    assert not checks.reload_if_changed() and "policy refused" in str(checks.reload_error)
    policy.write_text("")
    assert checks.reload_if_changed() and checks.reload_error is None


@pytest.mark.parametrize("workers", [1, 2])
def test_sighup_reloads_every_worker(world: codes.World, tmp_path: Path, workers: int) -> None:
    trust = tmp_path / "trust.json"
    trust.write_bytes(world.trust.read_bytes())
    with browser.process(Sources(trust=str(trust)), codes.NOW, workers=workers) as (base, proc):
        def status() -> str:
            return str(httpx.post(base + "/v1/verify", json={"text": world.unknown})
                       .json()["decision"]["status"])

        assert status() == "CANNOT_CHECK"
        _trust_with_stranger(world, trust)
        time.sleep(0.3)
        assert status() == "CANNOT_CHECK"  # no watching here: only SIGHUP reloads
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        seen: set[str] = set()
        while time.monotonic() < deadline:
            seen = {status() for _ in range(8 * workers)}  # the kernel spreads them over workers
            if seen == {"VALID"}:
                break
            time.sleep(0.05)
        assert seen == {"VALID"}
        trust.write_text("{")
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        health = httpx.get(base + "/healthz").json()
        assert health["status"] == "degraded" and status() == "VALID"  # the old list serves on


def test_a_file_change_is_picked_up_by_the_watcher(world: codes.World, tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_bytes(world.trust.read_bytes())
    with browser.service(Sources(trust=str(trust)), codes.NOW, watch_interval=0.05) as base:
        assert httpx.get(base + "/healthz").json()["reloads"] == 0
        _trust_with_stranger(world, trust)
        deadline = time.monotonic() + 5
        while httpx.get(base + "/healthz").json()["reloads"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        doc = httpx.post(base + "/v1/verify", json={"text": world.unknown}).json()
        assert doc["decision"]["status"] == "VALID"
