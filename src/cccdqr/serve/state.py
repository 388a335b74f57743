"""What every request verifies against: the trust list, the policy and the
revocation list, loaded together into one immutable :class:`Snapshot` and
swapped in one assignment, so a request sees either the old set or the new set,
never half of each.

:class:`Checks` reloads on demand (SIGHUP) and when a file changes (polled by
signature: inode, size, modification time). A reload that fails keeps the old
snapshot in service and records the error, which ``/healthz`` reports.

Imports only the trust, policy and rules layers (and the engine's default skew).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cccdqr.core.errors import CccdqrError
from cccdqr.engine.verify import DEFAULT_SKEW
from cccdqr.policy.toml_policy import Policy
from cccdqr.rules.ruleset import RuleSet
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.store import SIGNED_TRUST_LIST_FORMAT, TrustStore

__all__ = ["Checks", "LoadError", "Snapshot", "Sources"]

Clock = Callable[[], dt.datetime]
Signature = tuple[int, int, int] | None


class LoadError(Exception):
    """A trust list, policy or revocation list that cannot be put in service."""


@dataclass(frozen=True, slots=True)
class Sources:
    """The files the service verifies against (``policy`` may be ``"default"``;
    ``rules``, CertLogic rules instead of a TOML policy, may be too)."""

    trust: str
    policy: str | None = None
    revocation: str | None = None
    trust_root: str | None = None
    rules: str | None = None

    def watched(self) -> tuple[str, ...]:
        files = [self.trust, self.policy, self.revocation, self.trust_root, self.rules]
        return tuple(f for f in files if f is not None and f != "default")


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """One consistent set of checks, and when it was loaded."""

    trust: TrustStore
    policy: Policy | RuleSet | None
    revocation: RevocationList | None
    loaded_at: dt.datetime
    trust_fingerprint: str = ""
    """SHA-256 of the trust file's bytes, first 8 bytes in hex: which list is in service."""
    signatures: dict[str, Signature] = field(default_factory=dict)
    file_times: dict[str, float] = field(default_factory=dict)
    loaded_wall: float = field(default_factory=time.time)

    @property
    def skew(self) -> dt.timedelta:
        return self.policy.skew if self.policy is not None else DEFAULT_SKEW

    def close(self) -> None:
        if self.revocation is not None:
            self.revocation.close()


def _signature(path: str) -> Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read {Path(path).name}: {exc.strerror}") from None


def _trust(sources: Sources, now: dt.datetime) -> tuple[TrustStore, str]:
    """The trust store and the fingerprint of the bytes it was parsed from."""
    data = _read(sources.trust)
    fingerprint = hashlib.sha256(data).hexdigest()[:16]
    signed = SIGNED_TRUST_LIST_FORMAT.encode() in data[:200]
    if signed and sources.trust_root is None:
        raise LoadError("the trust list is signed: give its root key (--trust-root)")
    try:
        if sources.trust_root is not None:
            return TrustStore.parse_signed(data, _read(sources.trust_root), now=now), fingerprint
        return TrustStore.parse_json(data), fingerprint
    except CccdqrError as exc:
        raise LoadError(f"trust list refused: {exc}") from None


def load(sources: Sources, now: dt.datetime) -> Snapshot:
    """Every file of ``sources``, read once. Raises :class:`LoadError`."""
    signatures = {p: _signature(p) for p in sources.watched()}
    trust, fingerprint = _trust(sources, now)
    try:
        policy: Policy | RuleSet | None = None
        if sources.policy is not None and sources.rules is not None:
            raise LoadError("give a policy or rules, not both")
        if sources.policy is not None:
            policy = Policy.default() if sources.policy == "default" else Policy.load(sources.policy)
        if sources.rules is not None:
            policy = RuleSet.default() if sources.rules == "default" else RuleSet.load(sources.rules)
    except (CccdqrError, OSError, ValueError) as exc:
        raise LoadError(f"policy refused: {exc}") from None
    try:
        revocation = RevocationList.open(sources.revocation) if sources.revocation else None
    except (CccdqrError, OSError, ValueError, sqlite3.Error) as exc:
        raise LoadError(f"revocation list refused: {exc}") from None
    times = {p: os.stat(p).st_mtime for p, s in signatures.items() if s is not None}
    return Snapshot(trust=trust, policy=policy, revocation=revocation, loaded_at=now,
                    trust_fingerprint=fingerprint, signatures=signatures, file_times=times)


class Checks:
    """The snapshot in service, and its reloading. Not thread-safe: reload from
    the event loop that serves the requests (the app does)."""

    def __init__(self, sources: Sources, *, clock: Clock) -> None:
        self.sources = sources
        self.clock = clock
        self.snapshot = load(sources, clock())  # a bad file at start is fatal: raises
        self.reloads = 0
        self.reload_error: str | None = None
        self.failed_at: dt.datetime | None = None
        self._failed: dict[str, Signature] | None = None

    def changed(self) -> bool:
        """Whether a watched file differs from the one in service (or from the
        last one that failed to load)."""
        seen = self._failed if self._failed is not None else self.snapshot.signatures
        return any(_signature(p) != s for p, s in seen.items())

    def reload(self) -> bool:
        """Load every file again and swap it in; on failure keep the old one.
        Returns whether the new snapshot is in service."""
        try:
            fresh = load(self.sources, self.clock())
        except LoadError as exc:
            self.reload_error = str(exc)
            self.failed_at = self.clock()
            self._failed = {p: _signature(p) for p in self.sources.watched()}
            return False
        old, self.snapshot = self.snapshot, fresh
        self._failed = None
        self.reload_error = None
        self.failed_at = None
        self.reloads += 1
        old.close()
        return True

    def reload_if_changed(self) -> bool:
        return self.reload() if self.changed() else False

    def health(self) -> dict[str, object]:
        """What ``/healthz`` says: each source loaded, its ages, the last reload error."""
        snap = self.snapshot
        wall = time.time()

        def ages(path: str | None) -> dict[str, object] | None:
            if path is None:
                return None
            out: dict[str, object] = {"loaded": True,
                                      "loaded_age_seconds": round(wall - snap.loaded_wall)}
            if path in snap.file_times:
                out["file_age_seconds"] = round(wall - snap.file_times[path])
            return out

        trust = ages(self.sources.trust)
        assert trust is not None
        trust["keys"] = len(snap.trust)
        trust["fingerprint"] = snap.trust_fingerprint
        if snap.trust.sources:  # published lists imported (#17): each one's age
            now = self.clock()
            trust["lists"] = [source.describe(now) for source in snap.trust.sources]
        policy = ages(self.sources.policy)
        revocation = ages(self.sources.revocation)
        if revocation is not None and snap.revocation is not None:
            revocation["entries"] = len(snap.revocation)
        return {
            "status": "ok" if self.reload_error is None else "degraded",
            "worker": os.getpid(),
            "loaded_at": snap.loaded_at.isoformat(),
            "trust": trust, "policy": policy, "revocation": revocation,
            "reloads": self.reloads,
            "reload_error": self.reload_error,
            "reload_failed_at": self.failed_at.isoformat() if self.failed_at else None,
        }
