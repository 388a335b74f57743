"""The Dask runner (issue 15, item 5) on a real LocalCluster of 2 worker processes:
the same codes.jsonl (rows, row order) as local worker processes, resumable the same
way, and the signing key opened on each worker from its source, never sent as a key."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

import cccdqr
from cccdqr import testkeys
from cccdqr.batch.dask import DaskRunner, KeyPlugin, check_initargs
from cccdqr.engine.pool import chunked, ordered_map

import helpers
from softhsm_token import Token


NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
ROWS = 120
CHUNK = 7

_WORKER: dict[str, Any] = {}
"""The worker's issuer, opened once per process by :func:`open_issuer`."""


def open_issuer(source: str) -> None:
    """The per-worker initializer: the key is read from its file on the worker."""
    key = serialization.load_pem_private_key(Path(source).read_bytes(), password=None)
    _WORKER["issuer"] = cccdqr.Issuer(key, deterministic=True)  # type: ignore[arg-type]
    _WORKER["pid"] = os.getpid()
    _WORKER["opened"] = _WORKER.get("opened", 0) + 1


def open_token_issuer(spec: Any) -> None:
    """The per-worker initializer for a key in a PKCS#11 token: the worker logs in
    with the PIN file named by the spec and keeps its session for its lifetime."""
    _WORKER["issuer"] = cccdqr.Issuer(spec.open())
    _WORKER["opened"] = _WORKER.get("opened", 0) + 1


def issue_chunk(rows: list[int]) -> list[dict[str, Any]]:
    """A top-level chunk function: one code per row, the row's own cti (deterministic)."""
    issuer = _WORKER["issuer"]
    out = []
    for row in rows:
        cert = helpers.certificate(1 + row % 3)
        text = issuer.issue(cert, now=NOW, valid_for=dt.timedelta(days=365),
                            cti=row.to_bytes(8, "big"))
        out.append({"row": row, "text": text})
    return out


def slow_echo(rows: list[int]) -> tuple[list[int], int, int]:
    """Later chunks finish sooner: the order must still be the input's."""
    time.sleep(0.02 * (5 - rows[0] % 5))
    return rows, os.getpid(), _WORKER.get("opened", 0)


def fail_on_13(rows: list[int]) -> list[int]:
    if 13 in rows:
        raise ValueError("row 13")
    return rows


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "issuer.pem"  # TEST-ONLY key
    path.write_bytes(testkeys.test_es256_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


@pytest.fixture(scope="module")
def runner(key_file: Path) -> Iterator[DaskRunner]:
    with DaskRunner.local(2, initializer=open_issuer, initargs=(str(key_file),)) as r:
        yield r


def write_codes(path: Path, results: Iterator[list[dict[str, Any]]]) -> None:
    with path.open("w") as out:
        for chunk in results:
            for line in chunk:
                out.write(json.dumps(line) + "\n")


def test_dask_writes_the_same_codes_as_local_workers(runner: DaskRunner, key_file: Path,
                                                     tmp_path: Path) -> None:
    rows = range(1, ROWS + 1)
    write_codes(tmp_path / "dask.jsonl", runner.map(issue_chunk, chunked(rows, CHUNK)))
    write_codes(tmp_path / "local.jsonl", ordered_map(
        issue_chunk, chunked(rows, CHUNK), workers=2, initializer=open_issuer,
        initargs=(str(key_file),)))
    dask_lines = (tmp_path / "dask.jsonl").read_text().splitlines()
    assert dask_lines == (tmp_path / "local.jsonl").read_text().splitlines()
    codes = [json.loads(line) for line in dask_lines]
    assert [c["row"] for c in codes] == list(rows)  # each row once, in input order
    for code in codes[:: 17]:
        assert helpers.verify(code["text"], now=NOW).status.name == "VALID"


def test_a_stopped_run_resumes_to_the_same_file(runner: DaskRunner, tmp_path: Path) -> None:
    chunks = list(chunked(range(1, ROWS + 1), CHUNK))
    full = [line for chunk in runner.map(issue_chunk, chunks) for line in chunk]
    journal: dict[int, list[dict[str, Any]]] = {}
    results = runner.map(issue_chunk, chunks)
    for index in range(5):  # five chunks finish, then the run is stopped
        journal[index] = next(results)
    results.close()  # cancels what is still in flight
    todo = [i for i in range(len(chunks)) if i not in journal]
    for index, result in zip(todo, runner.map(issue_chunk, [chunks[i] for i in todo]), strict=True):
        journal[index] = result
    resumed = [line for i in sorted(journal) for line in journal[i]]
    assert resumed == full


def test_results_come_in_input_order_on_both_workers(runner: DaskRunner) -> None:
    out = list(runner.map(slow_echo, chunked(range(40), 2)))
    assert [row for rows, _pid, _opened in out for row in rows] == list(range(40))
    assert len({pid for _rows, pid, _opened in out}) == 2  # both workers took chunks
    assert {opened for _rows, _pid, opened in out} == {1}  # the key opened once per worker


def test_the_input_is_read_lazily_with_a_bounded_window(runner: DaskRunner) -> None:
    taken = []

    def chunks() -> Iterator[list[int]]:
        for i in range(1000):
            taken.append(i)
            yield [i]

    results = runner.map(fail_on_13, chunks())
    assert next(results) == [0]
    assert len(taken) <= runner.window + 1
    results.close()


def test_an_error_in_a_chunk_is_raised_at_its_turn(runner: DaskRunner) -> None:
    results = runner.map(fail_on_13, chunked(range(30), 5))
    assert next(results) == [0, 1, 2, 3, 4] and next(results) == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="row 13"):
        next(results)


