"""The 36 published rules give the expected result on all 268 of their tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cccdqr.rules import certlogic

import helpers

RULES = helpers.shared("vectors", "certlogic", "rules")
VALUE_SETS = json.loads((RULES / "valueSets.compressed.json").read_text("utf-8"))


def _cases() -> list[Any]:
    out = []
    for rule_file in sorted(RULES.glob("*/*/rule.json")):
        rule = json.loads(rule_file.read_text("utf-8"))
        for test_file in sorted((rule_file.parent / "tests").glob("*.json")):
            test = json.loads(test_file.read_text("utf-8"))
            out.append(pytest.param(rule["Logic"], test, id=f"{rule['Identifier']}:{test_file.stem}"))
    return out


CASES = _cases()


def test_there_are_268_tests_of_36_rules() -> None:
    assert len(CASES) == 268
    assert len({c.id.split(":")[0] for c in CASES}) == 36


@pytest.mark.parametrize(("logic", "test"), CASES)
def test_rule_gives_expected(logic: Any, test: dict[str, Any]) -> None:
    external = dict(test.get("external", {}))
    external.setdefault("valueSets", VALUE_SETS)
    data = {"payload": test.get("payload"), "external": external}
    assert certlogic.is_truthy(certlogic.evaluate(logic, data)) is test["expected"]
