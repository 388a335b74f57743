"""Benchmark: policy evaluation time per certificate, next to a verify of the same code.

Not a test. ``Policy.default().evaluate(certificate, now=)`` over N distinct
certificates of each record type (three doses; a test; a recovery), and as the
floor, ``cccdqr.verify`` of the same certificates issued as VN1 ES256 codes in
the same run: the policy step should cost a small share of a verify.

    python bench/policy.py [--quick] [-n 2000]

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

import cccdqr
from cccdqr import Policy, testkeys
from cccdqr.core.model import (
    RESULT_NOT_DETECTED,
    TEST_NAA,
    HealthCertificate,
    Recovery,
    Sex,
    Subject,
    Test,
    Vaccination,
)

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def subject(i: int) -> Subject:
    return Subject(name="Nguyễn Văn An", dob=f"19{60 + i % 40}-05-17",
                   id_number=f"001{i % 2}{60 + i % 40:02d}{i % 1_000_000:06d}",
                   sex=Sex.MALE if i % 2 == 0 else Sex.FEMALE)


def certificates(kind: str, n: int) -> list[HealthCertificate]:
    out = []
    for i in range(n):
        if kind == "vaccination (3 doses)":
            out.append(HealthCertificate(subject=subject(i), vaccinations=tuple(
                Vaccination(product="EU/1/20/1528", dose_number=d + 1, doses_in_series=2,
                            date=dt.date(2026, 1, 1) + dt.timedelta(days=60 * d + i % 30))
                for d in range(3))))
        elif kind == "test (NAA)":
            out.append(HealthCertificate(subject=subject(i), tests=(Test(
                test_type=TEST_NAA, result=RESULT_NOT_DETECTED,
                sampled_at=NOW - dt.timedelta(hours=1 + i % 90)),)))
        else:
            start = dt.date(2026, 10, 1) + dt.timedelta(days=i % 30)
            out.append(HealthCertificate(subject=subject(i), recoveries=(Recovery(
                first_positive=start, valid_from=start + dt.timedelta(days=11),
                valid_until=start + dt.timedelta(days=180)),)))
    return out


def per_call_us(fn: Callable[[Any], Any], items: list[Any], rounds: int) -> float:
    """Median over ``rounds`` runs of the mean time per call, in µs."""
    runs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        runs.append((time.perf_counter() - t0) / len(items) * 1e6)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run (smoke)")
    ap.add_argument("-n", type=int, default=2000)
    args = ap.parse_args(argv)
    n, rounds = (20, 1) if args.quick else (args.n, 5)
    policy = Policy.default()
    issuer = cccdqr.Issuer(testkeys.test_es256_key("bench"))
    trust = cccdqr.TrustStore([issuer.trusted_key()])
    lines = [f"{n} certificates per kind, median of {rounds} runs, one core; the default "
             "policy (`cccdqr/data/policy-default.toml`).", "",
             "| record | policy µs/cert | passed | verify µs/code (floor) | policy / verify |",
             "|---|---:|---:|---:|---:|"]
    for kind in ("vaccination (3 doses)", "test (NAA)", "recovery"):
        certs = certificates(kind, n)
        codes = [issuer.issue(c, now=NOW - dt.timedelta(hours=2), valid_for=dt.timedelta(days=30))
                 for c in certs]
        passed = sum(policy.evaluate(c, now=NOW).passed for c in certs)
        t_policy = per_call_us(lambda c: policy.evaluate(c, now=NOW), certs, rounds)
        t_verify = per_call_us(lambda t: cccdqr.verify(t, trust, now=NOW), codes, rounds)
        lines.append(f"| {kind} | {t_policy:.1f} | {passed}/{n} | {t_verify:.1f} | "
                     f"{t_policy / t_verify:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main())
