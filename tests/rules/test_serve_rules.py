"""``cccdqr serve --rules``: the service's snapshot holds a RuleSet, its
verifications name failed rules by id, and rules with a policy are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from cccdqr.rules.ruleset import RuleSet
from cccdqr.serve.app import Service, ServiceLimits
from cccdqr.serve.state import Checks, LoadError, Sources, load

import helpers


def test_serve_verifies_with_rules(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    helpers.TRUST.save(trust)
    checks = Checks(Sources(trust=str(trust), rules="default"), clock=lambda: helpers.NOW)
    assert isinstance(checks.snapshot.policy, RuleSet)
    service = Service(checks, lambda: helpers.NOW, ServiceLimits())
    passed = service.verify_document(helpers.issue(helpers.certificate(doses=2)), None)
    failed = service.verify_document(helpers.issue(helpers.certificate(doses=1)), None)
    assert passed["decision"]["passes"] is True and passed["policy"]["passed"] is True
    assert failed["status"] == "VALID"  # genuine, but the person may not pass:
    assert failed["decision"]["status"] == "INVALID"
    assert failed["decision"]["reasons"] == ["POLICY_NOT_MET"]
    assert "VR-VN-0003" in failed["decision"]["messages"]["vi"]
    assert [r["rule"] for r in failed["policy"]["rules"] if not r["passed"]][0] == "VR-VN-0003"
    folder = helpers.shared("vectors", "certlogic", "rules", "EU")
    assert len(load(Sources(trust=str(trust), rules=str(folder)), helpers.NOW).policy.rules) == 14  # type: ignore[union-attr]


def test_serve_refuses_rules_with_a_policy(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    helpers.TRUST.save(trust)
    with pytest.raises(LoadError, match="not both"):
        load(Sources(trust=str(trust), policy="default", rules="default"), helpers.NOW)
    with pytest.raises(LoadError, match="policy refused"):
        load(Sources(trust=str(trust), rules=str(tmp_path / "missing")), helpers.NOW)
