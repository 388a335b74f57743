"""The EU DCC test vectors (``../shared/vectors/eu-dcc/``, 438 files), stage by stage.

For each vector and each EXPECTED* flag it sets, the matching stage of cccdqr
is run and compared:

==================  ===============================================================
PICTUREDECODE       the ``2DCODE`` PNG scans (``cccdqr.qr.scan``, ``auto``) to ``PREFIX``
UNPREFIX            ``detect`` picks HC1 and the text after ``HC1:`` equals ``BASE45``
B45DECODE           our Base45 decodes it (and equals ``COMPRESSED``)
COMPRESSION         it inflates (and equals ``COSE``)
DECODE              the COSE_Sign1 and its CWT payload decode (and equal ``CBOR``)
VERIFY              ``cccdqr.verify`` with a TrustStore of TESTCTX.CERTIFICATE at
                    VALIDATIONCLOCK reports the signature verified
EXPIRATIONCHECK     iat <= VALIDATIONCLOCK < exp, with verify's default skew
SCHEMAVALIDATION    the DGC passes our hand check of the 1.3.3 schema
KEYUSAGE            the DSC's EU extended key usage allows the DGC's kind
VALIDJSON           the decoded DGC equals ``JSON``
==================  ===============================================================

``EXPECTEDVALIDOBJECT`` (the vector file is complete) and ``EXPECTEDENCODE``
(the generator could encode the JSON) describe the test data, not a verifier
stage, and are not compared; an absent flag means the stage is not tested (so a
``2DCODE`` without ``EXPECTEDPICTUREDECODE`` is not scanned). A vector whose
expectation we believe is wrong is listed in ``eu-dcc-disagreements.md`` (next
to this file) with its stage and the reason. Where a stage is run alone, the
public ``verify`` must agree with it (:class:`Inconsistent` otherwise).
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

import cccdqr
from cccdqr import Limits, Reason
from cccdqr.wire.base45 import Base45Error, b45decode
from cccdqr.core._reject import Reject
from cccdqr.formats import dcc, detect
from cccdqr.formats._dcc_schema import SchemaError, check_dgc
from cccdqr.trust.store import make_trusted_certificate, record_types_from_eku

from . import SHARED, require

FOLDER = SHARED / "vectors" / "eu-dcc"
"""Where the set lives in the shared test data."""

DISAGREEMENTS = Path(__file__).with_name("eu-dcc-disagreements.md")
LIMITS = Limits()
STAGES = ("PICTUREDECODE", "UNPREFIX", "B45DECODE", "COMPRESSION", "DECODE", "VERIFY",
          "EXPIRATIONCHECK", "SCHEMAVALIDATION", "KEYUSAGE", "VALIDJSON")
NOT_COMPARED = {"VALIDOBJECT", "ENCODE"}
_NOT_VECTORS = ("schema", "valuesets")


def vector_files(folder: Path = FOLDER) -> list[Path]:
    """Every vector: ``<CC>/<file>.json`` (the schema and value sets are not)."""
    return sorted(p for p in Path(folder).glob("*/*.json") if p.parent.name not in _NOT_VECTORS)


def is_eu_dcc_folder(folder: Path) -> bool:
    """Whether ``folder`` looks like the set: some ``<CC>/*.json`` with ``TESTCTX``."""
    for path in vector_files(folder)[:20]:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and "TESTCTX" in doc:
            return True
    return False


def vector_name(path: Path) -> str:
    """``CC/file.json``: how the disagreement list names a vector."""
    return f"{path.parent.name}/{path.name}"


def expectations(doc: Mapping[str, Any]) -> dict[str, bool]:
    """EXPECTED* flags, with the ES quirks: nested EXPECTEDRESULTS (1001-1003)
    and the typo EXPTECTEDEXPIRED (201-203, not a stage we can map: ignored)."""
    raw = dict(doc.get("EXPECTEDRESULTS", {}))
    nested = raw.pop("EXPECTEDRESULTS", None)
    if isinstance(nested, dict):
        raw.update(nested)
    return {k.removeprefix("EXPECTED"): v for k, v in raw.items()
            if k.startswith("EXPECTED") and isinstance(v, bool)}


def clock(ctx: Mapping[str, Any]) -> dt.datetime:
    """VALIDATIONCLOCK in any of the vectors' spellings (``Z``, ``+02:00``,
    ``+0200``, none, 0-9 fraction digits); no offset means UTC."""
    text = ctx.get("VALIDATIONCLOCK") or ctx["validationClockInstant"]
    text = re.sub(r"Z$", "+00:00", text)
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if m and m[2]:  # fromisoformat wants 3 or 6 fraction digits before 3.11
        text = m[1] + (m[2] + "000000")[:7] + m[3]
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def same(a: Any, b: Any) -> bool:
    """Decoded-value equality: 1 == 1.0, datetimes as their text, any map order."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Vector:
    """One vector file and the outcome of each of our stages on it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = vector_name(self.path)
        self.doc: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self.ctx: dict[str, Any] = self.doc.get("TESTCTX", {})
        self.expected = expectations(self.doc)
        self.prefix: str | None = self.doc.get("PREFIX")

    @functools.cached_property
    def trusted(self) -> cccdqr.TrustedKey | None:
        """The DSC as a trusted key; ``None`` when cccdqr refuses the key."""
        try:
            return make_trusted_certificate(base64.b64decode(self.ctx["CERTIFICATE"]))
        except ValueError:  # KeyAlgorithmMismatch (ES 401-403), or a DSC refused even leniently
            return None

    @functools.cached_property
    def result(self) -> cccdqr.VerificationResult:
        """``cccdqr.verify(PREFIX)`` trusting only the DSC, at VALIDATIONCLOCK."""
        trust = cccdqr.TrustStore([self.trusted] if self.trusted else [])
        return cccdqr.verify(self.prefix or "", trust, now=clock(self.ctx))

    def _b45(self) -> bytes:
        require(self.prefix is not None, f"{self.name}: no PREFIX")
        return b45decode((self.prefix or "").removeprefix(dcc.PREFIX))

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

    def _primary(self) -> Reason | None:
        return self.result.reasons[0] if self.result.reasons else None

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
        return any(code.text == self.prefix for code in scan(image, backend="auto"))

    def UNPREFIX(self) -> bool:
        text = self.prefix or ""
        ok = detect(text) is dcc
        if ok and "BASE45" in self.doc:
            ok = text.removeprefix(dcc.PREFIX) == self.doc["BASE45"]
        if not ok:  # and the public API says why
            require(self._primary() is Reason.UNKNOWN_FORMAT,
                    f"{self.name}: unprefix fails but verify says {self._primary()}")
        return ok

    def B45DECODE(self) -> bool:
        try:
            data = self._b45()
        except Base45Error:
            require(self._primary() is Reason.BAD_BASE45,
                    f"{self.name}: Base45 fails but verify says {self._primary()}")
            return False
        return "COMPRESSED" not in self.doc or data == bytes.fromhex(self.doc["COMPRESSED"])

    def COMPRESSION(self) -> bool:
        try:
            data = dcc.inflate(self._b45(), LIMITS)
        except Reject as r:
            require(self._primary() is r.reason is Reason.BAD_COMPRESSION,
                    f"{self.name}: inflate says {r.reason}, verify says {self._primary()}")
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
        return same(claims, expected) or same(claims[-260][1], expected)

    def VERIFY(self) -> bool:
        return self.result.signature_verified

    def EXPIRATIONCHECK(self) -> bool:
        _, iat, exp, _ = self.claims
        now = clock(self.ctx)
        skew: dt.timedelta = (cccdqr.verify.__kwdefaults__ or {})["skew"]  # verify's default
        ok = bool(iat <= now + skew and now - skew < exp)
        if self.result.signature_verified and self.result.reasons[:1] != (Reason.BAD_RECORD,):
            times = {Reason.NOT_YET_VALID, Reason.EXPIRED}
            require(ok is not bool(times & set(self.result.reasons)),
                    f"{self.name}: verify disagrees on the times ({self.result.reasons})")
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
        except ValueError:  # an extension not even BER reads (CO15 now reads leniently)
            return False
        if not ok and self.result.signature_verified and self.result.certificate:
            require(Reason.RECORD_TYPE_NOT_ALLOWED in self.result.reasons,
                    f"{self.name}: key usage refuses, verify says {self.result.reasons}")
        return ok

    def VALIDJSON(self) -> bool | None:
        if "JSON" not in self.doc:
            return None
        return same(self.claims[3], self.doc["JSON"])

    def outcomes(self) -> dict[str, bool]:
        """Our outcome for every stage the vector has an expectation for and
        the input it needs (PICTUREDECODE needs ``2DCODE``, VALIDJSON ``JSON``,
        every other stage ``PREFIX``)."""
        out: dict[str, bool] = {}
        for stage in self.expected:
            if stage in NOT_COMPARED:
                continue
            require(stage in STAGES, f"{self.name}: unknown expectation {stage}")
            if self.prefix is None and stage != "SCHEMAVALIDATION":
                continue
            try:
                outcome = getattr(self, stage)()
            except Reject:
                outcome = False
            if outcome is not None:
                out[stage] = outcome
        return out


def listed_disagreements(path: Path = DISAGREEMENTS) -> dict[tuple[str, str], str]:
    """``(vector, stage) -> reason`` from the disagreement list, whose entries
    are lines ``- `CC/file.json` STAGE: reason``."""
    out: dict[tuple[str, str], str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"- `([^`]+)` ([A-Z0-9]+): (.+)", line)
        if m:
            require((m[1], m[2]) not in out, f"listed twice: {m[1]} {m[2]}")
            require(m[2] in STAGES, f"unknown stage {m[2]}")
            out[(m[1], m[2])] = m[3]
    return out


Outcomes = dict[str, tuple[dict[str, bool], dict[str, bool]]]
"""vector name -> (expected, ours), over the stages compared."""


def all_outcomes(folder: Path = FOLDER) -> Outcomes:
    """vector -> (expected, ours) over every vector in ``folder`` (computed once
    per folder and process: the test and the checker share it)."""
    return _all_outcomes(Path(folder).resolve())


@functools.cache
def _all_outcomes(folder: Path) -> Outcomes:
    result = {}
    for path in vector_files(folder):
        v = Vector(path)
        result[v.name] = (v.expected, v.outcomes())
    return result


@dataclass(frozen=True)
class Disagreements:
    """How our outcomes compare with the vectors' expectations and the list."""

    found: frozenset[tuple[str, str]]
    """(vector, stage) where our outcome differs from the expectation."""
    unlisted: tuple[tuple[str, str], ...]
    """Found but not in the list: a regression (or a new reasoned entry to write)."""
    stale: tuple[tuple[str, str], ...]
    """Listed but agreeing now: the list is out of date."""


def compare(outcomes: Outcomes, listed: Mapping[tuple[str, str], str]) -> Disagreements:
    found = frozenset((name, stage) for name, (expected, ours) in outcomes.items()
                      for stage in ours if ours[stage] != expected[stage])
    return Disagreements(found, tuple(sorted(found - listed.keys())),
                         tuple(sorted(listed.keys() - found)))


def per_country_summary(outcomes: Outcomes, listed: Mapping[tuple[str, str], str]) -> str:
    """A Markdown table: per country, vectors, stage checks, agreeing, listed."""
    rows: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for name, (expected, ours) in outcomes.items():
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
