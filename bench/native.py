"""Benchmark: native VN1 verify/s and issue/s against the bare signature floor.

Not a test. For ES256 and Ed25519, in one process on one core:

* **verify**: ``cccdqr.verify`` over N distinct issued codes (each a different
  person and cti, so nothing is cached), against the floor: bare
  ``cryptography`` verification of the very same signatures over the very same
  Sig_structure bytes, in the same run;
* **issue**: ``Issuer.issue`` of N certificates against bare signing of the
  same Sig_structure bytes;
* a *bare-bones Python* verify and issue: only the calls any Python code must
  make around the signature, checking nothing (the ceiling for Python);
* where a verify and an issue spend their time: each stage timed on its own
  over the same codes; for verify also in sequence, each code taken through
  every stage in turn and then through the whole call, in one loop (a stage
  costs more between the others, which evict its code and data from the CPU
  caches); and a cProfile of the ES256 verify run.

Times are CPU time of this process (``time.process_time``), best of the runs,
the paths taking turns within each run (``_timing.interleaved``): on a machine
shared with other work, wall time also counts the time other processes held the
core, and a stretch of load would otherwise fall on one path only.

Goals (issue 18): ES256 verify >= 0.60 of bare (issue 8 asked 0.80), issue >= 0.40 of
bare sign; each printed beside the bare-bones ceiling.

    python bench/native.py [--quick] [-n 2000]

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib
import io
import pstats
import zlib
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

import cbor2
from _timing import alone_us, each, in_sequence, interleaved, stage_table

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cbor as _cbor
from cccdqr.wire.base45 import b45decode, b45encode
from cccdqr.formats import native
from cccdqr.core.identity import validate_cccd_number
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
GOALS = {"verify": 0.60, "issue": 0.40}
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Minh", "Phạm Thu Hà", "Đỗ Quang Huy")


def certificates(n: int) -> list[HealthCertificate]:
    """N distinct people with three doses each (a typical checkpoint code)."""
    out = []
    for i in range(n):
        doses = tuple(
            Vaccination(product="EU/1/20/1528" if d < 2 else "EU/1/20/1507", dose_number=d + 1,
                        doses_in_series=2, date=dt.date(2021, 7, 1) + dt.timedelta(days=90 * d))
            for d in range(3))
        out.append(HealthCertificate(
            subject=Subject(name=NAMES[i % len(NAMES)], dob=f"19{60 + i % 40}-05-17",
                            id_number=f"001{i % 2}{60 + i % 40:02d}{i % 1_000_000:06d}",
                            sex=Sex.MALE if i % 2 == 0 else Sex.FEMALE),
            vaccinations=doses))
    return out


def bare_verifier(alg: cccdqr.Algorithm, key: Any) -> Callable[[tuple[bytes, bytes]], None]:
    public = key.public_key()
    if alg is cccdqr.Algorithm.ES256:
        ecdsa = ec.ECDSA(hashes.SHA256())

        def verify_es256(item: tuple[bytes, bytes]) -> None:
            sig, data = item  # the raw r||s must become DER for cryptography: part of the floor
            public.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                               int.from_bytes(sig[32:], "big")), data, ecdsa)
        return verify_es256

    def verify_ed25519(item: tuple[bytes, bytes]) -> None:
        public.verify(*item)
    return verify_ed25519


def barebones_verifier(alg: cccdqr.Algorithm, key: Any, now: dt.datetime) -> Callable[[str], bool]:
    """The least any Python verifier of a VN1 code does, with the fastest pieces
    at hand: Base45 (cccdqr's decoder), cbor2 for the COSE_Sign1 and the claims,
    the Sig_structure, the signature, iat/exp. No limits, no header or kid
    checks, no record, no model, no result object: a ceiling, not a verifier
    (it accepts what ``verify`` rejects). Codes are never compressed here."""
    check = bare_verifier(alg, key)
    at = now.timestamp()

    def verify(text: str) -> bool:
        protected, _, payload, sig = cbor2.loads(b45decode(text[4:])).value
        check((sig, cbor2.dumps(["Signature1", protected, b"", payload])))
        claims = cbor2.loads(payload)
        return bool(claims[6] <= at < claims[4])
    return verify


def barebones_issuer(alg: cccdqr.Algorithm, key: Any) -> Callable[[dict[int, Any]], str]:
    """The least any Python issuer does from ready-made CWT claims: cbor2, the
    Sig_structure, the signature, the COSE_Sign1, zlib level 9 (kept only when
    shorter), Base45. No model, no checks: a ceiling for ``Issuer.issue``."""
    protected = cbor2.dumps({1: alg.cose_id, 4: bytes(8)})
    ecdsa = ec.ECDSA(hashes.SHA256())

    def issue(claims: dict[int, Any]) -> str:
        payload = cbor2.dumps(claims)
        tbs = cbor2.dumps(["Signature1", protected, b"", payload])
        if alg is cccdqr.Algorithm.ES256:
            r, s = decode_dss_signature(key.sign(tbs, ecdsa))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = key.sign(tbs)
        raw = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, sig]))
        packed = zlib.compress(raw, 9)
        return "VN1:" + b45encode(packed if len(packed) < len(raw) else raw)
    return issue


def measure(alg: cccdqr.Algorithm, key: Any, n: int, rounds: int) -> dict[str, Any]:
    issuer = cccdqr.Issuer(key)
    trust = cccdqr.TrustStore([issuer.trusted_key()])
    certs = certificates(n)
    texts = [issuer.issue(c, now=NOW, valid_for=dt.timedelta(days=365)) for c in certs]
    assert all(cccdqr.verify(t, trust, now=NOW).valid for t in texts)
    signed = []
    for text in texts:
        env = native.decode_unverified(text, cccdqr.Limits())
        signed.append((env.signature, env.signed))
    bare = bare_verifier(alg, key)
    sign = (lambda item: key.sign(item[1], ec.ECDSA(hashes.SHA256()))) \
        if alg is cccdqr.Algorithm.ES256 else (lambda item: key.sign(item[1]))
    barebones = barebones_verifier(alg, key, NOW)
    assert all(map(barebones, texts))
    claims = [cbor2.loads(native.claims_to_cbor(c, issuer="VN", iat=1, exp=2, cti=bytes(12)))
              for c in certs]
    best = interleaved([
        ("verify", each(lambda t: cccdqr.verify(t, trust, now=NOW), texts)),
        ("bare_verify", each(bare, signed)),
        ("barebones_verify", each(barebones, texts)),
        ("issue", each(lambda c: issuer.issue(c, now=NOW, valid_for=dt.timedelta(days=365)), certs)),
        ("bare_sign", each(sign, signed)),
        ("barebones_issue", each(barebones_issuer(alg, key), claims)),
    ], rounds)
    rates = {name: n / seconds for name, (seconds, _) in best.items()}
    return {"alg": alg.value, "n": n, "chars": sum(map(len, texts)) / n, **rates,
            "texts": texts, "trust": trust, "certs": certs, "issuer": issuer}


def stages(texts: list[str], trust: cccdqr.TrustStore, certs: list[HealthCertificate],
           issuer: cccdqr.Issuer,
           rounds: int) -> tuple[list[tuple[str, float, float]], list[tuple[str, float]]]:
    """µs per code of each verify stage, timed alone and in sequence (the whole
    call timed like the stages, per call), and of each issue stage alone."""
    limits = cccdqr.Limits()
    key = trust.lookup(cccdqr.wire.cose.spki_kid(issuer.public_key))[0]
    raws = [native.unwrap(t, limits) for t in texts]
    msgs = [cccdqr.wire.cose.decode_sign1(r, limits) for r in raws]
    envs = [native.decode_unverified(t, limits) for t in texts]
    claims = [_cbor.loads(m.payload, limits, malformed=cccdqr.Reason.BAD_CLAIMS) for m in msgs]
    contents = [e.open(limits) for e in envs]
    found = [{"format": "VN1", "alg": e.alg.value, "kid": e.kid, "signature_verified": True,
              "certificate": c.certificate, "issuer": c.issuer, "issued_at": c.issued_at,
              "expires_at": c.expires_at, "certificate_id": c.certificate_id}
             for e, c in zip(envs, contents, strict=True)]
    verify_module = importlib.import_module("cccdqr.engine.verify")

    def us(fn: Callable[[Any], Any], items: list[Any]) -> float:
        return alone_us(fn, items, rounds)

    def later(c: Any) -> None:
        verify_module._later_checks(c, key, now=NOW, skew=verify_module.DEFAULT_SKEW,
                                    revocation=None, allow_unlisted_province=False)

    sequenced = in_sequence(texts, rounds, [
        lambda t, i, _: native.unwrap(t, limits),
        lambda t, i, raw: cccdqr.wire.cose.decode_sign1(raw, limits),
        lambda t, i, msg: (msg, cccdqr.wire.cose.verify_bytes(envs[i].alg, key.public_key, msg.signature,
                                                         msg.to_be_signed))[0],
        lambda t, i, msg: _cbor.loads(msg.payload, limits, malformed=cccdqr.Reason.BAD_CLAIMS),
        lambda t, i, claims: native.record_from_cbor(claims[native.RECORD_CLAIM]),
        lambda t, i, _: later(contents[i]),
        lambda t, i, _: verify_module._result(found[i], (), [cccdqr.Reason.REVOCATION_NOT_CHECKED], ""),
        # Then the whole call on the same code, timed in the same loop as the
        # stages, so that both see the same load and their difference is ours.
        lambda t, i, _: cccdqr.verify(t, trust, now=NOW),
    ])
    verify_rows = [
        ("Base45 decode (+ inflate when compressed)", us(lambda t: native.unwrap(t, limits), texts)),
        ("COSE_Sign1 structure, headers, kid", us(lambda r: cccdqr.wire.cose.decode_sign1(r, limits), raws)),
        ("signature (cccdqr.wire.cose.verify_bytes)",
         us(lambda e: cccdqr.wire.cose.verify_bytes(e.alg, key.public_key, e.signature, e.signed), envs)),
        ("claims CBOR (bounded decode)",
         us(lambda m: _cbor.loads(m.payload, limits, malformed=cccdqr.Reason.BAD_CLAIMS), msgs)),
        ("record -> HealthCertificate (parse + model checks)",
         us(lambda c: native.record_from_cbor(c[native.RECORD_CLAIM]), claims)),
        ("times, CCCD number rules", us(later, contents)),
        ("VerificationResult", us(lambda f: verify_module._result(
            f, (), [cccdqr.Reason.REVOCATION_NOT_CHECKED], ""), found)),
        # The whole call last, timed here too, so the table compares like with like.
        ("whole", us(lambda t: cccdqr.verify(t, trust, now=NOW), texts)),
    ]
    verify_rows = [(name, alone, seq) for (name, alone), seq in
                   zip(verify_rows, sequenced, strict=True)]
    cose_bytes = [native.unwrap(t, limits) for t in texts]
    payloads = [native.claims_to_cbor(c, issuer="VN", iat=1, exp=2, cti=bytes(12)) for c in certs]
    sig_inputs = [cccdqr.wire.cose.sig_structure(b"\xa2\x01\x26\x04\x48" + bytes(8), p) for p in payloads]
    issue_rows = [
        ("CCCD number rules", us(lambda c: validate_cccd_number(
            c.subject.id_number, dob=c.subject.dob, sex=c.subject.sex), certs)),
        ("claims CBOR", us(lambda c: native.claims_to_cbor(
            c, issuer="VN", iat=1, exp=2, cti=bytes(12)), certs)),
        ("signature (cccdqr.wire.cose.sign_bytes)", us(lambda d: cccdqr.wire.cose.sign_bytes(
            issuer.alg, issuer._key, d), sig_inputs)),
        ("zlib level 9 (kept only when shorter)", us(lambda b: zlib.compress(b, 9), cose_bytes)),
        ("Base45 encode", us(b45encode, cose_bytes)),
        ("whole", us(lambda c: issuer.issue(c, now=NOW, valid_for=dt.timedelta(days=365)), certs)),
    ]
    return verify_rows, issue_rows


def profile(texts: list[str], trust: cccdqr.TrustStore, top: int = 12) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for text in texts:
        cccdqr.verify(text, trust, now=NOW)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("tottime")
    stats.print_stats(top)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:start + top + 1])


WHERE_THE_TIME_GOES = """\
What is left, and why it stays (issue 8). The signature is OpenSSL's and is the
floor. The bare-bones Python columns above are the ceiling for any verifier or issuer
written in Python: it does nothing but the unavoidable calls (Base45, cbor2 for
the COSE_Sign1 and the claims, the Sig_structure, the signature, two time
comparisons; on issue: cbor2, the signature, zlib level 9, Base45) and checks
nothing. For ES256 that ceiling is itself below both goals, so no Python
verifier or issuer reaches them on this machine; for EdDSA (a slower signature)
it is at or just above them. cccdqr adds what the design requires on top: the limits
proven before any object is trusted, the strict record (unknown keys, types,
ranges), the validated frozen model (a three-dose record is five objects), the
CCCD rules, the reasons and the result object. The in-sequence column shows
where that goes when the stages run as `verify` runs them: each costs more than
alone, because the stages evict each other's code and data (and OpenSSL's
tables) from the CPU caches; bare loops keep them warm.

