"""The checks a verification uses, loaded once from ``--trust`` (signed with
``--trust-root``), ``--policy`` and ``--revocation``: for ``cccdqr verify`` and the
checkpoint reader, which declare the same options through :func:`add_check_options`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass

from cccdqr.cli.common import load_trust
from cccdqr.engine.verify import DEFAULT_SKEW
from cccdqr.policy.toml_policy import Policy
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.store import TrustStore


@dataclass
class Checks:
    """What every verification of a command (or a reader run) uses, loaded once."""

    trust: TrustStore
    policy: Policy | None = None
    revocation: RevocationList | None = None

    @property
    def skew(self) -> dt.timedelta:
        """The policy's clock skew, else verify's default."""
        return self.policy.skew if self.policy is not None else DEFAULT_SKEW

    def close(self) -> None:
        if self.revocation is not None:
            self.revocation.close()



def load_checks(args: argparse.Namespace) -> Checks:
    """``--trust`` (signed when ``--trust-root``), ``--policy FILE|default`` and
    ``--revocation DB``. Raises :class:`UsageError`, :class:`TrustUnusable`, or the
    library's error (``PolicyError``, ``RevocationListError``) for a bad file."""
    trust = load_trust(args.trust, args=args)
    policy = None
    if args.policy is not None:
        policy = Policy.default() if args.policy == "default" else Policy.load(args.policy)
    revocation = RevocationList.open(args.revocation) if args.revocation is not None else None
    return Checks(trust=trust, policy=policy, revocation=revocation)
