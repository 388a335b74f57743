"""readers/checkpoint.py with --bind-card, --policy, --revocation and --trust-root.

Each scenario is a folder of rendered QR images read in name order, one image
per second of source time (``--fps 1``); the card QR is the CCCD card's own
plain UTF-8 text.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cccdqr
from cccdqr import testkeys
from cccdqr.qr import render

SCRIPT = Path(__file__).resolve().parents[1] / "readers" / "checkpoint.py"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
AT = NOW.isoformat()
ISSUER = cccdqr.Issuer(testkeys.test_es256_key("checkpoint checks"), deterministic=True)
BINH = cccdqr.Subject(name="Trần Thị Bình", dob="1985-03-02", id_number="079185001234",
                      sex=cccdqr.Sex.FEMALE)
DOSE = cccdqr.Vaccination(product="EU/1/20/1528", dose_number=2, doses_in_series=2,
                          date=dt.date(2021, 9, 1))
CERT = ISSUER.issue(cccdqr.HealthCertificate(subject=BINH, vaccinations=(DOSE,)),
                    now=NOW - dt.timedelta(days=1), valid_for=dt.timedelta(days=365), cti=b"\x01" * 12)
EXPIRED = ISSUER.issue(cccdqr.HealthCertificate(subject=BINH, vaccinations=(DOSE,)),
                       now=NOW - dt.timedelta(days=2), valid_for=dt.timedelta(days=1), cti=b"\x02" * 12)
CARD = "079185001234||Trần Thị Bình|02031985|Nữ|Quận 1, TP. Hồ Chí Minh|10052021"
OTHER_CARD = "001072004321||Lê Văn Cường|30111972|Nam|Hà Nội|01012022"


def _reader() -> ModuleType:
    spec = importlib.util.spec_from_file_location("checkpoint_checks_reader", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return {text: render(text, kind="png", error="M", scale=4).data
            for text in (CERT, EXPIRED, CARD, OTHER_CARD, "079185001234|x")}


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "trust.json"
    cccdqr.TrustStore([ISSUER.trusted_key()]).save(path)
    return path


def _folder(tmp_path: Path, images: dict[str, bytes], *texts: str) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"{i:03d}.png").write_bytes(images[text])
    return folder


def _run(capsys: pytest.CaptureFixture[str], folder: Path, trust: Path, *extra: str,
         fps: str = "1") -> tuple[list[dict[str, Any]], str]:
    code = _reader().main(["--images", str(folder), "--fps", fps, "--trust", str(trust),
                           "--at", AT, "--jsonl", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines() if line.strip()], captured.err


@pytest.mark.parametrize("order", ["card first", "certificate first"])
def test_card_and_certificate_in_either_order_give_one_verdict(
        order: str, tmp_path: Path, images: dict[str, bytes], trust: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    texts = (CARD, CERT) if order == "card first" else (CERT, CARD)
    records, err = _run(capsys, _folder(tmp_path, images, *texts), trust, "--bind-card")
    (record,) = records
    assert record["status"] == "VALID" and record["binding"] == {"matched": True, "reasons": []}
    assert record["frame"] == 1  # decided when the second half arrives
    assert "1 verdicts: 1 valid" in err
    assert "Bình" not in json.dumps(record, ensure_ascii=False)


def test_someone_elses_card_is_invalid(tmp_path: Path, images: dict[str, bytes], trust: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    records, _ = _run(capsys, _folder(tmp_path, images, CERT, OTHER_CARD), trust, "--bind-card")
    (record,) = records
    assert record["status"] == "INVALID"
    assert record["reasons"] == ["ID_MISMATCH", "DOB_MISMATCH", "NAME_MISMATCH"]


def test_a_half_alone_gives_no_verdict_but_a_prompt(tmp_path: Path, images: dict[str, bytes],
                                                    trust: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, images, CARD)
    assert _run(capsys, folder, trust, "--bind-card")[0] == []
    code = _reader().main(["--images", str(folder), "--trust", str(trust), "--at", AT,
                           "--bind-card", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0 and "now scan the certificate" in out and "VALID" not in out


def test_halves_further_apart_than_the_window_do_not_pair(
        tmp_path: Path, images: dict[str, bytes], trust: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, images, CARD, CERT)  # 40 s apart at 0.025 fps
    assert _run(capsys, folder, trust, "--bind-card", fps="0.025")[0] == []
    (record,) = _run(capsys, folder, trust, "--bind-card", "--bind-window", "60", fps="0.025")[0]
    assert record["status"] == "VALID"


def test_a_certificate_that_fails_alone_is_shown_at_once(
        tmp_path: Path, images: dict[str, bytes], trust: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (record,) = _run(capsys, _folder(tmp_path, images, EXPIRED), trust, "--bind-card")[0]
    assert record["status"] == "INVALID" and record["reasons"] == ["EXPIRED"]
    assert "binding" not in record


def test_an_unreadable_card_is_reported(tmp_path: Path, images: dict[str, bytes], trust: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    records, _ = _run(capsys, _folder(tmp_path, images, "079185001234|x"), trust, "--bind-card")
    assert records == [{"frame": 0, "event": "card_error", "reasons": ["CARD_FIELD_COUNT"]}]


def test_policy_and_revocation(tmp_path: Path, images: dict[str, bytes], trust: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, images, CERT)
    strict = tmp_path / "strict.toml"
    strict.write_text('[vaccination.products]\naccepted = ["EU/1/21/1618"]\n')
    (record,) = _run(capsys, folder, trust, "--policy", str(strict))[0]
    assert record["status"] == "INVALID" and record["reasons"] == ["POLICY_NOT_MET"]
    assert record["policy"]["passed"] is False
    (record,) = _run(capsys, folder, trust, "--policy", "default")[0]
    assert record["status"] == "VALID" and record["policy"]["passed_by"] == ["vaccination"]
    db = tmp_path / "revoked.sqlite"
    with cccdqr.RevocationList.open(db, create=True) as revoked:
        revoked.add("cti", b"\x01" * 12)
        revoked.mark_updated(NOW - dt.timedelta(hours=1), valid_for=dt.timedelta(days=1))
    (record,) = _run(capsys, folder, trust, "--revocation", str(db))[0]
    assert record["reasons"] == ["REVOKED"] and "REVOCATION_NOT_CHECKED" not in record["warnings"]


def test_a_signed_trust_list_is_required_with_trust_root(
        tmp_path: Path, images: dict[str, bytes], trust: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives import serialization

    root = testkeys.test_ed25519_key("checkpoint root")
    root_pem = tmp_path / "root.pub.pem"
    root_pem.write_bytes(root.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    signed = tmp_path / "trust.signed.json"
    signed.write_text(cccdqr.TrustStore.load(trust).sign(root, now=NOW, valid_for=dt.timedelta(days=7)))
    folder = _folder(tmp_path, images, CERT)
    (record,) = _run(capsys, folder, signed, "--trust-root", str(root_pem))[0]
    assert record["status"] == "VALID"
    # the unsigned list under --trust-root, or the signed list past its window: refused
    assert _reader().main(["--images", str(folder), "--trust", str(trust), "--trust-root",
                           str(root_pem), "--at", AT]) == 2
    late = (NOW + dt.timedelta(days=8)).isoformat()
    assert _reader().main(["--images", str(folder), "--trust", str(signed), "--trust-root",
                           str(root_pem), "--at", late]) == 2
    assert "expired" in capsys.readouterr().err
