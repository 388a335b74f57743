"""The verification document's text: with orjson installed, exactly what the
json module writes (indent 2, non-ASCII as is), for every value a document can
hold; what orjson refuses falls back to the json module."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cccdqr.core import _json

pytest.importorskip("orjson", reason="orjson is optional: without it the json module writes the text")

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
           | st.text())
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


def expected(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)


@given(documents)
def test_the_text_is_the_json_modules(doc: object) -> None:
    assert _json.document_text(doc) == expected(doc)


@pytest.mark.parametrize("doc", [
    {"name": "\ud800 lone surrogate"},  # from a JSON escape in an SHC or a VDS-NC
    {"big": 2**70, "neg": -(2**64)},
    {"ctl": "\x00\x1f\x7f\u2028\u2029\ufeff", "emoji": "🇻🇳", "vi": "Nguyễn Đức"},
    {1: "int key", "x": [True, None, {}]},
])
def test_what_orjson_refuses_or_may_differ_on(doc: object) -> None:
    assert _json.document_text(doc) == expected(doc)
    assert _json.document_bytes(doc) == (expected(doc) + "\n").encode("utf-8", "replace")