Every stage is already C-backed or hand-written: Base45 and its inverse by
big-integer lanes, the CBOR by cbor2 with a fast proof of the limits (re-encode
and compare, a walk over the decoded values) in place of the per-byte scan, the
common COSE_Sign1 shape read by hand, accepted protected headers cached.
Compiling the hot modules with mypyc was measured and not adopted
(docs/decisions.md, "No compiled hot path"): 8-15 % more, far from the goals,
for a C toolchain at install time and compiled copies that shadow the sources.
Issuing keeps zlib level 9 and "uncompressed on a tie" (docs/FORMAT.md): the
compressor must run to know whether it wins (for these codes it never does),
and costs about half as much as the signature.

Issue 18: an issuer keeps one prepared COSE writer per key (the protected
header and the fixed fronts of the Sig_structure and the COSE_Sign1 built
once), and the record reader builds the model objects without re-checking what
it has proven; both are compared with the exact path by
tests/test_fast_path_limits.py (docs/performance.md)."""


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run (smoke)")
    ap.add_argument("-n", type=int, default=2000, help="codes per algorithm")
    args = ap.parse_args(argv)
    n, rounds = (20, 1) if args.quick else (args.n, 7)
    rows = [measure(cccdqr.Algorithm.ES256, testkeys.test_es256_key("bench"), n, rounds),
            measure(cccdqr.Algorithm.EDDSA, testkeys.test_ed25519_key("bench"), n, rounds)]
    lines = [
        f"{n} distinct three-dose codes per algorithm; best of {rounds} runs; one core.", "",
        "Each figure next to the bare `cryptography` call over the same bytes (the floor), and "
        "next to the *bare-bones Python* path: the least any Python code must do around that "
        "call with the fastest pieces at hand (cbor2, cccdqr's Base45, zlib), and no checks at all. "
        "Its ratio is the ceiling for a verifier or issuer written in Python.", "",
        "| alg | chars | verify/s | bare verify/s | ratio | goal | bare-bones Python verify/s | its ratio "
        "| verify / ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        v, c = r["verify"] / r["bare_verify"], r["barebones_verify"] / r["bare_verify"]
        lines.append(
            f"| {r['alg']} | {r['chars']:.0f} | {r['verify']:,.0f} | {r['bare_verify']:,.0f} | "
            f"**{v:.2f}** | {'met' if v >= GOALS['verify'] else 'missed'} (≥{GOALS['verify']}) | "
            f"{r['barebones_verify']:,.0f} | {c:.2f} | {v / c:.2f} |")
    lines += ["", "| alg | issue/s | bare sign/s | ratio | goal | bare-bones Python issue/s | its ratio "
              "| issue / ceiling |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        i, c = r["issue"] / r["bare_sign"], r["barebones_issue"] / r["bare_sign"]
        lines.append(
            f"| {r['alg']} | {r['issue']:,.0f} | {r['bare_sign']:,.0f} | **{i:.2f}** | "
            f"{'met' if i >= GOALS['issue'] else 'missed'} (≥{GOALS['issue']}) | "
            f"{r['barebones_issue']:,.0f} | {c:.2f} | {i / c:.2f} |")
    for r in rows:
        verify_rows, issue_rows = stages(r["texts"][: min(n, 500)], r["trust"],
                                         r["certs"][: min(n, 500)], r["issuer"], rounds)
        lines += ["", f"Where a {r['alg']} verify goes (µs per code: each stage timed alone over "
                      "all codes, and in sequence, each code taken through every stage in turn "
                      "as `verify` does; then the whole call):", "",
                  *stage_table(verify_rows, "`verify`'s own code (input checks, format detection, "
                               "envelope, CWT claims, glue)", "whole verify")]
        (_, whole), issue_rows = issue_rows[-1], issue_rows[:-1]
        lines += ["", f"Where a {r['alg']} issue goes:", "", "| stage | µs | share |", "|---|---:|---:|"]
        lines += [f"| {name} | {t:.1f} | {t / whole:.0%} |" for name, t in issue_rows]
        rest = whole - sum(t for _, t in issue_rows)
        lines += [f"| stages run in sequence, COSE assembly, glue | {rest:.1f} | {rest / whole:.0%} |",
                  f"| **whole issue** | **{whole:.1f}** | 100% |"]
    es = rows[0]
    per_verify = 1e6 / es["verify"] - 1e6 / es["bare_verify"]
    lines += ["", f"ES256: a verify costs {1e6 / es['verify']:.0f} µs, of which "
                  f"{1e6 / es['bare_verify']:.0f} µs is the bare signature check and "
                  f"{per_verify:.0f} µs is ours (parsing, checks, the result).", "",
              WHERE_THE_TIME_GOES, "",
              "cProfile of the ES256 verify run (own time):", "", "```",
              profile(es["texts"][: min(n, 500)], es["trust"]), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main())