def test_the_key_never_travels_only_its_source(key_file: Path) -> None:
    pem = key_file.read_bytes()
    key = testkeys.test_es256_key()
    for bad in ((key,), (pem,), (pem.decode(),)):
        with pytest.raises(TypeError, match="private key"):
            check_initargs(bad)
        with pytest.raises(TypeError):
            KeyPlugin(open_issuer, bad, name="x")
    plugin = pickle.dumps(KeyPlugin(open_issuer, (str(key_file),), name="x"))
    secret = key.private_numbers().private_value.to_bytes(32, "big")
    assert pem not in plugin and b"PRIVATE KEY" not in plugin and secret not in plugin
    chunk = pickle.dumps((issue_chunk, [1, 2, 3]))
    assert b"PRIVATE KEY" not in chunk and secret not in chunk


def test_bad_options_are_value_errors() -> None:
    with pytest.raises(ValueError, match="tcp://"):
        DaskRunner.from_option("scheduler:8786", 2)
    with pytest.raises(ValueError):
        DaskRunner.local(0)


def test_workers_sign_in_a_pkcs11_token_opened_from_its_spec(
        softhsm: Token, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cccdqr.cli.app import main
    from cccdqr.trust.pkcs11 import TokenKeySpec

    uri, trust = softhsm.uri("k-dask"), tmp_path / "trust.json"
    with pytest.raises(SystemExit) as exc:
        main(["keygen", "--pkcs11", uri, "--pin-file", str(softhsm.pin_file),
              "--trust", str(trust), "--at", "2026-01-01T00:00Z"])
    assert exc.value.code == 0, capsys.readouterr().err
    spec = TokenKeySpec(uri=uri, pin_file=str(softhsm.pin_file))
    assert softhsm.pin.encode() not in pickle.dumps(KeyPlugin(open_token_issuer, (spec,), name="t"))
    store = cccdqr.TrustStore.load(trust)
    with DaskRunner.local(2, initializer=open_token_issuer, initargs=(spec,)) as token_runner:
        codes = [c for chunk in token_runner.map(issue_chunk, chunked(range(1, 21), 3))
                 for c in chunk]
    assert [c["row"] for c in codes] == list(range(1, 21))
    for code in codes:
        assert cccdqr.verify(code["text"], store, now=NOW).valid
