"""Check test vectors: scan each image, verify at the vector's clock, compare.

    python readers/check_vectors.py [FOLDER ...]

Each folder (default: the repository's vectors/) holds trust.json and, per case,
<name>.json (the expectation), <name>.txt (the text), <name>.png and optionally
<name>.camera.jpg. Every image is decoded with cccdqr.qr.scan; a case marked
"png": false (too long for any QR code) is checked from its .txt. The decoded
text must equal the .txt, and verify() must give the expected status and primary
reason. Prints a table and a summary; exits 1 on any mismatch, 0 otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cccdqr
from cccdqr.qr import scan

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "vectors"


@dataclass(frozen=True)
class Check:
    folder: str
    case: str
    source: str
    """The file the text came from: an image, or the .txt for png: false."""
    expected: str
    got: str
    ok: bool
    note: str = ""


def _fmt(status: str, reasons: list[str]) -> str:
    return status + (f" {reasons[0]}" if reasons else "")


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep CR/LF as written
        return f.read()


def check_folder(folder: Path) -> list[Check]:
    """Every check for the vectors in ``folder``."""
    folder = Path(folder)
    trust = cccdqr.TrustStore.load(folder / "trust.json")
    out: list[Check] = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "trust.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        name = doc["name"]
        now = dt.datetime.fromisoformat(doc["now"].replace("Z", "+00:00"))
        want = doc["expected"]
        want_reasons = list(want["reasons"])
        expected = _fmt(want["status"], want_reasons)
        text_file = folder / f"{name}.txt"
        reference = _read_text(text_file)
        sources: list[Path] = []
        if doc.get("png", True):
            sources.append(folder / f"{name}.png")
        camera = folder / f"{name}.camera.jpg"
        if camera.exists():
            sources.append(camera)
        if not sources:
            sources.append(text_file)
        for source in sources:
            label = source.name
            if source.suffix == ".txt":
                texts = [reference]
            else:
                if not source.exists():
                    out.append(Check(folder.name, name, label, expected, "missing file", False))
                    continue
                texts = [code.text for code in scan(source, backend="auto")]
                if len(texts) != 1:
                    out.append(Check(folder.name, name, label, expected,
                                     f"{len(texts)} codes found", False))
                    continue
            text = texts[0]
            if text != reference:
                out.append(Check(folder.name, name, label, expected,
                                 "decoded text differs from .txt", False))
                continue
            result = cccdqr.verify(text, trust, now=now)
            reasons = [r.value for r in result.reasons]
            ok = (result.status.value == want["status"]
                  and result.valid == want["valid"]
                  and reasons[:1] == want_reasons[:1])
            out.append(Check(folder.name, name, label, expected,
                             _fmt(result.status.value, reasons), ok,
                             "" if ok else result.detail))
    return out


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    args = sys.argv[1:] if argv is None else argv
    folders = [Path(a) for a in args] or [DEFAULT_FOLDER]
    console = Console(highlight=False)
    started = time.perf_counter()
    checks: list[Check] = []
    for folder in folders:
        checks += check_folder(folder)
    elapsed = time.perf_counter() - started
    table = Table(title="cccdqr test vectors")
    for column in ("", "case", "file", "expected", "got"):
        table.add_column(column, overflow="fold")
    for c in checks:
        table.add_row("✔ ok" if c.ok else "✘ MISMATCH", c.case, c.source, c.expected,
                      c.got + (f" ({c.note})" if c.note else ""),
                      style=None if c.ok else "bold red")
    console.print(table)
    bad = sum(not c.ok for c in checks)
    cases = len({(c.folder, c.case) for c in checks})
    console.print(f"{len(checks)} checks over {cases} cases in {elapsed:.1f} s: "
                  f"{len(checks) - bad} ok, {bad} mismatch(es)",
                  style="bold green" if not bad else "bold red")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
