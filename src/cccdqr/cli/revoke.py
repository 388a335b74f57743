"""``cccdqr revoke``: the SQLite revocation list: add, import, export, count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from cccdqr.cli.common import (
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    console,
    current_time,
    read_bytes,
)
from cccdqr.trust.jwks import revocation_ids_from_crl
from cccdqr.trust.revocation import KINDS as REVOCATION_KINDS
from cccdqr.trust.revocation import RevocationList, uvci_hashes

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


_TEXT_KINDS = frozenset({"rid", "uvci"})



def _revocation_ids(args: argparse.Namespace) -> list[tuple[str, bytes]]:
    ids: list[tuple[str, bytes]] = []
    for value in args.ids:
        if args.kind in _TEXT_KINDS:
            ids.append((args.kind, value.encode()))
            continue
        try:
            ids.append((args.kind, bytes.fromhex(value)))
        except ValueError:
            raise UsageError(f"{args.kind} ids are hex: {value!r}") from None
    if args.uvci:
        if not args.country:
            raise UsageError("--uvci needs --country (the issuing country, e.g. VN)")
        ids += uvci_hashes(args.uvci, args.country)
    if not ids:
        raise UsageError("nothing to add: give ids or --uvci")
    return ids



def revoke_count(args: argparse.Namespace) -> int:
    out = console()
    now = current_time(args)
    with RevocationList.open(args.db) as rl:
        kinds = rl.kinds()
        out.print(f"{args.db}: {sum(kinds.values()):,} entries"
                  + "".join(f"  {k}={n:,}" for k, n in sorted(kinds.items())))
        updated = rl.updated_at
        out.print(f"updated {updated.isoformat() if updated else 'never'}; "
                  f"{'STALE' if rl.is_stale(now) else 'fresh'} at {now.isoformat()}")
    return EXIT_VALID


def revoke_export(args: argparse.Namespace) -> int:
    with RevocationList.open(args.db) as rl:
        if args.out:
            n = rl.export(args.out, fmt=args.format, kind=args.kind)
            console().print(f"exported {n:,} ids to {args.out}")
        else:
            rl.export(sys.stdout, fmt=args.format, kind=args.kind)
    return EXIT_VALID


def revoke_change(args: argparse.Namespace) -> int:
    """``add``, ``import`` and ``mark-updated``: the actions that write the list."""
    out = console()
    action = args.revoke_command
    with RevocationList.open(args.db, create=True) as rl:
        if action == "add":
            added = rl.add_many(_revocation_ids(args), at=current_time(args))
            out.print(f"added {added} new ids; {len(rl):,} in {args.db}")
        elif action == "import" and args.format == "shc-crl":
            ids = revocation_ids_from_crl(read_bytes(args.file))
            added = rl.add_many(ids, at=current_time(args))
            out.print(f"read {len(ids):,} rids, {added:,} new; {len(rl):,} in {args.db}")
        elif action == "import":
            from cccdqr.cli._progress import import_with_progress

            report = import_with_progress(rl, args.file, fmt=args.format, kind=args.kind,
                                          at=current_time(args))
            out.print(f"read {report.read:,} ids, {report.added:,} new; {len(rl):,} in {args.db}")
        if args.valid_days is not None or action == "mark-updated":
            valid_for = dt.timedelta(days=args.valid_days) if args.valid_days else None
            rl.mark_updated(current_time(args), valid_for=valid_for)
            out.print(f"marked up to date at {current_time(args).isoformat()}"
                      + (f", valid {args.valid_days} days" if valid_for else ", never stale"))
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``revoke`` and its actions."""
    c = add_command(commands, "revoke", "manage a revocation list (SQLite): add, import, export, count")
    rsub = c.add_subparsers(dest="revoke_command", required=True, metavar="ACTION")
    kinds = sorted(REVOCATION_KINDS)
    r = rsub.add_parser("add", help="revoke ids (hex; rid and uvci as text) or an EU UVCI")
    r.add_argument("ids", nargs="*", metavar="ID")
    r.add_argument("--kind", choices=kinds, default="cti")
    r.add_argument("--uvci", help="an EU DCC UVCI: adds its uci and countrycodeuci hashes")
    r.add_argument("--country", help="the UVCI's issuing country (ISO 3166 alpha-2)")
    r = rsub.add_parser("import", help="import a text (one hex id per line) or CSV (kind,id) file, "
                        "or a SMART Health Card issuer's CRL (JSON)")
    r.add_argument("file")
    r.add_argument("--format", choices=("text", "csv", "shc-crl"), default="csv")
    r.add_argument("--kind", choices=kinds, help="kind of a text file's ids (default cti)")
    rsub.add_parser("mark-updated", help="record that the list is complete as of --at")
    for name in ("add", "import", "mark-updated"):
        rsub.choices[name].add_argument("--valid-days", type=int, default=None,
                       help="mark the list up to date now, trusted this many days "
                            "(0: never stale); verify says REVOCATION_STALE after that")
    r = rsub.add_parser("export", help="write the ids as CSV (kind,id) or text (one kind)")
    r.add_argument("--format", choices=("text", "csv"), default="csv")
    r.add_argument("--kind", choices=kinds)
    r.add_argument("--out", metavar="FILE", help="default: standard output")
    rsub.add_parser("count", help="how many ids, per kind, and whether the list is stale")
    runs = {"count": revoke_count, "export": revoke_export}
    for name, r in rsub.choices.items():
        r.set_defaults(run=runs.get(name, revoke_change))
        r.add_argument("--db", required=True, metavar="SQLITE", help="the revocation list file")
        add_clock(r)
