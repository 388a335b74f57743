"""cccdqr batch verify (issue 15 item 8): a verdict per row, in order, no personal data,
real signed codes, a real SQLite revocation list and a folder of rendered QR images."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import cccdqr
from cccdqr.batch.verify import BatchInputError, Summary, Verdict, run
from cccdqr.cli.app import main
from cccdqr.core.reasons import Reason, Status
from cccdqr.qr import render
from cccdqr.trust.revocation import RevocationList

import helpers
from helpers import ED25519, ES256, NOW

REVOKED_CTI = bytes(range(40, 52))
AT = NOW.isoformat()


def _tampered(text: str) -> str:
    cut = len(text) // 2
    return text[:cut] + ("A" if text[cut] != "A" else "B") + text[cut + 1:]


VALID = [helpers.issue(cti=bytes(range(i, i + 12))) for i in (1, 2, 3)]
REVOKED = helpers.issue(cti=REVOKED_CTI)
UNKNOWN = helpers.issue(issuer=ED25519, cti=bytes(range(7, 19)))
TAMPERED = _tampered(helpers.issue(cti=bytes(range(9, 21))))
PERSONAL = (helpers.NAME, helpers.ID_NUMBER, helpers.DOB, "Nguy")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bv")
    trust = d / "trust.json"
    helpers.trust(ES256).save(trust)  # the Ed25519 key is unknown
    revocation = d / "revoked.sqlite"
    with RevocationList.open(revocation, create=True) as rl:
        rl.add("cti", REVOKED_CTI)
        rl.mark_updated(NOW - dt.timedelta(hours=1), valid_for=None)
    return {"trust": trust, "revocation": revocation, "dir": d}


def _jsonl(path: Path, texts: list[object], *, rows: list[int] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            doc = {"text": text} if rows is None else {"row": rows[i], "text": text}
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def _cli(files: dict[str, Path], source: Path, out: Path, *extra: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", "verify", str(source), "--trust", str(files["trust"]), "--out", str(out),
              "--at", AT, "--workers", "2", *extra])
    code = exit_info.value.code
    assert isinstance(code, int)
    return code


def _verdicts(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "verdicts.jsonl").read_text().splitlines()]


def test_codes_jsonl_every_kind_of_row(files: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    texts = [VALID[0], TAMPERED, UNKNOWN, REVOKED, "garbage", VALID[1], ""] * 20
    source = _jsonl(tmp_path / "codes.jsonl", texts, rows=list(range(101, 101 + len(texts))))
    out = tmp_path / "out"
    code = _cli(files, source, out, "--revocation", str(files["revocation"]))
    assert code == 1  # invalid rows win over cannot-check ones
    verdicts = _verdicts(out)
    assert [v["row"] for v in verdicts] == list(range(101, 101 + len(texts)))
    assert all(set(v) == {"row", "status", "reasons"} for v in verdicts)
    first = verdicts[:7]
    assert [v["status"] for v in first] == ["VALID", "INVALID", "CANNOT_CHECK", "INVALID", "INVALID",
                                            "VALID", "INVALID"]
    assert [v["reasons"][:1] for v in first] == [[], ["BAD_SIGNATURE"], ["UNKNOWN_KID"], ["REVOKED"],
                                                 ["UNKNOWN_FORMAT"], [], ["EMPTY_INPUT"]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == len(texts) and summary["exit_code"] == 1
    assert summary["statuses"] == {"VALID": 40, "INVALID": 80, "CANNOT_CHECK": 20}
    assert summary["primary_reasons"]["REVOKED"] == 20
    printed = capsys.readouterr().out
    assert "REVOKED" in printed and "CANNOT_CHECK" in printed
    everything = printed + (out / "verdicts.jsonl").read_text() + (out / "summary.json").read_text()
    assert not any(p in everything for p in PERSONAL)


def test_the_same_verdicts_as_verify_one_by_one(files: dict[str, Path], tmp_path: Path) -> None:
    texts = [VALID[2], TAMPERED, UNKNOWN, REVOKED, 12, None, "HC1:X"] * 15
    source = _jsonl(tmp_path / "mixed.jsonl", texts)
    trust = cccdqr.TrustStore.load(files["trust"])
    with RevocationList.open(files["revocation"]) as rl:
        summary = run(source, trust, out=tmp_path / "o", now=NOW, workers=2, revocation=rl)
        expected = []
        for t in texts:
            r = cccdqr.verify(t if isinstance(t, str) else ("" if t is None else b"\xff"), trust,
                              now=NOW, revocation=rl)
            expected.append([x.value for x in r.reasons])
    verdicts = _verdicts(tmp_path / "o")
    assert [v["reasons"] for v in verdicts] == expected
    assert [v["row"] for v in verdicts] == list(range(1, len(texts) + 1))
    assert verdicts[4]["reasons"] == ["NOT_TEXT"] and verdicts[5]["reasons"] == ["EMPTY_INPUT"]
    assert summary.rows == len(texts)


def test_a_csv_with_a_text_column_and_the_exit_codes(files: dict[str, Path], tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(VALID)))
    assert _cli(files, good, tmp_path / "o1") == 0
    cannot = tmp_path / "cannot.csv"
    cannot.write_text("text\n" + VALID[0] + "\n" + UNKNOWN + "\n")
    assert _cli(files, cannot, tmp_path / "o2", "--json") == 3
    assert _cli(files, tmp_path / "missing.jsonl", tmp_path / "o3") == 2
    empty = tmp_path / "images"
    empty.mkdir()
    assert _cli(files, empty, tmp_path / "o4") == 2


def test_a_parquet_file_with_a_text_column(files: dict[str, Path], tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "codes.parquet"
    pq.write_table(pa.table({"text": [VALID[0], None, REVOKED, VALID[1]]}), source,
                   row_group_size=2)
    trust = cccdqr.TrustStore.load(files["trust"])
    summary = run(source, trust, out=tmp_path / "o", now=NOW, workers=None)
    verdicts = _verdicts(tmp_path / "o")
    assert [v["row"] for v in verdicts] == [1, 2, 3, 4]
    assert [v["reasons"] for v in verdicts] == [[], ["EMPTY_INPUT"], [], []]
    assert summary.rows == 4
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not parquet")
    other = tmp_path / "codes.txt"
    other.write_text(VALID[0])
    assert _cli(files, broken, tmp_path / "o2") == 2 and _cli(files, other, tmp_path / "o3") == 2


def test_a_policy_failure_is_invalid(files: dict[str, Path], tmp_path: Path) -> None:
    one_dose = helpers.issue(helpers.certificate(doses=1), cti=bytes(range(30, 42)))
    source = _jsonl(tmp_path / "p.jsonl", [VALID[0], one_dose])
    assert _cli(files, source, tmp_path / "o", "--policy", "default") == 1
    assert [v["reasons"] for v in _verdicts(tmp_path / "o")] == [[], ["POLICY_NOT_MET"]]


def test_an_image_folder(files: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "png"
    codes = {5: VALID[0], 17: TAMPERED, 1203: UNKNOWN, 9: REVOKED}
    for row, text in codes.items():
        shard = folder / f"{row // 1000:03d}"
        shard.mkdir(parents=True, exist_ok=True)
        (shard / f"{row:06d}.png").write_bytes(render(text, scale=4).data)
    (folder / "000" / "000011.png").write_bytes(b"not a png")  # unreadable: a row's reject
    out = tmp_path / "out"
    assert _cli(files, folder, out, "--revocation", str(files["revocation"])) == 1
    got = {v["row"]: (v["status"], v["reasons"][:1]) for v in _verdicts(out)}
    assert list(got) == [5, 9, 11, 17, 1203]  # sorted paths, the number in each name
    assert got == {5: ("VALID", []), 9: ("INVALID", ["REVOKED"]), 11: ("INVALID", ["EMPTY_INPUT"]),
                   17: ("INVALID", ["BAD_SIGNATURE"]), 1203: ("CANNOT_CHECK", ["UNKNOWN_KID"])}


def test_images_without_numbers_are_numbered_in_sorted_order(files: dict[str, Path],
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, text in (("b.jpg", VALID[1]), ("a.PNG", VALID[0])):
        from PIL import Image
        import io

        image = Image.open(io.BytesIO(render(text, scale=4).data)).convert("RGB")
        image.save(folder / name, format="JPEG" if name.endswith("jpg") else "PNG")
    trust = cccdqr.TrustStore.load(files["trust"])
    summary = run(folder, trust, out=tmp_path / "o", now=NOW, workers=None)
    assert [v["row"] for v in _verdicts(tmp_path / "o")] == [1, 2]
    assert summary.exit_code == 0


def test_summary_rules() -> None:
    s = Summary()
    assert s.exit_code == 0
    s.add(Verdict(1, Status.CANNOT_CHECK, (Reason.UNKNOWN_KID,)))
    assert s.exit_code == 3
    s.add(Verdict(2, Status.INVALID, (Reason.EXPIRED, Reason.REVOKED)))
    assert s.exit_code == 1
    assert s.to_dict()["primary_reasons"] == {"UNKNOWN_KID": 1, "EXPIRED": 1}
    with pytest.raises(BatchInputError):
        run("/nonexistent/path", helpers.TRUST, out="/tmp/never", now=NOW)
