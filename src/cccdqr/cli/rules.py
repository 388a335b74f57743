"""``cccdqr rules``: CertLogic rule sets — convert a TOML policy, run a folder of
published rule tests, list the rules a file or folder holds.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cccdqr.cli.common import EXIT_INVALID, EXIT_VALID, UsageError, add_command, console
from cccdqr.policy.toml_policy import Policy
from cccdqr.rules.convert import rules_from_settings
from cccdqr.rules.ruleset import RuleSet
from cccdqr.rules.ruletests import run_rule_tests
from cccdqr.rules.valuesets import load_value_sets

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def rules_convert(args: argparse.Namespace) -> int:
    """Write the rules equivalent to a TOML policy, one ``<Id>/rule.json`` each."""
    policy = Policy.default() if args.policy == "default" else Policy.load(args.policy)
    rules = rules_from_settings(policy.settings)
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{args.output} exists and is not a folder")
    for rule in rules:
        folder = out_dir / rule["Identifier"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rule.json").write_text(json.dumps(rule, indent=2, ensure_ascii=False) + "\n", "utf-8")
    RuleSet.load(out_dir)  # what was written loads back
    console().print(f"wrote {len(rules)} rules to {os.fspath(out_dir)} (policy {policy.version})")
    return EXIT_VALID


def rules_test(args: argparse.Namespace) -> int:
    """Run every rule's tests; exit 1 when any fails."""
    sets = load_value_sets(args.value_sets) if args.value_sets else None
    results = run_rule_tests(args.path, value_sets=sets)
    out = console()
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for r in results:
        counts[r.outcome] += 1
        if r.outcome == "pass" and not args.verbose:
            continue
        got = "error" if r.got is None else str(r.got).lower()
        out.print(f"{r.outcome.upper():4} {r.rule} {r.test}: expected {str(r.expected).lower()}, "
                  f"got {got}  {r.detail}".rstrip(),
                  style={"fail": "red", "skip": "yellow"}.get(r.outcome), markup=False)
    rules = len({r.rule for r in results})
    out.print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped "
              f"({len(results)} tests of {rules} rules)",
              style="bold red" if counts["fail"] else "bold green")
    return EXIT_INVALID if counts["fail"] else EXIT_VALID


def rules_list(args: argparse.Namespace) -> int:
    """The rules a file or folder holds, after the schema and operator checks."""
    ruleset = RuleSet.load(args.path)
    out = console()
    for rule in ruleset.rules:
        desc = rule.description(args.lang) or rule.description("en")
        out.print(f"{rule.identifier} {'.'.join(map(str, rule.version))} {rule.type} {rule.country} "
                  f"{rule.certificate_type}: {desc}", markup=False)
    out.print(f"{len(ruleset.rules)} rules")
    return EXIT_VALID


def register(commands: Commands) -> None:
    """``rules convert``, ``rules test`` and ``rules list``."""
    group = commands.add_parser("rules", help="CertLogic business rules: convert, test, list",
                                description="CertLogic business rules in the gateway format.")
    actions = group.add_subparsers(dest="rules_action", required=True, metavar="ACTION")
    c = add_command(actions, "convert", "write a TOML policy as equivalent CertLogic rules")
    c.add_argument("policy", metavar="POLICY.toml", help="a policy file laid over the default, or 'default'")
    c.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for <Id>/rule.json files")
    c.set_defaults(run=rules_convert)
    c = add_command(actions, "test", "run a folder of rule tests (<Id>/rule.json + tests/*.json)")
    c.add_argument("path", metavar="PATH")
    c.add_argument("--value-sets", metavar="PATH",
                   help="value sets (a file or a folder of value-set files); default: the folder's "
                        "valueSets.compressed.json, else the shipped EU sets")
    c.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    c.set_defaults(run=rules_test)
    c = add_command(actions, "list", "list the rules of a file or folder (checks them)")
    c.add_argument("path", metavar="PATH")
    c.set_defaults(run=rules_list)
