"""Entry policy: rules as data, evaluated for a certificate at a clock.

Whether a code is *genuine* is ``verify``'s job; whether its holder *may pass*
is a :class:`Policy`'s. Rules live in a TOML file (the shipped default is
``data/policy-default.toml``; a user file overrides it key by key) and
:meth:`Policy.evaluate` applies them at an explicit ``now``::

    policy = Policy.load("checkpoint.toml")      # over the default
    outcome = policy.evaluate(certificate, now=now)
    outcome.passed, outcome.passed_by            # True, ("vaccination",)
    [r.rule for r in outcome.rules if not r.passed]

A certificate passes when ANY path passes: vaccination OR test OR recovery. A
path passes when one of its records meets every enabled rule of that path.
Each rule has a stable id (``vaccination.wait``, ``test.max_age`` ...) and a
short message in English and Vietnamese with the numbers that decided it;
nothing in an outcome identifies the person. Boundaries are in docs/policy.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any
from collections.abc import Callable, Mapping

from cccdqr.core._json import jsonable
from cccdqr.core.errors import PolicyError
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
from cccdqr.core.products import product_name
from cccdqr.core.reasons import Lang

__all__ = ["ENGINE_VERSION", "PATHS", "TEST_TYPE_NAMES", "Policy", "PolicyOutcome", "RuleResult"]

ENGINE_VERSION = 1
"""The policy schema this cccdqr understands; a file asking for more is refused."""

PATHS = ("vaccination", "test", "recovery")
"""The record-type paths, in evaluation order; any one passing is enough."""

TEST_TYPE_NAMES: Mapping[str, str] = MappingProxyType({"NAA": TEST_NAA, "RAT": TEST_RAT})
"""Names used in policy files for the LOINC test types."""
_TYPE_LABELS = {TEST_NAA: ("NAA (PCR)", "NAA (PCR)"),
                TEST_RAT: ("RAT (rapid antigen)", "RAT (nhanh kháng nguyên)")}
_MAX_DAYS = 36500
_OFFSET = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")


# --- outcome ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class RuleResult:
    """One rule applied to one record. ``rule`` is a stable id; the messages
    carry the numbers that decided it and never personal data."""

    rule: str
    passed: bool
    message_en: str
    message_vi: str

    def message(self, lang: Lang = "en") -> str:
        return self.message_vi if lang == "vi" else self.message_en


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyOutcome:
    """The result of :meth:`Policy.evaluate`.

    ``passed`` is true exactly when the rules are in force and ``passed_by``
    is not empty: ANY of vaccination, test or recovery is enough. ``rules``
    lists, per path the certificate holds, the rules for its deciding record
    (the newest passing one, else the newest) followed by the path's own
    summary entry whose ``rule`` is the path name."""

    passed: bool
    passed_by: tuple[str, ...]
    rules: tuple[RuleResult, ...]
    version: str
    """The policy's own version (``version`` in the file)."""

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        """The rules that failed, path summaries left out."""
        return tuple(r for r in self.rules if not r.passed and r.rule not in PATHS)

    def message(self, lang: Lang = "en") -> str:
        """One line for staff: which path passed, or the first rule that failed."""
        if self.passed:
            names = ", ".join(_PATH_WORDS[p][1 if lang == "vi" else 0] for p in self.passed_by)
            return f"Đạt quy định ({names})" if lang == "vi" else f"Meets the rules ({names})"
        first = self.failed[0].message(lang) if self.failed else ""
        return f"Không đạt quy định: {first}" if lang == "vi" else f"Does not meet the rules: {first}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the same shape ``VerificationResult.to_dict`` gives."""
        out: dict[str, Any] = jsonable(self)
        return out


_PATH_WORDS = {"vaccination": ("vaccination", "tiêm chủng"),
               "test": ("test", "xét nghiệm"),
               "recovery": ("recovery", "khỏi bệnh")}


def _rule(rule: str, passed: bool, en: str, vi: str) -> RuleResult:
    return RuleResult(rule=rule, passed=passed, message_en=en, message_vi=vi)


# --- file schema --------------------------------------------------------------------

_Check = Callable[[object, str], None]


def _bool(value: object, key: str) -> None:
    if type(value) is not bool:
        raise PolicyError(f"{key} must be true or false, got {value!r}")


def _int(low: int, high: int) -> _Check:
    def check(value: object, key: str) -> None:
        if type(value) is not int or not low <= value <= high:
            raise PolicyError(f"{key} must be an integer in {low}..{high}, got {value!r}")
    return check


