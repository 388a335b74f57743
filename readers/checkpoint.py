#!/usr/bin/env python3
"""Checkpoint reader: camera, video file or image folder -> one verdict per code.

A thin script over cccdqr: ``cccdqr.qr.scan`` finds the codes in each frame and
``cccdqr.verify`` checks them; this file only reads frames, debounces, reads
the clock and prints.

    python readers/checkpoint.py --camera 0 --trust trust.json
    python readers/checkpoint.py --video clip.avi --trust trust.json --jsonl
    python readers/checkpoint.py --images photos/ --trust trust.json --lang en

Screen: the verdict as a word and a symbol (never colour alone), the primary
reason in Vietnamese and English, and, only when valid, the holder's name and
year of birth. ``--jsonl``: one JSON object per verdict on stdout, without
name, date of birth, ID number or payload unless ``--show-personal``. Nothing
is written to disk.

Debounce: a code text is reported once, and again only after it has been out
of sight for ``--debounce`` seconds of *source* time (frame timestamps for a
video, ``index / --fps`` for an image folder, the monotonic clock for a camera).

Clock: ``--at`` fixes the verification time (tests); otherwise the system clock
is read for every verdict: the reader is an edge, the library never reads it.

Ctrl-C ends the run with exit code 0 and a summary line on stderr.
Exit codes: 0 done, 2 usage error (bad arguments, unreadable trust list or source).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cccdqr
from cccdqr.cli import SYMBOL, default_lang, parse_time
from cccdqr.errors import CccdqrError
from cccdqr.qr import ScanBackendUnavailable, scan

EXIT_OK, EXIT_USAGE = 0, 2
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
STATUS_WORDS = {
    cccdqr.Status.VALID: ("VALID", "HỢP LỆ"),
    cccdqr.Status.INVALID: ("INVALID", "KHÔNG HỢP LỆ"),
    cccdqr.Status.CANNOT_CHECK: ("CANNOT CHECK", "KHÔNG THỂ KIỂM TRA"),
}
STYLE = {cccdqr.Status.VALID: "bold white on green", cccdqr.Status.INVALID: "bold white on red",
         cccdqr.Status.CANNOT_CHECK: "bold black on yellow"}


class UsageError(Exception):
    """Bad arguments or an unreadable source or trust list: exit code 2."""


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    """0-based index in the source."""
    t: float
    """Source time in seconds: what the debounce window is measured in."""
    image: Any
    """What ``cccdqr.qr.scan`` accepts: a BGR array or an image path."""


def camera_frames(index: int) -> Iterator[Frame]:
    """Frames from an OpenCV camera, timed by the monotonic clock; ends when the camera does."""
    import cv2

    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        raise UsageError(f"cannot open camera {index}")
    try:
        n = 0
        while True:
            ok, image = cap.read()
            if not ok:
                return
            yield Frame(n, time.monotonic(), image)
            n += 1
    finally:
        cap.release()


def video_frames(path: str | Path) -> Iterator[Frame]:
    """Frames of a video file, timed by their timestamps (index / frame rate)."""
    import cv2

    if not Path(path).is_file():
        raise UsageError(f"cannot read video {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise UsageError(f"cannot open video {path}")
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        n = 0
        while True:
            ok, image = cap.read()
            if not ok:
                return
            t = n / fps if fps > 0 else cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            yield Frame(n, t, image)
            n += 1
    finally:
        cap.release()


def image_frames(directory: str | Path, fps: float = 1.0) -> Iterator[Frame]:
    """The image files of a folder in name order, as frames taken ``1 / fps`` s apart."""
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"not a folder: {directory}")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    for n, path in enumerate(files):
        yield Frame(n, n / fps, path)


def frames_for(args: argparse.Namespace) -> Iterator[Frame]:
    if args.camera is not None:
        return camera_frames(args.camera)
    if args.video is not None:
        return video_frames(args.video)
    return image_frames(args.images, args.fps)


# --------------------------------------------------------------------------- debounce


class Debouncer:
    """Report a code text once; again only after it was unseen for ``window`` seconds.

    Every sighting refreshes the text's last-seen time, so a code held in front
    of the camera gives one verdict however long it is held.
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self._last_seen: dict[str, float] = {}

    def accept(self, text: str, t: float) -> bool:
        """Record a sighting of ``text`` at source time ``t``; True if it should be reported."""
        last = self._last_seen.get(text)
        self._last_seen[text] = t
        if len(self._last_seen) > 1024:  # bounded memory on a long run
            self._last_seen = {k: v for k, v in self._last_seen.items() if t - v < self.window}
        return last is None or t - last >= self.window


# --------------------------------------------------------------------------- output


def verdict_record(result: cccdqr.VerificationResult, *, frame: Frame, now: dt.datetime,
                   text: str, show_personal: bool = False) -> dict[str, Any]:
    """The JSON-lines object for one verdict: nothing personal unless asked."""
    record: dict[str, Any] = {
        "time": now.isoformat(),
        "frame": frame.index,
        "source_time": round(frame.t, 3),
        "status": result.status.value,
        "reasons": [r.value for r in result.reasons],
        "warnings": [r.value for r in result.warnings],
        "format": result.format,
        "kid": result.kid.hex() if result.kid else None,
        "issuer": result.issuer,
    }
    if show_personal:
        subject = result.certificate.subject if result.certificate is not None else None
        record.update(name=subject.name if subject else None,
                      dob=subject.dob if subject else None,
                      id_number=subject.id_number if subject else None,
                      payload=text)
    return record


