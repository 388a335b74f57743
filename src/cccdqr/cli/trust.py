"""``cccdqr trust``: list, add, remove, sign and verify trust lists.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cccdqr.cli.common import (
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    console,
    current_time,
    kid_arg,
    load_trust,
    parse_time,
    read_bytes,
)
from cccdqr.trust.jwks import trusted_keys_from_jwks
from cccdqr.trust.store import make_trusted_certificate, make_trusted_key
from cccdqr.wire.cose import Algorithm

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def trust_verify(args: argparse.Namespace) -> int:
    trust = load_trust(args.file, args=args)
    console().print(f"signed trust list {args.file}: signature and window hold at "
                    f"{current_time(args).isoformat()}; {len(trust)} keys, "
                    f"{len(trust.authorities)} authorities")
    return EXIT_VALID


def trust_list(args: argparse.Namespace) -> int:
    trust = load_trust(args.trust, args=args)
    if args.json:
        print(trust.to_json(), end="")
        return EXIT_VALID
    out = console()
    for k in trust:
        window = " .. ".join(t.isoformat() if t else "-" for t in (k.not_before, k.not_after))
        types = "".join(t for t in "vtr" if t in k.record_types)
        out.print(f"{k.kid.hex()}  {k.alg.value:6} issuer={k.issuer or '-'} "
                  f"types={types}  {window}  {k.label or ''}")
    return EXIT_VALID


def trust_add(args: argparse.Namespace) -> int:
    out = console()
    trust = load_trust(args.trust, missing_ok=True)
    data = read_bytes(args.file)
    options: dict[str, Any] = {"issuer": args.issuer, "record_types": args.record_types,
                               "label": args.label}
    if args.alg:
        options["alg"] = Algorithm(args.alg)
    if args.jwks:
        if not args.issuer:
            raise UsageError("--jwks needs --issuer (the SMART Health Card issuer, its iss)")
        keys = trusted_keys_from_jwks(data, issuer=args.issuer)
        trust = trust.with_keys(keys)
        out.print(f"added {len(keys)} keys of {args.issuer}; {len(trust)} keys")
    elif args.authority:
        trust = trust.with_authority(data)
        out.print(f"added certificate authority {trust.authorities[-1].subject.rfc4514_string()}")
    elif args.crl:
        trust = trust.with_crl(data)
        out.print(f"added revocation list of {trust.crls[-1].issuer.rfc4514_string()}")
    else:
        if b"CERTIFICATE" in data or args.certificate:
            entry = make_trusted_certificate(data, not_before=args.not_before,
                                             not_after=args.not_after, **options)
        else:
            options["record_types"] = args.record_types or "vtr"
            entry = make_trusted_key(data, not_before=args.not_before,
                                     not_after=args.not_after, **options)
        trust = trust.with_key(entry)
        out.print(f"added kid {entry.kid.hex()} ({entry.alg.value}); {len(trust)} keys")
    trust.save(args.trust)
    return EXIT_VALID


def trust_remove(args: argparse.Namespace) -> int:
    trust = load_trust(args.trust)
    kid = kid_arg(args.kid)
    if kid not in trust:
        raise UsageError(f"no key with kid {kid.hex()} in {args.trust}")
    trust = trust.without(kid)
    console().print(f"removed kid {kid.hex()}; {len(trust)} keys")
    trust.save(args.trust)
    return EXIT_VALID


def trust_sign(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    trust = load_trust(args.trust)
    try:
        key = serialization.load_pem_private_key(read_bytes(args.key), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the root private key {args.key}: {exc}") from None
    now = current_time(args)
    text = trust.sign(key, now=now, valid_for=dt.timedelta(days=args.valid_days))  # type: ignore[arg-type]
    Path(args.out).write_text(text, encoding="utf-8")
    console().print(f"signed {len(trust)} keys into {args.out}, valid "
                     f"{now.isoformat()} .. {(now + dt.timedelta(days=args.valid_days)).isoformat()}")
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``trust`` and its actions."""
    c = add_command(commands, "trust", "list, add, remove, sign or verify trusted keys")
    tsub = c.add_subparsers(dest="trust_command", required=True, metavar="ACTION")
    t = tsub.add_parser("list", help="list the keys")
    t.add_argument("--trust", required=True, metavar="JSON")
    t.add_argument("--trust-root", metavar="PEM", help="the list is signed: check it with this root key")
    t.add_argument("--json", action="store_true")
    add_clock(t)
    t.set_defaults(run=trust_list)

    t = tsub.add_parser("add", help="add a public key, X.509 signer certificate, CA or CRL (PEM or DER)")
    t.add_argument("file", help="public key, certificate or CRL file")
    t.add_argument("--trust", required=True, metavar="JSON")
    kind = t.add_mutually_exclusive_group()
    kind.add_argument("--certificate", action="store_true", help="the file is a signer certificate")
    kind.add_argument("--authority", action="store_true",
                      help="the file is a certificate authority (a CSCA, for ICAO VDS-NC)")
    kind.add_argument("--crl", action="store_true", help="the file is an authority's revocation list")
    kind.add_argument("--jwks", action="store_true",
                      help="the file is a SMART Health Card issuer's JWKS (needs --issuer)")
    t.add_argument("--alg", choices=[a.value for a in Algorithm])
    t.add_argument("--issuer")
    t.add_argument("--record-types", default=None,
                   help="what the key may sign: v, t, r (default: all; a certificate's EKU)")
    t.add_argument("--not-before", type=parse_time)
    t.add_argument("--not-after", type=parse_time)
    t.add_argument("--label")
    t.set_defaults(run=trust_add)

    t = tsub.add_parser("remove", help="remove every key filed under a kid")
    t.add_argument("kid", help="hex or base64")
    t.add_argument("--trust", required=True, metavar="JSON")
    t.set_defaults(run=trust_remove)

    t = tsub.add_parser("sign", help="sign a trust list with a root private key")
    t.add_argument("--trust", required=True, metavar="JSON", help="the unsigned list")
    t.add_argument("--key", required=True, metavar="PEM", help="root private key (ES256 or Ed25519)")
    t.add_argument("--valid-days", type=int, default=30, help="how long the signed list is valid")
    t.add_argument("--out", required=True, metavar="FILE")
    add_clock(t)
    t.set_defaults(run=trust_sign)

    t = tsub.add_parser("verify", help="check a signed trust list's signature and window")
    t.add_argument("file", help="the signed list")
    t.add_argument("--trust-root", required=True, metavar="PEM", help="root public key")
    add_clock(t)
    t.set_defaults(run=trust_verify)
