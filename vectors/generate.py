"""Generate the VN1 test vectors in this folder (or in the folder given as argument).

    python vectors/generate.py [OUT_DIR]

Everything is fixed: TEST-ONLY keys derived from labels (cccdqr.testkeys), fixed
cti values, a fixed clock, RFC 6979 deterministic ES256 nonces (Ed25519 is
deterministic by design) and seeded randomness for the camera-like JPEGs, so
regenerating gives byte-identical files.

The expectation of every case is written here by hand; nothing is computed with
cccdqr.verify. readers/check_vectors.py compares the two.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import cbor2

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import native
from cccdqr.cli.demo import camera_frame
from cccdqr.qr import render

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the clock of every vector
ISSUED = NOW - dt.timedelta(days=30)
VALID_FOR = dt.timedelta(days=365)
IAT = int(ISSUED.timestamp())
EXP = IAT + int(VALID_FOR.total_seconds())

# TEST-ONLY keys: anyone can recompute them from these labels.
ES256_KEY = testkeys.test_es256_key("vectors-es256")
ED25519_KEY = testkeys.test_ed25519_key("vectors-ed25519")
UNKNOWN_KEY = testkeys.test_es256_key("vectors-unknown")  # not in the trust list
RETIRED_KEY = testkeys.test_es256_key("vectors-retired")  # window ended before NOW
CONFUSED_KEY = testkeys.test_ed25519_key("vectors-alg-confusion")  # listed as ES256
CONFUSED_DECOY = testkeys.test_es256_key("vectors-alg-confusion-decoy")

ES256 = cccdqr.Issuer(ES256_KEY, deterministic=True)
ED25519 = cccdqr.Issuer(ED25519_KEY, deterministic=True)
UNKNOWN = cccdqr.Issuer(UNKNOWN_KEY, deterministic=True)
RETIRED = cccdqr.Issuer(RETIRED_KEY, deterministic=True)
CONFUSED = cccdqr.Issuer(CONFUSED_KEY, deterministic=True)


def trust_store() -> cccdqr.TrustStore:
    window = dict(not_before=dt.datetime(2025, 1, 1, tzinfo=UTC),
                  not_after=dt.datetime(2028, 1, 1, tzinfo=UTC))
    return cccdqr.TrustStore([
        ES256.trusted_key(label="cccdqr vectors TEST-ONLY ES256", **window),
        ED25519.trusted_key(label="cccdqr vectors TEST-ONLY Ed25519", **window),
        RETIRED.trusted_key(not_before=dt.datetime(2024, 1, 1, tzinfo=UTC),
                            not_after=dt.datetime(2026, 1, 1, tzinfo=UTC),
                            label="cccdqr vectors TEST-ONLY retired ES256 (window ended)"),
        # An ES256 key filed under the kid the Ed25519 'confusion' key signs with:
        # an EdDSA code with that kid must be refused, never tried.
        cccdqr.make_trusted_key(CONFUSED_DECOY.public_key(), kid=CONFUSED.kid, issuer="VN",
                                label="cccdqr vectors TEST-ONLY ES256 under an EdDSA kid",
                                **window),
    ])


# --- certificates ------------------------------------------------------------------

ID_NUMBER = "001090123456"  # Hà Nội (001), male born 1990
NAME = "Nguyễn Văn An"
DOB = "1990-05-17"


def subject(**changes: Any) -> cccdqr.Subject:
    fields: dict[str, Any] = dict(id_number=ID_NUMBER, name=NAME, dob=DOB, sex=cccdqr.Sex.MALE)
    fields.update(changes)
    return cccdqr.Subject(**fields)


def dose(n: int, **changes: Any) -> cccdqr.Vaccination:
    fields: dict[str, Any] = dict(product="EU/1/20/1528", dose_number=n,
                                  doses_in_series=2 if n <= 2 else n,
                                  date=dt.date(2021, 7, 1) + dt.timedelta(days=90 * (n - 1)))
    fields.update(changes)
    return cccdqr.Vaccination(**fields)


def vaccinated(doses: int, **changes: Any) -> cccdqr.HealthCertificate:
    return cccdqr.HealthCertificate(subject=subject(),
                                    vaccinations=tuple(dose(i + 1, **changes)
                                                       for i in range(doses)))


def cti(n: int) -> bytes:
    return bytes([0xC0, n]) + bytes(range(10))


def issue(cert: cccdqr.HealthCertificate, issuer: cccdqr.Issuer = ES256, n: int = 0, *,
          now: dt.datetime = ISSUED, valid_for: dt.timedelta = VALID_FOR) -> str:
    return issuer.issue(cert, now=now, valid_for=valid_for, cti=cti(n))


# --- hand-built codes (for what the Issuer refuses to make) ---------------------------

def record_map(update: dict[Any, Any] | None = None) -> dict[Any, Any]:
    days = (dt.date(1990, 5, 17) - native.EPOCH).days
    out: dict[Any, Any] = {0: 1, 1: {1: ID_NUMBER, 2: NAME, 3: days, 4: 1},
                           2: [{2: 1, 3: 1, 4: 2, 5: (dt.date(2021, 7, 1) - native.EPOCH).days}]}
    out.update(update or {})
    return out


def claims(record: Any = None, n: int = 50, extra: dict[Any, Any] | None = None) -> dict[Any, Any]:
    out: dict[Any, Any] = {1: "VN", 6: IAT, 4: EXP, 7: cti(n),
                           -65537: record if record is not None else record_map()}
    out.update(extra or {})
    return out


def sign1(payload: bytes, key: Any = ES256_KEY, *, protected: bytes | None = None) -> bytes:
    alg = cose.algorithm_for_key(key)
    if protected is None:
        protected = cbor2.dumps({1: alg.cose_id, 4: cose.spki_kid(key.public_key())})
    signature = cose.sign_bytes(alg, key, cose.sig_structure(protected, payload),
                                deterministic=True)
    return b"\xd2" + cbor2.dumps([protected, {}, payload, signature])


def raw(text: str) -> bytes:
    """The COSE bytes inside a VN1 text (inflated when compressed)."""
    return native.unwrap(text, cccdqr.Limits())


def b45(data: bytes) -> str:
    return native.PREFIX + b45encode(data)


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def duplicate_key_payload() -> bytes:
    """Claims whose map names key 1 (iss) twice."""
    body = claims(n=51)
    items = [cbor2.dumps(k) + cbor2.dumps(v) for k, v in body.items()]
    items.append(cbor2.dumps(1) + cbor2.dumps("XX"))
    return bytes([0xA0 + len(items)]) + b"".join(items)


# --- camera-like frames -------------------------------------------------------------

# --- the cases ------------------------------------------------------------------------

def _valid() -> dict[str, Any]:
    return {"valid": True, "status": "VALID", "reasons": []}


def _bad(*reasons: str, status: str = "INVALID") -> dict[str, Any]:
    return {"valid": False, "status": status, "reasons": list(reasons)}


LONG_UNIT = "Trung tâm Y tế quận Hoàn Kiếm, thành phố Hà Nội - điểm tiêm chủng lưu động số 3"


def cases() -> list[dict[str, Any]]:
    """Each case: name, description, text, expected, and optional camera settings."""
    out: list[dict[str, Any]] = []

    def add(name: str, description: str, text: str, expected: dict[str, Any],
            camera: dict[str, Any] | None = None) -> None:
        out.append({"name": name, "description": description, "text": text,
                    "expected": expected, "camera": camera})

    base = issue(vaccinated(3), ES256, 1)
    base_raw = raw(base)
    one_dose_raw_es = issue(vaccinated(1), ES256, 2)
    assert not raw_is_compressed(one_dose_raw_es)

    # valid
    add("valid-es256-1-dose", "ES256, one dose", one_dose_raw_es, _valid(),
        dict(seed=11, angle=7, blur=0.8))
    add("valid-es256-2-doses", "ES256, two doses", issue(vaccinated(2), ES256, 3), _valid(),
        dict(seed=12, tilt=0.06, blur=1.0))
    add("valid-es256-3-doses", "ES256, three doses", base, _valid(),
        dict(seed=13, angle=-12, noise=0.14))
    add("valid-es256-4-doses", "ES256, four doses", issue(vaccinated(4), ES256, 4), _valid(),
        dict(seed=14, contrast=0.5, blur=0.7, size=360))
    add("valid-ed25519-1-dose", "Ed25519, one dose", issue(vaccinated(1), ED25519, 5), _valid(),
        dict(seed=15, angle=4, tilt=0.05, blur=1.2))
    add("valid-ed25519-3-doses", "Ed25519, three doses",
        issue(vaccinated(3), ED25519, 6), _valid(), dict(seed=16, angle=-5, contrast=0.6))
    add("valid-es256-test", "ES256, negative NAA test record",
        issue(cccdqr.HealthCertificate(subject=subject(), tests=(cccdqr.Test(
            test_type=cccdqr.TEST_NAA, sampled_at=ISSUED - dt.timedelta(hours=20),
            result=cccdqr.RESULT_NOT_DETECTED),)), ES256, 7), _valid())
    add("valid-ed25519-test-rat", "Ed25519, negative rapid antigen test record",
        issue(cccdqr.HealthCertificate(subject=subject(), tests=(cccdqr.Test(
            test_type=cccdqr.TEST_RAT, sampled_at=ISSUED - dt.timedelta(hours=5),
            result=cccdqr.RESULT_NOT_DETECTED),)), ED25519, 8), _valid())
    add("valid-es256-recovery", "ES256, recovery record",
        issue(cccdqr.HealthCertificate(subject=subject(), recoveries=(cccdqr.Recovery(
            first_positive=dt.date(2026, 9, 1), valid_from=dt.date(2026, 9, 12),
            valid_until=dt.date(2027, 2, 28)),)), ES256, 9), _valid())
    compressed = issue(vaccinated(3, administering_unit=LONG_UNIT), ES256, 10)
    assert raw_is_compressed(compressed)
    add("valid-es256-compressed", "ES256, three doses with a long administering unit: "
        "the zlib form is shorter, so the issuer compresses", compressed, _valid(),
        dict(seed=17, angle=3, blur=0.6, size=420))
    add("valid-ed25519-compressed", "Ed25519, two doses with a long administering unit "
        "(compressed)", issue(vaccinated(2, administering_unit=LONG_UNIT), ED25519, 11),
        _valid())
    add("valid-es256-uncompressed", "ES256, one dose: the uncompressed form is shorter",
        issue(vaccinated(1), ES256, 12), _valid())
    add("valid-untagged-cose", "ES256, COSE_Sign1 without tag 18 (verifiers accept both)",
        b45(base_raw[1:]), _valid())
    add("valid-female-2000s", "ES256, female born 2003 (century/sex digit 3)",
        issue(cccdqr.HealthCertificate(
            subject=subject(id_number="079303001234", name="Trần Thị Bích", dob="2003-02-11",
                            sex=cccdqr.Sex.FEMALE),
            vaccinations=(dose(1), dose(2))), ES256, 13), _valid())
    add("valid-with-whitespace", "ES256, with CR/LF a scanner may add (stripped)",
        base + "\r\n", _valid())

    # invalid: signature
    flipped = bytearray(base_raw)
    at = flipped.index(NAME.encode()[:6]) + 1  # 'g' of 'Nguyễn' inside the payload
    flipped[at] ^= 0x01
    add("tampered-payload", "a byte of the payload (the name) changed, signature kept",
        b45(bytes(flipped)), _bad("BAD_SIGNATURE"))
    bad_sig = bytearray(base_raw)
    bad_sig[-1] ^= 0x01
    add("tampered-signature", "last byte of the ES256 signature flipped",
        b45(bytes(bad_sig)), _bad("BAD_SIGNATURE"))
    ed = raw(issue(vaccinated(1), ED25519, 14))
    ed_bad = bytearray(ed)
    ed_bad[-5] ^= 0x80
    add("tampered-signature-ed25519", "a bit of the Ed25519 signature flipped",
        b45(bytes(ed_bad)), _bad("BAD_SIGNATURE"))
    add("wrong-key-same-kid", "signed by an unlisted key with the header naming the "
        "listed ES256 key's kid",
        b45(sign1(cbor2.dumps(claims(n=52)), UNKNOWN_KEY,
                  protected=cbor2.dumps({1: -7, 4: ES256.kid}))), _bad("BAD_SIGNATURE"))
    add("unknown-kid", "signed by a key that is not in the trust list",
        issue(vaccinated(2), UNKNOWN, 15), _bad("UNKNOWN_KID", status="CANNOT_CHECK"))
    add("alg-key-mismatch", "EdDSA code whose kid is filed in the trust list with an "
        "ES256 key", issue(vaccinated(2), CONFUSED, 16), _bad("ALG_KEY_MISMATCH"))
    add("alg-not-allowed", "protected header says PS256 (-37)",
        b45(sign1(cbor2.dumps(claims(n=53)), ES256_KEY,
                  protected=cbor2.dumps({1: -37, 4: ES256.kid}))), _bad("ALG_NOT_ALLOWED"))

    # invalid: times
    add("expired", "valid for 30 days, issued 60 days before the clock",
        issue(vaccinated(2), ES256, 17, now=NOW - dt.timedelta(days=60),
              valid_for=dt.timedelta(days=30)), _bad("EXPIRED"))
    add("not-yet-valid", "issued one day after the clock",
        issue(vaccinated(2), ES256, 18, now=NOW + dt.timedelta(days=1)), _bad("NOT_YET_VALID"))
    add("key-outside-window", "signed by a listed key whose window ended 2026-01-01",
        issue(vaccinated(2), RETIRED, 19, now=dt.datetime(2025, 12, 1, tzinfo=UTC)),
        _bad("KEY_OUTSIDE_VALIDITY"))

    # invalid: text layer
    add("truncated", "a valid code cut after 120 Base45 characters",
        base[:4 + 120], _bad("BAD_COSE"))
    add("bad-base45-lowercase", "the Base45 text in lowercase",
        native.PREFIX + base[4:].lower(), _bad("BAD_BASE45"))
    extra = "0" if (len(base) - len(native.PREFIX)) % 3 == 0 else "00"
    add("bad-base45-length", "Base45 text whose length is 1 mod 3 (a dangling character)",
        base + extra, _bad("BAD_BASE45"))
    add("wrong-prefix", "a valid code behind the prefix 'VN2:'", "VN2:" + base[4:],
        _bad("UNKNOWN_FORMAT"))
    add("oversize", "9,000 characters: over the 8,192-character input limit",
        native.PREFIX + "0" * 8996, _bad("INPUT_TOO_LARGE"))

    # invalid: decompression and structure
    add("zlib-bomb", "a small zlib stream that inflates to 1 MiB (cap: 64 KiB)",
        b45(zlib.compress(b"\x00" * (1 << 20), 9)), _bad("DECOMPRESSED_TOO_LARGE"))
    add("bad-zlib", "zlib header followed by garbage",
        b45(b"\x78\xda" + bytes(range(40))), _bad("BAD_COMPRESSION"))
    add("deep-cbor-payload", "signed claims with an unknown claim nested 20 deep",
        b45(sign1(cbor2.dumps(claims(n=54, extra={99: nested(20)})))), _bad("CBOR_TOO_DEEP"))
    add("deep-cbor-protected", "protected header with a parameter nested 20 deep",
        b45(sign1(cbor2.dumps(claims(n=55)),
                  protected=cbor2.dumps({1: -7, 4: ES256.kid, 99: nested(20)}))),
        _bad("CBOR_TOO_DEEP"))
    add("duplicate-key", "signed claims naming key 1 (iss) twice",
        b45(sign1(duplicate_key_payload())), _bad("DUPLICATE_KEY"))
    add("trailing-bytes", "a valid COSE_Sign1 followed by one extra byte",
        b45(base_raw + b"\x00"), _bad("TRAILING_DATA"))
    add("not-cose", "a CBOR text string instead of a COSE_Sign1",
        b45(cbor2.dumps("hello")), _bad("BAD_COSE"))

    # invalid: claims and record (signed, so these checks are reached)
    add("missing-subject", "signed record without a subject",
        b45(sign1(cbor2.dumps(claims(record={k: v for k, v in record_map().items() if k != 1},
                                     n=56)))), _bad("BAD_RECORD"))
    add("no-events", "signed record without any vaccination, test or recovery",
        b45(sign1(cbor2.dumps(claims(record={0: 1, 1: record_map()[1]}, n=57)))),
        _bad("BAD_RECORD"))
    add("unknown-record-key", "signed record with an unknown key 9",
        b45(sign1(cbor2.dumps(claims(record=record_map({9: 1}), n=58)))), _bad("BAD_RECORD"))
    add("missing-cti", "signed claims without cti",
        b45(sign1(cbor2.dumps({k: v for k, v in claims(n=59).items() if k != 7}))),
        _bad("BAD_CLAIMS"))
    add("record-version-2", "signed record of schema version 2",
        b45(sign1(cbor2.dumps(claims(record=record_map({0: 2}), n=60)), ED25519_KEY)),
        _bad("UNSUPPORTED_VERSION", status="CANNOT_CHECK"))
    add("issuer-mismatch", "claims say issuer 'XX'; the key speaks for 'VN'",
        b45(sign1(cbor2.dumps(claims(n=61, extra={1: "XX"})))), _bad("ISSUER_MISMATCH"))

    # invalid: content (CCCD number)
    subj = record_map()[1]
    add("cccd-sex-mismatch", "CCCD number says male (digit 0), subject says female",
        b45(sign1(cbor2.dumps(claims(record=record_map({1: {**subj, 4: 2}}), n=62)))),
        _bad("CCCD_SEX_MISMATCH"))
    add("cccd-unknown-province", "CCCD number with province code 999",
        b45(sign1(cbor2.dumps(claims(record=record_map({1: {**subj, 1: "999090123456"}}),
                                     n=63)))), _bad("CCCD_UNKNOWN_PROVINCE"))
    add("cccd-birth-year-mismatch", "CCCD number says born 1991, DOB says 1990",
        b45(sign1(cbor2.dumps(claims(record=record_map({1: {**subj, 1: "001091123456"}}),
                                     n=64)))), _bad("CCCD_BIRTH_YEAR_MISMATCH"))
    return out


def raw_is_compressed(text: str) -> bool:
    from cccdqr.wire.base45 import b45decode
    return b45decode(text[len(native.PREFIX):])[:1] == b"\x78"


def generate(out_dir: Path) -> list[str]:
    """Write trust.json and every case into ``out_dir``; the case names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    trust_store().save(out_dir / "trust.json")
    names = []
    for case in cases():
        name = case["name"]
        names.append(name)
        text = case["text"]
        (out_dir / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        png = None
        try:
            png = render(text, kind="png", error="M", scale=6)
        except ValueError:  # longer than any QR code can hold
            pass
        doc: dict[str, Any] = {"name": name, "description": case["description"],
                               "now": NOW.isoformat().replace("+00:00", "Z"),
                               "expected": case["expected"], "png": png is not None}
        if png is not None:
            png.save(out_dir / f"{name}.png")
            doc["qr_version"] = png.version
        if case["camera"] is not None and png is not None:
            (out_dir / f"{name}.camera.jpg").write_bytes(camera_frame(png.data, **case["camera"]))
            doc["camera"] = True
        (out_dir / f"{name}.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    made = generate(target)
    print(f"{len(made)} vectors written to {target}")
