"""engine.many: verify_many on worker processes gives the in-process results, in order."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr.core.reasons import Reason
from cccdqr.engine import many
from cccdqr.policy.toml_policy import Policy
from cccdqr.trust.revocation import RevocationList

import helpers
from helpers import ED25519, ES256, NOW

TRUST = helpers.trust(ES256)  # the Ed25519 key is unknown: CANNOT_CHECK
REVOKED_CTI = bytes(range(40, 52))


def _tampered(text: str) -> str:
    middle = len(text) // 2
    return text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1:]


CODES = [
    helpers.issue(cti=bytes(range(1, 13))),
    helpers.issue(cti=bytes(range(2, 14)), cert=helpers.certificate(doses=1)),
    helpers.issue(cti=REVOKED_CTI),
    helpers.issue(cti=bytes(range(3, 15)), now=NOW - dt.timedelta(days=800)),  # expired
    helpers.issue(issuer=ED25519, cti=bytes(range(4, 16))),
    _tampered(helpers.issue(cti=bytes(range(5, 17)))),
    "",
    "VN1:",
    "HC1:NCF",
]

TEXTS = st.lists(st.one_of(st.sampled_from(CODES), st.text(max_size=40), st.binary(max_size=40)),
                 min_size=1, max_size=60)


@pytest.fixture(scope="module")
def revocation_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rev") / "revoked.sqlite"
    with RevocationList.open(path, create=True) as rl:
        rl.add("cti", REVOKED_CTI)
        rl.mark_updated(NOW - dt.timedelta(hours=1), valid_for=None)
    return path


def _dicts(results: Iterator[cccdqr.VerificationResult]) -> list[dict[str, object]]:
    return [r.to_dict() for r in results]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=TEXTS)
def test_two_workers_give_the_in_process_results(texts: list[str | bytes], revocation_path: Path) -> None:
    policy = Policy.default()
    with RevocationList.open(revocation_path) as rl:
        local = _dicts(cccdqr.verify_many(texts, TRUST, now=NOW, policy=policy, revocation=rl))
        pooled = _dicts(cccdqr.verify_many(texts, TRUST, now=NOW, policy=policy, revocation=rl,
                                           workers=2, chunk=3))
    assert pooled == local


def test_every_kind_of_verdict_crosses_the_pool(revocation_path: Path) -> None:
    texts = CODES * 20
    with RevocationList.open(revocation_path) as rl:
        results = list(cccdqr.verify_many(texts, TRUST, now=NOW, revocation=rl, workers=2, chunk=7,
                                        policy=Policy.default()))
    assert len(results) == len(texts)
    reasons = [r.reason for r in results[:len(CODES)]]
    assert reasons[:5] == [None, None, Reason.REVOKED, Reason.EXPIRED, Reason.UNKNOWN_KID]
    assert results[0].policy is not None and results[0].policy.passed
    assert all(r.to_dict() == results[i % len(CODES)].to_dict() for i, r in enumerate(results))


def test_pool_runs_in_other_processes_and_is_lazy() -> None:
    read: list[int] = []

    def source() -> Iterator[str]:
        for i in range(10_000):
            read.append(i)
            yield CODES[i % len(CODES)]

    stream = cccdqr.verify_many(source(), TRUST, now=NOW, workers=2, chunk=5, window=2)
    assert next(stream).valid
    assert len(read) <= 3 * 5 + 1  # the window of chunks, plus the one that filled it
    assert len(multiprocessing.active_children()) == 2
    stream.close()  # type: ignore[attr-defined]
    assert multiprocessing.active_children() == []


def test_workers_rule() -> None:
    assert many.worker_count(None) is None
    assert many.worker_count(0) is not None and many.worker_count(0) >= 1  # type: ignore[operator]
    assert many.worker_count(3) == 3
    for bad in (-1, True, 1.5, "2"):
        with pytest.raises(ValueError):
            many.worker_count(bad)  # type: ignore[arg-type]


def test_small_inputs_stay_in_process() -> None:
    # A known-length input of at most one chunk never starts a pool: a
    # generator-based (lazy, in-process) iterator comes back.
    stream = cccdqr.verify_many(CODES[:2], TRUST, now=NOW, workers=2)
    assert stream.gi_frame is not None  # type: ignore[attr-defined]
    assert stream.__name__ == "_in_process"  # type: ignore[attr-defined]
    assert [r.valid for r in stream] == [True, True]


def test_bad_arguments_raise_at_once_on_the_pool_path() -> None:
    with pytest.raises(TypeError):
        cccdqr.verify_many(CODES * 30, TRUST, now=dt.datetime(2026, 1, 1), workers=2)
    with pytest.raises(TypeError):
        cccdqr.verify_many(CODES * 30, "not a store", now=NOW, workers=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cccdqr.verify_many(CODES, TRUST, now=NOW, workers=2, chunk=0)
