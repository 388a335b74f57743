"""The ``cccdqr`` command: the parser, assembled from one module per command group,
and ``main``, which runs a command and turns errors into exit codes.

Exit codes: 0 valid · 1 invalid (rejected) · 2 usage error or unreadable input ·
3 cannot check (unknown issuer or key, missing trust data).

A command group is a module with ``register(commands)``; it builds its parser
beside its code and sets ``run`` to the function that does the work. Add a new
group to :data:`COMMAND_GROUPS`, in the order ``cccdqr --help`` lists it.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from typing import NoReturn
from collections.abc import Sequence

from cccdqr.cli import batch, demo, issue, keys, qr, revoke, rules, serve, trust, verify
from cccdqr.cli.common import (
    EPILOG,
    EXIT_CANNOT_CHECK,
    EXIT_USAGE,
    TrustUnusable,
    UsageError,
    console,
)
from cccdqr.core.errors import CccdqrError

COMMAND_GROUPS = (keys, issue, verify, trust, revoke, rules, qr, batch, serve, demo)
"""The modules whose ``register`` adds the subcommands, in help order."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cccdqr", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Issue and verify signed QR health certificates bound to the CCCD.")
    p.add_argument("--version", action="version", version=f"cccdqr {version('cccdqr')}")
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return p


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
    except UsageError as exc:
        console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_USAGE
    except TrustUnusable as exc:  # trust data stale or not authentic: not the holder's fault
        console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_CANNOT_CHECK
    except CccdqrError as exc:  # e.g. a certificate that cannot be issued
        console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
