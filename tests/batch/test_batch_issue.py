"""``cccdqr batch issue`` (issue 15, items 1-6): rows in, codes and rejects out in
input order on worker processes, every code verifying; a finished folder is a
no-op; another input or key is refused; images, EU DCCs, a token key and Dask."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

import cccdqr
from cccdqr import testkeys

import helpers
from batch_inputs import AT, BAD, NOW, good_rows, read_jsonl, trust_for, write_input, write_key
from softhsm_token import Token

run = helpers.run_cli
N = 40


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return write_key(tmp_path / "issuer.pem")


def batch(capsys: pytest.CaptureFixture[str], input_path: Path, out: Path, *options: str,
          key: Path | None = None) -> tuple[int, str, str]:
    keys = ("--key", str(key)) if key is not None else ()
    return run(capsys, "batch", "issue", str(input_path), *keys, "--out", str(out), "--at", AT,
               "--chunk-size", "6", *options)


def check_codes(out: Path, n: int, trust: cccdqr.TrustStore | None = None, *,
                every: int = 1) -> list[dict]:
    """codes.jsonl holds every good row once, in order, each code (or each ``every``-th)
    valid; rejects.jsonl every bad row once with its reason."""
    codes = read_jsonl(out / "codes.jsonl")
    assert [c["row"] for c in codes] == good_rows(n)
    for code in codes[::every]:
        result = cccdqr.verify(code["text"], trust or trust_for(), now=NOW)
        assert result.status is cccdqr.Status.VALID, (code["row"], result.reasons)
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["row"], r["reason"]) for r in rejects] == [(r, BAD[r][1]) for r in sorted(BAD)
                                                           if r <= n]
    for r in rejects:
        assert set(r) == {"row", "reason", "field", "message"}
        assert f"{r['row']:06d}" not in r["message"]  # no ID number echoed
    return codes


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_every_row_is_issued_or_rejected_once_in_order(suffix: str, key: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / f"people{suffix}", N)
    code, out, err = batch(capsys, source, tmp_path / "out", "--workers", "2", "--json", key=key)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["rows"], summary["issued"], summary["rejected"]) == (N, N - len(BAD), len(BAD))
    assert summary["rejects_by_reason"] == {reason: 1 for _, reason in BAD.values()}
    assert summary["workers"] == 2 and summary["already_complete"] is False
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["issued"] == N - len(BAD)
    check_codes(tmp_path / "out", N)


def test_a_finished_folder_is_a_no_op_and_another_input_or_key_is_refused(
        key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out = write_input(tmp_path / "people.csv", 20), tmp_path / "out"
    assert batch(capsys, source, out, "--workers", "1", key=key)[0] == 0
    before = {p: p.read_bytes() for p in out.iterdir() if p.is_file()}

    code, text, _ = batch(capsys, source, out, "--workers", "1", key=key)
    assert code == 0 and "already complete" in text
    assert {p: p.read_bytes() for p in out.iterdir() if p.is_file()} == before

    other = write_input(tmp_path / "other.csv", 21)
    code, _, err = batch(capsys, other, out, key=key)
    assert code == 2 and "belongs to another batch" in err and "input_digest" in err
    code, _, err = batch(capsys, source, out, key=write_key(tmp_path / "k2.pem", "other"))
    assert code == 2 and "key" in err
    code, _, err = batch(capsys, source, out, "--png", key=key)
    assert code == 2 and "images" in err
    assert {p: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_unreadable_input_bad_key_and_a_foreign_folder_are_exit_2(
        key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / "people.csv", 5)
    bad_key = tmp_path / "bad.pem"
    bad_key.write_text("not a key")
    (tmp_path / "empty.csv").write_text("id,name,dob,sex,dose\n")
    (tmp_path / "people.xlsx").write_bytes(b"PK")
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    cases = [
        (batch(capsys, tmp_path / "missing.csv", tmp_path / "o1", key=key), "missing.csv"),
        (batch(capsys, tmp_path / "people.xlsx", tmp_path / "o2", key=key), "people.xlsx"),
        (batch(capsys, tmp_path / "empty.csv", tmp_path / "o3", key=key), "no rows"),
        (batch(capsys, source, tmp_path / "o4", key=bad_key), "bad.pem"),
        (batch(capsys, source, tmp_path / "o5"), "--key"),
        (batch(capsys, source, foreign, key=key), "not a batch folder"),
        (batch(capsys, source, tmp_path / "o6", "--format", "HC1", key=key), "--certificate"),
    ]
    for (code, _, err), words in cases:
        assert code == 2 and words in err, err
    assert (foreign / "notes.txt").read_text() == "mine" and len(list(foreign.iterdir())) == 1


def test_images_are_sharded_by_row_and_scan_back(key: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from cccdqr.qr import scan

    source, out = write_input(tmp_path / "people.jsonl", 14), tmp_path / "out"
    code, _, err = batch(capsys, source, out, "--png", "--svg", "--pdf", "A6", "--workers", "2",
                         key=key)
    assert code == 0, err
    codes = check_codes(out, 14)
    for kind in ("png", "svg", "pdf"):
        assert sorted(p.name for p in (out / kind / "000").iterdir()) == \
            [f"{r:06d}.{kind}" for r in good_rows(14)]
    for c in codes[:3]:
        assert [s.text for s in scan(out / "png" / "000" / f"{c['row']:06d}.png")] == [c["text"]]
    assert (out / "pdf" / "000" / "000001.pdf").read_bytes().startswith(b"%PDF")


def _dsc(key: object) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST ONLY Ministry"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY DSC")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(15)  # type: ignore[attr-defined]
            .not_valid_before(dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc))
            .not_valid_after(dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc))
            .sign(key, hashes.SHA256()))  # type: ignore[arg-type]


def test_hc1_issues_eu_dccs_one_event_per_row(key: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    dsc = _dsc(testkeys.test_es256_key("batch"))
    pem = tmp_path / "dsc.pem"
    pem.write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    rows = [{"name": "Nguyễn Văn An", "dob": "1990-05-17", "dose": "EU/1/20/1528,1/2,2021-07-01"},
            {"name": "Trần Thị Bình", "dob": "1985", "dose": ["EU/1/20/1528,1/2,2021-07-01",
                                                               "EU/1/20/1528,2/2,2021-09-01"]},
            {"name": "Lê Văn C", "dob": "1970-01-01", "test": "LP6464-4,2026-11-22T08:00Z,260415000"}]
    source = tmp_path / "eu.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    code, _, err = batch(capsys, source, tmp_path / "out", "--format", "HC1", "--certificate",
                         str(pem), key=key)
    assert code == 0, err
    codes = read_jsonl(tmp_path / "out" / "codes.jsonl")
    assert [c["row"] for c in codes] == [1, 3]
    trust = cccdqr.TrustStore([cccdqr.Issuer(testkeys.test_es256_key("batch"), format="HC1",
                                             certificate=dsc).trusted_key()])
    for c in codes:
        assert c["text"].startswith("HC1:")
        assert cccdqr.verify(c["text"], trust, now=NOW).status is cccdqr.Status.VALID
    [rejected] = read_jsonl(tmp_path / "out" / "rejects.jsonl")
    assert (rejected["row"], rejected["reason"]) == (2, "CANNOT_ISSUE")  # an EU DCC holds one event


def test_a_key_in_a_pkcs11_token_signs_the_batch(softhsm: Token, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    uri, trust = softhsm.uri("batch-issue"), tmp_path / "trust.json"
    code, _, err = run(capsys, "keygen", "--pkcs11", uri, "--pin-file", str(softhsm.pin_file),
                       "--trust", str(trust), "--at", "2026-01-01T00:00Z")
    assert code == 0, err
    source = write_input(tmp_path / "people.csv", 16)
    code, _, err = batch(capsys, source, tmp_path / "out", "--pkcs11", uri, "--pin-file",
                         str(softhsm.pin_file), "--workers", "2")
    assert code == 0, err
    check_codes(tmp_path / "out", 16, cccdqr.TrustStore.load(trust))


def test_dask_local_writes_the_same_rows_and_resumes_locally(
        key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out = write_input(tmp_path / "people.csv", 30), tmp_path / "out"
    code, _, err = batch(capsys, source, out, "--dask", "local", "--workers", "2", key=key)
    assert code == 0, err
    check_codes(out, 30)
    # A journal cut back to its first two chunks resumes on local workers to the same rows.
    journal = (out / "journal.jsonl").read_text().splitlines(keepends=True)
    (out / "journal.jsonl").write_text("".join(journal[:2]))
    (out / "summary.json").unlink()
    code, _, err = batch(capsys, source, out, "--workers", "2", key=key)
    assert code == 0, err
    check_codes(out, 30)
    assert len((out / "journal.jsonl").read_text().splitlines()) == len(journal)


def test_the_summary_is_printed_for_people(key: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / "people.csv", 14)
    code, out, _ = batch(capsys, source, tmp_path / "out", "--workers", "1", key=key)
    assert code == 0
    assert "14 rows" in out and "10 issued" in out and "4 rejected" in out
    assert "BAD_ID_NUMBER: 1" in out and "rows/s" in out
    assert "\x1b" not in out  # not a terminal: no bar, no colour codes
    shutil.rmtree(tmp_path / "out")


def test_dask_tcp_uses_a_running_scheduler_and_leaves_it_running(
        key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import distributed

    source, out = write_input(tmp_path / "people.csv", 20), tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=40) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        code, text, err = batch(capsys, source, out, "--dask", address, "--json", key=key)
        assert code == 0, err
        assert json.loads(text)["workers"] == 2
        check_codes(out, 20)
        with distributed.Client(address, timeout="10s") as client:  # still serving
            assert len(client.scheduler_info()["workers"]) == 2
