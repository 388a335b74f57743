"""The hand-written gateway rule schema check (``check_rule_document``) agrees
with a full JSON Schema validator on ``data/rule.schema.json``: on the 36
published rules, the shipped default rules, and single-field mutations of them."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from cccdqr.rules.ruleset import check_rule_document

import helpers

SCHEMA = json.loads((helpers.ROOT / "src" / "cccdqr" / "data" / "rule.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PUBLISHED = [json.loads(p.read_text("utf-8"))
             for p in sorted(helpers.shared("vectors", "certlogic", "rules").glob("*/*/rule.json"))]
DEFAULT = json.loads((helpers.ROOT / "src" / "cccdqr" / "data" / "rules-default.json").read_text("utf-8"))

# values each field is set to in turn (none with a trailing newline: JSON Schema's
# "$" is ECMA-262's end of input, which Python's re.search reads differently)
MUTATIONS: dict[str, list[Any]] = {
    "Identifier": ["VR-EU-000", "XR-EU-0001", "vr-eu-0001", 7, "GR-VN-0001"],
    "Type": ["Acceptance", "Invalidation", "acceptance", None],
    "Country": ["VN", "VNM", "vn", ""],
    "Version": ["1.0.0", "1.0", "1.0.0-rc", 1],
    "Engine": ["CERTLOGIC", "JSONLOGIC"],
    "EngineVersion": ["2.0.0", "x.y.z"],
    "CertificateType": ["General", "Passport", ""],
    "Description": [[], [{"lang": "en"}], [{"lang": "vi", "desc": "x" * 25}],
                    [{"lang": "en", "desc": "too short"}], [{"lang": "EN", "desc": "y" * 25}],
                    [{"lang": "en", "desc": "z" * 25}, {"lang": "vi", "desc": "đ" * 20}], "text"],
    "ValidFrom": ["2021-06-01T00:00:00Z", "2021-06-01", "2021-06-01T00:00:00+02:00",
                  "2021-06-01T00:00:00.000Z"],
    "AffectedFields": [[], ["v.0.mp"], [1], "v"],
    "Logic": [{}, {"var": "x"}, [], True],
}


def _cases() -> list[Any]:
    out = []
    base = PUBLISHED[0]
    for field, values in MUTATIONS.items():
        for i, value in enumerate(values):
            doc = copy.deepcopy(base)
            doc[field] = value
            out.append(pytest.param(doc, id=f"{field}-{i}"))
        doc = copy.deepcopy(base)
        del doc[field]
        out.append(pytest.param(doc, id=f"{field}-missing"))
    return out


@pytest.mark.parametrize("doc", [*PUBLISHED, *DEFAULT])
def test_published_and_default_rules_conform(doc: Any) -> None:
    assert check_rule_document(doc) == [] and VALIDATOR.is_valid(doc)


@pytest.mark.parametrize("doc", _cases())
def test_mutations_agree_with_the_full_validator(doc: Any) -> None:
    assert (check_rule_document(doc) == []) is VALIDATOR.is_valid(doc)


def test_there_are_36_published_rules() -> None:
    assert len(PUBLISHED) == 36 and len(DEFAULT) == 11