def _text(value: object, key: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise PolicyError(f"{key} must be non-empty text of at most 64 characters, got {value!r}")


def _list(item: _Check) -> _Check:
    def check(value: object, key: str) -> None:
        if not isinstance(value, list):
            raise PolicyError(f"{key} must be a list, got {value!r}")
        for i, v in enumerate(value):
            item(v, f"{key}[{i}]")
    return check


def _test_type(value: object, key: str) -> None:
    if value not in TEST_TYPE_NAMES:
        raise PolicyError(f"{key} must be one of {', '.join(TEST_TYPE_NAMES)}, got {value!r}")


def _doses_table(value: object, key: str) -> None:
    if not isinstance(value, dict):
        raise PolicyError(f"{key} must be a table of product code = doses")
    for product, doses in value.items():
        _text(product, f"{key} key")
        _int(1, 99)(doses, f"{key}.{product}")


def _offset(value: object, key: str) -> None:
    m = _OFFSET.fullmatch(value) if isinstance(value, str) else None
    if not m or int(m[2]) > 14 or int(m[3]) > 59:
        raise PolicyError(f"{key} must be a UTC offset like \"+07:00\", got {value!r}")


def _date(value: object, key: str) -> None:
    if type(value) is not dt.date:
        raise PolicyError(f"{key} must be a date like 2026-01-01, got {value!r}")


_SCHEMA: dict[str, Any] = {
    "version": _text,
    "engine_version": _int(1, 1000),
    "utc_offset": _offset,
    "skew_seconds": _int(0, 86400),
    "valid_from": _date,
    "disease": {"enabled": _bool, "accepted": _list(_int(1, 2**63 - 1))},
    "vaccination": {
        "enabled": _bool,
        "products": {"enabled": _bool, "accepted": _list(_text)},
        "series": {"enabled": _bool, "default_doses": _int(1, 99), "doses": _doses_table},
        "wait": {"enabled": _bool, "days": _int(0, _MAX_DAYS)},
        "booster": {"enabled": _bool, "wait_days": _int(0, _MAX_DAYS)},
        "max_age": {"enabled": _bool, "days": _int(0, _MAX_DAYS),
                    "booster_days": _int(0, _MAX_DAYS)},
    },
    "test": {
        "enabled": _bool,
        "types": {"enabled": _bool, "accepted": _list(_test_type)},
        "max_age": {"enabled": _bool,
                    "hours": {"NAA": _int(1, 24 * _MAX_DAYS), "RAT": _int(1, 24 * _MAX_DAYS)}},
        "result": {"enabled": _bool},
    },
    "recovery": {
        "enabled": _bool,
        "window": {"enabled": _bool},
        "max_age": {"enabled": _bool, "days": _int(0, _MAX_DAYS)},
    },
}
_OPTIONAL = frozenset({"valid_from"})


def _validate(table: Mapping[str, Any], schema: Mapping[str, Any], prefix: str = "") -> None:
    for key in table:
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise PolicyError(f"unknown key {prefix + str(key)!r} in the policy (known here: {known})")
    for key, check in schema.items():
        name = prefix + key
        if key not in table:
            if key in _OPTIONAL:
                continue
            raise PolicyError(f"{name} is missing from the policy")
        value = table[key]
        if isinstance(check, dict):
            if not isinstance(value, dict):
                raise PolicyError(f"{name} must be a table, got {value!r}")
            _validate(value, check, name + ".")
        else:
            check(value, name)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise TypeError("policy text must be str")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin} is not valid TOML: {exc}") from None


@functools.cache
def _default_table() -> Mapping[str, Any]:
    text = resources.files("cccdqr").joinpath("data", "policy-default.toml").read_text("utf-8")
    table = _parse_toml(text, "the default policy")
    _validate(table, _SCHEMA)
    return _freeze(table)  # type: ignore[no-any-return]


