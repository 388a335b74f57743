"""Entry policy: every rule at its boundary, files and overrides, properties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cccdqr
from cccdqr.core._json import jsonable
from cccdqr.core.errors import CccdqrError, PolicyError
from cccdqr.core.model import (
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Recovery,
    Test,
    Vaccination,
)
from cccdqr.policy.toml_policy import PATHS, Policy, PolicyOutcome
from cccdqr.core.products import PRODUCT_NAMES
from cccdqr.testing import health_certificates

import helpers

UTC = dt.timezone.utc
NOW = helpers.NOW  # 2026-11-23 09:00 UTC = 16:00 in Viet Nam
TODAY = dt.date(2026, 11, 23)
DEFAULT = Policy.default()


def cert(*, v: tuple[Vaccination, ...] = (), t: tuple[Test, ...] = (),
         r: tuple[Recovery, ...] = ()) -> HealthCertificate:
    return HealthCertificate(subject=helpers.subject(), vaccinations=v, tests=t, recoveries=r)


def dose(n: int = 2, of: int | None = 2, days_ago: int = 100,
         product: str = "EU/1/20/1528", **changes: Any) -> Vaccination:
    return Vaccination(product=product, dose_number=n, doses_in_series=of,
                       date=TODAY - dt.timedelta(days=days_ago), **changes)


def sampled(age: dt.timedelta, test_type: str = TEST_NAA,
            result: int = RESULT_NOT_DETECTED, **changes: Any) -> Test:
    return Test(test_type=test_type, sampled_at=NOW - age, result=result, **changes)


def recovery(first_ago: int = 40, from_ago: int = 29, until_in: int = 140) -> Recovery:
    return Recovery(first_positive=TODAY - dt.timedelta(days=first_ago),
                    valid_from=TODAY - dt.timedelta(days=from_ago),
                    valid_until=TODAY + dt.timedelta(days=until_in))


def rule(outcome: PolicyOutcome, rule_id: str) -> cccdqr.policy.toml_policy.RuleResult:
    found = [r for r in outcome.rules if r.rule == rule_id]
    assert len(found) == 1, (rule_id, outcome.rules)
    return found[0]


def evaluate(c: HealthCertificate, policy: Policy = DEFAULT, now: dt.datetime = NOW
             ) -> PolicyOutcome:
    return policy.evaluate(c, now=now)


# --- the default file -------------------------------------------------------------

def test_default_policy_values() -> None:
    s = DEFAULT.settings
    assert set(s["vaccination"]["products"]["accepted"]) == set(PRODUCT_NAMES)
    assert set(s["vaccination"]["series"]["doses"]) == set(PRODUCT_NAMES)
    assert s["vaccination"]["series"]["doses"]["EU/1/20/1525"] == 1  # Jcovden
    assert s["vaccination"]["wait"]["days"] == 14
    assert s["vaccination"]["max_age"]["enabled"] is False
    assert dict(s["test"]["max_age"]["hours"]) == {"NAA": 72, "RAT": 48}
    assert s["recovery"]["max_age"]["days"] == 180
    assert DEFAULT.skew == dt.timedelta(minutes=5) == cccdqr.verify.__kwdefaults__["skew"]
    assert DEFAULT.utc_offset == dt.timedelta(hours=7)
    assert DEFAULT.valid_from is None
    assert DEFAULT.version == "default-1"
    assert Policy.default() is DEFAULT


def test_settings_are_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT.settings["vaccination"]["wait"]["days"] = 0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.version = "x"  # type: ignore[misc]


# --- vaccination ------------------------------------------------------------------

@pytest.mark.parametrize(("days_ago", "passed"), [(13, False), (14, True), (15, True)])
def test_wait_after_series_boundary(days_ago: int, passed: bool) -> None:
    out = evaluate(cert(v=(dose(2, 2, days_ago),)))
    wait = rule(out, "vaccination.wait")
    assert wait.passed is passed is out.passed
    assert wait.message_en == f"Dose 2: {days_ago} days ago (needs 14)"
    assert wait.message_vi == f"Mũi 2: cách đây {days_ago} ngày (cần 14)"


def test_days_count_in_the_policy_time_zone() -> None:
    # 2026-11-22 17:00 UTC is already 2026-11-23 00:00 in Viet Nam.
    c = cert(v=(dose(2, 2, 14),))
    assert evaluate(c, now=dt.datetime(2026, 11, 22, 17, 0, tzinfo=UTC)).passed
    assert not evaluate(c, now=dt.datetime(2026, 11, 22, 16, 59, 59, tzinfo=UTC)).passed
    utc = DEFAULT.merged('utc_offset = "+00:00"')
    assert not evaluate(c, utc, now=dt.datetime(2026, 11, 22, 17, 0, tzinfo=UTC)).passed
    # The same instant written in another zone gives the same verdict.
    same = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=-11)))
    assert evaluate(c, now=same).passed


@pytest.mark.parametrize(("ahead", "en"), [(1, "1 day"), (3, "3 days")])
def test_dose_in_the_future_fails_wait(ahead: int, en: str) -> None:
    out = evaluate(cert(v=(dose(3, 2, -ahead),)))
    wait = rule(out, "vaccination.wait")
    assert not wait.passed and not out.passed
    assert wait.message_en == f"Booster: dated {en} ahead (needs 0 days ago)"
    assert wait.message_vi == f"Mũi nhắc lại: ghi ngày sau hôm nay {ahead} ngày (cần 0)"


@pytest.mark.parametrize(("n", "of", "passed"), [(1, 2, False), (2, 2, True), (1, 1, True),
                                                 (2, 3, False), (3, 3, True)])
def test_complete_primary_series(n: int, of: int, passed: bool) -> None:
    out = evaluate(cert(v=(dose(n, of, 100),)))
    assert rule(out, "vaccination.series").passed is passed is out.passed
    if not passed:
        assert out.failed[0].rule == "vaccination.series"
        assert out.failed[0].message_en == f"Dose {n} of {of}: primary series not complete"
        assert out.failed[0].message_vi == f"Mũi {n}/{of}: chưa đủ liều cơ bản"


def test_series_rule_can_be_disabled() -> None:
    off = DEFAULT.merged("[vaccination.series]\nenabled = false")
    out = evaluate(cert(v=(dose(1, 2, 100),)), off)
    assert out.passed
    assert "vaccination.series" not in {r.rule for r in out.rules}


@pytest.mark.parametrize(("product", "n", "passed"), [
    ("EU/1/20/1525", 1, True),    # Jcovden: one dose
    ("Sputnik-Light", 1, True),
    ("EU/1/20/1528", 1, False),   # Comirnaty: two
    ("EU/1/20/1528", 2, True),
    ("Abdala", 2, False),         # three
    ("Abdala", 3, True),
])
def test_series_length_from_table_when_the_record_does_not_say(
        product: str, n: int, passed: bool) -> None:
    out = evaluate(cert(v=(dose(n, None, 100, product=product),)))
    series = rule(out, "vaccination.series")
    assert series.passed is passed is out.passed
    assert "assumed" in series.message_en and "giả định" in series.message_vi


def test_unknown_product_uses_default_series_length() -> None:
    relaxed = DEFAULT.merged("[vaccination.products]\nenabled = false")
    assert not evaluate(cert(v=(dose(1, None, 100, product="X-VAX"),)), relaxed).passed
    assert evaluate(cert(v=(dose(2, None, 100, product="X-VAX"),)), relaxed).passed
    one = relaxed.merged("[vaccination.series]\ndefault_doses = 1")
    assert evaluate(cert(v=(dose(1, None, 100, product="X-VAX"),)), one).passed
    # A user table entry merges with the shipped table.
    table = relaxed.merged('[vaccination.series.doses]\n"X-VAX" = 1')
    assert evaluate(cert(v=(dose(1, None, 100, product="X-VAX"),)), table).passed
    assert table.settings["vaccination"]["series"]["doses"]["EU/1/20/1528"] == 2


def test_product_not_accepted() -> None:
    out = evaluate(cert(v=(dose(2, 2, 100, product="X-VAX"),)))
    assert not out.passed
    assert rule(out, "vaccination.product").message_en == "Vaccine X-VAX is not accepted"
    assert rule(out, "vaccination.product").message_vi == "Vắc xin X-VAX không được chấp nhận"
    only_pfizer = DEFAULT.merged('[vaccination.products]\naccepted = ["EU/1/20/1528"]')
    assert evaluate(cert(v=(dose(2, 2, 100),)), only_pfizer).passed
    assert not evaluate(cert(v=(dose(2, 2, 100, product="EU/1/20/1507"),)), only_pfizer).passed
    moderna = rule(evaluate(cert(v=(dose(2, 2, 100, product="EU/1/20/1507"),)), DEFAULT),
                   "vaccination.product")
    assert moderna.passed and "Spikevax (Moderna)" in moderna.message_en


@pytest.mark.parametrize(("n", "of", "product", "booster"), [
    (3, 2, "EU/1/20/1528", True),
    (3, 3, "EU/1/20/1528", True),    # EU writes boosters as 3/3: beyond Comirnaty's 2
    (3, 3, "Abdala", False),         # Abdala's series is three doses
    (2, 1, "EU/1/20/1525", True),    # Jcovden then a booster
    (1, 1, "EU/1/20/1528", False),   # one dose after recovery: complete, not a booster
])
def test_booster_counts_from_its_own_day(n: int, of: int, product: str, booster: bool) -> None:
    out = evaluate(cert(v=(dose(n, of, 0, product=product),)))
    assert out.passed is booster
    wait = rule(out, "vaccination.wait")
    assert wait.message_en == ("Booster: 0 days ago (needs 0)" if booster
                               else f"Dose {n}: 0 days ago (needs 14)")
    assert ("a booster" in rule(out, "vaccination.series").message_en) is booster


def test_booster_counting_disabled_treats_it_as_a_series_dose() -> None:
    off = DEFAULT.merged("[vaccination.booster]\nenabled = false")
    assert not evaluate(cert(v=(dose(3, 2, 13),)), off).passed
    assert evaluate(cert(v=(dose(3, 2, 14),)), off).passed
    wait7 = DEFAULT.merged("[vaccination.booster]\nwait_days = 7")
    assert not evaluate(cert(v=(dose(3, 2, 6),)), wait7).passed
    assert evaluate(cert(v=(dose(3, 2, 7),)), wait7).passed


@pytest.mark.parametrize(("days_ago", "passed"), [(269, True), (270, True), (271, False)])
def test_series_max_age_boundary(days_ago: int, passed: bool) -> None:
    on = DEFAULT.merged("[vaccination.max_age]\nenabled = true")
    out = evaluate(cert(v=(dose(2, 2, days_ago),)), on)
    assert rule(out, "vaccination.max_age").passed is passed is out.passed
    assert rule(out, "vaccination.max_age").message_en == f"Dose 2: {days_ago} days ago (max 270)"
    # Off by default: any age passes.
    assert evaluate(cert(v=(dose(2, 2, 5000),))).passed


def test_booster_restarts_the_max_age() -> None:
    on = DEFAULT.merged("[vaccination.max_age]\nenabled = true\ndays = 270\nbooster_days = 365")
    history = (dose(1, 2, 500), dose(2, 2, 450), dose(3, 2, 365))
    out = evaluate(cert(v=history), on)
    assert out.passed and rule(out, "vaccination.max_age").message_en == \
        "Booster: 365 days ago (max 365)"
    assert not evaluate(cert(v=(dose(1, 2, 500), dose(2, 2, 450), dose(3, 2, 366))), on).passed


def test_any_dose_may_decide_the_path() -> None:
    # The newest dose is of a product not accepted; the series before it passes.
    history = (dose(1, 2, 200), dose(2, 2, 150), dose(3, 2, 5, product="X-VAX"))
    out = evaluate(cert(v=history))
    assert out.passed
    assert rule(out, "vaccination.wait").message_en == "Dose 2: 150 days ago (needs 14)"
    # Nothing passes: the newest dose is the one reported.
    out = evaluate(cert(v=(dose(1, 2, 200), dose(3, 2, 5, product="X-VAX"))))
    assert not out.passed
    assert [r.rule for r in out.failed] == ["vaccination.product"]


def test_disease_rule() -> None:
    flu = cert(v=(dose(2, 2, 100, disease=6142004),))
    out = evaluate(flu)
    assert not out.passed and "SNOMED 6142004" in rule(out, "vaccination.disease").message_en
    assert evaluate(flu, DEFAULT.merged("[disease]\nenabled = false")).passed
    assert evaluate(flu, DEFAULT.merged("[disease]\naccepted = [840539006, 6142004]")).passed


# --- tests ------------------------------------------------------------------------

H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)


@pytest.mark.parametrize(("test_type", "age", "passed", "shown"), [
    (TEST_NAA, 72 * H - S, True, "71 h 59 min"),
    (TEST_NAA, 72 * H, True, "72 h 0 min"),
    (TEST_NAA, 72 * H + S, False, "72 h 1 min"),
    (TEST_RAT, 48 * H, True, "48 h 0 min"),
    (TEST_RAT, 48 * H + S, False, "48 h 1 min"),
    (TEST_RAT, 50 * H, False, "50 h 0 min"),
    (TEST_NAA, 50 * H, True, "50 h 0 min"),
])
def test_test_max_age_boundary(test_type: str, age: dt.timedelta, passed: bool,
                               shown: str) -> None:
    out = evaluate(cert(t=(sampled(age, test_type),)))
    limit = 72 if test_type == TEST_NAA else 48
    max_age = rule(out, "test.max_age")
    assert max_age.passed is passed is out.passed
    assert max_age.message_en == f"Sampled {shown} ago (max {limit} h)"
    h, m = shown.replace(" min", "").split(" h ")
    assert max_age.message_vi == f"Lấy mẫu cách đây {h} giờ {m} phút (tối đa {limit} giờ)"


def test_test_sampled_in_the_future() -> None:
    assert evaluate(cert(t=(sampled(-DEFAULT.skew),))).passed
    out = evaluate(cert(t=(sampled(-DEFAULT.skew - S),)))
    assert not out.passed
    assert rule(out, "test.max_age").message_en == "Sampled 0 h 6 min in the future"


@pytest.mark.parametrize(("result", "message"), [
    (RESULT_DETECTED, "Result: detected"),
    (123456, 'Result code 123456 is not "not detected"'),
])
def test_test_result_must_be_not_detected(result: int, message: str) -> None:
    out = evaluate(cert(t=(sampled(H, result=result),)))
    assert not out.passed
    assert [(r.rule, r.message_en) for r in out.failed] == [("test.result", message)]
    assert evaluate(cert(t=(sampled(H, result=result),)),
                    DEFAULT.merged("[test.result]\nenabled = false")).passed


def test_test_types_and_hours_overrides() -> None:
    naa_only = DEFAULT.merged('[test.types]\naccepted = ["NAA"]')
    out = evaluate(cert(t=(sampled(H, TEST_RAT),)), naa_only)
    assert not out.passed
    assert rule(out, "test.type").message_en == "Test type RAT (rapid antigen) is not accepted"
    short = DEFAULT.merged("[test.max_age.hours]\nRAT = 24")
    assert short.settings["test"]["max_age"]["hours"]["NAA"] == 72
    assert evaluate(cert(t=(sampled(24 * H, TEST_RAT),)), short).passed
    assert not evaluate(cert(t=(sampled(24 * H + S, TEST_RAT),)), short).passed
    unlimited = DEFAULT.merged("[test.max_age]\nenabled = false")
    assert evaluate(cert(t=(sampled(1000 * H),)), unlimited).passed


def test_unknown_test_type_fails_type_and_age() -> None:
    out = evaluate(cert(t=(sampled(H, "LP0000-0"),)))
    assert {r.rule for r in out.failed} == {"test.type", "test.max_age"}
    types_off = DEFAULT.merged("[test.types]\nenabled = false")
    assert [r.rule for r in evaluate(cert(t=(sampled(H, "LP0000-0"),)), types_off).failed] \
        == ["test.max_age"]


# --- recovery ---------------------------------------------------------------------

@pytest.mark.parametrize(("from_ago", "until_in", "passed", "message"), [
    (0, 100, True, "Recovery: valid through today and 100 days more"),
    (-1, 100, False, "Recovery: not valid for another 1 day"),
    (30, 0, True, "Recovery: valid through today and 0 days more"),
    (30, -1, False, "Recovery: expired 1 day ago"),
])
def test_recovery_window_edges(from_ago: int, until_in: int, passed: bool, message: str) -> None:
    out = evaluate(cert(r=(recovery(first_ago=40, from_ago=from_ago, until_in=until_in),)))
    window = rule(out, "recovery.window")
    assert window.passed is passed is out.passed
    assert window.message_en == message


@pytest.mark.parametrize(("first_ago", "passed"), [(180, True), (181, False)])
def test_recovery_max_days_since_first_positive(first_ago: int, passed: bool) -> None:
    out = evaluate(cert(r=(recovery(first_ago=first_ago, from_ago=100, until_in=10),)))
    assert rule(out, "recovery.max_age").passed is passed is out.passed
    assert rule(out, "recovery.max_age").message_vi == \
        f"Xét nghiệm dương tính đầu tiên cách đây {first_ago} ngày (tối đa 180)"
    longer = DEFAULT.merged("[recovery.max_age]\ndays = 181")
    assert evaluate(cert(r=(recovery(first_ago=181, from_ago=100, until_in=10),)), longer).passed


# --- paths and the outcome ----------------------------------------------------------

def test_any_path_passes_and_says_which() -> None:
    c = cert(v=(dose(1, 2, 100),), t=(sampled(H),), r=(recovery(until_in=-1),))
    out = evaluate(c)
    assert out.passed and out.passed_by == ("test",)
    assert [(r.rule, r.passed) for r in out.rules if r.rule in PATHS] == [
        ("vaccination", False), ("test", True), ("recovery", False)]
    assert out.message() == "Meets the rules (test)"
    assert out.message("vi") == "Đạt quy định (xét nghiệm)"
    none = evaluate(cert(v=(dose(1, 2, 100),), t=(sampled(100 * H),)))
    assert not none.passed and none.passed_by == ()
    assert none.message() == "Does not meet the rules: Dose 1 of 2: primary series not complete"
    assert none.message("vi").startswith("Không đạt quy định: Mũi 1/2")


def test_a_disabled_path_never_passes() -> None:
    no_tests = DEFAULT.merged("[test]\nenabled = false")
    out = evaluate(cert(t=(sampled(H),)), no_tests)
    assert not out.passed
    assert [r.rule for r in out.failed] == ["test.accepted"]
    assert rule(out, "test.accepted").message_vi == "Quy định này không chấp nhận hồ sơ xét nghiệm"
    assert evaluate(cert(t=(sampled(H),), r=(recovery(),)), no_tests).passed_by == ("recovery",)


def test_rules_not_yet_in_force() -> None:
    later = DEFAULT.merged("valid_from = 2026-11-24")
    out = evaluate(cert(v=(dose(),)), later)
    assert not out.passed and out.passed_by == ("vaccination",)
    assert out.failed[0].rule == "policy.valid_from"
    assert out.failed[0].message_en == "These rules apply from 2026-11-24"
    assert evaluate(cert(v=(dose(),)), DEFAULT.merged("valid_from = 2026-11-23")).passed


def test_outcome_dict_has_no_personal_data() -> None:
    c = cert(v=(dose(1, 2, 100), dose(2, 2, 40)), t=(sampled(H),), r=(recovery(),))
    out = evaluate(c)
    data = out.to_dict()
    assert data == jsonable(out)
    assert set(data) == {"passed", "passed_by", "rules", "version"}
    assert set(data["rules"][0]) == {"rule", "passed", "message_en", "message_vi"}
    text = json.dumps(data, ensure_ascii=False)
    for personal in (helpers.NAME, helpers.DOB, helpers.ID_NUMBER, "1990", "Nguyễn",
                     str(TODAY - dt.timedelta(days=40))):
        assert personal not in text


def test_wrong_argument_types_raise() -> None:
    with pytest.raises(TypeError):
        DEFAULT.evaluate(cert(v=(dose(),)), now=dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        DEFAULT.evaluate("not a certificate", now=NOW)  # type: ignore[arg-type]


# --- files ------------------------------------------------------------------------

def test_load_user_file_over_the_default(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.toml"
    path.write_text('version = "hanoi-2"\nskew_seconds = 60\n'
                    "[vaccination.wait]\ndays = 7\n"
                    '[vaccination.products]\naccepted = ["VN-NANOCOVAX"]\n', encoding="utf-8")
    p = Policy.load(path)
    assert p.version == "hanoi-2" and p.skew == dt.timedelta(seconds=60)
    assert p.settings["vaccination"]["wait"]["days"] == 7
    assert p.settings["vaccination"]["products"]["accepted"] == ("VN-NANOCOVAX",)  # replaced
    assert p.settings["vaccination"]["products"]["enabled"] is True                # kept
    assert p.settings["test"] == DEFAULT.settings["test"]
    out = evaluate(cert(v=(dose(2, 2, 7, product="VN-NANOCOVAX"),)), p)
    assert out.passed and out.version == "hanoi-2"
    assert Policy.load(str(path)).settings == p.settings
    assert Policy.from_toml(path.read_text(encoding="utf-8")).settings == p.settings


def test_empty_overrides_give_the_default() -> None:
    assert Policy.from_toml("").settings == DEFAULT.settings
    assert DEFAULT.merged({}).settings == DEFAULT.settings
    assert DEFAULT.merged({"vaccination": {"wait": {"days": 3}}}).settings["vaccination"][
        "wait"]["days"] == 3
    chained = DEFAULT.merged("[vaccination.wait]\ndays = 3").merged("skew_seconds = 0")
    assert chained.settings["vaccination"]["wait"]["days"] == 3 and chained.skew == dt.timedelta(0)


def test_shipped_file_is_a_complete_policy_on_its_own() -> None:
    from importlib import resources
    text = resources.files("cccdqr").joinpath("data", "policy-default.toml").read_text("utf-8")
    assert Policy.from_toml(text).settings == DEFAULT.settings


@pytest.mark.parametrize(("text", "names"), [
    ("colour = 1", "'colour'"),
    ("[vaccination.wiat]\ndays = 3", "'vaccination.wiat'"),
    ("[test.max_age.hours]\nPCR = 24", "'test.max_age.hours.PCR'"),
    ("[vaccination.wait]\ndays = \"14\"", "vaccination.wait.days must be an integer"),
    ("[vaccination.wait]\ndays = 14.0", "vaccination.wait.days must be an integer"),
    ("[vaccination.wait]\ndays = -1", "vaccination.wait.days must be an integer in 0..36500"),
    ("[vaccination.wait]\nenabled = 1", "vaccination.wait.enabled must be true or false"),
    ("[test.types]\naccepted = [\"PCR\"]", "test.types.accepted[0] must be one of NAA, RAT"),
    ("[test.types]\naccepted = \"NAA\"", "test.types.accepted must be a list"),
    ("[test.max_age.hours]\nRAT = 0", "test.max_age.hours.RAT must be an integer"),
    ("[vaccination.products]\naccepted = [1]", "vaccination.products.accepted[0]"),
    ("[vaccination.series.doses]\nX = 0", "vaccination.series.doses.X"),
    ("[vaccination.series]\ndoses = 2", "vaccination.series.doses must be a table"),
    ("vaccination = true", "vaccination must be a table"),
    ("[disease]\naccepted = [0]", "disease.accepted[0]"),
    ('utc_offset = "UTC+7"', "utc_offset must be a UTC offset"),
    ('utc_offset = "+15:00"', "utc_offset must be a UTC offset"),
    ("skew_seconds = 86401", "skew_seconds must be an integer in 0..86400"),
    ('valid_from = "2026-01-01"', "valid_from must be a date"),
    ("valid_from = 2026-01-01T00:00:00Z", "valid_from must be a date"),
    ('version = ""', "version must be non-empty text"),
    ("engine_version = 2", "engine_version 2 needs a newer cccdqr"),
    ("[vaccination\n", "not valid TOML"),
])
def test_bad_files_are_refused_naming_the_key(text: str, names: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_toml(text)
    assert names in str(info.value)
    assert isinstance(info.value, CccdqrError) and isinstance(info.value, ValueError)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        Policy.load(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'version = "\xe9"\n')
    with pytest.raises(PolicyError, match="cannot read policy file"):
        Policy.load(bad)
    with pytest.raises(TypeError):
        Policy.from_toml(b"version = 'x'")  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------

_ZONES = st.builds(dt.timezone, st.timedeltas(min_value=-dt.timedelta(hours=23, minutes=59),
                                              max_value=dt.timedelta(hours=23, minutes=59)))
_CLOCKS = st.datetimes(timezones=_ZONES)
_NEAR_CLOCKS = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2031, 1, 1),
                            timezones=_ZONES)
_POLICIES = st.sampled_from([
    DEFAULT,
    DEFAULT.merged("[vaccination.max_age]\nenabled = true\n[vaccination.booster]\nenabled = false"),
    DEFAULT.merged("[disease]\nenabled = false\n[test.types]\nenabled = false\n"
                   "[vaccination.series]\nenabled = false"),
    DEFAULT.merged('utc_offset = "-12:00"\nvalid_from = 2024-01-01\n[test]\nenabled = false'),
])


@settings(max_examples=150, deadline=None)
@given(health_certificates(), st.one_of(_CLOCKS, _NEAR_CLOCKS), _POLICIES)
def test_evaluation_never_raises_and_passed_means_any_path(
        c: HealthCertificate, now: dt.datetime, policy: Policy) -> None:
    out = policy.evaluate(c, now=now)
    summaries = {r.rule: r.passed for r in out.rules if r.rule in PATHS}
    present = {"vaccination": c.vaccinations, "test": c.tests, "recovery": c.recoveries}
    assert set(summaries) == {p for p in PATHS if present[p]}
    assert out.passed_by == tuple(p for p in PATHS if summaries.get(p))
    in_force = "policy.valid_from" not in {r.rule for r in out.rules}
    assert out.passed == (in_force and any(summaries.values()))
    assert all(r.message_en and r.message_vi for r in out.rules)
    json.dumps(out.to_dict())


@settings(max_examples=100, deadline=None)
@given(health_certificates(record_types="t"), _NEAR_CLOCKS,
       st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30)))
def test_moving_the_clock_forward_never_revives_an_expired_test(
        c: HealthCertificate, now: dt.datetime, later: dt.timedelta) -> None:
    for t in c.tests:
        one = cert(t=(t,))
        first = rule(DEFAULT.evaluate(one, now=now), "test.max_age")
        if not first.passed and t.sampled_at <= now:  # too old, not "in the future"
            assert not rule(DEFAULT.evaluate(one, now=now + later), "test.max_age").passed
            assert not DEFAULT.evaluate(one, now=now + later).passed


@settings(max_examples=100, deadline=None)
@given(health_certificates(record_types="v"), _NEAR_CLOCKS,
       st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)))
def test_a_passing_vaccination_keeps_passing_without_max_age(
        c: HealthCertificate, now: dt.datetime, later: dt.timedelta) -> None:
    if DEFAULT.evaluate(c, now=now).passed:
        assert DEFAULT.evaluate(c, now=now + later).passed


@settings(max_examples=100, deadline=None)
@given(health_certificates(record_types="r"), _NEAR_CLOCKS,
       st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)))
def test_a_failed_recovery_past_its_window_stays_failed(
        c: HealthCertificate, now: dt.datetime, later: dt.timedelta) -> None:
    today = now.astimezone(dt.timezone(DEFAULT.utc_offset)).date()
    if all(today > r.valid_until for r in c.recoveries):
        assert not DEFAULT.evaluate(c, now=now).passed
        assert not DEFAULT.evaluate(c, now=now + later).passed


# --- with verify ------------------------------------------------------------------

def test_verify_sets_the_policy_outcome() -> None:
    text = helpers.issue(helpers.certificate(3))
    result = cccdqr.verify(text, helpers.TRUST, now=NOW, policy=Policy.default())
    assert result.valid
    assert isinstance(result.policy, PolicyOutcome)
    assert result.policy.passed and result.policy.passed_by == ("vaccination",)
    data = result.to_dict(personal=False)
    assert data["policy"] == result.policy.to_dict()
    text_out = json.dumps(data, ensure_ascii=False)
    for personal in (helpers.NAME, helpers.DOB, helpers.ID_NUMBER):
        assert personal not in text_out


def test_verify_keeps_genuine_and_may_pass_apart() -> None:
    text = helpers.issue(helpers.certificate(1))  # one dose of two: genuine, does not pass
    result = cccdqr.verify(text, helpers.TRUST, now=NOW, policy=Policy.default())
    assert result.valid and result.reasons == ()
    assert not result.policy.passed
    assert result.policy.failed[0].rule == "vaccination.series"
    # No policy: nothing evaluated. A bad signature: the policy is never consulted.
    assert cccdqr.verify(text, helpers.TRUST, now=NOW).policy is None
    forged = cccdqr.verify(text, helpers.trust(helpers.ED25519), now=NOW, policy=Policy.default())
    assert not forged.valid and forged.policy is None


def test_docs_show_the_complete_schema() -> None:
    import re
    import tomllib

    from cccdqr.policy.toml_policy import _SCHEMA, _validate

    doc = (Path(__file__).parent.parent / "docs" / "policy.md").read_text(encoding="utf-8")
    block = re.search(r"## The default file.*?```toml\n(.*?)```", doc, re.S)
    assert block is not None
    table = tomllib.loads(block[1])
    _validate(table, _SCHEMA)  # every key present, none unknown
    documented = Policy.from_toml(block[1]).settings
    assert documented["vaccination"]["products"] == DEFAULT.settings["vaccination"]["products"]
    assert {k: v for k, v in documented.items() if k != "vaccination"} == \
        {k: v for k, v in DEFAULT.settings.items() if k != "vaccination"}
