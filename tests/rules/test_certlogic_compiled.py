"""``compile_expression`` gives what ``evaluate`` gives: on the 218 suite
assertions, the 268 published rule tests, and arbitrary JSON (same value, or
the same failure: only ``CertLogicError``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from cccdqr.rules import certlogic

from test_certlogic_property import JSON
from test_certlogic_suites import ASSERTIONS
from test_published_rules import CASES, VALUE_SETS


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", fn(*args)
    except certlogic.CertLogicError:
        return "error", None


@pytest.mark.parametrize(("expr", "data", "expected"), ASSERTIONS)
def test_compiled_suite_assertions(expr: Any, data: Any, expected: Any) -> None:
    got = certlogic.compile_expression(expr)(data)
    assert got == expected and type(got) is type(expected)


def test_compiled_published_rules() -> None:
    for case in CASES:
        logic, test = case.values
        external = dict(test.get("external", {}))
        external.setdefault("valueSets", VALUE_SETS)
        data = {"payload": test.get("payload"), "external": external}
        got = certlogic.compile_expression(logic)(data)
        assert certlogic.is_truthy(got) is test["expected"], case.id


def test_compiled_literal_arrays_are_fresh() -> None:
    """``===`` compares arrays by identity, so a literal array is a new one each time."""
    expr = {"reduce": [[1, 2], {"if": [{"===": [{"var": "accumulator"}, [0]]}, "same", [0]]}, [0]]}
    assert certlogic.compile_expression(expr)({}) == certlogic.evaluate(expr, {}) == [0]
    run = certlogic.compile_expression([1, [2]])
    first = run(None)
    first[1].append(3)
    assert run(None) == [1, [2]]


def test_compiled_too_deep_is_the_interpreters_error() -> None:
    deep: Any = True
    for _ in range(2000):
        deep = {"!": [deep]}
    assert outcome(certlogic.compile_expression(deep), {}) == outcome(certlogic.evaluate, deep, {})


@settings(max_examples=300)
@given(JSON, JSON)
def test_compiled_equals_interpreted(expr: Any, data: Any) -> None:
    compiled = outcome(certlogic.compile_expression(expr), data)
    interpreted = outcome(certlogic.evaluate, expr, data)
    assert json.dumps(compiled, default=repr) == json.dumps(interpreted, default=repr)


