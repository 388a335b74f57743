"""Benchmark: QR size of the same person and record as VN1, EU DCC and SMART Health Card.

Not a test. For one typical person with 1, 2 and 3 vaccination doses, the text
length, the QR version and the module count at ECC M and Q of:

* **VN1** (ES256 and Ed25519): every dose in one code;
* **EU DCC** (``HC1:``) as Viet Nam issues it (PS256, RSA-2048) and with ES256:
  a DCC holds one event, so the N-dose code carries the last dose (dn=N);
* **SMART Health Card** (``shc:/``, ES256): every dose as an Immunization,
  shaped like the specification's own example (its issuer and ``vc.type`` are
  read from the shared spec example, not typed here), and encoded in two QR
  segments (byte ``shc:/`` + numeric), as the specification asks.

Goals (issue 8): VN1 with three doses at version <= 10, ECC M, and <= 45 % of
the modules of the same content as an EU DCC.

    python bench/qr_size.py [--quick]

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
import os
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import cbor2
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cose
from cccdqr.formats import shc
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
VALID = dt.timedelta(days=365)
SHARED = Path(os.environ.get("CCCDQR_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SHC_EXAMPLE = SHARED / "vectors" / "shc" / "spec-examples" / "example-00-b-jws-payload-expanded.json"
GOAL_VERSION, GOAL_SHARE = 10, 0.45
DOSES = (("EU/1/20/1528", "208", dt.date(2021, 7, 1)), ("EU/1/20/1528", "208", dt.date(2021, 8, 1)),
         ("EU/1/20/1507", "207", dt.date(2022, 1, 15)))


def person(doses: int) -> HealthCertificate:
    """Nguyễn Văn An (a typical 13-character name), born 1990-05-17, and N doses."""
    return HealthCertificate(
        subject=Subject(name="Nguyễn Văn An", dob="1990-05-17", id_number="001090123456",
                        sex=Sex.MALE, family_name="Nguyễn", given_name="Văn An",
                        family_name_icao="NGUYEN", given_name_icao="VAN<AN"),
        vaccinations=tuple(Vaccination(product=p, dose_number=i + 1, doses_in_series=2, date=d)
                           for i, (p, _, d) in enumerate(DOSES[:doses])))


def _dsc(key: Any) -> x509.Certificate:
    """A TEST-ONLY self-signed signer certificate, shaped like a real DSC."""
    name = x509.Name([x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Bo Y te"),
                      x509.NameAttribute(x509.NameOID.COMMON_NAME, "DSC TEST-ONLY")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(NOW - dt.timedelta(days=30)).not_valid_after(NOW + 2 * VALID)
            .sign(key, hashes.SHA256()))


@cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def vn1(doses: int, key: Any) -> str:
    return cccdqr.Issuer(key).issue(person(doses), now=NOW, valid_for=VALID)


def hc1(doses: int, key: Any) -> str:
    """The N-dose EU DCC: the last dose as dn=N/sd=N (the EU booster convention),
    with Viet Nam's authority text ("Ban Co Yeu", as in its production sample)."""
    cert = person(doses)
    last = dataclasses.replace(cert.vaccinations[-1], doses_in_series=doses)
    issuer = cccdqr.Issuer(key, "VN", format="HC1", certificate=_dsc(key), authority="Ban Co Yeu")
    return issuer.issue(cert.replace(vaccinations=(last,)), now=NOW, valid_for=VALID)


def smart_health_card(doses: int, key: Any) -> str:
    """A SMART Health Card like the specification's example-00, for our person."""
    example = json.loads(SHC_EXAMPLE.read_text(encoding="utf-8"))
    bundle = example["vc"]["credentialSubject"]["fhirBundle"]
    patient, immunization = bundle["entry"][0], bundle["entry"][1]
    patient["resource"]["name"] = [{"family": "Nguyễn", "given": ["Văn", "An"]}]
    patient["resource"]["birthDate"] = "1990-05-17"
    entries = [patient]
    for i, (_, cvx, day) in enumerate(DOSES[:doses]):
        entry = json.loads(json.dumps(immunization))
        entry["fullUrl"] = f"resource:{i + 1}"
        entry["resource"]["vaccineCode"]["coding"][0]["code"] = cvx
        entry["resource"]["occurrenceDateTime"] = day.isoformat()
        entries.append(entry)
    bundle["entry"] = entries
    example["nbf"] = int(NOW.timestamp())
    payload = json.dumps(example, separators=(",", ":"), ensure_ascii=False).encode()
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = squeeze.compress(payload) + squeeze.flush()
    kid = base64.urlsafe_b64encode(cose.spki_kid(key.public_key())).rstrip(b"=").decode()
    header = json.dumps({"zip": "DEF", "alg": "ES256", "kid": kid}, separators=(",", ":"))

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(header.encode())}.{b64(body)}"
    signature = cose.sign_bytes(cose.Algorithm.ES256, key, signing_input.encode())
    return shc.to_qr_text(f"{signing_input}.{b64(signature)}")


