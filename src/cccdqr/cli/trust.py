"""``cccdqr trust``: list, add, remove, sign and verify trust lists; import
published lists (the EU DCC gateway's, a signed national DSC list) and show
where the keys came from and how old those lists are.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cccdqr.cli.common import (
    EXIT_VALID,
    TrustUnusable,
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
from cccdqr.core.errors import TrustListError
from cccdqr.trust import lists
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


def trust_import(args: argparse.Namespace) -> int:
    """Check a published list against ``--list-key`` and merge its DSCs into
    ``--trust``. Exit 3 when the list is not authentic or not current (nothing
    is written), 2 when it is malformed or unreadable."""
    data = read_bytes(args.file)
    now = current_time(args)
    try:
        imported = lists.import_list(data, args.format, read_bytes(args.list_key), now=now)
        store = lists.merge(load_trust(args.trust, missing_ok=True), imported)
    except lists.TrustListRefused as exc:
        raise TrustUnusable(f"{args.file} refused, nothing imported: {exc}") from None
    except TrustListError as exc:
        raise UsageError(f"{args.file} is not a readable {args.format} list: {exc}") from None
    store.save(args.trust)
    info = imported.source.describe(now)
    faults = sum(1 for k in imported.keys if k.encoding_faults)
    console().print(f"imported {len(imported.keys)} signer certificates from a {args.format} list "
                    f"signed by {info['issuer']}, issued {info['issued_at'] or '-'} "
                    f"({_age(info['age_seconds'])} old); {len(store)} keys in {args.trust}"
                    + (f"; {faults} read leniently (not strict DER)" if faults else ""))
    return EXIT_VALID


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "age unknown"
    days, rest = divmod(abs(seconds), 86400)
    text = f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"
    return text if seconds >= 0 else f"-{text}"


def trust_show(args: argparse.Namespace) -> int:
    """The store's keys by origin, and each imported list's age at the clock."""
    trust = load_trust(args.trust, args=args)
    now = current_time(args)
    sources = [s.describe(now) for s in trust.sources]
    own = sum(1 for k in trust if k.source is None)
    if args.json:
        import json
        doc = {"keys": len(trust), "keys_not_from_a_list": own,
               "authorities": len(trust.authorities), "crls": len(trust.crls),
               "lists": [{**s, "keys": sum(1 for k in trust if k.source and
                                          k.source.sha256 == s["sha256"])} for s in sources]}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_VALID
    out = console()
    out.print(f"{len(trust)} keys ({own} added by hand), {len(trust.authorities)} authorities, "
              f"{len(trust.crls)} CRLs")
    for s in sources:
        count = sum(1 for k in trust if k.source and k.source.sha256 == s["sha256"])
        out.print(f"{s['format']:8} {count:4} keys  signed by {s['issuer']}  issued "
                  f"{s['issued_at'] or '-'}  expires {s['expires_at'] or '-'}  "
                  f"age {_age(s['age_seconds'])}" + ("  EXPIRED" if s["expired"] else ""))
    return EXIT_VALID


def _register_lists(tsub: Any) -> None:
    """``trust import`` and ``trust show``: published lists and their age."""
    t = tsub.add_parser("import", help="check a published signer-certificate list and merge it in")
    t.add_argument("file", help="the list as pulled (no network access here)")
    t.add_argument("--format", required=True, choices=lists.FORMATS,
                   help="gateway: the EU DCC gateway trust list (JSON); "
                        "dsc-tl: a signed national DSC trust list (JWS)")
    t.add_argument("--list-key", required=True, metavar="PEM",
                   help="the key the list must be signed with (public key or certificate): "
                        "the gateway trust anchor, or the national list signer")
    t.add_argument("--trust", required=True, metavar="JSON", help="the store to write (created)")
    add_clock(t)
    t.set_defaults(run=trust_import)

    t = tsub.add_parser("show", help="keys by origin and the age of each imported list")
    t.add_argument("--trust", required=True, metavar="JSON")
    t.add_argument("--trust-root", metavar="PEM", help="the list is signed: check it with this root key")
    t.add_argument("--json", action="store_true")
    add_clock(t)
    t.set_defaults(run=trust_show)


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

    _register_lists(tsub)

    t = tsub.add_parser("verify", help="check a signed trust list's signature and window")
    t.add_argument("file", help="the signed list")
    t.add_argument("--trust-root", required=True, metavar="PEM", help="root public key")
    add_clock(t)
    t.set_defaults(run=trust_verify)
