"""docs/FORMAT.md and the code stay in step.

The worked example is built by docs/format_example.py with the library's own
functions; these tests check that FORMAT.md shows exactly those bytes, that the
example verifies, and that the document's tables (product numbers, reason
codes) list what the code has. When one fails after a deliberate change to the
format, run ``python docs/format_example.py --write`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cccdqr
from cccdqr import Reason, Status, TrustStore, make_trusted_key, testkeys
from cccdqr.core.products import PRODUCT_NUMBERS

DOCS = Path(__file__).resolve().parents[1] / "docs"
FORMAT_MD = DOCS / "FORMAT.md"
SCRIPT = DOCS / "format_example.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cccdqr_docs_format_example", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def example(script: ModuleType) -> dict[str, Any]:
    ex: dict[str, Any] = script.build_example()
    return ex


@pytest.fixture(scope="module")
def doc() -> str:
    return FORMAT_MD.read_text(encoding="utf-8")


def _section(doc: str, heading: str) -> str:
    """The text of a section, from its heading to the next heading of the same level."""
    level = heading.split(" ", 1)[0]
    start = doc.index(heading + "\n")
    nxt = re.compile(rf"^{re.escape(level)} ", re.M).search(doc, start + len(heading))
    return doc[start:nxt.start() if nxt else len(doc)]


# --- the worked example ---------------------------------------------------------------

STAGE_HEX = ["claims_hex", "protected_hex", "sig_structure_hex", "signature_hex", "cose_hex"]
INPUT_HEX = ["public_key_hex", "spki_hex", "kid_hex", "cti_hex"]


@pytest.mark.parametrize("name", STAGE_HEX)
def test_each_stage_hex_is_in_the_doc_on_one_line(example: dict[str, Any], doc: str,
                                                   name: str) -> None:
    value = example[name]
    assert re.fullmatch(r"[0-9a-f]+", value)
    assert f"```\n{value}\n```" in doc, f"{name} of the example is not in FORMAT.md"


@pytest.mark.parametrize("name", INPUT_HEX)
def test_each_input_hex_is_in_the_doc(example: dict[str, Any], doc: str, name: str) -> None:
    assert f"`{example[name]}`" in doc, f"{name} of the example is not in FORMAT.md"


def test_zlib_stage_matches_the_doc(example: dict[str, Any], doc: str) -> None:
    if example["zlib_used"]:
        assert f"```\n{example['zlib_hex']}\n```" in doc
    else:
        assert example["zlib_hex"] is None
        assert "**zlib not used**" in doc


def test_the_vn1_text_is_in_the_doc(example: dict[str, Any], doc: str) -> None:
    text = example["vn1"]
    assert text.startswith("VN1:")
    assert f"```\n{text}\n```" in doc


def test_every_hex_string_of_build_example_is_in_the_doc(example: dict[str, Any],
                                                         doc: str) -> None:
    for name, value in example.items():
        if name.endswith("_hex") and value is not None:
            assert value in doc, f"{name} of the example is not in FORMAT.md"


def _without_zlib_length(text: str) -> str:
    # Another deflate implementation (zlib-ng, for one) may give a stream of
    # another length; when the example is not compressed, no wire byte depends
    # on it, so the generated block is compared without that number.
    return re.sub(r"zlib level 9 gives \d+ bytes, not shorter",
                  "zlib level 9 gives N bytes, not shorter", text)


def test_the_generated_block_is_what_the_script_prints(script: ModuleType,
                                                       example: dict[str, Any],
                                                       doc: str) -> None:
    block, sentence = script.generated_parts(doc)
    expected = script.to_markdown(example, script.size_table())
    if not example["zlib_used"]:
        block, expected = _without_zlib_length(block), _without_zlib_length(expected)
    assert block == expected, "run: python docs/format_example.py --write"
    assert sentence == script.size_sentence(example)


def test_markdown_option_prints_the_block(script: ModuleType, example: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert script.main(["--markdown"]) == 0
    printed = capsys.readouterr().out
    assert printed == script.to_markdown(example, script.size_table()) + "\n"
    assert example["vn1"] in printed


def test_the_example_is_built_as_documented(example: dict[str, Any]) -> None:
    key = testkeys.test_ed25519_key("format-example")
    assert example["kid_hex"] == cccdqr.wire.cose.spki_kid(key.public_key()).hex()
    assert example["alg_id"] == -8
    assert example["iat_iso"] == "2026-01-15T00:00:00Z"
    assert example["exp_iso"] == "2027-01-15T00:00:00Z"
    assert example["cti_hex"] == "0102030405060708090a0b0c"
    assert example["protected_len"] == 13
    assert example["signature_len"] == 64
    assert example["cose_hex"].startswith("d284")
    assert example["cose_len"] == len(example["cose_hex"]) // 2
    assert example["vn1_len"] == len(example["vn1"])
    assert example["qr_error"] == "M"
    assert example["qr_mode"] == "alphanumeric"
    cert = example["certificate"]
    assert cert["subject"]["id_number"] == "079095012345"
    assert [v["product"] for v in cert["vaccinations"]] == [
        "EU/1/20/1528", "EU/1/20/1528", "EU/1/20/1507"]


def test_three_doses_fit_the_size_budget(example: dict[str, Any]) -> None:
    assert example["vn1_len"] <= 311
    assert example["qr_version"] <= 10


def _trust() -> TrustStore:
    key = testkeys.test_ed25519_key("format-example")
    return TrustStore([make_trusted_key(key.public_key(), issuer="VN")])


def test_the_example_verifies_valid_inside_its_validity(example: dict[str, Any]) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    result = cccdqr.verify(example["vn1"], _trust(), now=now)
    assert result.status is Status.VALID, result.reasons
    assert result.reasons == ()
    assert result.kid is not None and result.kid.hex() == example["kid_hex"]
    assert result.certificate_id == example["cti_hex"]
    assert result.certificate is not None
    assert result.certificate.subject.name == "Nguyễn Văn An"
    assert int(result.issued_at.timestamp()) == example["iat"]  # type: ignore[union-attr]
    assert int(result.expires_at.timestamp()) == example["exp"]  # type: ignore[union-attr]


def test_the_example_expires_at_exp(example: dict[str, Any]) -> None:
    # exp is exclusive (RFC 8392), widened by the default skew of 5 minutes.
    at_exp = dt.datetime.fromtimestamp(example["exp"], dt.timezone.utc)
    result = cccdqr.verify(example["vn1"], _trust(), now=at_exp + dt.timedelta(minutes=5))
    assert result.reasons == (Reason.EXPIRED,)


# --- the tables -----------------------------------------------------------------------

def test_every_reason_code_appears_in_the_doc(doc: str) -> None:
    for reason in Reason:
        assert reason.value in doc, f"{reason.value} is missing from FORMAT.md"


_REASON_ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| ([A-Z_a-z]+) \| [^|]+ \| ([^|]+) \| ([^|]+) \|$",
                         re.M)


def test_the_reason_table_matches_the_code(doc: str) -> None:
    rows = {m[1]: (m[2], m[3].strip(), m[4].strip())
            for m in _REASON_ROW.finditer(_section(doc, "## 11. Verification order and reason codes"))}
    assert set(rows) == {r.value for r in Reason}
    for reason in Reason:
        status, english, vietnamese = rows[reason.value]
        assert status == (reason.status.value if reason.status else "warning"), reason
        assert english == reason.message("en"), reason
        assert vietnamese == reason.message("vi"), reason


_PRODUCT_ROW = re.compile(r"^\| (\d+) \| `([^`]+)` \| [^|]+ \|$", re.M)
_CDDL_PRODUCT = re.compile(r"^\s+[a-z0-9-]+: (\d+),\s+; \"([^\"]+)\"$", re.M)


def test_the_product_table_lists_exactly_the_product_numbers(doc: str) -> None:
    section = _section(doc, "### 7.3 Product numbers")
    rows = [(int(m[1]), m[2]) for m in _PRODUCT_ROW.finditer(section)]
    assert len(rows) == len({n for n, _ in rows}), "a product number is listed twice"
    assert dict(rows) == dict(PRODUCT_NUMBERS)


def test_the_cddl_lists_exactly_the_product_numbers(doc: str) -> None:
    cddl = re.search(r"```cddl\n(.*?)```", doc, re.S)
    assert cddl is not None
    group = re.search(r"product-number = &\((.*?)\n\)", cddl[1], re.S)
    assert group is not None
    entries = [(int(m[1]), m[2]) for m in _CDDL_PRODUCT.finditer(group[1])]
    assert dict(entries) == dict(PRODUCT_NUMBERS)
    assert len(entries) == len(PRODUCT_NUMBERS)


def test_the_documented_limits_are_the_defaults(doc: str) -> None:
    limits = cccdqr.Limits()
    section = _section(doc, "## 10. Limits")
    assert f"{limits.max_input_chars:,} characters" in section
    assert f"{limits.max_input_chars * 4:,} bytes" in section
    assert f"{limits.max_decompressed:,} bytes" in section
    assert f"| {limits.max_cbor_depth} |" in section
    assert f"{limits.max_cbor_items:,} |" in section
