"""Benchmark: EU DCC (HC1) verification throughput, cccdqr vs python-cwt vs pycose
vs a bare ``cryptography`` ES256 verify loop, on the same ES256 payloads.

Not a test. Single process, best of ``--repeat`` runs per path, the paths
taking turns within each run (``_timing.interleaved``):

* bare: ``ECPublicKey.verify`` over precomputed Sig_structures and DER
  signatures (the floor: nothing but the signature);
* bare-bones Python: the least any Python verifier does around the signature
  (Base45, zlib, cbor2, Sig_structure, iat/exp; no limits, no checks), the
  ceiling for a verifier written in Python;
* cccdqr sig+validity: HC1 text -> Base45 -> zlib -> COSE -> kid lookup ->
  signature -> CWT claims -> iat/exp at ``now`` (no schema, no model);
* cccdqr verify(): the whole public ``verify`` (adds the DGC schema check and
  the mapping to HealthCertificate);
* the path a user would assemble instead: the ``base45`` package + zlib +
  ``cwt.decode`` with the DSC key (issue 18: verify() >= 1.5x this path);
* python-cwt behind cccdqr's Base45: the same with cccdqr's decoder;
* pycose: Base45 (cccdqr's) + zlib + ``Sign1Message.decode`` + ``verify_signature``.

    python bench/dcc_verify.py            # 2,000 payloads, writes bench/dcc_verify.md
    python bench/dcc_verify.py --quick    # 50 payloads (smoke), prints only
    python bench/dcc_verify.py --profile  # cProfile of cccdqr verify() as well

Times are CPU time of this process (``time.process_time``): on a machine
shared with other work, wall time also counts the time other processes held
the core, and turns spread a stretch of such load over all paths alike. The
report ends with where a cccdqr verify() spends its time, each stage timed
alone and in sequence over the same payloads.

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib
import io
import platform
import pstats
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cbor2
import cryptography
from _timing import alone_us, in_sequence, interleaved, stage_table
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45decode
from cccdqr.formats import dcc
from cccdqr.formats._dcc_schema import check_dgc

UTC = dt.timezone.utc
NOW = dt.datetime(2022, 6, 1, tzinfo=UTC)
OUT = Path(__file__).with_name("dcc_verify.md")
GOALS = {"sig+validity": 0.80, "verify()": 0.60}
USER_PATH = "user-assembled: base45 package + zlib + cwt.decode"
CEILING = "bare-bones Python sig+validity (no checks: the ceiling)"
OVER_USER_PATH = 1.5
"""Issue 18: the whole verify() at least this many times the user-assembled path."""
STAGES: tuple[list[tuple[str, float, float]], float] = ([], 0.0)


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


WHERE_THE_TIME_GOES = """\
What is left (issue 8). The signature is OpenSSL's and is the floor. The
bare-bones row is the ceiling for a verifier written in Python (Base45, zlib,
cbor2, the Sig_structure, the signature, iat/exp, and no checks at all): it is
below the sig+validity goal of 0.80 on its own, so no Python verifier reaches
that goal here. python-cwt, which checks no limits and builds no model, is the
peer for sig+validity. Base45 runs by big-integer lanes, zlib in C, the common
COSE_Sign1 shape is read by hand, and the claims go through cbor2 with a fast
proof of the CBOR limits (re-encode and compare, a walk over the decoded values)
instead of the per-byte scan (431 of the 433 decodable EU test vectors take it;
the others, e.g. with half-size floats or tags, take the exact scan). cbor2 is
the largest library cost: it decodes a 250-byte DCC payload in ~16 µs, where
json.loads reads the same DGC as JSON in ~6 µs, and the proof's re-encode costs
~11 µs more. What remains in verify() is Python the design asks for: the DGC
schema checked rule by rule, the mapping to validated frozen model objects, the
revocation hashes and the result object. The in-sequence column is each stage
run as `verify` runs them, between the others, which evict its code and data
(and OpenSSL's tables) from the CPU caches. A compiled hot path (mypyc) was
measured and not adopted: docs/decisions.md, "No compiled hot path".

Issue 18 compares verify() with the path a user would assemble (the base45
package, zlib, python-cwt): its Base45 alone costs about 60 µs of a code of 520
characters. The ceiling row is the most any Python verifier can be ahead of
that path, and 1.5x is close to it. The subject and certificate are built
without re-checking what the schema check proved (docs/performance.md); cbor2
6, which would cut the claims decode by about a sixth, waits for python-cwt
and pycose to work with it (same file)."""


def stages(texts: list[str], trust: cccdqr.TrustStore,
           repeat: int) -> tuple[list[tuple[str, float, float]], float]:
    """µs per payload of each stage of a cccdqr verify(), timed alone and in
    sequence (the whole call timed like the stages, per call), and of the DGC
    schema check alone (part of the DGC -> HealthCertificate stage)."""
    limits = cccdqr.Limits()
    zipped = [b45decode(t[4:]) for t in texts]
    raws = [dcc.inflate(z, limits) for z in zipped]
    msgs = [dcc.decode_sign1(r, limits) for r in raws]
    key = trust.lookup(msgs[0].protected[4])[0]
    claims = [dcc.read_claims(m.payload, limits) for m in msgs]
    opened = [dcc.open_payload(m.payload, limits, alg=cose.Algorithm.ES256, signature=m.signature)
              for m in msgs]
    verify_module = importlib.import_module("cccdqr.engine.verify")

    def us(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
        return alone_us(fn, items, repeat)

    def later(c: Any) -> object:
        return verify_module._result(
            {"certificate": c.certificate, "issuer": c.issuer},
            tuple(verify_module._later_checks(c, key, now=NOW, skew=dt.timedelta(minutes=5),
                                              revocation=None, allow_unlisted_province=False)),
            [], "")

    sequenced = in_sequence(texts, repeat, [
        lambda t, i, _: b45decode(t[4:]),
        lambda t, i, z: dcc.inflate(z, limits),
        lambda t, i, raw: dcc.decode_sign1(raw, limits),
        lambda t, i, m: (m, cose.verify_bytes(cose.Algorithm.ES256, key.public_key, m.signature,
                                              m.to_be_signed))[0],
        lambda t, i, m: dcc.read_claims(m.payload, limits),
        lambda t, i, c: dcc.dgc_to_certificate(c[3]),
        lambda t, i, _: later(opened[i]),
        # Then the whole call on the same payload, timed in the same loop as
        # the stages, so that both see the same load.
        lambda t, i, _: cccdqr.verify(t, trust, now=NOW),
    ])
    alone = [
        ("Base45 decode", us(lambda t: b45decode(t[4:]), texts)),
        ("inflate (zlib)", us(lambda z: dcc.inflate(z, limits), zipped)),
        ("COSE_Sign1 structure and headers", us(lambda r: dcc.decode_sign1(r, limits), raws)),
        ("signature (cccdqr.wire.cose.verify_bytes)", us(lambda m: cose.verify_bytes(
            cose.Algorithm.ES256, key.public_key, m.signature, m.to_be_signed), msgs)),
        ("claims CBOR (bounded decode), iss/iat/exp", us(
            lambda m: dcc.read_claims(m.payload, limits), msgs)),
        ("DGC schema check", us(lambda c: check_dgc(c[3]), claims)),
        ("DGC -> HealthCertificate (schema check included)",
         us(lambda c: dcc.dgc_to_certificate(c[3]), claims)),
        ("times, VerificationResult", us(later, opened)),
        # The whole call last, timed here too, so the table compares like with like.
        ("whole", us(lambda t: cccdqr.verify(t, trust, now=NOW), texts)),
    ]
    schema = next(t for name, t in alone if name.startswith("DGC schema"))
    staged = [row for row in alone if not row[0].startswith("DGC schema")]
    seq = iter(sequenced)
    return [(name, t, next(seq)) for name, t in staged], schema


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

    def barebones() -> int:
        """The least any Python verifier does (the ceiling for one written in
        Python): Base45 (cccdqr's), zlib, cbor2 for the COSE_Sign1 and the claims,
        the Sig_structure, the signature, iat/exp. No limits and no checks."""
        ok, at = 0, NOW.timestamp()
        for text in texts:
            protected, _, payload, sig = cbor2.loads(zlib.decompress(b45decode(text[4:]))).value
            tbs = cbor2.dumps(["Signature1", protected, b"", payload])
            public.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                               int.from_bytes(sig[32:], "big")), tbs, ecdsa)
            claims = cbor2.loads(payload)
            ok += claims[6] <= at < claims[4]
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

    import base45

    def user_assembled() -> int:
        """What a user would put together instead of cccdqr: the ``base45``
        package, zlib and python-cwt with the DSC key (python-cwt checks the
        signature, exp and nbf; no limits, no schema, no model)."""
        ok = 0
        for text in texts:
            claims = cwt.decode(zlib.decompress(base45.b45decode(text[4:])), keys=[cwt_key],
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
             ("bare-bones Python sig+validity (no checks: the ceiling)", barebones),
             ("cccdqr sig+validity", sig_validity),
             ("cccdqr verify()", ours_verify),
             (USER_PATH, user_assembled),
             ("python-cwt decode (behind cccdqr's Base45)", python_cwt),
             ("pycose Sign1Message", pycose)]
    # pycose is ~30x slower than the rest: one run of it, after the others.
    best = interleaved(paths[:-1], repeat) | interleaved(paths[-1:], 1)
    rows = []
    for name, _ in paths:
        seconds, ok = best[name]
        assert isinstance(ok, int)
        print(f"{name}: {n / seconds:,.0f}/s ({ok}/{n} ok)", file=sys.stderr, flush=True)
        rows.append((name, seconds, ok))
    global STAGES
    STAGES = stages(texts, trust, repeat)
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
             "| path | verifies/s | µs/verify | ratio to bare | to the ceiling | all ok |",
             "|---|---:|---:|---:|---:|---|"]
    ceiling = n / next(s for name, s, _ in rows if name == CEILING)
    for name, seconds, ok in rows:
        rate = n / seconds
        lines.append(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {rate / floor:.2f} | "
                     f"{rate / ceiling:.2f} | {'yes' if ok == n else f'{ok}/{n}'} |")
    ratios = {name: n / s / floor for name, s, _ in rows}
    over_user = ratios["cccdqr verify()"] / ratios[USER_PATH]
    lines += ["", f"Goal (issue 18): cccdqr verify() >= {OVER_USER_PATH}x the user-assembled "
              f"path: {'met' if over_user >= OVER_USER_PATH else 'not met'} ({over_user:.2f}x; "
              f"the ceiling is {ceiling / ratios[USER_PATH] / floor:.2f}x of that path)."]
    lines += ["", "Goals (issue 8): " + ", ".join(
        f"{k} >= {v:.2f} of bare: {'met' if ratios['cccdqr ' + k] >= v else 'not met'} "
        f"({ratios['cccdqr ' + k]:.2f})" for k, v in GOALS.items())]
    stage_rows, schema = STAGES
    lines += ["", "Where a cccdqr verify() goes (µs per payload: each stage timed alone over all "
              "payloads, and in sequence, each payload taken through every stage in turn as "
              "`verify` does; then the whole call):", "",
              *stage_table(stage_rows, "`verify`'s own code (input checks, format detection, "
                           "envelope, revocation ids, glue)", "whole verify()"), "",
              f"(the schema check alone: {schema:.1f} µs)", "", WHERE_THE_TIME_GOES]
    if prof:
        lines += ["", "<details><summary>cProfile of cccdqr verify()</summary>", "", "```",
                  prof.strip(), "```", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> str:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50 payloads; writes no file")
    ap.add_argument("-n", type=int, default=None, help="payloads (default 2000)")
    ap.add_argument("--repeat", type=int, default=5)
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
