"""``cccdqr batch verify``: (being built)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cccdqr.cli.common import add_command

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("cccdqr batch verify: not built yet")


def register(commands: Commands) -> None:
    c = add_command(commands, "verify", "verify a batch (being built)")
    c.set_defaults(run=_run)
