"""Gateway-format CertLogic rules as an entry policy: :class:`RuleSet`.

Owns reading rule files (``rule.json`` shape, a list of them, or a folder),
checking each against the gateway rule schema (``data/rule.schema.json``,
checked here by hand; a test compares with a full JSON Schema validator),
refusing unknown operators at load with the rule's id, choosing the rules that
apply to a certificate (type, country, validation time, newest version) and
the outcome: which rule failed, by id and description.

``RuleSet.evaluate(certificate, *, now)`` has the shape of
``Policy.evaluate``, so ``verify(..., policy=ruleset)`` takes either; the
engine also hands it the claims (issuer, ``iat``, ``exp``, certificate id).
Imports ``core``, and :mod:`cccdqr.rules` siblings (``certlogic``, ``payload``,
``valuesets``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Mapping, Sequence

from cccdqr.core._json import jsonable
from cccdqr.core.errors import PolicyError
from cccdqr.core.model import HealthCertificate
from cccdqr.core.reasons import Lang
from cccdqr.rules import certlogic
from cccdqr.rules.payload import dgc_view
from cccdqr.rules.valuesets import ValueSets, default_value_sets

__all__ = ["CERTIFICATE_TYPES", "DEFAULT_SKEW", "ENGINE_VERSION", "PATH_TYPES", "Rule", "RuleCheck",
           "RuleSet", "RuleSetError", "RuleSetOutcome", "check_rule_document", "iso_clock"]

CERTIFICATE_TYPES = ("General", "Vaccination", "Test", "Recovery")
"""A rule's ``CertificateType``: General rules apply to every certificate."""
PATH_TYPES: Mapping[str, str] = {"vaccination": "Vaccination", "test": "Test", "recovery": "Recovery"}
"""The outcome's path names (as the TOML policy's) and the rule type each takes."""
_PAYLOAD_KEY = {"vaccination": "v", "test": "t", "recovery": "r"}
DEFAULT_SKEW = dt.timedelta(minutes=5)
ENGINE_VERSION = (1, 3, 3)
"""The CertLogic version :mod:`certlogic` implements. A rule whose
``EngineVersion`` is newer is not evaluated: it fails, with ``error`` saying so
(a rule this engine may misread cannot pass)."""
_UTC = dt.timezone.utc


class RuleSetError(PolicyError):
    """A rule file that cannot be used: unreadable, not the gateway schema, or
    Logic that is not valid CertLogic. Raised at load, never during a scan."""


# --- the schema, by hand ------------------------------------------------------------

_SEMVER = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\Z")
_PATTERNS = {
    "Identifier": re.compile(r"(GR|VR|TR|RR|IR)-[A-Z]{2}-[0-9]{4}\Z"),
    "Country": re.compile(r"[A-Z]{2}\Z"),
    "Version": _SEMVER, "SchemaVersion": _SEMVER, "EngineVersion": _SEMVER,
    "ValidFrom": re.compile(r"[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"
                            r"(Z|[+-][0-2][0-9]:[0-5][0-9])\Z"),
}
_PATTERNS["ValidTo"] = _PATTERNS["ValidFrom"]
_ENUMS = {"Type": ("Acceptance", "Invalidation"), "CertificateType": CERTIFICATE_TYPES,
          "Engine": ("CERTLOGIC",)}
_REQUIRED = ("Identifier", "Type", "Country", "Version", "SchemaVersion", "Engine", "EngineVersion",
             "CertificateType", "Description", "ValidFrom", "ValidTo", "AffectedFields", "Logic")
_LANG = re.compile(r"[a-z]{2}(-[a-z]{2})?\Z")


def check_rule_document(doc: Any) -> list[str]:
    """Every way ``doc`` breaks the gateway rule schema (``data/rule.schema.json``);
    ``[]`` when it conforms. Unknown keys are allowed, as in the schema."""
    if not isinstance(doc, dict):
        return ["a rule must be a JSON object"]
    problems = [f"{key} is missing" for key in _REQUIRED if key not in doc]
    for key, pattern in _PATTERNS.items():
        if key in doc and not (isinstance(doc[key], str) and pattern.match(doc[key])):
            problems.append(f"{key} {doc[key]!r} does not match {pattern.pattern[:-2]}")
    for key, allowed in _ENUMS.items():
        if key in doc and not (isinstance(doc[key], str) and doc[key] in allowed):
            problems.append(f"{key} {doc[key]!r} is not one of {', '.join(allowed)}")
    if "Description" in doc:
        problems += _check_descriptions(doc["Description"])
    fields = doc.get("AffectedFields", [])
    if not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        problems.append("AffectedFields must be a list of text")
    if "Logic" in doc and not (isinstance(doc["Logic"], dict) and doc["Logic"]):
        problems.append("Logic must be a non-empty JSON object")
    return problems