# --- the policy ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Entry rules, immutable once loaded. Build with :meth:`default`,
    :meth:`load`, :meth:`from_toml` or :meth:`merged`, not directly.

    ``settings`` is the complete, validated table (read-only) the policy was
    built from; ``skew`` is the clock skew the caller should pass to
    ``verify(skew=)``."""

    settings: Mapping[str, Any] = dataclasses.field(repr=False)
    version: str
    skew: dt.timedelta
    utc_offset: dt.timedelta
    """Calendar days for date-only fields (dose dates, recovery windows) are
    taken at this offset from UTC, whatever the machine's time zone."""
    valid_from: dt.date | None

    @classmethod
    def default(cls) -> Policy:
        """The shipped default (``cccdqr/data/policy-default.toml``)."""
        return _default_policy()

    @classmethod
    def from_toml(cls, text: str) -> Policy:
        """The default with the keys ``text`` sets replaced (tables merge key by key)."""
        return cls.default().merged(text)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """:meth:`from_toml` on a file; :class:`PolicyError` when it cannot be read."""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read policy file {os.fspath(path)!r}: {exc}") from None
        return cls.default().merged(_parse_toml(text, repr(os.fspath(path))))

    def merged(self, overrides: str | Mapping[str, Any]) -> Policy:
        """This policy with ``overrides`` (TOML text or a table) laid over it key
        by key: tables merge, lists and values replace."""
        table = _parse_toml(overrides, "the policy") if isinstance(overrides, str) else _thaw(overrides)
        if not isinstance(table, dict):
            raise TypeError("overrides must be TOML text or a mapping")
        return self._build(_merge(_thaw(self.settings), table))

    @classmethod
    def _build(cls, table: dict[str, Any]) -> Policy:
        _validate(table, _SCHEMA)
        if table["engine_version"] > ENGINE_VERSION:
            raise PolicyError(f"engine_version {table['engine_version']} needs a newer cccdqr "
                              f"(this one understands {ENGINE_VERSION})")
        m = _OFFSET.fullmatch(table["utc_offset"])
        assert m is not None
        offset = dt.timedelta(hours=int(m[2]), minutes=int(m[3])) * (-1 if m[1] == "-" else 1)
        return cls(settings=_freeze(table), version=table["version"],
                   skew=dt.timedelta(seconds=table["skew_seconds"]), utc_offset=offset,
                   valid_from=table.get("valid_from"))

    def _on(self, *path: str) -> bool:
        node: Any = self.settings
        for key in path:
            node = node[key]
        return bool(node["enabled"])

    # --- evaluation -----------------------------------------------------------------

    def evaluate(self, certificate: HealthCertificate, *, now: dt.datetime) -> PolicyOutcome:
        """Apply every enabled rule to ``certificate`` at ``now`` (an aware
        datetime). Never raises for a valid certificate; a wrong argument type
        raises ``TypeError``."""
        if not isinstance(certificate, HealthCertificate):
            raise TypeError("certificate must be a HealthCertificate")
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise TypeError("now must be a timezone-aware datetime")
        today = _local_date(now, self.utc_offset)
        rules: list[RuleResult] = []
        in_force = self.valid_from is None or today >= self.valid_from
        if not in_force:
            rules.append(_rule("policy.valid_from", False,
                               f"These rules apply from {self.valid_from}",
                               f"Quy định này áp dụng từ {self.valid_from}"))
        passed_by: list[str] = []
        paths: tuple[tuple[str, list[list[RuleResult]]], ...] = (
            ("vaccination", [self._vaccination(v, today)
                             for v in _newest_first(certificate.vaccinations)]),
            ("test", [self._test(t, now) for t in _newest_first(certificate.tests)]),
            ("recovery", [self._recovery(r, today) for r in _newest_first(certificate.recoveries)]),
        )
        for path, per_record in paths:
            if not per_record:
                continue
            en, vi = _PATH_WORDS[path]
            if not self._on(path):
                chosen = [_rule(f"{path}.accepted", False,
                                f"This policy does not accept {en} records",
                                f"Quy định này không chấp nhận hồ sơ {vi}")]
            else:
                passing = [r for r in per_record if all(x.passed for x in r)]
                chosen = passing[0] if passing else per_record[0]
            ok = all(x.passed for x in chosen)
            rules += chosen
            rules.append(_rule(path, ok,
                               f"{en.capitalize()}: {'meets' if ok else 'does not meet'} the rules",
                               f"{vi.capitalize()}: {'đạt' if ok else 'không đạt'} yêu cầu"))
            if ok:
                passed_by.append(path)
        return PolicyOutcome(passed=in_force and bool(passed_by), passed_by=tuple(passed_by),
                             rules=tuple(rules), version=self.version)

    def _disease(self, path: str, disease: int) -> list[RuleResult]:
        if not self._on("disease"):
            return []
        ok = disease in self.settings["disease"]["accepted"]
        if ok:
            return [_rule(f"{path}.disease", True, "Record is for an accepted disease",
                          "Hồ sơ thuộc bệnh được chấp nhận")]
        return [_rule(f"{path}.disease", False,
                      f"Record is for a disease not accepted (SNOMED {disease})",
                      f"Hồ sơ thuộc bệnh không được chấp nhận (SNOMED {disease})")]

    def _series_length(self, v: Vaccination) -> tuple[int, int | None]:
        """The series length for ``v`` and the product's table entry, if any."""
        series = self.settings["vaccination"]["series"]
        table: int | None = series["doses"].get(v.product)
        if v.doses_in_series is not None:
            return v.doses_in_series, table
        return (table if table is not None else series["default_doses"]), table

    def _vaccination(self, v: Vaccination, today: dt.date) -> list[RuleResult]:
        out = self._disease("vaccination", v.disease)
        s = self.settings["vaccination"]
        name = product_name(v.product)
        if self._on("vaccination", "products"):
            if v.product in s["products"]["accepted"]:
                out.append(_rule("vaccination.product", True, f"Vaccine {name} is accepted",
                                 f"Vắc xin {name} được chấp nhận"))
            else:
                out.append(_rule("vaccination.product", False, f"Vaccine {name} is not accepted",
                                 f"Vắc xin {name} không được chấp nhận"))
        length, table = self._series_length(v)
        primary = min(length, table) if table is not None else length
        booster = self._on("vaccination", "booster") and v.dose_number > primary
        n = v.dose_number
        if self._on("vaccination", "series"):
            assumed_en = assumed_vi = ""
            if v.doses_in_series is None:
                assumed_en = f" (series of {length} assumed for this vaccine)"
                assumed_vi = f" (giả định vắc xin này cần {length} mũi)"
            if booster:
                out.append(_rule("vaccination.series", True,
                                 f"Dose {n} of {length}: a booster{assumed_en}",
                                 f"Mũi {n}/{length}: mũi nhắc lại{assumed_vi}"))
            elif n >= length:
                out.append(_rule("vaccination.series", True,
                                 f"Dose {n} of {length}: primary series complete{assumed_en}",
                                 f"Mũi {n}/{length}: đã đủ liều cơ bản{assumed_vi}"))
            else:
                out.append(_rule("vaccination.series", False,
                                 f"Dose {n} of {length}: primary series not complete{assumed_en}",
                                 f"Mũi {n}/{length}: chưa đủ liều cơ bản{assumed_vi}"))
        days = (today - v.date).days
        what_en, what_vi = ("Booster", "Mũi nhắc lại") if booster else (f"Dose {n}", f"Mũi {n}")
        if self._on("vaccination", "wait"):
            need = s["booster"]["wait_days"] if booster else s["wait"]["days"]
            if days < 0:
                out.append(_rule("vaccination.wait", False,
                                 f"{what_en}: dated {_days_en(-days)} ahead (needs {need} days ago)",
                                 f"{what_vi}: ghi ngày sau hôm nay {-days} ngày (cần {need})"))
            else:
                out.append(_rule("vaccination.wait", days >= need,
                                 f"{what_en}: {_days_en(days)} ago (needs {need})",
                                 f"{what_vi}: cách đây {days} ngày (cần {need})"))
        if self._on("vaccination", "max_age"):
            limit = s["max_age"]["booster_days" if booster else "days"]
            out.append(_rule("vaccination.max_age", days <= limit,
                             f"{what_en}: {_days_en(days)} ago (max {limit})",
                             f"{what_vi}: cách đây {days} ngày (tối đa {limit})"))
        return out

    def _test(self, t: Test, now: dt.datetime) -> list[RuleResult]:
        out = self._disease("test", t.disease)
        s = self.settings["test"]
        name = next((k for k, code in TEST_TYPE_NAMES.items() if code == t.test_type), None)
        label_en, label_vi = _TYPE_LABELS.get(t.test_type, (t.test_type, t.test_type))
        if self._on("test", "types"):
            if name is not None and name in s["types"]["accepted"]:
                out.append(_rule("test.type", True, f"{label_en} test is accepted",
                                 f"Xét nghiệm {label_vi} được chấp nhận"))
            else:
                out.append(_rule("test.type", False, f"Test type {label_en} is not accepted",
                                 f"Loại xét nghiệm {label_vi} không được chấp nhận"))
        if self._on("test", "max_age"):
            age = now - t.sampled_at
            if name is None:
                out.append(_rule("test.max_age", False,
                                 f"No age limit is set for test type {label_en}",
                                 f"Chưa quy định thời hạn cho loại xét nghiệm {label_vi}"))
            elif age < -self.skew:
                h, mins = _hours_minutes(-age, up=True)
                out.append(_rule("test.max_age", False,
                                 f"Sampled {h} h {mins} min in the future",
                                 f"Thời điểm lấy mẫu sau hiện tại {h} giờ {mins} phút"))
            else:
                limit = s["max_age"]["hours"][name]
                ok = age <= dt.timedelta(hours=limit)
                h, mins = _hours_minutes(max(age, dt.timedelta(0)), up=not ok)
                out.append(_rule("test.max_age", ok,
                                 f"Sampled {h} h {mins} min ago (max {limit} h)",
                                 f"Lấy mẫu cách đây {h} giờ {mins} phút (tối đa {limit} giờ)"))
        if self._on("test", "result"):
            if t.result == RESULT_NOT_DETECTED:
                out.append(_rule("test.result", True, "Result: not detected", "Kết quả: âm tính"))
            elif t.result == RESULT_DETECTED:
                out.append(_rule("test.result", False, "Result: detected", "Kết quả: dương tính"))
            else:
                out.append(_rule("test.result", False,
                                 f"Result code {t.result} is not \"not detected\"",
                                 f"Kết quả (mã {t.result}) không phải âm tính"))
        return out

    def _recovery(self, r: Recovery, today: dt.date) -> list[RuleResult]:
        out = self._disease("recovery", r.disease)
        if self._on("recovery", "window"):
            if today < r.valid_from:
                wait = (r.valid_from - today).days
                out.append(_rule("recovery.window", False,
                                 f"Recovery: not valid for another {_days_en(wait)}",
                                 f"Khỏi bệnh: còn {wait} ngày nữa mới có hiệu lực"))
            elif today > r.valid_until:
                late = (today - r.valid_until).days
                out.append(_rule("recovery.window", False,
                                 f"Recovery: expired {_days_en(late)} ago",
                                 f"Khỏi bệnh: đã hết hiệu lực {late} ngày trước"))
            else:
                left = (r.valid_until - today).days
                out.append(_rule("recovery.window", True,
                                 f"Recovery: valid through today and {_days_en(left)} more",
                                 f"Khỏi bệnh: còn hiệu lực hôm nay và {left} ngày nữa"))
        if self._on("recovery", "max_age"):
            limit = self.settings["recovery"]["max_age"]["days"]
            days = (today - r.first_positive).days
            if days < 0:
                out.append(_rule("recovery.max_age", False,
                                 f"First positive test dated {_days_en(-days)} ahead",
                                 f"Xét nghiệm dương tính đầu tiên ghi ngày sau hôm nay {-days} ngày"))
            else:
                out.append(_rule("recovery.max_age", days <= limit,
                                 f"First positive test {_days_en(days)} ago (max {limit})",
                                 f"Xét nghiệm dương tính đầu tiên cách đây {days} ngày "
                                 f"(tối đa {limit})"))
        return out


