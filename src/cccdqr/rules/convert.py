"""The TOML entry policy written as CertLogic rules in the gateway format.

:func:`rules_from_settings` takes a policy's complete settings table (the
``settings`` of ``cccdqr.policy.Policy``, or the parsed default TOML) and gives
rules that decide exactly as the policy does, so ``data/rules-default.json`` is
this function applied to ``data/policy-default.toml`` (a test checks it, and
that both agree on generated certificates).

How the TOML semantics map to rules (docs/rules.md has the whole story):

- A path passes when ONE record meets every enabled rule of the path. Rule
  ``k`` of a path therefore asks "does some record meet conditions 1..k?"
  (a ``reduce`` over the path's records), so the first failing rule is the
  condition no record could add, and all pass exactly when one record meets all.
- A ``reduce`` lambda sees only ``current`` and ``accumulator``; the clocks it
  needs ride in the accumulator, an array ``[clock, latest clock, found]``, and
  the rule is ``true in`` the final array.
- "Today" at the policy's ``utc_offset`` is ``plusTime(clock, offset, "hour")``:
  a date-only field ``d`` is on or before today exactly when ``d`` (00:00Z) is
  not after that shifted clock. Offsets must be whole hours.

Imports ``core`` only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from collections.abc import Mapping

from cccdqr.core.errors import PolicyError
from cccdqr.core.model import TEST_NAA, TEST_RAT

__all__ = ["rules_from_settings"]

_TEST_TYPES = {"NAA": TEST_NAA, "RAT": TEST_RAT}
_NOT_DETECTED = "260415000"
_HEADER = {"Country": "VN", "Version": "1.0.0", "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC",
           "EngineVersion": "1.3.3", "ValidFrom": "2000-01-01T00:00:00Z",
           "ValidTo": "2100-01-01T00:00:00Z"}
_KINDS = {"vaccination": ("VR", "Vaccination", "v"), "test": ("TR", "Test", "t"),
          "recovery": ("RR", "Recovery", "r")}
_CLOCK, _LATEST = {"var": "accumulator.0"}, {"var": "accumulator.1"}

Expr = Any


def _var(path: str) -> Expr:
    return {"var": path}


def _at(expr: Expr, amount: int, unit: str) -> Expr:
    return {"plusTime": [expr, amount, unit]}


def _all(conditions: list[Expr]) -> Expr:
    return conditions[0] if len(conditions) == 1 else {"and": conditions}


def _some_record(key: str, conditions: list[Expr]) -> Expr:
    """True when one record of ``payload.<key>`` meets every condition."""
    found = {"if": [_var("accumulator.2"), True, {"if": [_all(conditions), True, False]}]}
    start = [_var("external.validationClock"), _var("external.validationClockLatest"), False]
    return {"in": [True, {"reduce": [_var(f"payload.{key}"), [_CLOCK, _LATEST, found], start]}]}


def _offset_hours(text: str) -> int:
    m = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", text)
    if m is None or m[3] != "00":
        raise PolicyError(f"utc_offset {text!r}: CertLogic counts whole hours, so the offset must be "
                          "a whole number of hours to be written as rules")
    return int(m[2]) * (-1 if m[1] == "-" else 1)


class _Writer:
    """Builds the rules of one settings table."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.s = settings
        self.today = _at(_CLOCK, _offset_hours(settings["utc_offset"]), "hour")
        self.rules: list[dict[str, Any]] = []

    def on(self, *path: str) -> bool:
        node: Any = self.s
        for key in path:
            node = node[key]
        return bool(node["enabled"])

    def rule(self, ident: str, kind: str, logic: Expr, en: str, vi: str, fields: list[str]) -> None:
        self.rules.append({"Identifier": ident, "Type": "Acceptance", **_HEADER, "CertificateType": kind,
                           "Description": [{"lang": "en", "desc": en}, {"lang": "vi", "desc": vi}],
                           "AffectedFields": fields, "Logic": logic})

    def path(self, name: str, steps: list[tuple[Expr, str, str, list[str]]]) -> None:
        prefix, kind, key = _KINDS[name]
        if not self.on(name):
            self.rule(f"{prefix}-VN-0000", kind, {"!": [True]},
                      f"{kind} certificates are not accepted by this policy",
                      f"Quy định này không chấp nhận hồ sơ {_VI_KIND[name]}", [key])
            return
        conditions: list[Expr] = []
        for number, (condition, en, vi, fields) in enumerate(steps, start=1):
            conditions.append(condition)
            self.rule(f"{prefix}-VN-{number:04d}", kind, _some_record(key, list(conditions)), en, vi,
                      [key, *(f"{key}.0.{f}" for f in fields)])

    def disease(self, name: str) -> list[tuple[Expr, str, str, list[str]]]:
        if not self.on("disease"):
            return []
        codes = [str(c) for c in self.s["disease"]["accepted"]]
        listed = ", ".join(codes)
        return [({"in": [_var("current.tg"), codes]},
                 f"{_EN_KIND[name]} is for an accepted disease (SNOMED {listed})",
                 f"Hồ sơ {_VI_KIND[name]} thuộc bệnh được chấp nhận (SNOMED {listed})", ["tg"])]


_EN_KIND = {"vaccination": "Vaccination", "test": "Test", "recovery": "Recovery"}
_VI_KIND = {"vaccination": "tiêm chủng", "test": "xét nghiệm", "recovery": "khỏi bệnh"}