def _check_descriptions(value: Any) -> list[str]:
    if not (isinstance(value, list) and value):
        return ["Description must be a non-empty list of {lang, desc}"]
    problems = []
    for i, item in enumerate(value):
        if not (isinstance(item, dict) and "lang" in item and "desc" in item):
            problems.append(f"Description[{i}] must have lang and desc")
            continue
        if not (isinstance(item["lang"], str) and _LANG.match(item["lang"])):
            problems.append(f"Description[{i}].lang {item['lang']!r} is not a language code")
        if not (isinstance(item["desc"], str) and len(item["desc"]) >= 20):
            problems.append(f"Description[{i}].desc must be text of at least 20 characters")
    if not any(isinstance(item, dict) and item.get("lang") == "en" for item in value):
        problems.append("Description has no English (en) entry")
    return problems


# --- rules --------------------------------------------------------------------------

def _semver(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(p) for p in text.split("."))
    return major, minor, patch


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One checked rule. ``document`` is the file's JSON as read."""

    identifier: str
    type: str
    country: str
    version: tuple[int, int, int]
    engine_version: tuple[int, int, int]
    certificate_type: str
    descriptions: Mapping[str, str]
    valid_from: dt.datetime
    valid_to: dt.datetime
    logic: Any
    document: Mapping[str, Any]
    evaluate: Callable[[Any], Any]
    """``certlogic`` evaluation of :attr:`logic` on a data object."""

    @classmethod
    def from_json(cls, doc: Any, origin: str = "rule") -> Rule:
        """Check ``doc`` against the gateway schema and its Logic with
        :func:`certlogic.validate`; :class:`RuleSetError` names the rule."""
        problems = check_rule_document(doc)
        name = doc.get("Identifier") if isinstance(doc, dict) else None
        where = f"rule {name}" if isinstance(name, str) else origin
        if problems:
            raise RuleSetError(f"{where} ({origin}) is not a gateway rule: " + "; ".join(problems))
        issues = certlogic.validate(doc["Logic"])
        if issues:
            raise RuleSetError(f"rule {name} ({origin}): invalid CertLogic: {issues[0].message}"
                               + (f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""))
        try:
            valid_from, valid_to = _instant(doc["ValidFrom"]), _instant(doc["ValidTo"])
        except ValueError:
            raise RuleSetError(f"rule {name} ({origin}): ValidFrom/ValidTo is not a real time") from None
        logic = doc["Logic"]
        return cls(identifier=name, type=doc["Type"], country=doc["Country"],  # type: ignore[arg-type]
                   version=_semver(doc["Version"]), engine_version=_semver(doc["EngineVersion"]),
                   certificate_type=doc["CertificateType"],
                   descriptions={d["lang"]: d["desc"] for d in doc["Description"]},
                   valid_from=valid_from, valid_to=valid_to, logic=logic, document=doc,
                   evaluate=certlogic.compile_expression(logic))

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang, "")

    def valid_at(self, now: dt.datetime) -> bool:
        return self.valid_from <= now < self.valid_to


# --- outcome ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class RuleCheck:
    """One rule evaluated on one certificate: ``rule`` is its Identifier,
    ``message_en``/``message_vi`` its descriptions in English and Vietnamese
    ("" when the rule has none). ``error`` is set when the rule could not be
    evaluated on this certificate (it then fails)."""

    rule: str
    passed: bool
    message_en: str
    message_vi: str
    certificate_type: str
    version: str
    error: str = ""

    def message(self, lang: Lang = "en") -> str:
        text = self.message_vi if lang == "vi" else self.message_en
        return f"{self.rule}: {text or self.message_en or self.message_vi}".rstrip(": ")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSetOutcome:
    """The result of :meth:`RuleSet.evaluate`, shaped like ``PolicyOutcome``:
    ``passed`` when ANY path the certificate holds (vaccination, test,
    recovery) passes every General rule and every rule of its type;
    ``rules`` lists each applied rule once, General first."""

    passed: bool
    passed_by: tuple[str, ...]
    rules: tuple[RuleCheck, ...]
    version: str

    @property
    def failed(self) -> tuple[RuleCheck, ...]:
        return tuple(r for r in self.rules if not r.passed)

    def message(self, lang: Lang = "en") -> str:
        if self.passed:
            words = {"vaccination": "tiêm chủng", "test": "xét nghiệm", "recovery": "khỏi bệnh"}
            names = ", ".join(words[p] if lang == "vi" else p for p in self.passed_by)
            return f"Đạt quy định ({names})" if lang == "vi" else f"Meets the rules ({names})"
        first = self.failed[0].message(lang) if self.failed else (
            "không có quy định nào áp dụng" if lang == "vi" else "no rule applies")
        return f"Không đạt quy định: {first}" if lang == "vi" else f"Does not meet the rules: {first}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the shape ``VerificationResult.to_dict`` gives it."""
        out: dict[str, Any] = jsonable(self)
        return out


