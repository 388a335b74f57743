"""evaluate() raises nothing but CertLogicError, and validate() never raises, on arbitrary JSON."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cccdqr.rules import certlogic

_OPS = sorted(certlogic.OPERATORS) + ["all", ""]
_scalar = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=8) \
    | st.sampled_from(["2021-06-01", "2004", "2004-02", "2021-06-01T00:00:00Z", "URN:UVCI:01:VN:A#B"])
JSON: st.SearchStrategy[Any] = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_OPS), inner, max_size=2)
    | st.builds(lambda op, args: {op: args}, st.sampled_from(_OPS), st.lists(inner, max_size=4)),
    max_leaves=20)


@given(JSON, JSON)
def test_evaluate_raises_only_certlogic_error(expr: Any, data: Any) -> None:
    try:
        certlogic.evaluate(expr, data)
    except certlogic.CertLogicError:
        pass


@given(JSON)
def test_validate_never_raises(expr: Any) -> None:
    assert isinstance(certlogic.validate(expr), list)
