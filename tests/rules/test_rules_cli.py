"""``cccdqr rules convert|test|list`` and ``cccdqr verify --rules``: exit codes,
the round trip TOML -> rules -> same decisions, and failed rules named by id in
``--json``."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import cccdqr
from cccdqr.policy.toml_policy import Policy
from cccdqr.rules.ruleset import RuleSet

import helpers

UTC = dt.timezone.utc
RULES = helpers.shared("vectors", "certlogic", "rules")


run = helpers.run_cli


# --- rules convert ---------------------------------------------------------------------

def test_convert_round_trip_decides_as_the_policy(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "strict.toml"
    toml.write_text("[vaccination.wait]\ndays = 30\n[test.max_age]\nhours = {NAA = 24, RAT = 12}\n",
                    "utf-8")
    code, out, _ = run(capsys, "rules", "convert", str(toml), "-o", str(tmp_path / "out"))
    assert code == 0 and "wrote" in out
    policy = Policy.load(toml)
    ruleset = RuleSet.load(tmp_path / "out", country="VN")
    assert {r.identifier for r in ruleset.rules} >= {"VR-VN-0001", "TR-VN-0001", "RR-VN-0001"}
    decisions = set()
    for doses in (1, 2, 3):
        cert = helpers.certificate(doses=doses)
        for days in (5, 20, 40, 400):
            now = dt.datetime.combine(cert.vaccinations[-1].date, dt.time(12), UTC) + dt.timedelta(days=days)
            expected = policy.evaluate(cert, now=now)
            got = ruleset.evaluate(cert, now=now)
            assert (got.passed, got.passed_by) == (expected.passed, expected.passed_by)
            decisions.add(got.passed)
    test_cert = cccdqr.HealthCertificate(subject=helpers.subject(), tests=(helpers.test_event(),))
    sampled = test_cert.tests[0].sampled_at
    for hours in (1, 13, 25):
        now = sampled + dt.timedelta(hours=hours)
        assert ruleset.evaluate(test_cert, now=now).passed == policy.evaluate(test_cert, now=now).passed
    assert decisions == {True, False}


def test_convert_refuses_a_file_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("x", "utf-8")
    code, _, err = run(capsys, "rules", "convert", "default", "-o", str(tmp_path / "f"))
    assert code == 2 and "not a folder" in err


# --- rules test ------------------------------------------------------------------------

def test_rules_test_on_the_published_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "test", str(RULES))
    assert code == 0
    assert "268 passed, 0 failed, 0 skipped (268 tests of 36 rules)" in out


def test_rules_test_reports_a_failing_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "EU"
    shutil.copytree(RULES / "EU" / "VR-EU-0000", folder / "VR-EU-0000")
    shutil.copy(RULES / "valueSets.compressed.json", tmp_path / "valueSets.compressed.json")
    test_file = sorted((folder / "VR-EU-0000" / "tests").glob("*.json"))[0]
    test = json.loads(test_file.read_text("utf-8"))
    test["expected"] = not test["expected"]
    test_file.write_text(json.dumps(test), "utf-8")
    code, out, _ = run(capsys, "rules", "test", str(folder))
    assert code == 1
    assert f"FAIL VR-EU-0000 {test_file.stem}" in out and "1 failed" in out


def test_rules_test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "rules", "test", str(tmp_path))
    assert code == 2 and "no rule.json" in err
    bad = tmp_path / "VR-XX-0001"
    bad.mkdir()
    doc = json.loads((RULES / "EU" / "VR-EU-0000" / "rule.json").read_text("utf-8"))
    doc.update(Identifier="VR-XX-0001", Logic={"nope": [1]})
    (bad / "rule.json").write_text(json.dumps(doc), "utf-8")
    code, _, err = run(capsys, "rules", "test", str(tmp_path))
    assert code == 2 and "VR-XX-0001" in err


def test_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list", str(RULES / "EU"), "--lang", "en")
    assert code == 0 and "14 rules" in out and "VR-EU-0002 1.0.0 Acceptance EU Vaccination" in out


# --- verify --rules --------------------------------------------------------------------

@pytest.fixture
def codes(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A trust list and two signed VN1 codes: a complete series and a first dose."""
    trust = tmp_path / "trust.json"
    helpers.TRUST.save(trust)
    full, first = tmp_path / "full.txt", tmp_path / "first.txt"
    full.write_text(helpers.issue(helpers.certificate(doses=2)), "utf-8")
    first.write_text(helpers.issue(helpers.certificate(doses=1)), "utf-8")
    return trust, full, first


def test_verify_rules_default_json_names_failed_rules(codes: tuple[Path, Path, Path],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    trust, full, first = codes
    at = helpers.NOW.isoformat()
    code, out, _ = run(capsys, "verify", "--file", str(full), "--trust", str(trust), "--at", at,
                       "--rules", "default", "--lang", "en")
    assert code == 0 and "Meets the rules (vaccination)" in out and "VR-VN-0001" in out
    code, out, _ = run(capsys, "verify", "--file", str(first), "--trust", str(trust), "--at", at,
                       "--rules", "default", "--json")
    assert code == 1
    policy = json.loads(out)["policy"]
    failed = [r for r in policy["rules"] if not r["passed"]]
    assert policy["passed"] is False and failed[0]["rule"] == "VR-VN-0003"
    assert failed[0]["message_en"] and failed[0]["message_vi"]
    code, out, _ = run(capsys, "verify", "--file", str(first), "--trust", str(trust), "--at", at,
                       "--rules", "default", "--lang", "vi")
    assert code == 1 and "✘ VR-VN-0003: Đã đủ liều cơ bản" in out


def test_verify_rules_from_a_folder_and_with_policy(codes: tuple[Path, Path, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    trust, full, _ = codes
    at = helpers.NOW.isoformat()
    base = ("verify", "--file", str(full), "--trust", str(trust), "--at", at)
    code, out, _ = run(capsys, *base, "--rules", str(RULES / "EU"), "--json")
    policy = json.loads(out)["policy"]
    assert code in (0, 1) and {r["rule"][:2] for r in policy["rules"]} <= {"GR", "VR"}
    assert all(r["rule"].endswith(tuple("0123456789")) and "-EU-" in r["rule"] for r in policy["rules"])
    code, _, err = run(capsys, *base, "--rules", "default", "--policy", "default")
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, *base, "--rules", str(tmp_path / "missing"))
    assert code == 2 and "cannot read" in err
