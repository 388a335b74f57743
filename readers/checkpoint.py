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
year of birth; nothing else. In a terminal the verdict is cleared after
``--clear-after`` seconds (default 15) and replaced by the next one; a terminal
bell rings once per new code (``--no-beep``). When frames keep showing a QR
symbol that cannot be read for ``--hint-after`` seconds (default 3), a hint
asks to hold the code still or closer. ``--jsonl``: one JSON object per
verdict on stdout, without name, date of birth, ID number or payload unless
``--show-personal``; the bell then goes to stderr and there is no banner.
Nothing is written to disk, and nothing goes to the network.

Debounce: a code text is reported once, and again only after it has been out
of sight for ``--debounce`` seconds of *source* time (frame timestamps for a
video, ``index / --fps`` for an image folder, the monotonic clock for a camera).
Clearing and the hint are timed in source time too.

Rules and revocation: ``--policy FILE`` (or ``default``) applies entry rules to
every genuine code, ``--revocation DB`` consults a revocation list, and
``--trust-root PEM`` requires a signed trust list. The verdict is
``cccdqr.decide``: genuine, meets the rules, and (with ``--bind-card``) this
person's.

Card binding (``--bind-card``): staff scan the CCCD card's own QR and the
certificate, in either order, within ``--bind-window`` seconds (default 30); the
reader shows one combined verdict, and a prompt for the other half meanwhile.
A certificate that fails on its own is shown at once (no card can save it).

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
from typing import Any, TextIO

import cccdqr
from cccdqr.cli import common as cli
from cccdqr.cli.checks import Checks, load_checks
from cccdqr.cli.common import SYMBOL, default_lang, parse_time
from cccdqr.core.errors import CccdqrError
from cccdqr.formats import detect
from cccdqr.qr import ScanBackendUnavailable, scan_report

EXIT_OK, EXIT_USAGE = 0, 2
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
STATUS_WORDS = {
    cccdqr.Status.VALID: ("VALID", "HỢP LỆ"),
    cccdqr.Status.INVALID: ("INVALID", "KHÔNG HỢP LỆ"),
    cccdqr.Status.CANNOT_CHECK: ("CANNOT CHECK", "KHÔNG THỂ KIỂM TRA"),
}
STYLE = {cccdqr.Status.VALID: "bold white on green", cccdqr.Status.INVALID: "bold white on red",
         cccdqr.Status.CANNOT_CHECK: "bold black on yellow"}
HINT = {"vi": "Chưa đọc được mã: giữ yên mã QR / đưa lại gần hơn",
        "en": "No code read yet: hold the code still / closer"}
PROMPT_CERTIFICATE = {"vi": "Đã đọc thẻ căn cước: hãy quét chứng nhận",
                      "en": "ID card read: now scan the certificate"}
PROMPT_CARD = {"vi": "Đã đọc chứng nhận: hãy quét mã QR trên thẻ căn cước",
               "en": "Certificate read: now scan the ID card's QR"}
CARD_UNREADABLE = {"vi": "Không đọc được mã QR trên thẻ căn cước",
                   "en": "The ID card's QR cannot be read"}
BELL = "\a"
CLEAR = "\x1b[H\x1b[2J"  # cursor home, erase the screen


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


def verdict_record(decision: cccdqr.Decision, *, frame: Frame, now: dt.datetime,
                   text: str, show_personal: bool = False) -> dict[str, Any]:
    """The JSON-lines object for one verdict: nothing personal unless asked."""
    result = decision.result
    record: dict[str, Any] = {
        "time": now.isoformat(),
        "frame": frame.index,
        "source_time": round(frame.t, 3),
        "status": decision.status.value,
        "reasons": [r.value for r in decision.reasons],
        "warnings": [r.value for r in decision.warnings],
        "format": result.format,
        "kid": result.kid.hex() if result.kid else None,
        "issuer": result.issuer,
    }
    if result.policy is not None:
        record["policy"] = {"passed": result.policy.passed, "passed_by": list(result.policy.passed_by),
                            "failed": [r.rule for r in result.policy.failed]}
    if decision.binding is not None:
        record["binding"] = {"matched": decision.binding.matched,
                             "reasons": [r.value for r in decision.binding.reasons]}
    if show_personal:
        subject = result.certificate.subject if result.certificate is not None else None
        record.update(name=subject.name if subject else None,
                      dob=subject.dob if subject else None,
                      id_number=subject.id_number if subject else None,
                      payload=text)
    return record


