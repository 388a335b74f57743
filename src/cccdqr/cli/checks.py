"""The checks a verification uses, loaded once from ``--trust`` (signed with
``--trust-root``), ``--policy`` or ``--rules`` and ``--revocation``: for ``cccdqr verify`` and the
checkpoint reader, which declare the same options through :func:`add_check_options`.

``--policy`` (TOML) and ``--rules`` (CertLogic) are two ways to give the ONE
entry policy ``verify`` takes: both together is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass

from cccdqr.cli.common import UsageError, load_trust
from cccdqr.engine.verify import DEFAULT_SKEW
from cccdqr.policy.toml_policy import Policy
from cccdqr.rules.ruleset import RuleSet
from cccdqr.rules.valuesets import load_value_sets
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.store import TrustStore


@dataclass
class Checks:
    """What every verification of a command (or a reader run) uses, loaded once."""

    trust: TrustStore
    policy: Policy | RuleSet | None = None
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
    policy: Policy | RuleSet | None = load_rules(args)
    if args.policy is not None:
        if policy is not None:
            raise UsageError("give --policy (TOML) or --rules (CertLogic), not both")
        policy = Policy.default() if args.policy == "default" else Policy.load(args.policy)
    revocation = RevocationList.open(args.revocation) if args.revocation is not None else None
    return Checks(trust=trust, policy=policy, revocation=revocation)


def load_rules(args: argparse.Namespace) -> RuleSet | None:
    """``--rules PATH|default`` (a rule file, a list of rules, or a folder), read
    for the checkpoint country ``--rules-country`` (default: VN for ``default``,
    else every country's Acceptance rules) with ``--value-sets`` when given."""
    path = getattr(args, "rules", None)
    if path is None:
        return None
    country = getattr(args, "rules_country", None)
    sets_path = getattr(args, "value_sets", None)
    sets = load_value_sets(sets_path) if sets_path is not None else None
    if path == "default":
        base = RuleSet.default()
        return RuleSet(base.rules, country=country or base.country, version=base.version,
                       value_sets=sets)
    return RuleSet.load(path, country=country, value_sets=sets)
