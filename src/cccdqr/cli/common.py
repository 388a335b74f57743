"""What every ``cccdqr`` command shares: exit codes, errors, the clock, reading
input and the trust list, and the parser pieces each command group builds with.

May import the library's layers below the CLI; imports no other cli module.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import locale
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cccdqr.core import specs
from cccdqr.core.errors import CccdqrError
from cccdqr.core.reasons import Lang, Status
from cccdqr.trust.store import SIGNED_TRUST_LIST_FORMAT, TrustStore

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
    """What a command group's ``register(commands)`` adds its subcommands to."""

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_CANNOT_CHECK = 0, 1, 2, 3


EXIT_FOR_STATUS = {Status.VALID: EXIT_VALID, Status.INVALID: EXIT_INVALID,
                   Status.CANNOT_CHECK: EXIT_CANNOT_CHECK}


SYMBOL = {Status.VALID: "✔", Status.INVALID: "✘", Status.CANNOT_CHECK: "?"}


STYLE = {Status.VALID: "bold white on green", Status.INVALID: "bold white on red",
         Status.CANNOT_CHECK: "bold black on yellow"}


EPILOG = """exit codes: 0 valid, 1 invalid (rejected), 2 usage error or unreadable input,
3 cannot check (unknown issuer or key, missing trust data)"""



class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2."""



class TrustUnusable(CccdqrError):
    """A signed trust list failed its root signature or window: exit 3, cannot check."""



def default_lang() -> Lang:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    loc = locale.getlocale()[0] or ""
    return "vi" if loc.lower().startswith("vi") else "en"



def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)



def parse_time(value: str) -> dt.datetime:
    """``argparse`` ``type=`` for a time: :func:`cccdqr.core.specs.parse_time`."""
    try:
        return specs.parse_time(value)
    except specs.SpecError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None



def parse_date(value: str) -> dt.date:
    """``argparse`` ``type=`` for a date: :func:`cccdqr.core.specs.parse_date`."""
    try:
        return specs.parse_date(value)
    except specs.SpecError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None



def current_time(args: argparse.Namespace) -> dt.datetime:
    # The CLI is an edge: the only place the system clock is read.
    if args.at is not None:
        at: dt.datetime = args.at
        return at
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)



def read_input(args: argparse.Namespace) -> str:
    if getattr(args, "file", None):
        try:
            return Path(args.file).read_bytes().decode("utf-8", errors="surrogateescape")
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    if args.text is None or args.text == "-":
        return sys.stdin.read()
    text: str = args.text
    return text



def read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None



def load_trust(path: str | None, *, missing_ok: bool = False,
                args: argparse.Namespace | None = None) -> TrustStore:
    """The trust list at ``path``. A signed list needs ``--trust-root`` (and is
    checked at the command's clock); with ``--trust-root`` an unsigned list is refused."""
    if path is None:
        raise UsageError("--trust FILE is required")
    if missing_ok and not Path(path).exists():
        return TrustStore()
    data = read_bytes(path)
    root = getattr(args, "trust_root", None) if args is not None else None
    signed = SIGNED_TRUST_LIST_FORMAT.encode() in data[:200]
    if signed and root is None:
        raise UsageError(f"{path} is a signed trust list: give its root key with --trust-root")
    try:
        if root is not None:
            assert args is not None
            return TrustStore.parse_signed(data, read_bytes(root), now=current_time(args))
        return TrustStore.parse_json(data)
    except CccdqrError as exc:
        if root is not None:
            raise TrustUnusable(f"trust list {path} refused: {exc}") from None
        raise UsageError(f"bad trust list {path}: {exc}") from None



def kid_arg(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise UsageError(f"kid must be hex or base64: {value!r}") from None



# --- parser pieces ------------------------------------------------------------------------

def add_command(commands: Commands, name: str, help: str) -> argparse.ArgumentParser:
    """A subcommand with the shared epilog (exit codes) and ``--lang``."""
    c = commands.add_parser(name, help=help, description=help, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--lang", choices=("vi", "en"), default=default_lang(),
                   help="language of messages (default: from the locale)")
    return c


def add_clock(c: argparse.ArgumentParser) -> None:
    """``--at TIME``: the command's clock (see :func:`current_time`)."""
    c.add_argument("--at", type=parse_time, metavar="TIME",
                   help="the clock to use, ISO 8601 (default: now); naive times are UTC")


def add_text_input(c: argparse.ArgumentParser) -> None:
    """The scanned text: an argument, ``--file`` or standard input (see :func:`read_input`)."""
    c.add_argument("text", nargs="?", help="the scanned text; '-' or absent reads stdin")
    c.add_argument("--file", metavar="F", help="read the text from a file")
