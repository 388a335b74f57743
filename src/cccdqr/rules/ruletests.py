"""Rule tests in the published format, run with cccdqr's CertLogic engine.

Layout (as national backends publish their rules): ``<any>/<RuleId>/rule.json``
with ``tests/*.json`` beside it, each test ``{name?, payload, expected,
external?}``. A test passes when the rule's Logic, evaluated on
``{"payload": payload, "external": external}``, is truthy exactly when
``expected`` is true. ``external.valueSets`` defaults to the folder's
``valueSets.compressed.json`` when there is one, else the shipped value sets. A
test whose ``validationClock`` lies outside the rule's [ValidFrom, ValidTo) is
skipped, as the published runner does. Imports :mod:`cccdqr.rules` siblings.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cccdqr.rules import certlogic
from cccdqr.rules.ruleset import Rule, RuleSetError, read_json
from cccdqr.rules.valuesets import ValueSets, default_value_sets, load_value_sets

__all__ = ["RuleTestResult", "find_value_sets", "run_rule_tests"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleTestResult:
    """One test of one rule. ``outcome`` is "pass", "fail" or "skip"; ``got``
    is the rule's truthiness (``None`` when it raised or was skipped)."""

    rule: str
    test: str
    outcome: str
    expected: bool | None
    got: bool | None
    detail: str = ""


def find_value_sets(root: Path) -> ValueSets:
    """``valueSets.compressed.json`` in ``root`` (or its parent), else the shipped sets."""
    for folder in (root, root.parent):
        candidate = folder / "valueSets.compressed.json"
        if candidate.is_file():
            return load_value_sets(candidate)
    return default_value_sets()


def run_rule_tests(path: str | os.PathLike[str], *,
                   value_sets: ValueSets | None = None) -> list[RuleTestResult]:
    """Every test of every ``rule.json`` under ``path`` (a folder, or one
    ``rule.json``). A rule file that fails the schema or uses an unknown
    operator raises :class:`RuleSetError` naming it."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(root.rglob("rule.json"))
    if not files:
        raise RuleSetError(f"no rule.json files under {os.fspath(path)!r}")
    sets = value_sets if value_sets is not None else find_value_sets(root if root.is_dir() else root.parent)
    results: list[RuleTestResult] = []
    for file in files:
        rule = Rule.from_json(read_json(file), str(file))
        for test_file in sorted((file.parent / "tests").glob("*.json")):
            results.append(_run(rule, test_file, sets))
    return results


def _run(rule: Rule, test_file: Path, sets: ValueSets) -> RuleTestResult:
    try:
        test = read_json(test_file)
    except RuleSetError as exc:
        return RuleTestResult(rule=rule.identifier, test=test_file.stem, outcome="fail",
                              expected=None, got=None, detail=str(exc))
    expected = test.get("expected") if isinstance(test, dict) else None
    name = test_file.stem
    if not isinstance(expected, bool):
        return RuleTestResult(rule=rule.identifier, test=name, outcome="fail", expected=None, got=None,
                              detail="the test has no boolean 'expected'")
    external: dict[str, Any] = dict(test.get("external") or {})
    external.setdefault("valueSets", sets)
    clock = external.get("validationClock")
    if isinstance(clock, str) and not _in_window(rule, clock):
        return RuleTestResult(rule=rule.identifier, test=name, outcome="skip", expected=expected,
                              got=None, detail="validationClock outside the rule's validity")
    try:
        got = certlogic.is_truthy(rule.evaluate({"payload": test.get("payload"), "external": external}))
    except certlogic.CertLogicError as exc:
        return RuleTestResult(rule=rule.identifier, test=name, outcome="fail", expected=expected,
                              got=None, detail=f"evaluation failed: {exc}")
    return RuleTestResult(rule=rule.identifier, test=name, outcome="pass" if got is expected else "fail",
                          expected=expected, got=got, detail=str(test.get("name", "")))


def _in_window(rule: Rule, clock: str) -> bool:
    try:
        when = certlogic.parse_date_time(clock)
    except certlogic.CertLogicError:
        return True  # the rule itself will say what it makes of the clock
    return rule.valid_at(when.astimezone(dt.timezone.utc))
