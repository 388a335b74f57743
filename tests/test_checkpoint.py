"""readers/checkpoint.py end to end: an MJPG video of several certificates -> one
verdict per code (debounce), the right statuses and reasons, no personal data in
the JSON lines; an image folder gives the same verdicts; the staff banner; Ctrl-C."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cccdqr
from cccdqr import testkeys
from cccdqr.qr import render, scan_report

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

SCRIPT = Path(__file__).resolve().parents[1] / "readers" / "checkpoint.py"
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AT = NOW.isoformat()
FPS = 10
W, H = 640, 480

ISSUER = cccdqr.Issuer(testkeys.test_es256_key("checkpoint"), deterministic=True)
STRANGER = cccdqr.Issuer(testkeys.test_es256_key("checkpoint stranger"), deterministic=True)

# (label, issuer, issued at, valid for, subject)
HOLDERS = {
    "binh": cccdqr.Subject(name="Trần Thị Bình", dob="1985-03-02", id_number="079185001234",
                           sex=cccdqr.Sex.FEMALE),
    "cuong": cccdqr.Subject(name="Lê Văn Cường", dob="1972-11-30", id_number="001072004321",
                            sex=cccdqr.Sex.MALE),
    "dung": cccdqr.Subject(name="Phạm Minh Dũng", dob="2001-06-09", id_number="048201005678",
                           sex=cccdqr.Sex.MALE),
    "em": cccdqr.Subject(name="Hoàng Thị Em", dob="1999-12-12", id_number="031199008765",
                         sex=cccdqr.Sex.FEMALE),
}
DOSE = cccdqr.Vaccination(product="EU/1/20/1528", dose_number=2, doses_in_series=2,
                          date=dt.date(2021, 9, 1))


def _issue(issuer: cccdqr.Issuer, subject: cccdqr.Subject, *, at: dt.datetime,
           valid_for: dt.timedelta, n: int) -> str:
    cert = cccdqr.HealthCertificate(subject=subject, vaccinations=(DOSE,))
    return issuer.issue(cert, now=at, valid_for=valid_for, cti=bytes([n]) * 12)


CODES = {
    "binh": _issue(ISSUER, HOLDERS["binh"], at=NOW - dt.timedelta(days=1),
                   valid_for=dt.timedelta(days=365), n=1),
    "cuong": _issue(ISSUER, HOLDERS["cuong"], at=NOW - dt.timedelta(days=1),
                    valid_for=dt.timedelta(days=365), n=2),
    # issued two days ago for one day: expired at NOW
    "dung": _issue(ISSUER, HOLDERS["dung"], at=NOW - dt.timedelta(days=2),
                   valid_for=dt.timedelta(days=1), n=3),
    # signed by a key that is not in the trust list
    "em": _issue(STRANGER, HOLDERS["em"], at=NOW - dt.timedelta(days=1),
                 valid_for=dt.timedelta(days=365), n=4),
}

# The video, as (what is shown, frames): None is a frame with no code.
SCRIPT_OF_VIDEO: list[tuple[str | None, int]] = [
    (None, 5),
    ("binh", 12),
    (None, 3),       # 0.3 s away, then back: within the 3 s window -> no new verdict
    ("binh", 5),
    ("cuong", 10),
    (None, 2),
    ("dung", 10),
    ("em", 10),
    (None, 35),      # 3.5 s without Bình's code ...
    ("binh", 6),     # ... so she is reported again
    (None, 4),
]
EXPECTED = [
    ("binh", "VALID", []),
    ("cuong", "VALID", []),
    ("dung", "INVALID", ["EXPIRED"]),
    ("em", "CANNOT_CHECK", ["UNKNOWN_KID"]),
    ("binh", "VALID", []),
]
EXPECTED_FIRST_FRAMES = [5, 25, 37, 47, 92]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("checkpoint_reader", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _background(n: int) -> Any:
    frame = np.full((H, W, 3), 170, np.uint8)
    cv2.rectangle(frame, (20 + n % 40, 30), (160, 140), (90, 110, 130), -1)
    cv2.line(frame, (0, H - 40), (W, H - 60 - n % 20), (60, 60, 60), 3)
    return frame


def _code_image(text: str) -> Any:
    png = render(text, kind="png", error="M", scale=5, border=4).data
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


def _frames() -> list[Any]:
    images = {label: _code_image(text) for label, text in CODES.items()}
    frames = []
    for label, count in SCRIPT_OF_VIDEO:
        for _ in range(count):
            frame = _background(len(frames))
            if label is not None:
                code = images[label]
                h, w = code.shape[:2]
                assert h <= H and w <= W, "QR too large for the frame"
                y, x = (H - h) // 2, (W - w) // 2 + 60
                frame[y:y + h, x:x + w] = code
            frames.append(frame)
    return frames


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("checkpoint")
    trust = root / "trust.json"
    cccdqr.TrustStore([ISSUER.trusted_key()]).save(trust)
    video = root / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (W, H))
    assert writer.isOpened()
    images = root / "images"
    images.mkdir()
    for i, frame in enumerate(_frames()):
        writer.write(frame)
        # every frame, as a photo: named so that name order is frame order
        assert cv2.imwrite(str(images / f"frame-{i:04d}.png"), frame)
    writer.release()
    return {"trust": trust, "video": video, "images": images}


def _personal_strings() -> list[str]:
    found = []
    for subject in HOLDERS.values():
        found += [subject.name, subject.dob, subject.id_number or ""]
        found += subject.name.split()[-1:]  # the given name alone
    return found + list(CODES.values())


def _check_jsonl(stdout: str) -> list[dict[str, Any]]:
    lines = [line for line in stdout.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert [(r["status"], r["reasons"]) for r in records] == [(s, rs) for _, s, rs in EXPECTED]
    assert [r["frame"] for r in records] == EXPECTED_FIRST_FRAMES
    for r in records:
        assert r["format"] == "VN1"
        assert r["time"] == AT
    assert records[0]["kid"] == ISSUER.kid.hex()
    assert records[3]["kid"] == STRANGER.kid.hex()
    for line in lines:
        for secret in _personal_strings():
            assert secret not in line
    return records


def test_video_jsonl_one_verdict_per_code_and_nothing_personal(material: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--video", str(material["video"]),
         "--trust", str(material["trust"]), "--at", AT, "--jsonl"],
        capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    _check_jsonl(proc.stdout)
    total = sum(n for _, n in SCRIPT_OF_VIDEO)
    assert f"{total} frames" in proc.stderr
    assert "5 verdicts: 3 valid, 1 invalid, 1 cannot check" in proc.stderr


def test_image_folder_gives_the_same_verdicts(material: dict[str, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    code = reader.main(["--images", str(material["images"]), "--fps", str(FPS),
                        "--trust", str(material["trust"]), "--at", AT, "--jsonl"])
    assert code == 0
    records = _check_jsonl(capsys.readouterr().out)
    assert [r["source_time"] for r in records] == [n / FPS for n in EXPECTED_FIRST_FRAMES]


def test_show_personal_adds_the_holder(material: dict[str, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    code = reader.main(["--video", str(material["video"]), "--trust", str(material["trust"]),
                        "--at", AT, "--jsonl", "--show-personal", "--max-frames", "20"])
    assert code == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    subject = HOLDERS["binh"]
    assert (record["name"], record["dob"], record["id_number"]) == (
        subject.name, subject.dob, subject.id_number)
    assert record["payload"] == CODES["binh"]


def test_human_banner_word_symbol_and_vietnamese_reason(material: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    code = reader.main(["--video", str(material["video"]), "--trust", str(material["trust"]),
                        "--at", AT, "--lang", "vi"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.count("✔ HỢP LỆ / VALID") == 3
    assert out.count("✘ KHÔNG HỢP LỆ / INVALID") == 1
    assert out.count("? KHÔNG THỂ KIỂM TRA / CANNOT CHECK") == 1
    assert cccdqr.Reason.EXPIRED.message("vi") in out
    assert cccdqr.Reason.EXPIRED.message("en") in out
    assert cccdqr.Reason.UNKNOWN_KID.message("vi") in out
    # name and year of birth only for valid codes; never the ID number or full DOB
    assert HOLDERS["binh"].name in out and "1985" in out
    assert HOLDERS["cuong"].name in out and "1972" in out
    for label in ("dung", "em"):
        assert HOLDERS[label].name not in out
    for subject in HOLDERS.values():
        assert subject.id_number not in out and subject.dob not in out


def test_format_verdict_english_first() -> None:
    reader = _load_script()
    trust = cccdqr.TrustStore([ISSUER.trusted_key()])
    valid = reader.format_verdict(cccdqr.decide(cccdqr.verify(CODES["cuong"], trust, now=NOW)), "en")
    assert valid[0] == "✔ VALID / HỢP LỆ"
    assert "Lê Văn Cường" in valid[-2] and valid[-1].endswith("1972")
    expired = reader.format_verdict(cccdqr.decide(cccdqr.verify(CODES["dung"], trust, now=NOW)), "en")
    assert expired[0] == "✘ INVALID / KHÔNG HỢP LỆ"
    assert not any("Phạm" in line for line in expired)


def test_debouncer_window_in_source_time() -> None:
    reader = _load_script()
    d = reader.Debouncer(3.0)
    assert d.accept("a", 0.0)
    assert not d.accept("a", 0.1)
    assert d.accept("b", 0.2)
    assert not d.accept("a", 2.9)     # held: each sighting refreshes the window
    assert not d.accept("a", 5.8)
    assert d.accept("a", 8.8)         # unseen for 3 s


def test_ctrl_c_exits_cleanly_with_a_summary(material: dict[str, Path],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    real = reader.video_frames

    def interrupted(path: Any) -> Any:
        for frame in real(path):
            if frame.index == 30:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(reader, "video_frames", interrupted)
    code = reader.main(["--video", str(material["video"]), "--trust", str(material["trust"]),
                        "--at", AT, "--jsonl"])
    assert code == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["status"] for line in captured.out.splitlines()] == ["VALID", "VALID"]
    assert "30 frames" in captured.err and "2 verdicts: 2 valid, 0 invalid" in captured.err


def test_usage_errors_exit_2(material: dict[str, Path], tmp_path: Path) -> None:
    reader = _load_script()
    assert reader.main(["--video", str(tmp_path / "missing.avi"),
                        "--trust", str(material["trust"])]) == 2
    assert reader.main(["--images", str(material["images"]),
                        "--trust", str(tmp_path / "missing.json")]) == 2


# --------------------------------------------------------------------------- screen defaults


def _screen(reader: ModuleType, *, tty: bool = True, clear_after: float = 15.0,
            hint_after: float = 3.0, beep: bool = True) -> tuple[Any, io.StringIO, io.StringIO]:
    from rich.console import Console

    out, bell = io.StringIO(), io.StringIO()
    screen = reader.Screen(console=Console(file=out, highlight=False, soft_wrap=True), lang="en",
                           clear_after=clear_after, hint_after=hint_after,
                           bell=bell if beep else None, tty=tty)
    return screen, out, bell


def _valid_result() -> cccdqr.Decision:
    return cccdqr.decide(cccdqr.verify(CODES["binh"], cccdqr.TrustStore([ISSUER.trusted_key()]),
                                       now=NOW))


def test_verdict_is_cleared_after_clear_after_seconds_of_source_time() -> None:
    reader = _load_script()
    screen, out, bell = _screen(reader)
    screen.verdict(_valid_result(), 10.0)
    assert out.getvalue().startswith(reader.CLEAR)  # the previous screen goes first
    assert "✔ VALID / HỢP LỆ" in out.getvalue() and bell.getvalue() == "\a"
    for t in (10.1, 20.0, 24.9):
        screen.frame(t, read=False, unread=False)
    assert out.getvalue().count(reader.CLEAR) == 1  # still on screen at 14.9 s
    screen.frame(25.0, read=False, unread=False)
    screen.frame(40.0, read=False, unread=False)
    assert out.getvalue().endswith(reader.CLEAR)  # cleared once, at 15 s
    assert out.getvalue().count(reader.CLEAR) == 2
    assert screen.events == [("beep", 10.0), ("verdict", 10.0), ("clear", 25.0)]


def test_a_new_verdict_restarts_the_clear_timer() -> None:
    reader = _load_script()
    screen, out, _ = _screen(reader, clear_after=5)
    screen.verdict(_valid_result(), 0.0)
    screen.frame(4.0, read=True, unread=False)
    screen.verdict(_valid_result(), 4.0)
    screen.frame(8.9, read=False, unread=False)
    assert [kind for kind, _ in screen.events].count("clear") == 0
    screen.frame(9.0, read=False, unread=False)
    assert screen.events[-1] == ("clear", 9.0)


def test_outside_a_terminal_nothing_is_cleared_and_zero_means_never() -> None:
    reader = _load_script()
    screen, out, _ = _screen(reader, tty=False)
    screen.verdict(_valid_result(), 0.0)
    screen.frame(100.0, read=False, unread=False)
    assert "\x1b" not in out.getvalue() and "✔ VALID" in out.getvalue()
    never, out2, _ = _screen(reader, clear_after=0)
    never.verdict(_valid_result(), 0.0)
    never.frame(1000.0, read=False, unread=False)
    assert ("clear", 1000.0) not in never.events and out2.getvalue().count(reader.CLEAR) == 1


def test_no_beep_rings_no_bell() -> None:
    reader = _load_script()
    screen, out, bell = _screen(reader, beep=False)
    screen.verdict(_valid_result(), 0.0)
    assert bell.getvalue() == "" and "\a" not in out.getvalue()
    assert [kind for kind, _ in screen.events] == ["verdict"]


def test_hint_after_seconds_of_a_symbol_that_is_not_read() -> None:
    reader = _load_script()
    screen, out, _ = _screen(reader, hint_after=3.0)
    for n in range(30):  # 0.0 .. 2.9 s: a symbol, never read
        screen.frame(n / 10, read=False, unread=True)
    assert screen.events == []
    screen.frame(3.0, read=False, unread=True)
    screen.frame(3.5, read=False, unread=True)  # once per attempt
    assert screen.events == [("hint", 3.0)]
    assert reader.HINT["en"] in out.getvalue() and reader.HINT["vi"] in out.getvalue()
    # Frames without any symbol do not count, and a code read ends the attempt.
    screen.frame(4.0, read=True, unread=False)
    screen.frame(5.0, read=False, unread=False)
    screen.frame(6.0, read=False, unread=True)
    screen.frame(8.9, read=False, unread=True)
    assert screen.events == [("hint", 3.0)]
    screen.frame(9.0, read=False, unread=True)
    assert screen.events[-1] == ("hint", 9.0)
    # A symbol gone for longer than the hint delay starts a new attempt.
    screen.frame(20.0, read=False, unread=True)
    screen.frame(22.0, read=False, unread=True)
    assert screen.events[-1] == ("hint", 9.0)


def _damaged(frame: Any) -> Any:
    """Paper over the middle of the code: the finder patterns stay, the data cannot be read."""
    out = frame.copy()
    y, x = H // 2, W // 2 + 60
    out[y - 75:y + 75, x - 75:x + 75] = 235
    return out


@pytest.fixture(scope="module")
def struggle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of a damaged code, then 1 s of Bình's good one, as 10 fps images."""
    folder = tmp_path_factory.mktemp("struggle")
    good = _frames()[5]  # Bình's code, first frame that shows it
    for i in range(50):
        assert cv2.imwrite(str(folder / f"f-{i:03d}.png"), _damaged(good) if i < 40 else good)
    return folder


