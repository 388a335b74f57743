"""Every EU DCC test vector (../shared/vectors/eu-dcc/, 438 files), stage by stage.

What each stage means, how a vector is read (clock spellings, the ES quirks)
and cccdqr's outcome per stage live in ``vectors/external/eu_dcc.py``, shared
with ``readers/check_vectors.py``. A vector whose expectation we believe is
wrong is listed in ``vectors/external/eu-dcc-disagreements.md`` with its stage
and the reason; the test fails both when an unlisted stage disagrees and when a
listed one agrees. Per-country pass counts go to the file named by
``CCCDQR_EU_SUMMARY`` when it is set.
"""

from __future__ import annotations

import base64
import collections
import os
import sys
import zlib
from pathlib import Path

import cbor2
import pytest

import cccdqr
from cccdqr import Reason
from cccdqr.core.errors import KeyAlgorithmMismatch
from cccdqr.formats import dcc
from cccdqr.trust.store import make_trusted_certificate

import helpers

if str(helpers.ROOT) not in sys.path:
    sys.path.append(str(helpers.ROOT))  # for vectors.external
from vectors.external import eu_dcc
from vectors.external.eu_dcc import LIMITS, NOT_COMPARED, Vector

ROOT = helpers.shared("vectors", "eu-dcc")
DISAGREEMENTS = eu_dcc.DISAGREEMENTS


def vector_files() -> list[Path]:
    return eu_dcc.vector_files(ROOT)


def all_outcomes() -> eu_dcc.Outcomes:
    return eu_dcc.all_outcomes(ROOT)


def listed_disagreements() -> dict[tuple[str, str], str]:
    return eu_dcc.listed_disagreements()


def test_every_vector_is_walked() -> None:
    names = list(all_outcomes())
    assert len(names) == 438
    assert sum(1 for n in names if n.startswith("common/")) == 38


def test_stages_match_expectations_or_are_listed() -> None:
    listed = listed_disagreements()
    found = eu_dcc.compare(all_outcomes(), listed)
    assert not found.unlisted, f"disagreements not in {DISAGREEMENTS.name}: {found.unlisted}"
    assert not found.stale, f"listed in {DISAGREEMENTS.name} but agreeing now: {found.stale}"
    summary = eu_dcc.per_country_summary(all_outcomes(), listed)
    if os.environ.get("CCCDQR_EU_SUMMARY"):
        Path(os.environ["CCCDQR_EU_SUMMARY"]).write_text(summary, encoding="utf-8")


def test_the_list_states_its_true_count() -> None:
    """The list's "Entries: N of M stage checks" line is what the run finds."""
    import re
    found = eu_dcc.compare(all_outcomes(), listed_disagreements()).found
    checks = sum(len(ours) for _, ours in all_outcomes().values())
    m = re.search(r"^Entries: (\d+) of (\d+) stage checks", DISAGREEMENTS.read_text("utf-8"), re.M)
    assert m, f"{DISAGREEMENTS.name} has no 'Entries:' line"
    assert (int(m[1]), int(m[2])) == (len(found), checks) == (len(listed_disagreements()), checks)


def test_co15_dsc_is_read_leniently_and_verifies() -> None:
    """CO15's DSC has an empty extendedKeyUsage (not DER): it loads with all
    record types and a note, and its code verifies with a warning."""
    v = Vector(ROOT / "common" / "CO15.json")
    assert v.trusted is not None and v.trusted.record_types == frozenset("vtr")
    assert any("extendedKeyUsage is empty" in f for f in v.trusted.encoding_faults)
    assert v.result.valid, v.result.reasons
    assert Reason.SIGNER_CERTIFICATE_NOT_DER in v.result.warnings
    assert v.KEYUSAGE()


P384_UNDER_ES256 = ("ES/401.json", "ES/402.json", "ES/403.json")


