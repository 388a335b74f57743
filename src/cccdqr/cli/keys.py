"""``cccdqr keygen``: a signing key and its trust-list entry.

May import the library and :mod:`cccdqr.cli.common`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cccdqr.cli.common import (
    EXIT_VALID,
    UsageError,
    add_clock,
    add_command,
    console,
    current_time,
    load_trust,
)
from cccdqr.trust.store import make_trusted_key

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def cmd_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    key_path = Path(args.key_out)
    if key_path.exists() and not args.force:
        raise UsageError(f"{key_path} exists; use --force to replace it")
    key = (ec.generate_private_key(ec.SECP256R1()) if args.alg == "ES256"
           else ed25519.Ed25519PrivateKey.generate())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    now = current_time(args)
    entry = make_trusted_key(
        key.public_key(), issuer=args.issuer, not_before=now,
        not_after=now + dt.timedelta(days=args.valid_days) if args.valid_days else None,
        record_types=args.record_types, label=args.label)
    trust = load_trust(args.trust, missing_ok=True).with_key(entry)
    trust.save(args.trust)
    out = console()
    out.print(f"private key  {key_path} ({args.alg}; keep it secret)")
    out.print(f"trust list   {args.trust} (+ kid {entry.kid.hex()}, {len(trust)} keys)")
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``keygen``."""
    c = add_command(commands, "keygen", "make a signing key and add its public key to a trust list")
    c.add_argument("--alg", choices=("ES256", "Ed25519"), default="ES256")
    c.add_argument("--key-out", required=True, metavar="PEM", help="private key file to write (mode 0600)")
    c.add_argument("--trust", required=True, metavar="JSON", help="trust list to create or extend")
    c.add_argument("--issuer", default="VN")
    c.add_argument("--valid-days", type=int, default=0, help="key window length (default: open-ended)")
    c.add_argument("--record-types", default="vtr", help="what the key may sign: v, t, r (default vtr)")
    c.add_argument("--label")
    c.add_argument("--force", action="store_true", help="replace an existing key file")
    add_clock(c)
    c.set_defaults(run=cmd_keygen)