# --- the rule set -------------------------------------------------------------------

def iso_clock(now: dt.datetime) -> str:
    """``now`` as CertLogic reads a clock: UTC, ``Z``, microseconds when any."""
    text = now.astimezone(_UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


class RuleSet:
    """A set of CertLogic rules used as the entry policy. Build with
    :meth:`load`, :meth:`from_json` or :meth:`default`.

    ``country`` is the checkpoint's country: only its Acceptance rules apply
    (all Acceptance rules when ``None``), and it is ``external.countryCode``.
    Invalidation rules apply to certificates whose issuer is their country.
    ``value_sets`` is ``external.valueSets`` (default: the shipped EU sets).
    ``skew`` is the clock skew ``verify`` should allow; rules see
    ``now + skew`` as ``external.validationClockLatest``."""

    __slots__ = ("country", "rules", "skew", "value_sets", "version", "_all_valid")

    def __init__(self, rules: Iterable[Rule], *, country: str | None = None,
                 value_sets: ValueSets | None = None, skew: dt.timedelta = DEFAULT_SKEW,
                 version: str = "") -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        seen: dict[tuple[str, tuple[int, int, int]], Rule] = {}
        for rule in self.rules:
            key = (rule.identifier, rule.version)
            if key in seen and seen[key].document != rule.document:
                raise RuleSetError(f"rule {rule.identifier} version {'.'.join(map(str, rule.version))} "
                                   "appears twice with different contents")
            seen[key] = rule
        if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
            raise RuleSetError(f"country must be a two-letter code, got {country!r}")
        self.country = country
        self.value_sets = value_sets if value_sets is not None else default_value_sets()
        self.skew = skew
        self.version = version or f"{len(seen)} rules"
        latest_from = max((r.valid_from for r in self.rules), default=dt.datetime.min.replace(tzinfo=_UTC))
        earliest_to = min((r.valid_to for r in self.rules), default=dt.datetime.max.replace(tzinfo=_UTC))
        self._all_valid = (latest_from, earliest_to)

    # --- building -------------------------------------------------------------------

    @classmethod
    def from_json(cls, document: Any, *, origin: str = "rules", **options: Any) -> RuleSet:
        """From one parsed rule or a list of them."""
        items = document if isinstance(document, list) else [document]
        return cls([Rule.from_json(item, f"{origin}[{i}]" if isinstance(document, list) else origin)
                    for i, item in enumerate(items)], **options)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: Any) -> RuleSet:
        """A rule file (one rule or a list), or a folder: every ``rule.json``
        below it (the published layout), or when there is none every ``.json``
        file directly in it. Options as for the constructor."""
        root = Path(path)
        if root.is_dir():
            files = sorted(root.rglob("rule.json")) or sorted(root.glob("*.json"))
            if not files:
                raise RuleSetError(f"no rule files in {os.fspath(path)!r}")
        else:
            files = [root]
        rules: list[Rule] = []
        for file in files:
            document = read_json(file)
            items = document if isinstance(document, list) else [document]
            rules += [Rule.from_json(item, str(file)) for item in items]
        options.setdefault("version", root.name)
        return cls(rules, **options)

    @classmethod
    def default(cls) -> RuleSet:
        """Viet Nam's default entry policy as CertLogic rules
        (``data/rules-default.json``, equivalent to ``data/policy-default.toml``)."""
        text = resources.files("cccdqr").joinpath("data", "rules-default.json").read_text("utf-8")
        return cls.from_json(json.loads(text), origin="the default rules", country="VN",
                             version="default-1")

    # --- selection and evaluation ---------------------------------------------------

    def select(self, now: dt.datetime, *, issuer: str | None = None,
               types: Sequence[str] = CERTIFICATE_TYPES) -> list[Rule]:
        """The rules in force at ``now`` for certificates of ``types``: the
        checkpoint's Acceptance rules and the issuer's Invalidation rules, the
        newest version of each Identifier among those valid at ``now``."""
        lo, hi = self._all_valid
        every = lo <= now < hi
        newest: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.certificate_type not in types or not (every or rule.valid_at(now)):
                continue
            if rule.type == "Acceptance":
                if self.country is not None and rule.country != self.country:
                    continue
            elif rule.country != issuer:
                continue
            held = newest.get(rule.identifier)
            if held is None or rule.version > held.version:
                newest[rule.identifier] = rule
        order = {t: i for i, t in enumerate(CERTIFICATE_TYPES)}
        return sorted(newest.values(), key=lambda r: (order[r.certificate_type], r.identifier))

    def external(self, now: dt.datetime, *, issuer: str | None = None,
                 issued_at: dt.datetime | None = None,
                 expires_at: dt.datetime | None = None) -> dict[str, Any]:
        """``external`` as the rules see it."""
        out: dict[str, Any] = {"validationClock": iso_clock(now),
                               "validationClockLatest": iso_clock(now + self.skew),
                               "valueSets": self.value_sets, "countryCode": self.country or ""}
        if issuer is not None:
            out["issuerCountryCode"] = issuer
        if issued_at is not None:
            out["iat"] = iso_clock(issued_at)
        if expires_at is not None:
            out["exp"] = iso_clock(expires_at)
        return out

    def evaluate(self, certificate: HealthCertificate, *, now: dt.datetime,
                 issuer: str | None = None, issued_at: dt.datetime | None = None,
                 expires_at: dt.datetime | None = None,
                 certificate_id: str | None = None, dgc: Any = None) -> RuleSetOutcome:
        """Every rule in force for ``certificate`` at ``now`` (an aware
        datetime), on ``dgc`` (an EU DCC's own DGC JSON) when given, else on
        the certificate's DGC view. A rule that cannot be evaluated fails, with
        ``error`` set; nothing raises for a valid certificate."""
        if not isinstance(certificate, HealthCertificate):
            raise TypeError("certificate must be a HealthCertificate")
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise TypeError("now must be a timezone-aware datetime")
        payload = dgc if dgc is not None else dgc_view(certificate, certificate_id=certificate_id)
        return self.evaluate_payload(payload, now=now, issuer=issuer,
                                     external=self.external(now, issuer=issuer, issued_at=issued_at,
                                                            expires_at=expires_at))

    def evaluate_payload(self, payload: Any, *, now: dt.datetime, issuer: str | None = None,
                         external: dict[str, Any] | None = None) -> RuleSetOutcome:
        """The rules on a DGC-shaped ``payload`` as given (an EU DCC's own
        JSON, say). Its paths are the event lists it holds (``v``, ``t``, ``r``)."""
        paths = [p for p, key in _PAYLOAD_KEY.items()
                 if isinstance(payload, dict) and payload.get(key)]
        types = ("General", *(PATH_TYPES[p] for p in paths))
        data = {"payload": payload,
                "external": external if external is not None else self.external(now, issuer=issuer)}
        checks = [_check(rule, data) for rule in self.select(now, issuer=issuer, types=types)]
        failed_types = {c.certificate_type for c in checks if not c.passed}
        passed_by = tuple(p for p in paths
                          if "General" not in failed_types and PATH_TYPES[p] not in failed_types)
        return RuleSetOutcome(passed=bool(passed_by), passed_by=passed_by, rules=tuple(checks),
                              version=self.version)


def _check(rule: Rule, data: Any) -> RuleCheck:
    error = ""
    if rule.engine_version > ENGINE_VERSION:
        passed = False
        error = (f"needs CertLogic {'.'.join(map(str, rule.engine_version))}; "
                 f"this engine is {'.'.join(map(str, ENGINE_VERSION))}")
    else:
        try:
            passed = certlogic.is_truthy(rule.evaluate(data))
        except certlogic.CertLogicError as exc:
            passed, error = False, str(exc)
    return RuleCheck(rule=rule.identifier, passed=passed, message_en=rule.description("en"),
                     message_vi=rule.description("vi"), certificate_type=rule.certificate_type,
                     version=".".join(map(str, rule.version)), error=error)


def read_json(file: Path) -> Any:
    """A JSON file; :class:`RuleSetError` when it cannot be read or parsed."""
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RuleSetError(f"cannot read {os.fspath(file)!r}: {exc}") from None