def test_reader_hints_then_rings_and_clears_in_a_terminal(
        material: dict[str, Path], struggle: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    assert scan_report(cv2.imread(str(struggle / "f-000.png"))).undecoded  # a symbol, not read
    monkeypatch.setattr(reader, "is_terminal", lambda stream: True)
    code = reader.main(["--images", str(struggle), "--fps", str(FPS), "--trust",
                        str(material["trust"]), "--at", AT, "--lang", "en", "--clear-after", "0.5"])
    assert code == 0
    out = capsys.readouterr().out
    hint, verdict = out.index(reader.HINT["en"]), out.index("✔ VALID / HỢP LỆ")
    assert out.count(reader.HINT["en"]) == 1 and hint < verdict
    assert out.count("\a") == 1
    # the screen is cleared before the hint (3.0 s), 0.5 s later, before the verdict
    # (4.0 s) and 0.5 s after it
    assert out.count(reader.CLEAR) == 4 and out.endswith(reader.CLEAR)
    assert out.index(reader.CLEAR, hint) < out.index("\a") < verdict


def test_reader_rings_once_per_verdict_and_no_beep_silences(
        material: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    monkeypatch.setattr(reader, "is_terminal", lambda stream: True)
    base = ["--video", str(material["video"]), "--trust", str(material["trust"]), "--at", AT]
    assert reader.main([*base, "--clear-after", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("\a") == 5
    # one clear before each of the 5 verdicts, one 2 s after the verdict at 4.7 s
    # (the next is at 9.2 s); the last verdict is still on screen when the video ends
    assert out.count(reader.CLEAR) == 6
    assert reader.main([*base, "--no-beep"]) == 0
    assert "\a" not in capsys.readouterr().out
    assert reader.main([*base, "--jsonl"]) == 0  # JSON lines stay clean; the bell goes to stderr
    captured = capsys.readouterr()
    assert "\a" not in captured.out and reader.CLEAR not in captured.out
    assert captured.err.count("\a") == 5


def test_not_in_a_terminal_no_bell_and_no_escape_codes(
        material: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    reader = _load_script()
    assert reader.main(["--video", str(material["video"]), "--trust", str(material["trust"]),
                        "--at", AT]) == 0
    out = capsys.readouterr().out
    assert "\a" not in out and "\x1b" not in out


def test_cannot_check_screen_shows_only_verdict_and_reason() -> None:
    reader = _load_script()
    trust = cccdqr.TrustStore([ISSUER.trusted_key()])
    lines = reader.format_verdict(cccdqr.decide(cccdqr.verify(CODES["em"], trust, now=NOW)), "en")
    assert lines[0] == "? CANNOT CHECK / KHÔNG THỂ KIỂM TRA"
    assert len(lines) == 3 and "UNKNOWN_KID" in lines[1]
    assert not any(STRANGER.kid.hex() in line or "Hoàng" in line for line in lines)


def test_reader_opens_no_network_connection(material: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    reader = _load_script()
    assert reader.main(["--video", str(material["video"]), "--trust", str(material["trust"]),
                        "--at", AT, "--jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5
