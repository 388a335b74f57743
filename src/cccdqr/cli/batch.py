"""``cccdqr batch``: the command group for streamed batches (issue, verify).

Each subcommand builds its parser beside its code, in ``batch_issue`` and
``batch_verify``; this module only groups them under ``batch``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cccdqr.cli import batch_issue, batch_verify

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def register(commands: Commands) -> None:
    c = commands.add_parser("batch", help="issue or verify a whole file of certificates on all cores",
                            description="Issue or verify a whole file of certificates on all cores.")
    sub = c.add_subparsers(dest="batch_command", required=True, metavar="SUBCOMMAND")
    batch_issue.register(sub)
    batch_verify.register(sub)
