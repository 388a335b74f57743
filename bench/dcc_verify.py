"""Benchmark: EU DCC (HC1) verification throughput, cccdqr vs python-cwt vs pycose
vs a bare ``cryptography`` ES256 verify loop, on the same ES256 payloads.

Not a test. Single process, best of ``--repeat`` runs per path:

* bare: ``ECPublicKey.verify`` over precomputed Sig_structures and DER
  signatures (the floor: nothing but the signature);
* cccdqr sig+validity: HC1 text -> Base45 -> zlib -> COSE -> kid lookup ->
  signature -> CWT claims -> iat/exp at ``now`` (no schema, no model);
* cccdqr verify(): the whole public ``verify`` (adds the DGC schema check and
  the mapping to HealthCertificate);
* python-cwt: Base45 (cccdqr's decoder) + zlib + ``cwt.decode`` with the DSC key;
* pycose: Base45 (cccdqr's) + zlib + ``Sign1Message.decode`` + ``verify_signature``.

    python bench/dcc_verify.py            # 2,000 payloads, writes bench/dcc_verify.md
    python bench/dcc_verify.py --quick    # 50 payloads (smoke), prints only
    python bench/dcc_verify.py --profile  # cProfile of cccdqr verify() as well

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import platform
import pstats
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

import cccdqr
from cccdqr import cose, testkeys
from cccdqr._base45 import b45decode
from cccdqr.formats import dcc

UTC = dt.timezone.utc
NOW = dt.datetime(2022, 6, 1, tzinfo=UTC)
OUT = Path(__file__).with_name("dcc_verify.md")
GOALS = {"sig+validity": 0.80, "verify()": 0.60}


def make_dsc(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A self-signed TEST-ONLY DSC (C=VN)."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY DSC")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(dt.datetime(2021, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2031, 1, 1, tzinfo=UTC))
            .sign(key, hashes.SHA256()))


def payloads(n: int, issuer: cccdqr.Issuer) -> list[str]:
    """``n`` HC1 texts: one vaccination each, varied names, products and dates."""
    products = ["EU/1/20/1528", "EU/1/20/1507", "EU/1/21/1529", "BBIBP-CorV", "VN-NANOCOVAX"]
    out = []
    for i in range(n):
        family, given = f"Nguyễn{i % 97}", f"Văn An {i}"
        subject = cccdqr.Subject(name=f"{family} {given}", dob=f"{1940 + i % 60}-0{1 + i % 9}-1{i % 10}",
                                 family_name=family, given_name=given)
        v = cccdqr.Vaccination(product=products[i % 5], dose_number=1 + i % 3, doses_in_series=3,
                               date=dt.date(2021, 6, 1) + dt.timedelta(days=i % 300))
        cert = cccdqr.HealthCertificate(subject=subject, vaccinations=(v,))
        out.append(issuer.issue(cert, now=dt.datetime(2021, 12, 1, tzinfo=UTC),
                                valid_for=dt.timedelta(days=365)))
    return out


def best_of(repeat: int, fn: Callable[[], int]) -> tuple[float, int]:
    """Best wall time over ``repeat`` runs, and what the last run returned."""
    best, got = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        got = fn()
        best = min(best, time.perf_counter() - t0)
    return best, got


def run(n: int, repeat: int, profile: bool) -> tuple[list[tuple[str, float, int]], str]:
    key = testkeys.test_es256_key("bench-dcc")
    dsc = make_dsc(key)
    issuer = cccdqr.Issuer(key, "VN", format="HC1", certificate=dsc, deterministic=True)
    texts = payloads(n, issuer)
    trust = cccdqr.TrustStore([issuer.trusted_key()])
    limits = cccdqr.Limits()
    public = key.public_key()
    raws = [dcc.unwrap(t, limits) for t in texts]
    msgs = [dcc.decode_sign1(r, limits) for r in raws]
    bare_inputs = [(encode_dss_signature(int.from_bytes(m.signature[:32], "big"),
                                         int.from_bytes(m.signature[32:], "big")), m.to_be_signed)
                   for m in msgs]
    ecdsa = ec.ECDSA(hashes.SHA256())

    def bare() -> int:
        ok = 0
        for der, data in bare_inputs:
            public.verify(der, data, ecdsa)
            ok += 1
        return ok

    skew = dt.timedelta(minutes=5)

    def sig_validity() -> int:
        """What verify() does up to the times, without the DGC schema and model."""
        ok = 0
        for text in texts:
            msg = dcc.decode_sign1(dcc.unwrap(text, limits), limits)
            env_kid = msg.protected.get(4) or msg.unprotected.get(4)
            (k,) = trust.lookup(env_kid)
            if not cose.verify_bytes(cose.Algorithm.ES256, k.public_key, msg.signature,
                                     msg.to_be_signed):
                continue
            _, iat, exp, _ = dcc.read_claims(msg.payload, limits)
            ok += iat <= NOW + skew and NOW - skew < exp
        return ok

    def ours_verify() -> int:
        return sum(cccdqr.verify(t, trust, now=NOW).valid for t in texts)

    import cwt
    cwt_key = cwt.load_pem_hcert_dsc(dsc.public_bytes(serialization.Encoding.PEM).decode())

    def python_cwt() -> int:
        ok = 0
        for text in texts:
            claims = cwt.decode(zlib.decompress(b45decode(text[4:])), keys=[cwt_key],
                                no_verify=True)
            ok += claims[6] <= NOW.timestamp() < claims[4]
        return ok

    from pycose.keys import CoseKey
    from pycose.messages import Sign1Message
    cose_key = CoseKey.from_pem_public_key(public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())

    def pycose() -> int:
        ok = 0
        for text in texts:
            msg = Sign1Message.decode(zlib.decompress(b45decode(text[4:])))
            msg.key = cose_key
            ok += msg.verify_signature()
        return ok

    paths = [("bare cryptography ES256 verify", bare),
             ("cccdqr sig+validity", sig_validity),
             ("cccdqr verify()", ours_verify),
             ("python-cwt decode", python_cwt),
             ("pycose Sign1Message", pycose)]
    rows = []
    for name, fn in paths:
        seconds, ok = best_of(1 if name.startswith("pycose") else repeat, fn)
        print(f"{name}: {n / seconds:,.0f}/s ({ok}/{n} ok)", file=sys.stderr, flush=True)
        rows.append((name, seconds, ok))
    prof = ""
    if profile:
        pr = cProfile.Profile()
        pr.enable()
        ours_verify()
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(14)
        prof = buf.getvalue()
    return rows, prof


def report(rows: list[tuple[str, float, int]], n: int, repeat: int, prof: str) -> str:
    floor = n / rows[0][1]
    lines = [f"N = {n} ES256 HC1 payloads (one vaccination each), best of {repeat} "
             f"(pycose: 1 run), one process. Python {platform.python_version()}, "
             f"cryptography {cryptography.__version__}, {platform.machine()}.", "",
             "| path | verifies/s | µs/verify | ratio to bare | all ok |",
             "|---|---:|---:|---:|---|"]
    for name, seconds, ok in rows:
        rate = n / seconds
        lines.append(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {rate / floor:.2f} | "
                     f"{'yes' if ok == n else f'{ok}/{n}'} |")
    ratios = {name: n / s / floor for name, s, _ in rows}
    lines += ["", "Goals: " + ", ".join(
        f"{k} >= {v:.2f} of bare: {'met' if ratios['cccdqr ' + k] >= v else 'not met'} "
        f"({ratios['cccdqr ' + k]:.2f})" for k, v in GOALS.items())]
    if prof:
        lines += ["", "<details><summary>cProfile of cccdqr verify()</summary>", "", "```",
                  prof.strip(), "```", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> str:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50 payloads; writes no file")
    ap.add_argument("-n", type=int, default=None, help="payloads (default 2000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    n = args.n or (50 if args.quick else 2000)
    repeat = 1 if args.quick else args.repeat
    rows, prof = run(n, repeat, args.profile)
    md = report(rows, n, repeat, prof)
    print(md)
    out = args.out or (None if args.quick else OUT)
    if out is not None:
        out.write_text("# EU DCC verification benchmark\n\n" + md, encoding="utf-8")
    return md


if __name__ == "__main__":
    main()
