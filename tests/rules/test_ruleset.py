"""CertLogic rule sets as the entry policy: loading (one rule, a list, a folder),
the schema and operator checks at load, selection, the engine-version guard,
VN1 and EU DCC certificates through ``verify(policy=RuleSet)``, and the default
Viet Nam rules deciding exactly as the TOML default policy."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr.policy.toml_policy import Policy
from cccdqr.rules.convert import rules_from_settings
from cccdqr.rules.payload import dgc_view
from cccdqr.rules.ruleset import RuleSet, RuleSetError
from cccdqr.testing import health_certificates
from cccdqr.trust.store import make_trusted_certificate

import helpers

UTC = dt.timezone.utc
RULES = helpers.shared("vectors", "certlogic", "rules")
EU = RULES / "EU"
VECTORS = helpers.shared("vectors", "eu-dcc")


def eu_rule(ident: str = "VR-EU-0000") -> dict[str, Any]:
    kind = {"G": "General", "V": "Vaccination", "T": "Test", "R": "Recovery"}[ident[0]]
    doc: dict[str, Any] = json.loads((RULES / ident.split("-")[1] / ident / "rule.json").read_text("utf-8"))
    assert doc["CertificateType"] == kind
    return doc


def made_rule(ident: str, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(eu_rule("VR-EU-0000"))
    doc.update(Identifier=ident, Country=ident.split("-")[1], **changes)
    return doc


# --- loading ---------------------------------------------------------------------------

def test_load_one_rule_file() -> None:
    ruleset = RuleSet.load(EU / "VR-EU-0000" / "rule.json")
    assert [r.identifier for r in ruleset.rules] == ["VR-EU-0000"]
    rule = ruleset.rules[0]
    assert rule.certificate_type == "Vaccination" and rule.country == "EU" and rule.version == (1, 0, 0)
    assert rule.description("en")


def test_load_a_list_and_a_folder(tmp_path: Path) -> None:
    listed = tmp_path / "rules.json"
    listed.write_text(json.dumps([eu_rule("VR-EU-0000"), eu_rule("TR-EU-0000")]), "utf-8")
    assert [r.identifier for r in RuleSet.load(listed).rules] == ["VR-EU-0000", "TR-EU-0000"]
    assert len(RuleSet.load(EU).rules) == 14
    assert len(RuleSet.load(RULES).rules) == 36  # every <CC>/<Id>/rule.json below
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "a.json").write_text(json.dumps(eu_rule("GR-EU-0000")), "utf-8")
    (flat / "b.json").write_text(json.dumps([eu_rule("RR-EU-0000")]), "utf-8")
    assert {r.identifier for r in RuleSet.load(flat).rules} == {"GR-EU-0000", "RR-EU-0000"}


@pytest.mark.parametrize(("change", "words"), [
    ({"Logic": None}, "Logic"),
    ({"Identifier": "VR-EU-12"}, "Identifier"),
    ({"CertificateType": "Passport"}, "CertificateType"),
    ({"Description": [{"lang": "vi", "desc": "chỉ có tiếng Việt, không có tiếng Anh"}]}, "English"),
    ({"ValidFrom": "2021-06-01"}, "ValidFrom"),
])
def test_schema_violations_are_rejected_at_load(tmp_path: Path, change: dict[str, Any],
                                                words: str) -> None:
    doc = eu_rule()
    doc.update(change)
    if change.get("Logic", 1) is None:
        del doc["Logic"]
    (tmp_path / "rule.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(RuleSetError, match=words) as exc:
        RuleSet.load(tmp_path / "rule.json")
    assert "not a gateway rule" in str(exc.value)
    if change.get("Identifier") is None:
        assert "VR-EU-0000" in str(exc.value)


def test_unknown_operator_is_rejected_at_load_naming_the_rule() -> None:
    doc = made_rule("VR-XX-0001", Logic={"and": [{"frobnicate": [1, 2]}, True]})
    with pytest.raises(RuleSetError, match="rule VR-XX-0001") as exc:
        RuleSet.from_json([eu_rule(), doc])
    assert "CertLogic" in str(exc.value)


def test_unreadable_rule_files(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="cannot read"):
        RuleSet.load(tmp_path / "no-such.json")
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    with pytest.raises(RuleSetError, match="cannot read"):
        RuleSet.load(tmp_path / "bad.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleSetError, match="no rule files"):
        RuleSet.load(tmp_path / "empty")


# --- selection -------------------------------------------------------------------------

def test_selection_by_type_country_and_time() -> None:
    now = dt.datetime(2022, 1, 1, tzinfo=UTC)
    everyone = RuleSet.load(RULES)
    tests_only = everyone.select(now, types=("General", "Test"))
    assert {r.certificate_type for r in tests_only} == {"General", "Test"}
    finland = RuleSet.load(RULES, country="FI")
    later = dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert finland.select(now) == []  # Finland's rules are in force from 2023-04-15
    assert {r.country for r in finland.select(later)} == {"FI"} and len(finland.select(later)) == 17
    assert {r.identifier for r in RuleSet.load(RULES, country="EU").select(now)} == \
        {r.identifier for r in RuleSet.load(EU).rules}
    # before ValidFrom (2021-06-01) no EU rule is in force; after ValidTo neither
    assert RuleSet.load(EU).select(dt.datetime(2021, 5, 31, tzinfo=UTC)) == []
    assert RuleSet.load(EU).select(dt.datetime(2030, 6, 1, tzinfo=UTC)) == []


def test_selection_takes_the_newest_version_in_force() -> None:
    old = made_rule("VR-XX-0001", Version="1.0.0")
    new = made_rule("VR-XX-0001", Version="1.1.0", ValidFrom="2022-01-01T00:00:00Z",
                    Logic={"===": [1, 2]})
    ruleset = RuleSet.from_json([old, new], country="XX")
    before, after = dt.datetime(2021, 12, 31, tzinfo=UTC), dt.datetime(2022, 1, 2, tzinfo=UTC)
    assert [r.version for r in ruleset.select(before)] == [(1, 0, 0)]
    assert [r.version for r in ruleset.select(after)] == [(1, 1, 0)]
    with pytest.raises(RuleSetError, match="twice"):
        RuleSet.from_json([old, dict(old, Logic={"===": [1, 1]})])


def test_invalidation_rules_apply_to_their_issuer_only() -> None:
    rule = made_rule("VR-XX-0001", Type="Invalidation", Logic={"===": [1, 2]})
    ruleset = RuleSet.from_json([rule], country="VN")
    now = dt.datetime(2022, 1, 1, tzinfo=UTC)
    assert ruleset.select(now, issuer="XX") and not ruleset.select(now, issuer="VN")


def test_a_rule_for_a_newer_engine_fails_with_the_reason() -> None:
    cert = helpers.certificate(doses=2)
    newer = made_rule("GR-XX-0001", CertificateType="General", EngineVersion="2.0.0",
                      Logic={"===": [1, 1]})
    outcome = RuleSet.from_json([newer], country="XX").evaluate(
        cert, now=dt.datetime(2022, 1, 1, tzinfo=UTC))
    assert not outcome.passed
    assert outcome.failed[0].rule == "GR-XX-0001" and "needs CertLogic 2.0.0" in outcome.failed[0].error
    same = RuleSet.from_json([dict(newer, EngineVersion="1.3.3")], country="XX")
    assert same.evaluate(cert, now=dt.datetime(2022, 1, 1, tzinfo=UTC)).passed


# --- VN1 through the DGC view ----------------------------------------------------------

def test_the_shipped_default_rules_are_the_converted_default_policy() -> None:
    shipped = json.loads((helpers.ROOT / "src" / "cccdqr" / "data" / "rules-default.json")
                         .read_text("utf-8"))
    assert shipped == rules_from_settings(Policy.default().settings)


def test_dgc_view_of_a_vn1_certificate() -> None:
    cert = helpers.certificate(doses=2)
    view = dgc_view(cert, certificate_id="URN:UVCI:01:VN:X")
    assert view["dob"] == helpers.DOB and view["nam"]["fn"]
    first = view["v"][0]
    assert first["dn"] == 1 and first["co"] == "VN" and first["tg"] == "840539006"
    assert first["dt"] == cert.vaccinations[0].date.isoformat() and first["ci"] == "URN:UVCI:01:VN:X"
    assert "t" not in view and "r" not in view


@st.composite
def certificate_and_clock(draw: st.DrawFn) -> tuple[cccdqr.HealthCertificate, dt.datetime]:
    """A certificate and a clock near one of its events, so both passing and failing
    decisions are common."""
    cert = draw(health_certificates())
    anchors = ([dt.datetime.combine(v.date, dt.time(), UTC) for v in cert.vaccinations]
               + [t.sampled_at for t in cert.tests]
               + [dt.datetime.combine(r.valid_from, dt.time(), UTC) for r in cert.recoveries])
    anchor = draw(st.sampled_from(anchors))
    offset = draw(st.integers(-2 * 86400, 400 * 86400))
    return cert, anchor + dt.timedelta(seconds=offset)


DEFAULT_RULES = RuleSet.default()
DEFAULT_POLICY = Policy.default()


@settings(max_examples=300, deadline=None)
@given(certificate_and_clock())
def test_default_rules_decide_as_the_default_policy(case: tuple[cccdqr.HealthCertificate,
                                                                dt.datetime]) -> None:
    cert, now = case
    toml, rules = DEFAULT_POLICY.evaluate(cert, now=now), DEFAULT_RULES.evaluate(cert, now=now)
    assert (rules.passed, rules.passed_by) == (toml.passed, toml.passed_by)


def test_default_rules_pass_and_fail_some_of_a_fixed_spread() -> None:
    """The property above is not vacuous: on a fixed spread both outcomes occur."""
    seen = set()
    for doses in (1, 2, 3):
        cert = helpers.certificate(doses=doses)
        for days in (-1, 1, 20, 200, 800):
            now = dt.datetime.combine(cert.vaccinations[-1].date, dt.time(9), UTC) + dt.timedelta(days=days)
            outcome = DEFAULT_RULES.evaluate(cert, now=now)
            assert outcome.passed == DEFAULT_POLICY.evaluate(cert, now=now).passed
            seen.add(outcome.passed)
    assert seen == {True, False}


def test_verify_a_signed_vn1_code_with_the_default_rules() -> None:
    cert = helpers.certificate(doses=2)
    text = helpers.issue(cert)
    now = helpers.NOW
    result = cccdqr.verify(text, helpers.TRUST, now=now, policy=DEFAULT_RULES)
    toml = cccdqr.verify(text, helpers.TRUST, now=now, policy=DEFAULT_POLICY)
    assert result.valid and result.policy is not None and toml.policy is not None
    assert result.policy.passed == toml.policy.passed
    document = result.to_dict()["policy"]
    assert [r["rule"] for r in document["rules"]][:1] == ["VR-VN-0001"]
    assert all({"rule", "passed", "message_en", "message_vi", "error"} <= set(r)
               for r in document["rules"])


# --- EU DCC with the published EU rules ------------------------------------------------

def eu_vector(name: str) -> tuple[str, cccdqr.TrustStore, dt.datetime]:
    doc = json.loads((VECTORS / name).read_text("utf-8"))
    ctx = doc["TESTCTX"]
    key = make_trusted_certificate(base64.b64decode(ctx["CERTIFICATE"]))
    clock = dt.datetime.fromisoformat(ctx["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    return doc["PREFIX"], cccdqr.TrustStore([key]), clock


@pytest.mark.parametrize(("name", "failed"), [
    ("DE/1.json", []),                              # a complete vaccination
    ("DE/4.json", ["VR-EU-0002"]),                  # a vaccination the EU rules refuse
    ("DE/2.json", ["TR-EU-0002", "TR-EU-0005"]),    # a test
    ("CZ/2.json", ["RR-EU-0002"]),                  # a recovery
])
def test_eu_dcc_vectors_with_the_published_eu_rules(name: str, failed: list[str]) -> None:
    text, trust, clock = eu_vector(name)
    ruleset = RuleSet.load(EU, value_sets=json.loads((RULES / "valueSets.compressed.json")
                                                     .read_text("utf-8")))
    result = cccdqr.verify(text, trust, now=clock, policy=ruleset)
    assert result.valid and result.policy is not None
    assert [c.rule for c in result.policy.failed] == failed
    assert result.policy.passed is (not failed)
    assert len(result.policy.rules) >= 3  # General rules and those of its type
    for check in result.policy.failed:
        assert check.message_en  # named by id, with its description