def format_verdict(result: cccdqr.VerificationResult, lang: str = "vi") -> list[str]:
    """Lines for staff: banner (symbol + word), primary reason in both languages,
    and the holder's name and year of birth only when valid."""
    en, vi = STATUS_WORDS[result.status]
    words = (vi, en) if lang == "vi" else (en, vi)
    lines = [f"{SYMBOL[result.status]} {words[0]} / {words[1]}"]
    reason = result.reason
    if reason is not None:
        lines.append(f"  [{reason.value}] {reason.message('vi')}")
        lines.append(f"  {' ' * (len(reason.value) + 2)} {reason.message('en')}")
        if result.status is cccdqr.Status.CANNOT_CHECK and result.kid:
            lines.append(f"  kid {result.kid.hex()} · issuer {result.issuer or '-'}")
    if result.valid and result.certificate is not None:
        s = result.certificate.subject
        lines.append(f"  Họ tên / Name: {s.name}")
        lines.append(f"  Năm sinh / Born: {s.dob[:4]}")
    return lines


def print_verdict(result: cccdqr.VerificationResult, lang: str, console: Any) -> None:
    lines = format_verdict(result, lang)
    console.print(f" {lines[0]} ", style=STYLE[result.status], markup=False)
    for line in lines[1:]:
        console.print(line, markup=False)


def summary_line(frames: int, codes: int, counts: Counter[cccdqr.Status]) -> str:
    return (f"checkpoint: {frames} frames, {codes} codes read, "
            f"{sum(counts.values())} verdicts: {counts[cccdqr.Status.VALID]} valid, "
            f"{counts[cccdqr.Status.INVALID]} invalid, "
            f"{counts[cccdqr.Status.CANNOT_CHECK]} cannot check")


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="checkpoint", description="Verify every health-certificate QR code a camera, "
        "video or image folder shows.", epilog="exit codes: 0 done (also after Ctrl-C), "
        "2 usage error or unreadable source/trust list")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--camera", type=int, metavar="N", help="OpenCV camera index")
    src.add_argument("--video", metavar="FILE", help="a video file")
    src.add_argument("--images", metavar="DIR", help="a folder of images, read in name order")
    p.add_argument("--trust", required=True, metavar="FILE", help="trust list")
    p.add_argument("--at", type=parse_time, metavar="TIME",
                   help="fixed verification clock, ISO 8601 (default: the system clock per frame)")
    p.add_argument("--lang", choices=("vi", "en"), default=default_lang(),
                   help="language shown first (default: from the locale)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per verdict on stdout")
    p.add_argument("--show-personal", action="store_true",
                   help="add name, date of birth, ID number and payload to --jsonl lines")
    p.add_argument("--debounce", type=float, default=3.0, metavar="SECONDS",
                   help="report the same code again only after this long unseen (default 3)")
    p.add_argument("--fps", type=float, default=1.0,
                   help="--images: frames per second the images stand for (default 1)")
    p.add_argument("--backend", choices=("auto", "zxing", "zbar"), default="auto")
    p.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    return p


def run(args: argparse.Namespace, frames: Iterator[Frame], trust: cccdqr.TrustStore,
        emit: Callable[[cccdqr.VerificationResult, Frame, dt.datetime, str], None],
        stats: dict[str, Any]) -> None:
    debounce = Debouncer(args.debounce)
    for frame in frames:
        if args.max_frames is not None and stats["frames"] >= args.max_frames:
            return
        stats["frames"] += 1
        for code in scan(frame.image, backend=args.backend):
            stats["codes"] += 1
            if not debounce.accept(code.text, frame.t):
                continue
            now = args.at or dt.datetime.now(dt.timezone.utc)
            result = cccdqr.verify(code.text, trust, now=now)
            stats["verdicts"][result.status] += 1
            emit(result, frame, now, code.text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.debounce < 0 or args.fps <= 0:
        build_parser().error("--debounce must be >= 0 and --fps > 0")
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    stats: dict[str, Any] = {"frames": 0, "codes": 0, "verdicts": Counter()}

    def emit(result: cccdqr.VerificationResult, frame: Frame, now: dt.datetime, text: str) -> None:
        if args.jsonl:
            record = verdict_record(result, frame=frame, now=now, text=text,
                                    show_personal=args.show_personal)
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print_verdict(result, args.lang, out)

    try:
        try:
            trust = cccdqr.TrustStore.load(args.trust)
        except OSError as exc:
            raise UsageError(f"cannot read trust list {args.trust}: {exc.strerror}") from None
        except CccdqrError as exc:
            raise UsageError(f"bad trust list {args.trust}: {exc}") from None
        run(args, frames_for(args), trust, emit, stats)
    except UsageError as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ScanBackendUnavailable as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    print(summary_line(stats["frames"], stats["codes"], stats["verdicts"]), file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
