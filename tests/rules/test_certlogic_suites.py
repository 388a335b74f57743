"""The CertLogic 1.3.3 evaluator and validator suites (../shared/vectors/certlogic)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cccdqr.rules import certlogic

import helpers

SUITES = helpers.shared("vectors", "certlogic", "testSuite")
VALIDATION = helpers.shared("vectors", "certlogic", "validation")


def _active_assertions() -> list[Any]:
    out = []
    for path in sorted(SUITES.glob("*.json")):
        suite = json.loads(path.read_text("utf-8"))
        if suite.get("directive") == "skip":
            continue
        for case in suite["cases"]:
            if case.get("directive") == "skip":
                continue
            for number, assertion in enumerate(case["assertions"]):
                if assertion.get("directive") == "skip":
                    continue
                expr = assertion.get("certLogicExpression", case.get("certLogicExpression"))
                out.append(pytest.param(expr, assertion["data"], assertion["expected"],
                                        id=f"{path.stem}:{case['name']}:{number}"))
    return out


ASSERTIONS = _active_assertions()


def test_the_suites_hold_218_active_assertions() -> None:
    assert len(ASSERTIONS) == 218


def _jsonish(value: Any) -> Any:
    """Date-times compare as the instants they are; expected values are plain JSON."""
    return value


@pytest.mark.parametrize(("expr", "data", "expected"), ASSERTIONS)
def test_evaluate_gives_the_expected_value(expr: Any, data: Any, expected: Any) -> None:
    got = certlogic.evaluate(expr, data)
    assert got == expected and type(got) is type(expected)


def _validation_cases() -> list[Any]:
    out = []
    for path in sorted(VALIDATION.glob("*.json")):
        suite = json.loads(path.read_text("utf-8"))
        for number, case in enumerate(suite["cases"]):
            if case.get("directive") == "skip":
                continue
            out.append(pytest.param(case["certLogicExpression"], case["issues"], id=f"{path.stem}:{number}"))
    return out


@pytest.mark.parametrize(("expr", "issues"), _validation_cases())
def test_validate_finds_the_expected_issues(expr: Any, issues: list[dict[str, Any]]) -> None:
    found = certlogic.validate(expr)
    assert [i.expr for i in found] == [i["expr"] for i in issues]
    assert all(i.message for i in found)


def test_suite_files_are_all_read() -> None:
    assert len(list(SUITES.glob("*.json"))) == 14
    assert len(list(VALIDATION.glob("*.json"))) == 4
    assert isinstance(SUITES, Path)
