"""``cccdqr batch issue INPUT (--key PEM | --pkcs11 URI) --out DIR``.

Issues every row of a CSV, JSON Lines or Parquet file on all cores (or a Dask
cluster), resumable (:mod:`cccdqr.batch.issue`, :mod:`cccdqr.batch.journal`).
This module is the edge: it reads the clock and the flags, shows a progress bar
on a terminal, turns SIGTERM into a clean stop like Ctrl-C, and prints the summary.

May import the library's layers and ``cli.common`` / ``cli._signing``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cccdqr.batch.images import PDF_SIZES, RENDERERS, ImageOptions
from cccdqr.batch.issue import DEFAULT_CHUNK, BatchSummary, IssueSettings, KeySource, run
from cccdqr.cli._signing import add_signer_options, token_spec, uses_token
from cccdqr.cli.common import EXIT_VALID, UsageError, add_clock, add_command, console, current_time
from cccdqr.core._json import document_text

if TYPE_CHECKING:
    from cccdqr.batch.runner import Runner
    from cccdqr.cli.common import Commands


class _Stopped(Exception):
    """SIGTERM arrived: stop as Ctrl-C does."""


def _key_source(args: argparse.Namespace) -> KeySource:
    if uses_token(args, pem=args.key):
        return KeySource(token=token_spec(args))
    return KeySource(key_file=str(Path(args.key).resolve()))


def _settings(args: argparse.Namespace) -> IssueSettings:
    if args.format == "HC1" and not args.certificate:
        raise UsageError("--format HC1 needs --certificate (the key's signer certificate)")
    if args.format == "VN1" and (args.certificate or args.authority):
        raise UsageError("--certificate and --authority are for --format HC1")
    if not 1 <= args.valid_days <= 36500:
        raise UsageError("--valid-days must be 1 to 36500")
    images = ImageOptions(png=args.png, svg=args.svg, pdf=args.pdf, renderer=args.renderer,
                          issuer=args.issuer)
    return IssueSettings(now=current_time(args), format=args.format, issuer=args.issuer,
                         certificate_file=(str(Path(args.certificate).resolve())
                                           if args.certificate else None),
                         authority=args.authority, valid_for=dt.timedelta(days=args.valid_days),
                         images=images)


def _runner(args: argparse.Namespace) -> Callable[..., Runner]:
    if args.workers < 0:
        raise UsageError("--workers must be 0 (every core) or more")
    if args.dask:
        from cccdqr.batch.dask import DaskRunner
        from cccdqr.engine.pool import default_workers

        return functools.partial(DaskRunner.from_option, args.dask,
                                 args.workers or default_workers())
    from cccdqr.batch.runner import LocalRunner

    return functools.partial(LocalRunner, args.workers or None)


def _row_estimate(path: str) -> int | None:
    """About how many rows ``path`` holds, for the bar's ETA (lines, or Parquet's count)."""
    try:
        if path.lower().endswith(".parquet"):
            import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

            rows: int = pq.ParquetFile(path).metadata.num_rows
            return rows
        lines = 0
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                lines += block.count(b"\n")
        return max(0, lines - 1) if path.lower().endswith(".csv") else lines
    except Exception:  # noqa: BLE001  # only a bar's total: reading errors are reported by the batch
        return None


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[Callable[[int], None] | None]:
    """A rich bar (rows, rows/s, ETA) when standard output is a terminal and not --json."""
    if args.json or not sys.stdout.isatty():
        yield None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn,
                               TextColumn, TimeRemainingColumn)

    columns = (TextColumn("[bold]issue"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rate]}"),
               TimeRemainingColumn())
    with Progress(*columns, console=console()) as bar:
        task = bar.add_task("issue", total=_row_estimate(args.input), rate="")

        def update(rows: int) -> None:
            bar.update(task, completed=rows)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f} rows/s" if speed else "")

        yield update


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Stopped


def _print_summary(summary: BatchSummary, out: str) -> None:
    c = console()
    if summary.already_complete:
        c.print(f"{out} is already complete: nothing to do.")
    c.print(f"{summary.rows:,} rows: [green]{summary.issued:,} issued[/], "
            f"[red]{summary.rejected:,} rejected[/]"
            + (f" ({summary.rows_this_run:,} in {summary.elapsed_s:.2f} s, "
               f"{summary.rows_per_s:,.0f} rows/s on {summary.workers} "
               f"worker{'s' if summary.workers != 1 else ''})" if summary.rows_this_run else ""))
    for reason, n in summary.rejects_by_reason.items():
        c.print(f"  {reason}: {n:,}")
    c.print(f"codes: {out}/codes.jsonl  rejects: {out}/rejects.jsonl")


def _run(args: argparse.Namespace) -> int:
    source, settings, runner = _key_source(args), _settings(args), _runner(args)
    if args.chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with _progress(args) as on_progress:
            summary = run(args.input, out=args.out, source=source, settings=settings,
                          runner=runner, chunk_size=args.chunk_size, on_progress=on_progress)
    except (KeyboardInterrupt, _Stopped) as exc:
        name = "SIGTERM" if isinstance(exc, _Stopped) else "Ctrl-C"
        console(stderr=True).print(f"cccdqr: stopped by {name}; every finished chunk is kept. "
                                   "Run the same command again to resume.", style="yellow")
        return 128 + (signal.SIGTERM if isinstance(exc, _Stopped) else signal.SIGINT)
    except OSError as exc:
        raise UsageError(f"cannot read {args.input} or write {args.out}: {exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.json:
        print(document_text(dict(summary.to_dict(), already_complete=summary.already_complete)))
    else:
        _print_summary(summary, args.out)
    return EXIT_VALID


def register(commands: Commands) -> None:
    c = add_command(commands, "issue", "issue every row of a CSV, JSON Lines or Parquet file, "
                                       "on all cores, resumable")
    c.add_argument("input", metavar="INPUT", help="rows to issue: .csv, .jsonl/.ndjson or .parquet "
                                                  "(columns: see docs/batch.md)")
    c.add_argument("--out", required=True, metavar="DIR",
                   help="writes DIR/codes.jsonl, DIR/rejects.jsonl, DIR/summary.json (and images)")
    add_signer_options(c, hc1="EU DCCs, one event per row")
    c.add_argument("--valid-days", type=int, default=365,
                   help="validity of each code, unless its row has valid-for (default 365)")
    g = c.add_argument_group("images (sharded by row number: DIR/png/000/000123.png)")
    g.add_argument("--png", action="store_true", help="a PNG of each code")
    g.add_argument("--svg", action="store_true", help="an SVG of each code")
    g.add_argument("--pdf", nargs="?", const="A6", choices=PDF_SIZES, default=None,
                   help="a printable bilingual certificate per row (A6 by default, or A4)")
    g.add_argument("--renderer", choices=RENDERERS, default="fast",
                   help="QR renderer for PNG/SVG: fast (default) or segno (the reference)")
    c.add_argument("--workers", type=int, default=0, metavar="N",
                   help="worker processes (default and 0: every core)")
    c.add_argument("--dask", metavar="local|tcp://HOST:PORT",
                   help="run the chunks on Dask: a LocalCluster of --workers processes, or an "
                        "existing scheduler")
    c.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, metavar="ROWS",
                   help=f"rows per chunk, the unit of work and of resuming (default {DEFAULT_CHUNK})")
    c.add_argument("--json", action="store_true", help="print the summary as JSON (and no bar)")
    add_clock(c)
    c.set_defaults(run=_run)
