"""``cccdqr verify`` and ``cccdqr inspect``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from cccdqr.checkpoint.binding import BindingResult, bind
from cccdqr.checkpoint.card import parse_card_qr
from cccdqr.checkpoint.decision import decide
from cccdqr.cli.checks import load_checks
from cccdqr.cli.common import (
    EXIT_FOR_STATUS,
    EXIT_INVALID,
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    add_text_input,
    console,
    current_time,
    read_input,
)
from cccdqr.cli.output import print_binding, print_verdict, show_certificate
from cccdqr.core._json import document_text
from cccdqr.core.errors import InvalidCardQR
from cccdqr.engine.result import Inspection, VerificationResult
from cccdqr.engine.verify import inspect, verify

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def cmd_verify(args: argparse.Namespace) -> int:
    checks = load_checks(args)
    skew = dt.timedelta(seconds=args.skew) if args.skew is not None else checks.skew
    try:
        result = verify(read_input(args), checks.trust, now=current_time(args), policy=checks.policy,
                        revocation=checks.revocation, skew=skew,
                        allow_unlisted_province=args.allow_unlisted_province)
    finally:
        checks.close()
    binding = _bind_card(args, result)
    decision = decide(result, binding)
    if args.json:
        print(document_text(decision.document()))
    else:
        print_verdict(result, args.lang)
        if binding is not None:
            print_binding(binding, args.lang)
    # genuine but failing the rules, or someone else's: the person may not pass (exit 1)
    return EXIT_FOR_STATUS[decision.status]



def _bind_card(args: argparse.Namespace, result: VerificationResult) -> BindingResult | None:
    """The card QR given with --card, bound to the verified certificate."""
    if args.card is None:
        return None
    try:
        card = parse_card_qr(args.card)
    except InvalidCardQR as exc:
        raise UsageError(f"the card QR is not readable: [{exc.reason.value}] {exc}") from None
    if result.certificate is None or not result.signature_verified:
        return None  # nothing genuine to bind to; the verdict already says why
    return bind(card, result.certificate)



def cmd_inspect(args: argparse.Namespace) -> int:
    result: Inspection = inspect(read_input(args))
    if args.json:
        print(document_text(result.to_dict()))
    else:
        out = console()
        out.print(" UNVERIFIED: signature not checked ", style="bold black on yellow")
        out.print(f"  format {result.format or '-'} · alg {result.alg or '-'} · kid "
                  f"{result.kid.hex() if result.kid else '-'} · issuer {result.issuer or '-'}")
        if result.issued_at and result.expires_at:
            out.print(f"  issued {result.issued_at.isoformat()} · expires {result.expires_at.isoformat()}")
        if result.certificate is not None:
            show_certificate(out, result.certificate, args.lang)
        for reason in result.problems:
            out.print(f"  [{reason.value}] {reason.message(args.lang)}  {result.detail}")
    return EXIT_INVALID if result.problems else EXIT_VALID


def register(commands: Commands) -> None:
    """``verify`` and ``inspect``."""
    c = add_command(commands, "verify", "verify a scanned code against a trust list")
    add_text_input(c)
    c.add_argument("--trust", required=True, metavar="JSON")
    c.add_argument("--trust-root", metavar="PEM",
                   help="root public key: the trust list must be signed by it and in its window")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--skew", type=float, default=None, metavar="SECONDS",
                   help="clock skew allowed (default: the policy's, else 300)")
    c.add_argument("--allow-unlisted-province", action="store_true",
                   help="accept CCCD province codes outside the 63 shipped")
    c.add_argument("--policy", metavar="TOML",
                   help="entry rules: a TOML file laid over the default, or 'default'; "
                        "a genuine code that fails them exits 1")
    c.add_argument("--rules", metavar="PATH",
                   help="entry rules as CertLogic (gateway rule.json, a list, or a folder), or "
                        "'default' (Viet Nam's); not with --policy. A genuine code failing them exits 1")
    c.add_argument("--rules-country", metavar="CC",
                   help="the checkpoint's country: whose Acceptance rules apply "
                        "(default: VN for 'default', else all in PATH)")
    c.add_argument("--value-sets", metavar="PATH",
                   help="value sets for the rules (a file or folder); default: the shipped EU sets")
    c.add_argument("--revocation", metavar="DB", help="revocation list (SQLite) to consult")
    c.add_argument("--card", metavar="TEXT",
                   help="the CCCD card's own QR text: check the certificate belongs to its holder "
                        "(a genuine certificate of someone else exits 1)")
    add_clock(c)
    c.set_defaults(run=cmd_verify)

    c = add_command(commands, "inspect", "decode a code WITHOUT checking its signature")
    add_text_input(c)
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=cmd_inspect)