def _vaccination(w: _Writer) -> None:
    s = w.s["vaccination"]
    mp, dn, sd, day = _var("current.mp"), _var("current.dn"), _var("current.sd"), _var("current.dt")
    steps = w.disease("vaccination")
    if w.on("vaccination", "products"):
        accepted = list(s["products"]["accepted"])
        steps.append(({"in": [mp, accepted]},
                      f"The vaccine is an accepted product ({len(accepted)} accepted)",
                      f"Vắc xin thuộc danh mục được chấp nhận ({len(accepted)} loại)", ["mp"]))
    table: dict[str, int] = dict(s["series"]["doses"])
    by_length: dict[int, list[str]] = {}
    for code, doses in table.items():
        by_length.setdefault(doses, []).append(code)
    in_table = {"in": [mp, list(table)]}
    listed: Expr = 0
    for doses, codes in sorted(by_length.items(), reverse=True):
        listed = {"if": [{"in": [mp, codes]}, doses, listed]}
    length = {"if": [sd, sd, {"if": [in_table, listed, s["series"]["default_doses"]]}]}
    primary = {"if": [in_table, {"if": [{"<=": [length, listed]}, length, listed]}, length]}
    booster: Expr = {">": [dn, primary]} if w.on("vaccination", "booster") else False
    if w.on("vaccination", "series"):
        steps.append(({"if": [booster, True, {">=": [dn, length]}]},
                      "The primary series is complete, or the dose is a booster",
                      "Đã đủ liều cơ bản, hoặc là mũi nhắc lại", ["dn", "sd", "mp"]))
    if w.on("vaccination", "wait"):
        days, after = s["wait"]["days"], s["booster"]["wait_days"]
        steps.append(({"if": [booster, {"not-after": [_at(day, after, "day"), w.today]},
                              {"not-after": [_at(day, days, "day"), w.today]}]},
                      f"At least {days} days since the dose (a booster: {after})",
                      f"Đã qua ít nhất {days} ngày kể từ mũi tiêm (mũi nhắc lại: {after})", ["dt", "dn"]))
    if w.on("vaccination", "max_age"):
        days, after = s["max_age"]["days"], s["max_age"]["booster_days"]
        steps.append(({"if": [booster, {"before": [w.today, _at(day, after + 1, "day")]},
                              {"before": [w.today, _at(day, days + 1, "day")]}]},
                      f"At most {days} days since the dose (a booster: {after})",
                      f"Không quá {days} ngày kể từ mũi tiêm (mũi nhắc lại: {after})", ["dt", "dn"]))
    w.path("vaccination", steps)


def _test(w: _Writer) -> None:
    s = w.s["test"]
    tt, sc = _var("current.tt"), _var("current.sc")
    steps = w.disease("test")
    if w.on("test", "types"):
        names = list(s["types"]["accepted"])
        steps.append(({"in": [tt, [_TEST_TYPES[n] for n in names]]},
                      f"The test type is accepted ({', '.join(names)})",
                      f"Loại xét nghiệm được chấp nhận ({', '.join(names)})", ["tt"]))
    if w.on("test", "max_age"):
        hours = s["max_age"]["hours"]
        by_type: Expr = False
        for name in reversed(list(_TEST_TYPES)):
            by_type = {"if": [{"===": [tt, _TEST_TYPES[name]]},
                              {"not-after": [_at(_CLOCK, 0, "hour"), _at(sc, hours[name], "hour")]}, by_type]}
        limits = ", ".join(f"{n} {hours[n]} h" for n in _TEST_TYPES)
        steps.append(({"and": [{"not-after": [_at(sc, 0, "hour"), _at(_LATEST, 0, "hour")]}, by_type]},
                      f"Sampled at most the allowed hours ago ({limits}) and not in the future",
                      f"Lấy mẫu trong thời hạn cho phép ({limits}) và không sau hiện tại", ["sc", "tt"]))
    if w.on("test", "result"):
        steps.append(({"===": [_var("current.tr"), _NOT_DETECTED]},
                      "The test result is not detected (negative)",
                      "Kết quả xét nghiệm âm tính (không phát hiện)", ["tr"]))
    w.path("test", steps)


def _recovery(w: _Writer) -> None:
    steps = w.disease("recovery")
    fr = _var("current.fr")
    if w.on("recovery", "window"):
        steps.append(({"and": [{"not-after": [_at(_var("current.df"), 0, "day"), w.today]},
                               {"before": [w.today, _at(_var("current.du"), 1, "day")]}]},
                      "Today is within the recovery certificate's validity",
                      "Hôm nay nằm trong thời hạn hiệu lực của giấy xác nhận khỏi bệnh", ["df", "du"]))
    if w.on("recovery", "max_age"):
        days = w.s["recovery"]["max_age"]["days"]
        steps.append(({"and": [{"not-after": [_at(fr, 0, "day"), w.today]},
                               {"before": [w.today, _at(fr, days + 1, "day")]}]},
                      f"The first positive test was at most {days} days ago",
                      f"Xét nghiệm dương tính đầu tiên cách đây không quá {days} ngày", ["fr"]))
    w.path("recovery", steps)


def rules_from_settings(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Gateway-format rules equivalent to a complete policy settings table.
    :class:`PolicyError` for a setting rules cannot express (a UTC offset
    that is not a whole number of hours)."""
    w = _Writer(settings)
    valid_from = settings.get("valid_from")
    if isinstance(valid_from, dt.date):
        clock = _at(_var("external.validationClock"), _offset_hours(settings["utc_offset"]), "hour")
        w.rule("GR-VN-0001", "General", {"not-after": [_at(valid_from.isoformat(), 0, "day"), clock]},
               f"These rules apply from {valid_from.isoformat()}",
               f"Quy định này áp dụng từ ngày {valid_from.isoformat()}", [])
    _vaccination(w)
    _test(w)
    _recovery(w)
    return w.rules