def test_p384_under_es256_is_refused() -> None:
    """ES 401-403 sign with a P-384 key under alg ES256: the key does not fit
    the algorithm, so cccdqr will not even hold it as an ES256 key."""
    v = Vector(ROOT / "ES" / "401.json")
    assert v.trusted is None
    with pytest.raises(KeyAlgorithmMismatch):
        make_trusted_certificate(base64.b64decode(v.ctx["CERTIFICATE"]), alg="ES256")
    assert v.result.reasons[0] is Reason.UNKNOWN_KID
    assert not v.result.signature_verified


@pytest.mark.parametrize("name", ["common/CO18.json", "common/CO19.json", "common/CO20.json",
                                  "common/CO21.json"])
def test_kid_placements_that_verify(name: str) -> None:
    assert Vector(ROOT / name).result.signature_verified


@pytest.mark.parametrize("name", ["common/CO22.json", "common/CO23.json"])
def test_wrong_kid_is_unknown(name: str) -> None:
    result = Vector(ROOT / name).result
    assert result.reasons[0] is Reason.UNKNOWN_KID
    assert not result.signature_verified


def test_double_tag_61_18_verifies() -> None:
    result = Vector(ROOT / "common" / "CO28.json").result
    assert result.valid, result.reasons


def test_uncompressed_is_refused() -> None:
    assert Vector(ROOT / "common" / "Z2.json").result.reasons[0] is Reason.BAD_COMPRESSION


@pytest.mark.parametrize("name", ["common/CO16.json", "common/CO17.json"])
def test_clock_outside_iat_exp(name: str) -> None:
    reasons = Vector(ROOT / name).result.reasons
    assert {Reason.NOT_YET_VALID, Reason.EXPIRED} & set(reasons)


def test_float_times_verify() -> None:
    """Spanish vectors with iat/exp as CBOR floats decode and verify."""
    floats = 0
    for path in sorted((ROOT / "ES").glob("*.json")):
        v = Vector(path)
        if v.prefix is None:
            continue
        msg = dcc.decode_sign1(dcc.unwrap(v.prefix, LIMITS), LIMITS)
        raw = cbor2.loads(msg.payload)
        if isinstance(raw.get(6), float):
            floats += 1
            assert v.result.signature_verified or v.name in P384_UNDER_ES256
            _, iat, _, _ = v.claims
            assert iat.timestamp() == raw[6]
    assert floats == 21


def test_end_to_end_where_every_stage_is_expected_true() -> None:
    """A vector with every compared stage expected true (and none listed) is
    VALID through the public API at its clock, unless its content cannot form a
    certificate: 38 NL vectors carry placeholder content (an empty test result
    or product, a birth month "00"), which no stage flag covers; those must be
    refused as BAD_RECORD by the mapping, never by the schema or the signature."""
    listed = {name for name, _ in listed_disagreements()}
    valid: collections.Counter[str] = collections.Counter()
    refused = []
    for path in vector_files():
        v = Vector(path)
        exp = {k: e for k, e in v.expected.items() if k not in NOT_COMPARED}
        if v.name in listed or not exp or not all(exp.values()):
            continue
        if not {"VERIFY", "EXPIRATIONCHECK", "SCHEMAVALIDATION"} <= exp.keys():
            continue
        if v.result.valid:
            valid[v.name.split("/")[0]] += 1
            continue
        assert v.name.startswith("NL/"), (v.name, v.result.reasons, v.result.detail)
        assert v.result.reasons == (Reason.BAD_RECORD,), v.name
        assert v.result.signature_verified and not v.result.detail.startswith("schema:")
        refused.append(v.name)
    assert len(refused) == 38
    assert sum(valid.values()) == 158
    assert set(valid) == {"NL", "FR", "DK", "ES", "BE", "SE", "DE", "IE", "CH", "IT", "common"}


def test_zlib_bomb_in_hc1_is_capped() -> None:
    bomb = zlib.compress(b"\0" * (LIMITS.max_decompressed * 4), 9)
    from cccdqr.wire.base45 import b45encode
    result = cccdqr.verify(dcc.PREFIX + b45encode(bomb), cccdqr.TrustStore(), now=helpers.NOW)
    assert result.reasons[0] is Reason.DECOMPRESSED_TOO_LARGE
