"""``cccdqr keygen``: a signing key and its trust-list entry.

May import the library and :mod:`cccdqr.cli.common`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cccdqr.cli._signing import add_pkcs11_options
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


def _new_key(args: argparse.Namespace) -> tuple[Any, str]:
    """Make the key (in the token, or as a PEM file); its public key and where it is."""
    if args.pkcs11:
        if args.key_out or args.alg != "ES256":
            raise UsageError("--pkcs11 makes an ES256 key in the token: no --key-out, no --alg")
        from cccdqr.trust import pkcs11

        uri = pkcs11.parse_uri(args.pkcs11)
        pin = pkcs11.read_pin(args.pin_file, uri=uri)
        public = pkcs11.generate_key(uri, pin=pin, module=pkcs11.module_path(uri, args.pkcs11_module))
        return public, f"{args.pkcs11} (ES256; in the token, not extractable)"
    if not args.key_out:
        raise UsageError("give --key-out PEM, or --pkcs11 URI to make the key in a token")
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
    return key.public_key(), f"{key_path} ({args.alg}; keep it secret)"


def cmd_keygen(args: argparse.Namespace) -> int:
    public, where = _new_key(args)
    now = current_time(args)
    entry = make_trusted_key(
        public, issuer=args.issuer, not_before=now,
        not_after=now + dt.timedelta(days=args.valid_days) if args.valid_days else None,
        record_types=args.record_types, label=args.label)
    trust = load_trust(args.trust, missing_ok=True).with_key(entry)
    trust.save(args.trust)
    out = console()
    out.print(f"private key  {where}")
    out.print(f"trust list   {args.trust} (+ kid {entry.kid.hex()}, {len(trust)} keys)")
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``keygen``."""
    c = add_command(commands, "keygen", "make a signing key and add its public key to a trust list")
    c.add_argument("--alg", choices=("ES256", "Ed25519"), default="ES256")
    c.add_argument("--key-out", metavar="PEM", help="private key file to write (mode 0600)")
    add_pkcs11_options(c)
    c.add_argument("--trust", required=True, metavar="JSON", help="trust list to create or extend")
    c.add_argument("--issuer", default="VN")
    c.add_argument("--valid-days", type=int, default=0, help="key window length (default: open-ended)")
    c.add_argument("--record-types", default="vtr", help="what the key may sign: v, t, r (default vtr)")
    c.add_argument("--label")
    c.add_argument("--force", action="store_true", help="replace an existing key file")
    add_clock(c)
    c.set_defaults(run=cmd_keygen)
