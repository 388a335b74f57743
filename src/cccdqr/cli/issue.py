"""``cccdqr issue``: a certificate from flags or JSON, signed, printed and rendered.

The flag parsers (``--dose``, ``--test``, ``--recovery``) live here; the batch
command reads the same long names from its rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from cccdqr.cli._signing import add_pkcs11_options, open_signing_key
from cccdqr.cli.common import (
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    console,
    current_time,
    parse_date,
    parse_time,
    read_bytes,
)
from cccdqr.core.model import HealthCertificate, Recovery, Subject, Test, Vaccination, certificate_from_dict
from cccdqr.engine.issue import Issuer

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def load_private_key(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(read_bytes(path), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path} is not an unencrypted PEM private key: {exc}") from None



def _certificate_from_args(args: argparse.Namespace) -> HealthCertificate:
    if args.json:
        try:
            return certificate_from_dict(json.loads(read_bytes(args.json)))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{args.json} is not JSON: {exc}") from None
    eu_dcc = getattr(args, "format", "VN1") == "HC1"
    if not ((args.id or eu_dcc) and args.name and args.dob):
        raise UsageError("give --json FILE, or --id (VN1), --name and --dob with events")
    names: dict[str, str] = {}
    if eu_dcc:  # an EU DCC splits the name: Vietnamese order, family name first
        family, _, given = args.name.strip().partition(" ")
        names = {"family_name": family, "given_name": given} if given else {}
    subject = Subject(id_number=args.id, name=args.name, dob=args.dob,
                      sex={"male": 1, "female": 2}.get(args.sex or "", None),  # type: ignore[arg-type]
                      **names)
    try:
        doses = tuple(_dose(spec) for spec in args.dose)
        tests = tuple(_test(spec) for spec in args.test)
        recoveries = tuple(_recovery(spec) for spec in args.recovery)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        raise UsageError(str(exc)) from None
    return HealthCertificate(subject=subject, vaccinations=doses, tests=tests,
                             recoveries=recoveries)



def _dose(spec: str) -> Vaccination:
    parts = spec.split(",")
    if len(parts) != 3 or "/" not in parts[1]:
        raise ValueError(
            f"--dose is PRODUCT,DOSE/SERIES,DATE (e.g. EU/1/20/1528,1/2,2021-08-01): {spec!r}")
    number, series = parts[1].split("/", 1)
    return Vaccination(product=parts[0], dose_number=int(number), doses_in_series=int(series),
                       date=parse_date(parts[2]))



def _test(spec: str) -> Test:
    parts = spec.split(",")
    if len(parts) != 3:
        raise ValueError(
            f"--test is TYPE,SAMPLED_AT,RESULT (e.g. LP6464-4,2026-01-01T08:00Z,260415000): {spec!r}")
    return Test(test_type=parts[0], sampled_at=parse_time(parts[1]), result=int(parts[2]))



def _recovery(spec: str) -> Recovery:
    parts = spec.split(",")
    if len(parts) != 3:
        raise ValueError(f"--recovery is FIRST_POSITIVE,VALID_FROM,VALID_UNTIL (dates): {spec!r}")
    first, start, end = (parse_date(p) for p in parts)
    return Recovery(first_positive=first, valid_from=start, valid_until=end)



def cmd_issue(args: argparse.Namespace) -> int:
    if args.format == "HC1":
        if not args.certificate:
            raise UsageError("--format HC1 needs --certificate (the key's signer certificate)")
        from cryptography import x509

        data = read_bytes(args.certificate)
        try:
            dsc = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                   else x509.load_der_x509_certificate(data))
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
    c.add_argument("--key", metavar="PEM", help="the issuer's private key (or --pkcs11)")
    add_pkcs11_options(c)
    c.add_argument("--format", choices=("VN1", "HC1"), default="VN1",
                   help="VN1 (default) or HC1: an EU DCC, one event, as Viet Nam issues it")
    c.add_argument("--certificate", metavar="PEM", help="HC1: the key's signer certificate (DSC)")
    c.add_argument("--uvci", help="HC1: the certificate identifier (default: generated)")
    c.add_argument("--authority", help="HC1: the issuing authority text (default: the DSC's O)")
    c.add_argument("--issuer", default="VN")
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
