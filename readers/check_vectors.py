"""Check test vectors: decode each one, verify at the vector's clock, compare.

    python readers/check_vectors.py [-v | -vv] [--all] [FOLDER ...]

With no folder (or with ``--all``) it runs the repository's ``vectors/`` and the
shared EU DCC and SMART Health Card sets when they are present
(``../shared/vectors/``, or wherever ``CCCDQR_SHARED`` says). A folder's kind is
detected from its contents:

- ours (has ``trust.json``): per case ``<name>.json`` (the expectation),
  ``<name>.txt``, ``<name>.png`` and maybe ``<name>.camera.jpg``. Every image is
  scanned (``cccdqr.qr.scan``, ``auto``) and must give the ``.txt``; then
  ``verify`` at the case's clock must give the expected status and primary
  reason. A case marked ``"png": false`` is checked from its ``.txt``.
- EU DCC (``<CC>/*.json`` with ``TESTCTX``): each EXPECTED* stage the vector
  sets, run as ``vectors/external/eu_dcc.py`` says (the ``2DCODE`` PNG scanned to
  ``PREFIX``, then ``verify(PREFIX)`` trusting TESTCTX.CERTIFICATE at
  VALIDATIONCLOCK, ...). A stage listed in
  ``vectors/external/eu-dcc-disagreements.md`` is a known disagreement.
- SMART Health Cards (has ``MANIFEST.tsv`` and ``issuer-jwks.json``): every file
  in the tables of ``vectors/external/shc.py`` (text, ``.smart-health-card``
  files, QR images scanned, chunk sets, payloads, key sets) against our verdict;
  where that verdict differs from the SDK's for a listed reason it is a known
  disagreement.

Prints one line per set (cases, checks, ok, known disagreements, mismatches)
and a table of the mismatches (``-v``: and the known disagreements with their
reasons; ``-vv``: every check). Exits 1 on any mismatch: a check that fails, or
a listed disagreement that no longer disagrees; 0 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # for vectors.external

import cccdqr  # noqa: E402
from cccdqr.qr import scan  # noqa: E402
from vectors.external import eu_dcc, shc  # noqa: E402

DEFAULT_FOLDER = ROOT / "vectors"

OK, KNOWN, MISMATCH = "ok", "known", "mismatch"


@dataclass(frozen=True)
class Check:
    """One comparison: what a case should give and what cccdqr gave."""

    folder: str
    case: str
    source: str
    """The file the input came from (an image, a .txt, ...) or the EU DCC stage."""
    expected: str
    got: str
    status: str = OK
    """``ok``, ``known`` (a listed, reasoned disagreement) or ``mismatch``."""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class SetReport:
    """Every check of one folder, and the per-set counts."""

    kind: str
    folder: Path
    checks: list[Check] = field(default_factory=list)
    cases: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)

    def line(self) -> str:
        return (f"{self.kind} ({_shown(self.folder)}): {self.cases} cases, {len(self.checks)} checks, "
                f"{self.count(OK)} ok, {self.count(KNOWN)} known disagreements, "
                f"{self.count(MISMATCH)} mismatches")


def _shown(folder: Path) -> str:
    """``folder`` relative to the working directory when it is near (inside it
    or one level up), else absolute."""
    try:
        relative = os.path.relpath(folder)
    except ValueError:  # another drive
        return str(folder)
    return relative if not relative.startswith(os.path.join("..", "..")) else str(folder.resolve())


# --- ours: vectors/ ---------------------------------------------------------------

def _fmt(status: str, reasons: list[str]) -> str:
    return status + (f" {reasons[0]}" if reasons else "")


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep CR/LF as written
        return f.read()


def check_folder(folder: Path) -> list[Check]:
    """Every check for our vectors in ``folder`` (the shape of ``vectors/``)."""
    return check_ours(Path(folder)).checks


def check_ours(folder: Path) -> SetReport:
    report = SetReport("VN1", folder)
    trust = cccdqr.TrustStore.load(folder / "trust.json")
    for path in sorted(folder.glob("*.json")):
        if path.name == "trust.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        name = doc["name"]
        report.cases += 1
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

        def add(label: str, got: str, ok: bool, note: str = "", name: str = name,
                expected: str = expected) -> None:
            report.checks.append(Check(folder.name, name, label, expected, got,
                                       OK if ok else MISMATCH, note))

        for source in sources:
            if source.suffix == ".txt":
                texts = [reference]
            else:
                if not source.exists():
                    add(source.name, "missing file", False)
                    continue
                texts = [code.text for code in scan(source, backend="auto")]
                if len(texts) != 1:
                    add(source.name, f"{len(texts)} codes found", False)
                    continue
            if texts[0] != reference:
                add(source.name, "decoded text differs from .txt", False)
                continue
            result = cccdqr.verify(texts[0], trust, now=now)
            reasons = [r.value for r in result.reasons]
            ok = (result.status.value == want["status"]
                  and result.valid == want["valid"]
                  and reasons[:1] == want_reasons[:1])
            add(source.name, _fmt(result.status.value, reasons), ok, "" if ok else result.detail)
    return report


# --- EU DCC ------------------------------------------------------------------------

def _passes(flag: bool) -> str:
    return "passes" if flag else "fails"


def check_eu_dcc(folder: Path) -> SetReport:
    report = SetReport("EU DCC", folder)
    listed = eu_dcc.listed_disagreements()
    outcomes: eu_dcc.Outcomes = {}
    for path in eu_dcc.vector_files(folder):
        report.cases += 1
        name = eu_dcc.vector_name(path)
        try:
            vector = eu_dcc.Vector(path)
            outcomes[name] = (vector.expected, vector.outcomes())
        except AssertionError as e:  # eu_dcc.Inconsistent: cccdqr contradicts itself
            report.checks.append(Check(folder.name, name, "vector", "consistent",
                                       "inconsistent", MISMATCH, str(e)))
    found = eu_dcc.compare(outcomes, listed)
    for name, (expected, ours) in outcomes.items():
        for stage, got in ours.items():
            want = expected[stage]
            if got == want:
                status, note = OK, ""
            elif (name, stage) in listed:
                status, note = KNOWN, listed[(name, stage)]
            else:
                status, note = MISMATCH, f"not listed in {eu_dcc.DISAGREEMENTS.name}"
            report.checks.append(Check(folder.name, name, stage, _passes(want), _passes(got),
                                       status, note))
    for name, stage in found.stale:
        if name in outcomes:  # a vector of this folder: its listing is out of date
            report.checks.append(Check(folder.name, name, stage, "a disagreement",
                                       "agrees", MISMATCH,
                                       f"listed in {eu_dcc.DISAGREEMENTS.name}: remove it"))
    return report


# --- SMART Health Cards --------------------------------------------------------------

def _verdict(reason: cccdqr.Reason | None) -> str:
    return "VALID" if reason is None else reason.value


def check_shc(folder: Path) -> SetReport:
    report = SetReport("SMART Health Cards", folder)
    rows = shc.manifest(folder)
    kinds = {path: kind for path, kind, _ in rows}
    sdk = {path: verdict for path, _, verdict in rows}
    matched: set[tuple[str, str]] = set()

    def add(path: str, source: str, expected: cccdqr.Reason | int | None, got: str,
            ours_ok: bool, matches: bool, note: str = "") -> None:
        want = str(expected) if isinstance(expected, int) else _verdict(expected)
        status = OK if matches else MISMATCH
        if matches and shc.differs_from_sdk(path, ours_ok, sdk.get(path, "support")):
            difference = shc.sdk_difference(path)
            if difference is None:
                status, note = MISMATCH, f"differs from the SDK's {sdk[path]!r}, no reason listed"
            else:
                matched.add(difference)
                status, note = KNOWN, f"SDK: {sdk[path]}; {difference[1]}"
        report.checks.append(Check(folder.name, path, source, want, got, status, note))

    def guarded(path: str, expected: cccdqr.Reason | int | None,
                run: Callable[[], None]) -> None:
        report.cases += 1
        try:
            run()
        except (OSError, ValueError, KeyError, AssertionError) as e:
            add(path, path.rsplit("/", 1)[-1], expected, type(e).__name__, False, False, str(e))

    for path, expected in shc.SIGNED.items():
        def signed(path: str = path, expected: cccdqr.Reason | None = expected) -> None:
            trust = shc.trust_for(path, folder)
            for given in shc.inputs(path, kinds[path], folder):
                result = cccdqr.verify(given, trust, now=shc.NOW)
                source = "chunk set" if " " in path else path.rsplit("/", 1)[-1]
                add(path, source, expected, _fmt(result.status.value,
                                                 [r.value for r in result.reasons]),
                    expected is None, shc.matches(result, expected), result.detail)
        guarded(path, expected, signed)
    for path, expected in shc.UNSIGNED.items():
        def unsigned(path: str = path, expected: cccdqr.Reason | None = expected) -> None:
            got = shc.unsigned_outcome(path, kinds[path], folder)
            add(path, path.rsplit("/", 1)[-1], expected, _verdict(got), expected is None,
                got is expected)
        guarded(path, expected, unsigned)
    for path, count in shc.KEYSETS.items():
        def keyset(path: str = path, count: int | None = count) -> None:
            try:
                got: int | None = len(shc.load_keyset(path, folder))
                shown = f"{got} keys"
            except cccdqr.TrustListError as e:
                got, shown = None, f"refused ({e})"
            add(path, path.rsplit("/", 1)[-1], count, shown, count is not None, got == count)
        guarded(path, count, keyset)
    for pattern, why in shc.SDK_DIFFERENCES:
        if (pattern, why) not in matched:
            report.checks.append(Check(folder.name, pattern, "SDK_DIFFERENCES", "a difference",
                                       "none", MISMATCH, "listed but no file differs: remove it"))
    handled = set(shc.SIGNED) | set(shc.UNSIGNED) | set(shc.KEYSETS)
    skipped = [kind for path, kind, _ in rows if path not in handled]
    if skipped:
        kinds_skipped = ", ".join(sorted(set(skipped)))
        report.notes.append(f"{len(skipped)} manifest files not verified ({kinds_skipped}): "
                            "see NOT_VERIFIED in vectors/external/shc.py")
    return report


# --- the script ------------------------------------------------------------------------

def kind_of(folder: Path) -> Callable[[Path], SetReport]:
    """The checker for a folder, from what it holds."""
    if (folder / "trust.json").is_file():
        return check_ours
    if shc.is_shc_folder(folder):
        return check_shc
    if eu_dcc.is_eu_dcc_folder(folder):
        return check_eu_dcc
    raise ValueError(f"{folder}: not a vector folder (no trust.json, MANIFEST.tsv + "
                     "issuer-jwks.json, or <CC>/*.json with TESTCTX)")


def default_folders() -> tuple[list[Path], list[str]]:
    """Ours and the shared sets that are present; a note for each that is not."""
    folders, missing = [DEFAULT_FOLDER], []
    for folder in (eu_dcc.FOLDER, shc.FOLDER):
        if folder.is_dir():
            folders.append(folder)
        else:
            missing.append(f"not found, skipped: {folder} (set CCCDQR_SHARED)")
    return folders, missing


def run(folders: list[Path]) -> list[SetReport]:
    return [kind_of(folder)(folder) for folder in folders]


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(prog="check_vectors.py", description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, metavar="FOLDER",
                        help="vector folders (ours, EU DCC or SMART Health Cards)")
    parser.add_argument("--all", action="store_true",
                        help="ours and the shared EU DCC and SHC sets (the default)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="-v: also list known disagreements; -vv: every check")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    folders: list[Path] = list(args.folders)
    notes: list[str] = []
    if args.all or not folders:
        defaults, notes = default_folders()
        folders = defaults + [f for f in folders if f.resolve() not in
                              {d.resolve() for d in defaults}]
    for folder in folders:
        try:
            kind_of(folder)
        except ValueError as e:
            parser.error(str(e))

    console = Console(highlight=False, soft_wrap=True)
    started = time.perf_counter()
    reports = run(folders)
    elapsed = time.perf_counter() - started
    shown = {0: {MISMATCH}, 1: {MISMATCH, KNOWN}}.get(args.verbose, {OK, KNOWN, MISMATCH})
    rows = [(r, c) for r in reports for c in r.checks if c.status in shown]
    if rows:
        table = Table(title="cccdqr test vectors")
        for column in ("", "set", "case", "file / stage", "expected", "got", "note"):
            table.add_column(column, overflow="fold")
        marks = {OK: "✔ ok", KNOWN: "~ known", MISMATCH: "✘ MISMATCH"}
        for report, c in rows:
            note = c.note if len(c.note) <= 72 else c.note[:71] + "…"  # in full: the list
            table.add_row(marks[c.status], report.kind, c.case, c.source, c.expected, c.got,
                          note, style="bold red" if c.status == MISMATCH else None)
        console.print(table, soft_wrap=False)
    for report in reports:
        bad = report.count(MISMATCH)
        console.print(report.line(), style="bold red" if bad else "green")
        for note in report.notes:
            console.print(f"  {note}", style="dim")
    for note in notes:
        console.print(note, style="yellow")
    bad = sum(r.count(MISMATCH) for r in reports)
    checks = sum(len(r.checks) for r in reports)
    console.print(f"{len(reports)} set(s), {checks} checks in {elapsed:.1f} s: "
                  + ("no mismatch" if not bad else f"{bad} mismatch(es)"),
                  style="bold green" if not bad else "bold red")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
