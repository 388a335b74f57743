"""``cccdqr issue``: a certificate from flags or JSON, signed, printed and rendered.

The flags are read by :func:`cccdqr.core.specs.certificate_from_fields`, the
same parser ``batch issue`` reads its rows with (the rows' columns are the
flags' long names).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING

from cccdqr.cli._signing import add_signer_options, open_signing_key
from cccdqr.cli.common import (
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    console,
    current_time,
    read_bytes,
)
from cccdqr.core.model import HealthCertificate, certificate_from_dict
from cccdqr.core.specs import SpecError, certificate_from_fields
from cccdqr.engine.issue import Issuer

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def _certificate_from_args(args: argparse.Namespace) -> HealthCertificate:
    if args.json:
        try:
            return certificate_from_dict(json.loads(read_bytes(args.json)))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{args.json} is not JSON: {exc}") from None
    kind = getattr(args, "format", "VN1")
    if not ((args.id or kind == "HC1") and args.name and args.dob):
        raise UsageError("give --json FILE, or --id (VN1), --name and --dob with events")
    fields = {"id": args.id, "name": args.name, "dob": args.dob, "sex": args.sex,
              "dose": args.dose, "test": args.test, "recovery": args.recovery}
    try:
        return certificate_from_fields(fields, format=kind)
    except SpecError as exc:
        raise UsageError(str(exc)) from None



def cmd_issue(args: argparse.Namespace) -> int:
    if args.format == "HC1":
        if not args.certificate:
            raise UsageError("--format HC1 needs --certificate (the key's signer certificate)")
        from cccdqr.trust.lists import load_certificate

        try:
            dsc = load_certificate(read_bytes(args.certificate))
        except ValueError as exc:
            raise UsageError(f"cannot read the certificate {args.certificate}: {exc}") from None
        issuer = Issuer(open_signing_key(args, pem=args.key), issuer=args.issuer, format="HC1",
                        certificate=dsc, authority=args.authority)
        text = issuer.issue(_certificate_from_args(args), now=current_time(args),
                            valid_for=dt.timedelta(days=args.valid_days), uvci=args.uvci)
    else:
        if args.certificate or args.uvci or args.authority:
            raise UsageError("--certificate, --uvci and --authority are for --format HC1")
        issuer = Issuer(open_signing_key(args, pem=args.key), issuer=args.issuer)
        cti = bytes.fromhex(args.cti) if args.cti else None
        text = issuer.issue(_certificate_from_args(args), now=current_time(args),
                            valid_for=dt.timedelta(days=args.valid_days), cti=cti)
    print(text)
    if args.png:
        from cccdqr.qr import render

        qr = render(text, kind="svg" if args.png.endswith(".svg") else "png")
        qr.save(args.png)
        console(stderr=True).print(f"QR version {qr.version}-{qr.error} written to {args.png}")
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``issue``."""
    c = add_command(commands, "issue", "issue a signed certificate (VN1, or an EU DCC); prints its text")
    add_signer_options(c, hc1="an EU DCC, one event, as Viet Nam issues it")
    c.add_argument("--uvci", help="HC1: the certificate identifier (default: generated)")
    c.add_argument("--json", metavar="FILE", help="the certificate as JSON")
    c.add_argument("--id", help="CCCD number (12 digits)")
    c.add_argument("--name")
    c.add_argument("--dob", help="date of birth: YYYY-MM-DD, YYYY-MM or YYYY")
    c.add_argument("--sex", choices=("male", "female"))
    c.add_argument("--dose", action="append", default=[], metavar="PRODUCT,N/M,DATE")
    c.add_argument("--test", action="append", default=[], metavar="TYPE,TIME,RESULT")
    c.add_argument("--recovery", action="append", default=[], metavar="FIRST,FROM,UNTIL")
    c.add_argument("--valid-days", type=int, default=365)
    c.add_argument("--cti", metavar="HEX", help="certificate id (8-16 bytes; default random)")
    c.add_argument("--png", metavar="PATH", help="also render the QR (.png or .svg)")
    add_clock(c)
    c.set_defaults(run=cmd_issue)