def format_verdict(decision: cccdqr.Decision, lang: str = "vi") -> list[str]:
    """Lines for staff: banner (symbol + word), primary reason in both languages,
    and the holder's name and year of birth only when the person may pass."""
    en, vi = STATUS_WORDS[decision.status]
    words = (vi, en) if lang == "vi" else (en, vi)
    lines = [f"{SYMBOL[decision.status]} {words[0]} / {words[1]}"]
    reason = decision.reason
    if reason is not None:
        lines.append(f"  [{reason.value}] {decision.message('vi').split(': ', 1)[-1]}")
        lines.append(f"  {' ' * (len(reason.value) + 2)} {decision.message('en').split(': ', 1)[-1]}")
    if decision.passes and decision.result.certificate is not None:
        s = decision.result.certificate.subject
        lines.append(f"  Họ tên / Name: {s.name}")
        lines.append(f"  Năm sinh / Born: {s.dob[:4]}")
    return lines


def print_verdict(decision: cccdqr.Decision, lang: str, console: Any) -> None:
    lines = format_verdict(decision, lang)
    console.print(f" {lines[0]} ", style=STYLE[decision.status], markup=False)
    for line in lines[1:]:
        console.print(line, markup=False)


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (clearing and the bell make sense)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Screen:
    """What staff see, timed in source seconds: one verdict at a time, cleared after
    ``clear_after`` s; one bell per new code; a hint when a symbol keeps failing to read.

    ``console`` (rich) shows banners, ``None`` for none (``--jsonl``). ``bell`` is
    the stream the bell goes to, ``None`` for no bell. Clearing happens only in a
    terminal (``tty``); in a log or pipe the verdict lines simply stay. Every
    action is also appended to ``events`` as ``(kind, source time)`` with kind
    ``"verdict"``, ``"beep"``, ``"clear"`` or ``"hint"``.
    """

    def __init__(self, *, console: Any | None, lang: str, clear_after: float,
                 hint_after: float, bell: TextIO | None, tty: bool) -> None:
        self.console, self.lang, self.tty, self.bell = console, lang, tty, bell
        self.clear_after, self.hint_after = clear_after, hint_after
        self.events: list[tuple[str, float]] = []
        self._shown_at: float | None = None  # a verdict or hint is on screen since
        self._unread_since: float | None = None  # symbols seen, none read, since
        self._unread_last = 0.0
        self._hinted = False

    def verdict(self, decision: cccdqr.Decision, t: float) -> None:
        """A new code was read (after debounce): ring, replace what is on screen."""
        self._ring(t)
        if self.console is not None:
            self._clear()
            print_verdict(decision, self.lang, self.console)
            self._shown_at = t
        self.events.append(("verdict", t))

    def notice(self, messages: dict[str, str], t: float, *, kind: str = "prompt",
               detail: str = "") -> None:
        """A line for staff in both languages (a prompt for the card or the
        certificate, or an unreadable card), with one bell: a code was read."""
        self._ring(t)
        self.events.append((kind, t))
        if self.console is None:
            return
        self._clear()
        self._shown_at = t
        other = "en" if self.lang == "vi" else "vi"
        self.console.print(f"… {messages[self.lang]}{detail}", markup=False)
        self.console.print(f"  {messages[other]}", markup=False)

    def _ring(self, t: float) -> None:
        if self.bell is not None:
            self.bell.write(BELL)
            self.bell.flush()
            self.events.append(("beep", t))

    def frame(self, t: float, *, read: bool, unread: bool) -> None:
        """After each frame: ``read`` when a code was decoded, ``unread`` when a
        symbol was located but not decoded."""
        if read:
            self._unread_since, self._hinted = None, False
        elif unread:
            if self._unread_since is None or t - self._unread_last > self.hint_after:
                self._unread_since, self._hinted = t, False  # a new attempt
            self._unread_last = t
            if (not self._hinted and self.hint_after > 0
                    and t - self._unread_since >= self.hint_after):
                self._hinted = True
                self._hint(t)
        if (self._shown_at is not None and self.clear_after > 0
                and t - self._shown_at >= self.clear_after):
            self._shown_at = None
            self._clear()
            self.events.append(("clear", t))

    def _hint(self, t: float) -> None:
        self.events.append(("hint", t))
        if self.console is None:
            return
        self._clear()
        self._shown_at = t
        other = "en" if self.lang == "vi" else "vi"
        self.console.print(f"… {HINT[self.lang]}", markup=False)
        self.console.print(f"  {HINT[other]}", markup=False)

    def _clear(self) -> None:
        if self.tty and self.console is not None:
            self.console.file.write(CLEAR)
            self.console.file.flush()


