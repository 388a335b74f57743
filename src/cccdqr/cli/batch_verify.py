"""``cccdqr batch verify INPUT --trust T [--policy P] [--revocation R] --out DIR``.

Verifies every row of a codes file or an image folder on all cores (the rules
for rows, files and exit codes are in :mod:`cccdqr.batch.verify`), then prints
counts per status and per primary reason: a table, or the summary as JSON.

May import the library's layers and ``cli.common`` / ``cli.checks``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cccdqr.batch.inputs import InputError
from cccdqr.batch.verify import BatchInputError, Summary, run
from cccdqr.cli.checks import load_checks
from cccdqr.cli.common import STYLE, UsageError, add_clock, add_command, console, current_time
from cccdqr.core._json import document_text
from cccdqr.core.reasons import Reason, Status

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def _run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 0:
        raise UsageError("--workers must be 0 (all cores) or more")
    checks = load_checks(args)
    try:
        summary = run(args.input, checks.trust, out=args.out, now=current_time(args),
                      workers=args.workers if args.workers is not None else 0,
                      policy=checks.policy, revocation=checks.revocation, skew=checks.skew)
    except (BatchInputError, InputError) as exc:
        raise UsageError(f"cannot read {args.input}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {args.input} or write {args.out}: {exc}") from None
    finally:
        checks.close()
    if args.json:
        print(document_text(summary.to_dict()))
    else:
        _print_table(summary, args.lang)
    return summary.exit_code


def _print_table(summary: Summary, lang: str) -> None:
    from rich.table import Table

    table = Table(title=f"{summary.rows:,} rows", title_justify="left")
    table.add_column("status / primary reason")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for status in Status:
        n = summary.statuses[status.value]
        table.add_row(f"[{STYLE[status]}] {status.value} [/]", f"{n:,}", f"{n / summary.rows:.1%}")
    for value, n in summary.primary_reasons.most_common():
        reason = Reason(value)
        table.add_row(f"  {value}: {reason.message('vi' if lang == 'vi' else 'en')}", f"{n:,}",
                      f"{n / summary.rows:.1%}")
    console().print(table)


def register(commands: Commands) -> None:
    c = add_command(commands, "verify", "verify every code of a file or image folder on all cores")
    c.add_argument("input", metavar="INPUT",
                   help="codes.jsonl, a CSV/JSONL/Parquet file with a 'text' column, or a folder of "
                        "PNG/JPEG images")
    c.add_argument("--trust", required=True, metavar="JSON")
    c.add_argument("--trust-root", metavar="PEM",
                   help="root public key: the trust list must be signed by it and in its window")
    c.add_argument("--policy", metavar="TOML",
                   help="entry rules: a TOML file laid over the default, or 'default'")
    c.add_argument("--revocation", metavar="DB", help="revocation list (SQLite) to consult")
    c.add_argument("--out", required=True, metavar="DIR",
                   help="writes DIR/verdicts.jsonl (row, status, reasons) and DIR/summary.json")
    c.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default and 0: every core)")
    c.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_clock(c)
    c.set_defaults(run=_run)
