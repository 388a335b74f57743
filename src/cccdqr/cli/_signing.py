"""The signing-key options the commands share: a PEM file (``--key``) or a key in a
PKCS#11 token (``--pkcs11 URI``, ``--pin-file``, ``--pkcs11-module``).

The PIN is read from ``--pin-file`` or ``$CCCDQR_PKCS11_PIN``; there is no flag
that takes the PIN itself. May import the library (``cccdqr.trust.pkcs11`` only
when a token is used: python-pkcs11 is an optional extra) and
:mod:`cccdqr.cli.common`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from cccdqr.cli.common import UsageError, read_bytes

if TYPE_CHECKING:
    from cccdqr.trust.pkcs11 import TokenKeySpec

__all__ = ["add_pkcs11_options", "add_signer_options", "load_pem_key", "open_signing_key",
           "token_spec", "uses_token"]


def add_pkcs11_options(c: argparse.ArgumentParser) -> None:
    """``--pkcs11``, ``--pin-file`` and ``--pkcs11-module`` on a command."""
    g = c.add_argument_group("key in a PKCS#11 token (instead of a PEM file)")
    g.add_argument("--pkcs11", metavar="URI",
                   help="RFC 7512 URI of the key, e.g. 'pkcs11:token=issuer;object=vn-2026'")
    g.add_argument("--pin-file", metavar="FILE",
                   help="file holding the token's user PIN (default: $CCCDQR_PKCS11_PIN)")
    g.add_argument("--pkcs11-module", metavar="SO",
                   help="PKCS#11 module (default: the URI's module-path, $CCCDQR_PKCS11_MODULE, "
                        "or Debian's SoftHSM2 module)")


def add_signer_options(c: argparse.ArgumentParser, *, hc1: str) -> None:
    """The key (``--key`` or the token's options), ``--format`` (``hc1`` says what
    HC1 issues), the signer certificate and authority for HC1, and ``--issuer``."""
    c.add_argument("--key", metavar="PEM", help="the issuer's private key (or --pkcs11)")
    add_pkcs11_options(c)
    c.add_argument("--format", choices=("VN1", "HC1"), default="VN1",
                   help=f"VN1 (default) or HC1: {hc1}")
    c.add_argument("--certificate", metavar="PEM", help="HC1: the key's signer certificate (DSC)")
    c.add_argument("--authority", help="HC1: the issuing authority text (default: the DSC's O)")
    c.add_argument("--issuer", default="VN")


def token_spec(args: argparse.Namespace) -> TokenKeySpec:
    """The picklable description of ``--pkcs11`` (checked: the URI parses)."""
    try:
        from cccdqr.trust.pkcs11 import TokenKeySpec, parse_uri
    except ImportError:
        raise UsageError("--pkcs11 needs python-pkcs11 (pip install 'cccdqr[pkcs11]')") from None
    parse_uri(args.pkcs11)  # a Pkcs11Error (exit 2) names what is wrong
    return TokenKeySpec(uri=args.pkcs11, module=args.pkcs11_module, pin_file=args.pin_file)


def load_pem_key(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(read_bytes(path), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path} is not an unencrypted PEM private key: {exc}") from None


def uses_token(args: argparse.Namespace, *, pem: str | None) -> bool:
    """Check the key options (exactly one of the PEM file ``pem`` and ``--pkcs11``;
    the token's options only with ``--pkcs11``); True when the key is in a token."""
    if getattr(args, "pkcs11", None):
        if pem:
            raise UsageError("give either a PEM key or --pkcs11, not both")
        return True
    if getattr(args, "pin_file", None) or getattr(args, "pkcs11_module", None):
        raise UsageError("--pin-file and --pkcs11-module go with --pkcs11")
    if not pem:
        raise UsageError("give the signing key: --key PEM or --pkcs11 URI")
    return False


def open_signing_key(args: argparse.Namespace, *, pem: str | None) -> Any:
    """The private key to sign with: the token's (``--pkcs11``) or the PEM file
    ``pem``; exactly one of them."""
    if uses_token(args, pem=pem):
        return token_spec(args).open()
    assert pem is not None
    return load_pem_key(pem)