class Pairing:
    """``--bind-card``: a card QR and a certificate, in either order, within
    ``window`` seconds of source time, give one decision.

    ``card`` and ``certificate`` return the decision when the pair is complete,
    else ``None`` (the half is kept for the other). A certificate that fails on
    its own is decided at once: no card can make it pass. A newer half replaces
    an older one of the same kind; a half older than the window is dropped.
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self._card: tuple[cccdqr.CardIdentity, float] | None = None
        self._result: tuple[cccdqr.VerificationResult, float] | None = None

    def _fresh(self, half: tuple[Any, float] | None, t: float) -> Any:
        return half[0] if half is not None and t - half[1] <= self.window else None

    def card(self, card: cccdqr.CardIdentity, t: float) -> cccdqr.Decision | None:
        result = self._fresh(self._result, t)
        if result is None:
            self._card = (card, t)
            return None
        self._card = self._result = None
        return cccdqr.decide(result, cccdqr.bind(card, result.certificate))

    def certificate(self, result: cccdqr.VerificationResult, t: float) -> cccdqr.Decision | None:
        alone = cccdqr.decide(result)
        if not alone.passes or result.certificate is None:
            return alone
        card = self._fresh(self._card, t)
        if card is None:
            self._result = (result, t)
            return None
        self._card = self._result = None
        return cccdqr.decide(result, cccdqr.bind(card, result.certificate))


def is_card_text(text: str) -> bool:
    """Whether a scanned text is (meant to be) a CCCD card QR rather than a certificate."""
    return detect(text) is None and "|" in text


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
    p.add_argument("--trust-root", metavar="PEM",
                   help="root public key: the trust list must be signed by it and in its window")
    p.add_argument("--policy", metavar="TOML",
                   help="entry rules laid over the default, or 'default'; a genuine code that "
                   "fails them is shown as INVALID (POLICY_NOT_MET)")
    p.add_argument("--revocation", metavar="DB", help="revocation list (SQLite) to consult")
    p.add_argument("--bind-card", action="store_true",
                   help="pair each certificate with the holder's CCCD card QR (either order)")
    p.add_argument("--bind-window", type=float, default=30.0, metavar="SECONDS",
                   help="--bind-card: how long one half waits for the other (default 30)")
    p.add_argument("--at", type=parse_time, metavar="TIME",
                   help="fixed verification clock, ISO 8601 (default: the system clock per frame)")
    p.add_argument("--lang", choices=("vi", "en"), default=default_lang(),
                   help="language shown first (default: from the locale)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per verdict on stdout")
    p.add_argument("--show-personal", action="store_true",
                   help="add name, date of birth, ID number and payload to --jsonl lines")
    p.add_argument("--debounce", type=float, default=3.0, metavar="SECONDS",
                   help="report the same code again only after this long unseen (default 3)")
    p.add_argument("--clear-after", type=float, default=15.0, metavar="SECONDS",
                   help="in a terminal, clear the verdict after this long (default 15; 0: never)")
    p.add_argument("--hint-after", type=float, default=3.0, metavar="SECONDS",
                   help="hint 'hold the code still / closer' when a QR symbol has been seen "
                   "but not read for this long (default 3; 0: never)")
    p.add_argument("--no-beep", action="store_true", help="no terminal bell per new code")
    p.add_argument("--fps", type=float, default=1.0,
                   help="--images: frames per second the images stand for (default 1)")
    p.add_argument("--backend", choices=("auto", "zxing", "zbar"), default="auto")
    p.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    return p


Emit = Callable[[cccdqr.Decision, Frame, dt.datetime, str], None]


def run(args: argparse.Namespace, frames: Iterator[Frame], checks: Checks, emit: Emit,
        stats: dict[str, Any], screen: Screen | None = None) -> None:
    debounce = Debouncer(args.debounce)
    pairing = Pairing(args.bind_window) if args.bind_card else None
    for frame in frames:
        if args.max_frames is not None and stats["frames"] >= args.max_frames:
            return
        stats["frames"] += 1
        report = scan_report(frame.image, backend=args.backend)
        for code in report.codes:
            stats["codes"] += 1
            if not debounce.accept(code.text, frame.t):
                continue
            now = args.at or dt.datetime.now(dt.timezone.utc)
            decision = _decide(code.text, frame, now, checks, pairing, screen, args)
            if decision is not None:
                stats["verdicts"][decision.status] += 1
                emit(decision, frame, now, code.text)
        if screen is not None:
            screen.frame(frame.t, read=bool(report.codes), unread=bool(report.undecoded))


def _decide(text: str, frame: Frame, now: dt.datetime, checks: Checks, pairing: Pairing | None,
            screen: Screen | None, args: argparse.Namespace) -> cccdqr.Decision | None:
    """The decision for one new code, or ``None`` while a card/certificate pair is incomplete."""
    if pairing is not None and is_card_text(text):
        try:
            card = cccdqr.parse_card_qr(text)
        except cccdqr.InvalidCardQR as exc:
            if screen is not None:
                screen.notice(CARD_UNREADABLE, frame.t, kind="card_error", detail=f" [{exc.reason.value}]")
            if args.jsonl:
                print(json.dumps({"frame": frame.index, "event": "card_error",
                                  "reasons": [exc.reason.value]}), flush=True)
            return None
        decision = pairing.card(card, frame.t)
        if decision is None and screen is not None:
            screen.notice(PROMPT_CERTIFICATE, frame.t)
        return decision
    result = cccdqr.verify(text, checks.trust, now=now, policy=checks.policy,
                           revocation=checks.revocation, skew=checks.skew)
    if pairing is None:
        return cccdqr.decide(result)
    decision = pairing.certificate(result, frame.t)
    if decision is None and screen is not None:
        screen.notice(PROMPT_CARD, frame.t)
    return decision


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.debounce < 0 or args.fps <= 0 or args.clear_after < 0 or args.hint_after < 0
            or args.bind_window <= 0):
        build_parser().error("--debounce, --clear-after and --hint-after must be >= 0, "
                             "--fps and --bind-window > 0")
    from rich.console import Console

    screen_stream = sys.stderr if args.jsonl else sys.stdout
    screen = Screen(
        console=None if args.jsonl else Console(highlight=False, soft_wrap=True),
        lang=args.lang, clear_after=args.clear_after, hint_after=args.hint_after,
        bell=None if args.no_beep or not is_terminal(screen_stream) else screen_stream,
        tty=is_terminal(sys.stdout))
    stats: dict[str, Any] = {"frames": 0, "codes": 0, "verdicts": Counter()}

    def emit(decision: cccdqr.Decision, frame: Frame, now: dt.datetime, text: str) -> None:
        if args.jsonl:
            record = verdict_record(decision, frame=frame, now=now, text=text,
                                    show_personal=args.show_personal)
            print(json.dumps(record, ensure_ascii=False), flush=True)
        screen.verdict(decision, frame.t)

    checks: Checks | None = None
    try:
        try:
            checks = load_checks(args)
        except (cli.UsageError, CccdqrError) as exc:  # TrustUnusable is a CccdqrError
            raise UsageError(str(exc)) from None
        run(args, frames_for(args), checks, emit, stats, screen)
    except UsageError as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ScanBackendUnavailable as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    finally:
        if checks is not None:
            checks.close()
    sys.stdout.flush()
    print(summary_line(stats["frames"], stats["codes"], stats["verdicts"]), file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
