"""The checkpoint decision's own reason: a genuine code that fails the entry rules."""

from __future__ import annotations

import pytest

import cccdqr
from cccdqr import Reason

import helpers
from reason_cases import Case, Producer

STRICT = cccdqr.Policy.default().merged('[vaccination.products]\naccepted = ["EU/1/21/1618"]\n')


def _policy_not_met(_: pytest.MonkeyPatch) -> Case:
    def check() -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
        decision = cccdqr.decide(helpers.verify(helpers.issue(), policy=STRICT))
        assert decision.status is cccdqr.Status.INVALID and decision.result.valid
        return decision.reasons, decision.warnings
    return Case(check=check)


COVERAGE: dict[Reason, Producer] = {Reason.POLICY_NOT_MET: _policy_not_met}