@functools.cache
def _default_policy() -> Policy:
    return Policy._build(_thaw(_default_table()))


def _newest_first(records: tuple[Any, ...]) -> list[Any]:
    """Records newest first: the first passing one decides its path."""
    def key(rec: Any) -> tuple[Any, ...]:
        if isinstance(rec, Vaccination):
            return (rec.date, rec.dose_number)
        if isinstance(rec, Test):
            return (rec.sampled_at.astimezone(dt.timezone.utc),)
        return (rec.valid_until, rec.first_positive)
    return sorted(records, key=key, reverse=True)


def _local_date(now: dt.datetime, offset: dt.timedelta) -> dt.date:
    """The calendar day at ``offset`` from UTC; clamps at the ends of the calendar."""
    try:
        return now.astimezone(dt.timezone(offset)).date()
    except OverflowError:
        return dt.date.max if now.year > 5000 else dt.date.min


def _days_en(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _hours_minutes(span: dt.timedelta, *, up: bool) -> tuple[int, int]:
    """Whole hours and minutes; rounded up for a failure so that "72 h 0 min"
    never appears next to "max 72 h" on a test that is a few seconds over."""
    seconds = int(span.total_seconds())
    minutes = -(-seconds // 60) if up else seconds // 60
    return minutes // 60, minutes % 60