def qr(text: str, error: str) -> segno.QRCode:
    if text.startswith(shc.PREFIX):  # two segments, as the SHC specification asks
        return segno.make([(shc.PREFIX, segno.consts.MODE_BYTE),
                           (text[len(shc.PREFIX):], segno.consts.MODE_NUMERIC)],
                          error=error, boost_error=False, micro=False)
    return segno.make(text, error=error, boost_error=False, micro=False)


def modules(version: int) -> int:
    return (17 + 4 * version) ** 2


def alphanumeric_capacity(version: int, error: str) -> int:
    """The most QR alphanumeric characters a symbol of ``version`` holds at ``error``."""
    low, high = 1, 4296
    while low < high:
        mid = (low + high + 1) // 2
        try:
            segno.make("0" * mid, mode="alphanumeric", version=version, error=error,
                       boost_error=False)
            low = mid
        except segno.DataOverflowError:
            high = mid - 1
    return low


def share_bound(text: str, dcc_version: int) -> str:
    """What the module-share goal against an EU DCC of ``dcc_version`` would
    take: the largest version within the share, its capacity, and how much of
    that the COSE_Sign1 around the claims of ``text`` (a VN1 code) fills."""
    fits = max(v for v in range(1, 41) if modules(v) <= GOAL_SHARE * modules(dcc_version))
    chars = alphanumeric_capacity(fits, "m")
    raw = cccdqr.formats.native.unwrap(text, cccdqr.Limits())
    payload = cose.decode_sign1(raw, cccdqr.Limits()).payload
    fixed = len(raw) - len(payload)
    # The least a VN1 payload holds before any dose: iss, iat, exp, an 8-byte
    # cti, and the record's version and subject (ID, name, date of birth).
    subject = person(1).subject
    bare = len(cbor2.dumps({1: "VN", 6: int(NOW.timestamp()), 4: int((NOW + VALID).timestamp()),
                            7: bytes(8), -65537: {0: 1, 1: {1: subject.id_number, 2: subject.name,
                                                            3: (dt.date.fromisoformat(subject.dob)
                                                                - dt.date(1970, 1, 1)).days}}}))
    return (f"Within {GOAL_SHARE:.0%} of the ES256 EU DCC's modules means version {fits} or "
            f"lower: at most {chars} characters, {chars * 2 // 3} bytes after Base45. This VN1 "
            f"code is {len(raw)} bytes: {fixed} of them are the COSE_Sign1 around the claims "
            f"(the 64-byte signature, the alg and kid header, the framing), and its claims are "
            f"{len(payload)} bytes (iss, iat, exp, cti, the CCCD number, name, date of birth "
            f"and three doses). That leaves {chars * 2 // 3 - fixed} bytes for the claims, and "
            f"the claims every code must hold take {bare} before any dose (iss, iat, exp, an "
            f"8-byte cti, the record's version and subject), so no VN1 code for this "
            f"person meets this comparison. Against Viet Nam's own PS256 EU DCC the goal is met.")


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one dose count only (smoke)")
    args = ap.parse_args(argv)
    counts = (3,) if args.quick else (1, 2, 3)
    es256 = testkeys.test_es256_key("bench")
    kinds = [
        ("VN1 ES256", lambda n: vn1(n, es256)),
        ("VN1 Ed25519", lambda n: vn1(n, testkeys.test_ed25519_key("bench"))),
        ("EU DCC PS256 (as Viet Nam)", lambda n: hc1(n, _rsa_key())),
        ("EU DCC ES256", lambda n: hc1(n, testkeys.test_es256_key("bench dsc"))),
        ("SMART Health Card ES256", lambda n: smart_health_card(n, es256)),
    ]
    rows: dict[tuple[str, int], tuple[int, int, int]] = {}
    for label, make in kinds:
        for n in counts:
            text = make(n)
            rows[label, n] = (len(text), qr(text, "M").version, qr(text, "Q").version)
    lines = ["The same person (a 13-character Vietnamese name) and N doses. Modules = "
             "(17 + 4·version)². An EU DCC carries one event: its N-dose code holds the "
             "last dose.", "",
             "| format | doses | characters | version (M) | modules (M) | version (Q) | "
             "modules (Q) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for (label, n), (chars, vm, vq) in rows.items():
        lines.append(f"| {label} | {n} | {chars} | {vm} | {modules(vm):,} | {vq} | "
                     f"{modules(vq):,} |")
    n = max(counts)
    ours = rows["VN1 ES256", n][1]
    dcc_m = rows["EU DCC ES256", n][1]
    vn_dcc = rows["EU DCC PS256 (as Viet Nam)", n][1]
    share, vn_share = modules(ours) / modules(dcc_m), modules(ours) / modules(vn_dcc)
    lines += ["", f"Goals, {n} doses at ECC M: VN1 version **{ours}** (goal ≤ {GOAL_VERSION}: "
                  f"{'met' if ours <= GOAL_VERSION else 'missed'}); VN1 modules are "
                  f"**{share:.0%}** of the ES256 EU DCC's and **{vn_share:.0%}** of Viet Nam's "
                  f"PS256 EU DCC's (goal ≤ {GOAL_SHARE:.0%}: "
                  f"{'met' if max(share, vn_share) <= GOAL_SHARE else 'missed'}).", "",
              share_bound(vn1(n, es256), dcc_m)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main())
