"""Benchmark: CertLogic rule sets on one certificate, next to a full verify of it.

Not a test. For one certificate each, in the same run and taking turns
(``_timing.interleaved``, CPU time, best of the rounds):

- the default Viet Nam rules (``RuleSet.default()``, ``data/rules-default.json``)
  on a VN1 ES256 code with three doses, through the DGC-shaped view;
- the published EU rule set (14 rules, ``../shared/vectors/certlogic/rules/EU``)
  on EU DCC test vectors (DE/1 a vaccination, DE/2 a test; ES256) with their
  own DGC JSON (General rules and those of the certificate's type apply);

each as ``RuleSet.evaluate`` (selection, ``external``, every applied rule),
beside ``cccdqr.verify`` of the same code without a policy (the floor). Goal
(issue 17): the EU rule set costs at most 0.5 of a verify.

    python bench/rules.py [--quick] [-n 400]

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import cccdqr
from cccdqr import testkeys
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination
from cccdqr.rules.ruleset import RuleSet
from cccdqr.trust.store import make_trusted_certificate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import each, interleaved  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CCCDQR_SHARED", ROOT.parent / "shared"))
RULES = SHARED / "vectors" / "certlogic" / "rules"


def vn_case() -> tuple[str, cccdqr.TrustStore, dt.datetime, HealthCertificate, dict[str, Any]]:
    issuer = cccdqr.Issuer(testkeys.test_es256_key("bench"))
    cert = HealthCertificate(
        subject=Subject(name="Nguyễn Văn An", dob="1990-05-17", id_number="001090123456", sex=Sex.MALE),
        vaccinations=tuple(Vaccination(product="EU/1/20/1528", dose_number=d + 1, doses_in_series=2,
                                       date=dt.date(2026, 1, 1) + dt.timedelta(days=60 * d))
                           for d in range(3)))
    text = issuer.issue(cert, now=NOW - dt.timedelta(hours=2), valid_for=dt.timedelta(days=30))
    return text, cccdqr.TrustStore([issuer.trusted_key()]), NOW, cert, {}


def eu_case(name: str) -> tuple[str, cccdqr.TrustStore, dt.datetime, HealthCertificate, dict[str, Any]]:
    doc = json.loads((SHARED / "vectors" / "eu-dcc" / name).read_text("utf-8"))
    ctx = doc["TESTCTX"]
    trust = cccdqr.TrustStore([make_trusted_certificate(base64.b64decode(ctx["CERTIFICATE"]))])
    clock = dt.datetime.fromisoformat(ctx["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    result = cccdqr.verify(doc["PREFIX"], trust, now=clock)
    assert result.valid and result.certificate is not None, result.reasons
    return doc["PREFIX"], trust, clock, result.certificate, {"dgc": doc["JSON"]}


def measure(label: str, ruleset: RuleSet, case: tuple[Any, ...], n: int, rounds: int) -> str:
    text, trust, now, cert, extra = case
    found = cccdqr.verify(text, trust, now=now)
    claims = {"issuer": found.issuer, "issued_at": found.issued_at, "expires_at": found.expires_at}
    outcome = ruleset.evaluate(cert, now=now, **claims, **extra)
    applied = len(outcome.rules)
    best = interleaved([
        ("rules", each(lambda _: ruleset.evaluate(cert, now=now, **claims, **extra), range(n))),
        ("verify", each(lambda _: cccdqr.verify(text, trust, now=now), range(n))),
    ], rounds)
    rules_us, verify_us = best["rules"][0] / n * 1e6, best["verify"][0] / n * 1e6
    return (f"| {label} | {len(ruleset.rules)} | {applied} | {'pass' if outcome.passed else 'fail'} | "
            f"{rules_us:.1f} | {applied / rules_us * 1e6:,.0f} | {verify_us:.1f} | "
            f"**{rules_us / verify_us:.2f}** |")


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run (smoke)")
    ap.add_argument("-n", type=int, default=400)
    args = ap.parse_args(argv)
    n, rounds = (10, 1) if args.quick else (args.n, 7)
    eu_sets = json.loads((RULES / "valueSets.compressed.json").read_text("utf-8"))
    eu = RuleSet.load(RULES / "EU", value_sets=eu_sets)
    rows = [measure("Viet Nam default rules, VN1 ES256, 3 doses", RuleSet.default(), vn_case(), n, rounds),
            measure("EU rules, EU DCC DE/1 (vaccination, ES256)", eu, eu_case("DE/1.json"), n, rounds),
            measure("EU rules, EU DCC DE/2 (test, ES256)", eu, eu_case("DE/2.json"), n, rounds)]
    return "\n".join([
        f"One certificate, {n} calls per path, best of {rounds} rounds taking turns (CPU time, one "
        "core). `rules` = `RuleSet.evaluate` (selection, `external`, DGC view for VN1, every rule "
        "that applies); `verify` = `cccdqr.verify` of the same code without a policy. Goal: EU "
        "rules / verify ≤ 0.5.", "",
        "| rule set, certificate | rules in set | applied | outcome | rules µs/cert | rules/s "
        "| verify µs | rules / verify |",
        "|---|---:|---:|---|---:|---:|---:|---:|", *rows]) + "\n"


if __name__ == "__main__":
    print(main())
