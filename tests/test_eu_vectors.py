"""Every EU DCC test vector (vectors/eu-dcc/, 438 files), stage by stage.

For each vector and each EXPECTED* flag it sets, the matching stage of cccdqr
is run and compared:

==================  ===============================================================
PICTUREDECODE       the ``2DCODE`` PNG scans (``cccdqr.qr.scan``) to ``PREFIX``
UNPREFIX            ``detect`` picks HC1 and the text after ``HC1:`` equals ``BASE45``
B45DECODE           our Base45 decodes it (and equals ``COMPRESSED``)
COMPRESSION         it inflates (and equals ``COSE``)
DECODE              the COSE_Sign1 and its CWT payload decode (and equal ``CBOR``)
VERIFY              ``cccdqr.verify`` with a TrustStore of TESTCTX.CERTIFICATE reports
                    the signature verified
EXPIRATIONCHECK     iat <= VALIDATIONCLOCK < exp, with verify's default skew
SCHEMAVALIDATION    the DGC passes our hand check of the 1.3.3 schema
KEYUSAGE            the DSC's EU extended key usage allows the DGC's kind
VALIDJSON           the decoded DGC equals ``JSON``
==================  ===============================================================

``EXPECTEDVALIDOBJECT`` (the vector file is complete) and ``EXPECTEDENCODE``
(the generator could encode the JSON) describe the test data, not a verifier
stage, and are not compared. A vector whose expectation we believe is wrong is
listed in ``tests/eu_dcc_disagreements.md`` with its stage and the reason; the
test fails both when an unlisted stage disagrees and when a listed one agrees.
Per-country pass counts go to ``tests/eu_dcc_summary.md`` when
``CCCDQR_EU_SUMMARY`` is set.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import functools
import io
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any

import cbor2
import pytest

import cccdqr
from cccdqr import Limits, Reason
from cccdqr._base45 import Base45Error, b45decode
from cccdqr._reject import Reject
from cccdqr.errors import KeyAlgorithmMismatch
from cccdqr.formats import dcc, detect
from cccdqr.formats._dcc_schema import SchemaError, check_dgc
from cccdqr.trust import make_trusted_certificate, record_types_from_eku

import helpers

ROOT = helpers.shared("vectors", "eu-dcc")
DISAGREEMENTS = Path(__file__).with_name("eu_dcc_disagreements.md")
LIMITS = Limits()
STAGES = ("PICTUREDECODE", "UNPREFIX", "B45DECODE", "COMPRESSION", "DECODE", "VERIFY",
          "EXPIRATIONCHECK", "SCHEMAVALIDATION", "KEYUSAGE", "VALIDJSON")
NOT_COMPARED = {"VALIDOBJECT", "ENCODE"}


def vector_files() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/*.json") if p.parent.name not in ("schema", "valuesets"))


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def expectations(doc: dict[str, Any]) -> dict[str, bool]:
    """EXPECTED* flags, with the ES quirks: nested EXPECTEDRESULTS (1001-1003)
    and the typo EXPTECTEDEXPIRED (201-203, not a stage we can map: ignored)."""
    raw = dict(doc.get("EXPECTEDRESULTS", {}))
    nested = raw.pop("EXPECTEDRESULTS", None)
    if isinstance(nested, dict):
        raw.update(nested)
    return {k.removeprefix("EXPECTED"): v for k, v in raw.items()
            if k.startswith("EXPECTED") and isinstance(v, bool)}


def clock(ctx: dict[str, Any]) -> dt.datetime:
    """VALIDATIONCLOCK in any of the vectors' spellings; no offset means UTC."""
    text = ctx.get("VALIDATIONCLOCK") or ctx["validationClockInstant"]
    text = re.sub(r"Z$", "+00:00", text)
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if m and m[2]:  # fromisoformat wants 3 or 6 fraction digits before 3.11
        text = m[1] + (m[2] + "000000")[:7] + m[3]
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def _same(a: Any, b: Any) -> bool:
    """Decoded-value equality: 1 == 1.0, datetimes as their text, any map order."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Vector:
    """One vector file and the outcome of each of our stages on it."""

    def __init__(self, path: Path) -> None:
        self.name = _name(path)
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        self.ctx: dict[str, Any] = self.doc.get("TESTCTX", {})
        self.expected = expectations(self.doc)
        self.prefix: str | None = self.doc.get("PREFIX")

    @functools.cached_property
    def trusted(self) -> cccdqr.TrustedKey | None:
        """The DSC as a trusted key; ``None`` when cccdqr refuses the key."""
        try:
            return make_trusted_certificate(base64.b64decode(self.ctx["CERTIFICATE"]))
        except ValueError:  # KeyAlgorithmMismatch, or a DSC that does not parse (CO15)
            return None

    @functools.cached_property
    def result(self) -> cccdqr.VerificationResult:
        trust = cccdqr.TrustStore([self.trusted] if self.trusted else [])
        return cccdqr.verify(self.prefix or "", trust, now=clock(self.ctx))

    def _b45(self) -> bytes:
        assert self.prefix is not None
        return b45decode(self.prefix.removeprefix(dcc.PREFIX))

    @functools.cached_property
    def claims(self) -> tuple[str, dt.datetime, dt.datetime, Any]:
        msg = dcc.decode_sign1(dcc.unwrap(self.prefix or "", LIMITS), LIMITS)
        return dcc.read_claims(msg.payload, LIMITS)

    def dgc(self) -> Any:
        if "JSON" in self.doc:
            return self.doc["JSON"]
        if self.prefix is not None:
            try:
                return self.claims[3]
            except Reject:
                pass
        cbor = cbor2.loads(bytes.fromhex(self.doc["CBOR"]))
        return cbor[-260][1] if isinstance(cbor, dict) and -260 in cbor else cbor

    # --- stages: each returns whether it succeeded ---------------------------------

    def PICTUREDECODE(self) -> bool | None:
        from PIL import Image, UnidentifiedImageError

        from cccdqr.qr import scan
        if "2DCODE" not in self.doc:
            return None
        try:
            image = Image.open(io.BytesIO(base64.b64decode(self.doc["2DCODE"])))
            image.load()
        except (UnidentifiedImageError, OSError, ValueError):
            return False
        return any(code.text == self.prefix for code in scan(image))

    def UNPREFIX(self) -> bool:
        text = self.prefix or ""
        ok = detect(text) is dcc
        if ok and "BASE45" in self.doc:
            ok = text.removeprefix(dcc.PREFIX) == self.doc["BASE45"]
        if not ok:  # and the public API says why
            assert self.result.reasons[0] is Reason.UNKNOWN_FORMAT
        return ok

    def B45DECODE(self) -> bool:
        try:
            data = self._b45()
        except Base45Error:
            assert self.result.reasons[0] is Reason.BAD_BASE45
            return False
        return "COMPRESSED" not in self.doc or data == bytes.fromhex(self.doc["COMPRESSED"])

    def COMPRESSION(self) -> bool:
        try:
            data = dcc.inflate(self._b45(), LIMITS)
        except Reject as r:
            assert self.result.reasons[0] is r.reason is Reason.BAD_COMPRESSION
            return False
        return "COSE" not in self.doc or data == bytes.fromhex(self.doc["COSE"])

    def DECODE(self) -> bool:
        try:
            claims = cbor2.loads(dcc.decode_sign1(dcc.unwrap(self.prefix or "", LIMITS),
                                                  LIMITS).payload)
            self.claims  # noqa: B018  # our bounded decoder agrees
        except Reject:
            return False
        if "CBOR" not in self.doc:
            return True
        expected = cbor2.loads(bytes.fromhex(self.doc["CBOR"]))  # claims, or the bare DGC
        return _same(claims, expected) or _same(claims[-260][1], expected)

    def VERIFY(self) -> bool:
        return self.result.signature_verified

    def EXPIRATIONCHECK(self) -> bool:
        _, iat, exp, _ = self.claims
        now, skew = clock(self.ctx), cccdqr.verify.__kwdefaults__["skew"]
        ok = iat <= now + skew and now - skew < exp
        if self.result.signature_verified and self.result.reasons[:1] != (Reason.BAD_RECORD,):
            times = {Reason.NOT_YET_VALID, Reason.EXPIRED}
            assert ok is not bool(times & set(self.result.reasons)), "verify disagrees"
        return ok

    def SCHEMAVALIDATION(self) -> bool:
        try:
            check_dgc(self.dgc())
        except SchemaError:
            return False
        return True

    def KEYUSAGE(self) -> bool:
        from cryptography import x509
        cert = x509.load_der_x509_certificate(base64.b64decode(self.ctx["CERTIFICATE"]))
        kinds = {k for k in "vtr" if k in self.dgc()}
        try:
            ok = kinds <= record_types_from_eku(cert)
        except ValueError:  # an extension that is not valid DER (CO15)
            return False
        if not ok and self.result.signature_verified and self.result.certificate:
            assert Reason.RECORD_TYPE_NOT_ALLOWED in self.result.reasons
        return ok

    def VALIDJSON(self) -> bool | None:
        if "JSON" not in self.doc:
            return None
        return _same(self.claims[3], self.doc["JSON"])

    def outcomes(self) -> dict[str, bool]:
        """Our outcome for every stage the vector has an expectation for and
        the input it needs (PICTUREDECODE needs ``2DCODE``, VALIDJSON ``JSON``,
        every other stage ``PREFIX``; ``no_input`` counts the rest)."""
        out: dict[str, bool] = {}
        for stage in self.expected:
            if stage in NOT_COMPARED:
                continue
            assert stage in STAGES, f"{self.name}: unknown expectation {stage}"
            if self.prefix is None and stage != "SCHEMAVALIDATION":
                continue
            try:
                outcome = getattr(self, stage)()
            except Reject:
                outcome = False
            if outcome is not None:
                out[stage] = outcome
        return out


def listed_disagreements() -> dict[tuple[str, str], str]:
    """``(vector, stage) -> reason`` from tests/eu_dcc_disagreements.md, whose
    entries are lines ``- `CC/file.json` STAGE: reason``."""
    out: dict[tuple[str, str], str] = {}
    for line in DISAGREEMENTS.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"- `([^`]+)` ([A-Z0-9]+): (.+)", line)
        if m:
            assert (m[1], m[2]) not in out, f"listed twice: {m[1]} {m[2]}"
            assert m[2] in STAGES, f"unknown stage {m[2]}"
            out[(m[1], m[2])] = m[3]
    return out


@functools.cache
def all_outcomes() -> dict[str, tuple[dict[str, bool], dict[str, bool]]]:
    """vector -> (expected, ours) over every vector."""
    result = {}
    for path in vector_files():
        v = Vector(path)
        result[v.name] = (v.expected, v.outcomes())
    return result


def test_every_vector_is_walked() -> None:
    names = list(all_outcomes())
    assert len(names) == 438
    assert sum(1 for n in names if n.startswith("common/")) == 38


def test_stages_match_expectations_or_are_listed() -> None:
    listed = listed_disagreements()
    found = {(name, stage) for name, (expected, ours) in all_outcomes().items()
             for stage in ours if ours[stage] != expected[stage]}
    unlisted = sorted(found - listed.keys())
    stale = sorted(listed.keys() - found)
    assert not unlisted, f"disagreements not in {DISAGREEMENTS.name}: {unlisted}"
    assert not stale, f"listed in {DISAGREEMENTS.name} but agreeing now: {stale}"
    summary = per_country_summary(listed)
    if os.environ.get("CCCDQR_EU_SUMMARY"):
        Path(os.environ["CCCDQR_EU_SUMMARY"]).write_text(summary, encoding="utf-8")


def per_country_summary(listed: dict[tuple[str, str], str]) -> str:
    """A Markdown table: per country, vectors, stage checks, agreeing, listed."""
    rows: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for name, (expected, ours) in all_outcomes().items():
        country = name.split("/")[0]
        row = rows[country]
        row["vectors"] += 1
        agree = all(ours[s] == expected[s] for s in ours)
        row["all stages agree"] += agree
        row["no input"] += sum(1 for s in expected if s not in NOT_COMPARED and s not in ours)
        for stage in ours:
            row["checks"] += 1
            row["agree"] += ours[stage] == expected[stage]
            row["listed"] += (name, stage) in listed
    cols = ("vectors", "all stages agree", "checks", "agree", "listed", "no input")
    lines = ["| country | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    total: collections.Counter[str] = collections.Counter()
    for country in sorted(rows):
        total.update(rows[country])
        lines.append(f"| {country} | " + " | ".join(str(rows[country][c]) for c in cols) + " |")
    lines.append("| **all** | " + " | ".join(str(total[c]) for c in cols) + " |")
    return "\n".join(lines) + "\n"


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
    from cccdqr._base45 import b45encode
    result = cccdqr.verify(dcc.PREFIX + b45encode(bomb), cccdqr.TrustStore(), now=helpers.NOW)
    assert result.reasons[0] is Reason.DECOMPRESSED_TOO_LARGE
