"""EU DCC ``HC1:``: schema hand check vs a full validator, the Viet Nam sample,
issuing (PS256 and ES256) with python-cwt and pycose as independent checkers
both ways, revocation hashes, decisions, and properties.

The signer certificates here are self-signed TEST-ONLY DSCs made at test time.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

import cbor2
import cwt
import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycose.keys import CoseKey
from pycose.messages import Sign1Message

import cccdqr
from cccdqr import Limits, Reason, Status, testkeys
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import dcc
from cccdqr.formats._dcc_schema import SchemaError, check_dgc

import helpers

UTC = dt.timezone.utc
NOW = dt.datetime(2022, 4, 14, 15, 38, 7, tzinfo=UTC)
YEAR = dt.timedelta(days=365)
LIMITS = Limits()
SCHEMA_DIR = helpers.shared("vectors", "eu-dcc", "schema")
VN_DIR = helpers.shared("vectors", "vn-eu-dcc")


# --- TEST-ONLY signer certificates ---------------------------------------------------

def make_dsc(key: Any, *, eku: tuple[str, ...] = ()) -> x509.Certificate:
    """A self-signed TEST-ONLY DSC for ``key`` (C=VN), valid 2021-2031."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST ONLY Ministry of Health"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY DSC")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(7)
               .not_valid_before(dt.datetime(2021, 1, 1, tzinfo=UTC))
               .not_valid_after(dt.datetime(2031, 1, 1, tzinfo=UTC)))
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), critical=False)
    return builder.sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


ES_KEY = testkeys.test_es256_key("dcc-es256")


@functools.cache
def issuers() -> dict[str, cccdqr.Issuer]:
    return {
        "PS256": cccdqr.Issuer(rsa_key(), "VN", format="HC1", certificate=make_dsc(rsa_key())),
        "ES256": cccdqr.Issuer(ES_KEY, "VN", format="HC1", certificate=make_dsc(ES_KEY),
                               deterministic=True),
    }


def subject(**changes: Any) -> cccdqr.Subject:
    fields: dict[str, Any] = dict(name="Nguyễn Bảo Duy", dob="1983-10-10", family_name="Nguyễn",
                                  given_name="Bảo Duy", family_name_icao="NGUYEN",
                                  given_name_icao="BAO<DUY")
    fields.update(changes)
    return cccdqr.Subject(**fields)


def one_dose(**changes: Any) -> cccdqr.HealthCertificate:
    fields: dict[str, Any] = dict(product="EU/1/21/1529", dose_number=2, doses_in_series=2,
                                  date=dt.date(2021, 3, 18))
    fields.update(changes)
    return cccdqr.HealthCertificate(subject=subject(), vaccinations=(cccdqr.Vaccination(**fields),))


def trust_of(*chosen: cccdqr.Issuer) -> cccdqr.TrustStore:
    return cccdqr.TrustStore([i.trusted_key() for i in chosen or issuers().values()])


def cose_of(text: str) -> bytes:
    return dcc.unwrap(text, LIMITS)


# --- schema: the hand check agrees with a full draft 2020-12 validator ------------------

@functools.cache
def full_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "DCC.combined-schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def schema_documents() -> list[tuple[str, Any]]:
    docs = []
    for folder in ("test/valid", "test/invalid", "examples"):
        for path in sorted((SCHEMA_DIR / folder).rglob("*.json")):
            docs.append((str(path.relative_to(SCHEMA_DIR)), json.loads(path.read_text())))
    return docs


def ours_valid(doc: Any) -> bool:
    try:
        check_dgc(doc)
    except SchemaError:
        return False
    return True


@pytest.mark.parametrize(("name", "doc"), schema_documents(), ids=lambda x: x if isinstance(x, str) else "")
def test_schema_files_agree_with_full_validator(name: str, doc: Any) -> None:
    assert ours_valid(doc) == full_validator().is_valid(doc)
    if name.startswith("test/"):  # the schema repo's own verdict
        assert ours_valid(doc) == name.startswith("test/valid")


def test_schema_counts() -> None:
    docs = schema_documents()
    assert len(docs) == 46
    assert sum(ours_valid(d) for _, d in docs) == 40


def _mutations(doc: Any, path: tuple[Any, ...] = ()) -> list[Any]:
    """Every document that differs from ``doc`` by one removed key, or one value
    replaced by a value of another type, an empty string, or an extra entry."""
    out = []
    node = doc
    for p in path:
        node = node[p]
    items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    for key, value in items:
        for replacement in (None, "", 0, 1.5, -1, [], {}, "X" * 81, "1900-13", [value, value],
                            "abc\n", True):
            m = copy.deepcopy(doc)
            target = m
            for p in path:
                target = target[p]
            target[key] = replacement
            out.append(m)
        if isinstance(node, dict):
            m = copy.deepcopy(doc)
            target = m
            for p in path:
                target = target[p]
            del target[key]
            out.append(m)
        if isinstance(value, (dict, list)):
            out += _mutations(doc, (*path, key))
    return out


def test_schema_mutations_agree_with_full_validator() -> None:
    """Thousands of one-change variants of the schema's examples: the hand check
    and the full validator give the same verdict on each. Exception: "abc\\n"
    passes a ``$``-anchored pattern in Python's re (which jsonschema uses) but
    not ours or ECMA-262's."""
    checked = 0
    for _, doc in schema_documents():
        for m in _mutations(doc):
            expected = full_validator().is_valid(m)
            if ours_valid(m) != expected:
                assert expected and "abc\n" in json.dumps(m, ensure_ascii=False).replace("\\n", "\n")
            checked += 1
    assert checked > 5000


def test_schema_error_names_the_path() -> None:
    doc = json.loads((SCHEMA_DIR / "examples/vaccination/simple.json").read_text())
    doc["v"][0]["dn"] = 0
    with pytest.raises(SchemaError, match=r"v\[0\]\.dn"):
        check_dgc(doc)


# --- the Viet Nam production sample ------------------------------------------------------

def vn_text() -> str:
    return (VN_DIR / "VN_VAC.hc1.txt").read_text().strip()


def test_vn_sample_inspects_fully() -> None:
    i = cccdqr.inspect(vn_text())
    assert not i.problems
    assert (i.format, i.alg, i.issuer) == ("HC1", "PS256", "VN")
    assert base64.b64encode(i.kid).decode() == "8w2kZxb3iC0="
    s = i.certificate.subject
    assert s.name == "Nguyễn Bảo Duy"
    assert (s.family_name, s.given_name) == ("Nguyễn", "Bảo Duy")
    assert (s.family_name_icao, s.given_name_icao) == ("NGUYEN", "BAO<DUY")
    assert s.dob == "1983-10-10" and s.id_number is None
    (v,) = i.certificate.vaccinations
    assert (v.product, v.dose_number, v.doses_in_series, v.date, v.country) == (
        "EU/1/21/1529", 2, 2, dt.date(2021, 3, 18), "VN")
    assert i.certificate_id == "URN:UVCI:01:VN:FFFE3D31FABD035899134A9D3BAE9BCF"
    assert i.issued_at == dt.datetime(2022, 4, 14, 15, 38, 7, tzinfo=UTC)
    assert i.expires_at == dt.datetime(2025, 1, 30, tzinfo=UTC)


def test_vn_sample_verifies_as_unknown_kid_only() -> None:
    r = cccdqr.verify(vn_text(), trust_of(), now=NOW)
    assert r.status is Status.CANNOT_CHECK
    assert r.reasons == (Reason.UNKNOWN_KID,)
    assert r.format == "HC1" and r.certificate is None


def test_vn_sample_matches_its_decoding_record() -> None:
    decoded = json.loads((VN_DIR / "VN_VAC.decoded.json").read_text())
    env = dcc.decode_unverified(vn_text(), LIMITS)
    assert len(env.signature) == decoded["signature_len_bytes"] == 256
    iss, iat, exp, dgc = dcc.read_claims(dcc.decode_sign1(cose_of(vn_text()), LIMITS).payload,
                                         LIMITS)
    assert dgc == decoded["cwt"]["hcert_eu_dcc_v1"]
    assert (iss, int(iat.timestamp()), int(exp.timestamp())) == (
        "VN", decoded["cwt"]["iat"], decoded["cwt"]["exp"])


def test_our_ps256_code_is_the_size_of_viet_nams() -> None:
    cert = one_dose()
    text = issuers()["PS256"].issue(cert, now=NOW, valid_for=YEAR,
                                    uvci="URN:UVCI:01:VN:FFFE3D31FABD035899134A9D3BAE9BCF")
    assert abs(len(text) - len(vn_text())) < 60


# --- issuing, and independent verifiers both ways --------------------------------------

@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_issue_and_verify(alg: str) -> None:
    issuer = issuers()[alg]
    cert = one_dose()
    text = issuer.issue(cert, now=NOW, valid_for=YEAR)
    assert text.startswith("HC1:")
    r = cccdqr.verify(text, trust_of(issuer), now=NOW + dt.timedelta(days=1))
    assert r.valid, (r.reasons, r.detail)
    assert r.certificate == cert
    assert r.alg == alg and r.issuer == "VN" and r.kid == cose.certificate_kid(issuer.certificate)
    assert r.certificate_id is not None and r.certificate_id.startswith("URN:UVCI:01:VN:")
    body, check = r.certificate_id.rsplit("#", 1)
    assert len(body) == len("URN:UVCI:01:VN:") + 32 and dcc.uvci_checksum(body) == check


def test_issued_code_is_zlib_level_9_base45_tagged_cose() -> None:
    text = issuers()["ES256"].issue(one_dose(), now=NOW, valid_for=YEAR, uvci="URN:UVCI:01:VN:X")
    raw = cose_of(text)
    assert raw[:1] == b"\xd2"
    assert dcc.wrap(raw) == text
    assert zlib.compress(raw, 9) == cccdqr.wire.base45.b45decode(text[4:])


def test_deterministic_es256_issue_is_reproducible() -> None:
    a, b = (issuers()["ES256"].issue(one_dose(), now=NOW, valid_for=YEAR, uvci="URN:UVCI:01:VN:A")
            for _ in range(2))
    assert a == b


def cwt_public(issuer: cccdqr.Issuer) -> Any:
    pem = issuer.certificate.public_bytes(serialization.Encoding.PEM)
    return cwt.load_pem_hcert_dsc(pem.decode())


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_we_sign_python_cwt_verifies(alg: str) -> None:
    issuer = issuers()[alg]
    text = issuer.issue(one_dose(), now=NOW, valid_for=YEAR, uvci="URN:UVCI:01:VN:ABC")
    claims = cwt.decode(cose_of(text), keys=[cwt_public(issuer)], no_verify=True)
    assert claims[1] == "VN" and claims[-260][1]["v"][0]["ci"] == "URN:UVCI:01:VN:ABC"
    assert claims[-260][1]["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Bảo Duy",
                                      "gnt": "BAO<DUY"}


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_we_sign_pycose_verifies(alg: str) -> None:
    issuer = issuers()[alg]
    text = issuer.issue(one_dose(), now=NOW, valid_for=YEAR)
    msg = Sign1Message.decode(cose_of(text))
    pem = issuer.public_key.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    msg.key = CoseKey.from_pem_public_key(pem.decode())
    assert msg.verify_signature()


def _cwt_signed(issuer: cccdqr.Issuer, claims: dict[int, Any]) -> str:
    pem = issuer._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    key = cwt.COSEKey.from_pem(pem, alg=issuer.alg.cose_id, kid=issuer.kid)
    signed = cwt.COSE.new(alg_auto_inclusion=True, kid_auto_inclusion=True).encode(
        cbor2.dumps(claims), key)
    return dcc.wrap(signed)


def _claims(issuer: cccdqr.Issuer, dgc: dict[str, Any]) -> dict[int, Any]:
    iat = int(NOW.timestamp())
    return {1: "VN", 6: iat, 4: iat + 86400 * 365, -260: {1: dgc}}


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_python_cwt_signs_we_verify(alg: str) -> None:
    issuer = issuers()[alg]
    dgc = json.loads((VN_DIR / "VN_VAC.decoded.json").read_text())["cwt"]["hcert_eu_dcc_v1"]
    r = cccdqr.verify(_cwt_signed(issuer, _claims(issuer, dgc)), trust_of(issuer), now=NOW)
    assert r.valid, (r.reasons, r.detail)
    assert r.certificate.subject.name == "Nguyễn Bảo Duy"


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_pycose_signs_we_verify(alg: str) -> None:
    from pycose.algorithms import Es256, Ps256
    from pycose.headers import KID, Algorithm
    issuer = issuers()[alg]
    dgc = json.loads((VN_DIR / "VN_VAC.decoded.json").read_text())["cwt"]["hcert_eu_dcc_v1"]
    msg = Sign1Message(phdr={Algorithm: Es256 if alg == "ES256" else Ps256, KID: issuer.kid},
                       payload=cbor2.dumps(_claims(issuer, dgc)))
    pem = issuer._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    msg.key = CoseKey.from_pem_private_key(pem.decode())
    r = cccdqr.verify(dcc.wrap(msg.encode()), trust_of(issuer), now=NOW)
    assert r.valid, (r.reasons, r.detail)


def test_issuer_refuses_what_hc1_cannot_hold() -> None:
    issuer = issuers()["ES256"]
    two = one_dose().replace(vaccinations=one_dose().vaccinations * 2)
    with pytest.raises(cccdqr.InvalidCertificate, match="exactly one"):
        issuer.issue(two, now=NOW, valid_for=YEAR)
    with pytest.raises(ValueError, match="cti"):
        issuer.issue(one_dose(), now=NOW, valid_for=YEAR, cti=bytes(12))
    with pytest.raises(ValueError, match="outside the signer certificate"):
        issuer.issue(one_dose(), now=dt.datetime(2035, 1, 1, tzinfo=UTC), valid_for=YEAR)
    with pytest.raises(ValueError, match="not the private key"):
        cccdqr.Issuer(ES_KEY, format="HC1", certificate=make_dsc(rsa_key()))
    with pytest.raises(cccdqr.KeyAlgorithmMismatch):
        cccdqr.Issuer(testkeys.test_ed25519_key(), format="HC1",
                      certificate=make_dsc(testkeys.test_ed25519_key()))
    with pytest.raises(TypeError):
        cccdqr.Issuer(ES_KEY, format="HC1")
    with pytest.raises(ValueError):
        cccdqr.Issuer(ES_KEY, format="HC2")


def test_subject_without_name_parts_is_written_as_family_name() -> None:
    cert = one_dose().replace(subject=cccdqr.Subject(name="Trần Thị Đào", dob="1990"))
    text = issuers()["ES256"].issue(cert, now=NOW, valid_for=YEAR)
    s = cccdqr.inspect(text).certificate.subject
    assert (s.name, s.family_name, s.family_name_icao, s.dob) == (
        "Trần Thị Đào", "Trần Thị Đào", "TRAN<THI<DAO", "1990")


def test_eku_limits_record_types() -> None:
    test_only = "1.3.6.1.4.1.1847.2021.1.1"
    issuer = cccdqr.Issuer(ES_KEY, format="HC1", certificate=make_dsc(ES_KEY, eku=(test_only,)))
    r = cccdqr.verify(issuer.issue(one_dose(), now=NOW, valid_for=YEAR), trust_of(issuer), now=NOW)
    assert r.reasons == (Reason.RECORD_TYPE_NOT_ALLOWED,)


# --- revocation hashes (EU DCC revocation scheme) ------------------------------------------

@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_revocation_ids(alg: str) -> None:
    issuer = issuers()[alg]
    uvci = "URN:UVCI:01:VN:FFFE3D31FABD035899134A9D3BAE9BCF"
    text = issuer.issue(one_dose(), now=NOW, valid_for=YEAR, uvci=uvci)
    env = dcc.decode_unverified(text, LIMITS)
    ids = dict(env.open(LIMITS).revocation_ids)
    signed = env.signature[:32] if alg == "ES256" else env.signature
    assert ids == {"uci": hashlib.sha256(uvci.encode()).digest()[:16],
                   "countrycodeuci": hashlib.sha256(("VN" + uvci).encode()).digest()[:16],
                   "signature": hashlib.sha256(signed).digest()[:16]}


def test_signature_id_survives_the_high_s_twin() -> None:
    """(r, s) and (r, n - s) are both valid ECDSA signatures: the signature id
    hashes r only, so re-signing the twin does not escape a revocation."""
    text = issuers()["ES256"].issue(one_dose(), now=NOW, valid_for=YEAR)
    msg = dcc.decode_sign1(cose_of(text), LIMITS)
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 order
    s = int.from_bytes(msg.signature[32:], "big")
    twin = msg.signature[:32] + (n - s).to_bytes(32, "big")
    body = cbor2.dumps(cbor2.CBORTag(18, [msg.protected_bytes, msg.unprotected, msg.payload, twin]))
    r = cccdqr.verify(dcc.wrap(body), trust_of(issuers()["ES256"]), now=NOW)
    assert r.valid
    ids = dict(dcc.decode_unverified(dcc.wrap(body), LIMITS).open(LIMITS).revocation_ids)
    original = dict(dcc.decode_unverified(text, LIMITS).open(LIMITS).revocation_ids)
    assert ids["signature"] == original["signature"]


# --- decisions --------------------------------------------------------------------------

def _signed(dgc_or_claims: Any, *, protected: dict[int, Any] | None = None,
            unprotected: dict[int, Any] | None = None, key: Any = ES_KEY, tag: bytes = b"\xd2",
            compress: bool = True, claims: bool = False) -> str:
    issuer = issuers()["ES256"]
    payload = cbor2.dumps(dgc_or_claims if claims else _claims(issuer, dgc_or_claims))
    prot = cbor2.dumps(protected if protected is not None else {1: -7, 4: issuer.kid})
    sig = cose.sign_bytes(cose.algorithm_for_key(key), key, cose.sig_structure(prot, payload),
                          deterministic=True)
    raw = tag + cbor2.dumps([prot, unprotected or {}, payload, sig])
    return dcc.PREFIX + b45encode(zlib.compress(raw, 9) if compress else raw)


def vn_dgc(**changes: Any) -> dict[str, Any]:
    dgc: dict[str, Any] = json.loads((VN_DIR / "VN_VAC.decoded.json").read_text())["cwt"][
        "hcert_eu_dcc_v1"]
    dgc.update(changes)
    return dgc


def check(text: str) -> cccdqr.VerificationResult:
    return cccdqr.verify(text, trust_of(issuers()["ES256"]), now=NOW)


def test_kid_placements() -> None:
    kid = issuers()["ES256"].kid
    assert check(_signed(vn_dgc(), protected={1: -7}, unprotected={4: kid})).valid
    assert check(_signed(vn_dgc(), protected={1: -7, 4: kid}, unprotected={4: b"other"})).valid
    wrong = check(_signed(vn_dgc(), protected={1: -7, 4: b"other"}, unprotected={4: kid}))
    assert wrong.reasons == (Reason.UNKNOWN_KID,)
    assert check(_signed(vn_dgc(), protected={1: -7})).reasons == (Reason.MISSING_KID,)
    assert check(_signed(vn_dgc(), protected={4: kid}, unprotected={1: -7})).valid


def test_tags_and_compression() -> None:
    assert check(_signed(vn_dgc(), tag=b"\xd8\x3d\xd2")).valid
    assert check(_signed(vn_dgc(), tag=b"")).valid
    assert check(_signed(vn_dgc(), tag=b"\xd8\x3d")).reasons == (Reason.BAD_COSE,)
    assert check(_signed(vn_dgc(), compress=False)).reasons == (Reason.BAD_COMPRESSION,)


def test_algorithms() -> None:
    ed = testkeys.test_ed25519_key()
    r = check(_signed(vn_dgc(), protected={1: -8, 4: issuers()["ES256"].kid}, key=ed))
    assert r.reasons == (Reason.ALG_NOT_ALLOWED,)
    r = check(_signed(vn_dgc(), protected={1: -37, 4: issuers()["ES256"].kid}))
    assert r.reasons == (Reason.ALG_KEY_MISMATCH,)


def test_float_and_bad_times() -> None:
    iat = NOW.timestamp() - 0.25
    ok = check(_signed({1: "VN", 6: iat, 4: iat + 1e6, -260: {1: vn_dgc()}}, claims=True))
    assert ok.valid and ok.issued_at == dt.datetime.fromtimestamp(iat, UTC)
    for bad in (float("nan"), float("inf"), -1, "1650000000", 2**64):
        r = check(_signed({1: "VN", 6: bad, 4: 2e9, -260: {1: vn_dgc()}}, claims=True))
        assert r.reasons == (Reason.BAD_CLAIMS,), bad
    r = check(_signed({1: "VN", 6: iat, -260: {1: vn_dgc()}}, claims=True))
    assert r.reasons == (Reason.BAD_CLAIMS,)


@pytest.mark.parametrize(("changes", "reason", "detail"), [
    ({"dob": ""}, Reason.BAD_RECORD, "dob"),
    ({"dob": "1983-13"}, Reason.BAD_RECORD, "date of birth"),
    ({"ver": "2.0.0"}, Reason.UNSUPPORTED_VERSION, "2.0.0"),
    ({"t": []}, Reason.BAD_RECORD, "schema: exactly one"),
    ({"nam": {"fn": "Nguyễn"}}, Reason.BAD_RECORD, "schema: nam"),
])
def test_record_decisions(changes: dict[str, Any], reason: Reason, detail: str) -> None:
    r = check(_signed(vn_dgc(**changes)))
    assert r.reasons == (reason,) and detail in r.detail
    assert r.signature_verified


def test_two_doses_in_one_dcc_is_refused() -> None:
    dgc = vn_dgc()
    dgc["v"] = dgc["v"] * 2
    r = check(_signed(dgc))
    assert r.reasons == (Reason.BAD_RECORD,) and "v" in r.detail


def test_test_and_recovery_entries() -> None:
    t = {"tg": "840539006", "tt": "LP6464-4", "sc": "2021-05-12T17:04:08.5+0200",
         "tr": "260415000", "co": "VN", "is": "TEST", "ci": "URN:UVCI:01:VN:T"}
    r = check(_signed({k: v for k, v in vn_dgc().items() if k != "v"} | {"t": [t]}))
    assert r.valid, r.detail
    (test,) = r.certificate.tests
    assert test.sampled_at == dt.datetime(2021, 5, 12, 15, 4, 8, tzinfo=UTC)
    rec = {"tg": "840539006", "fr": "2021-12-01", "df": "2021-12-12", "du": "2022-06-01",
           "co": "VN", "is": "TEST", "ci": "URN:UVCI:01:VN:R"}
    r = check(_signed({k: v for k, v in vn_dgc().items() if k != "v"} | {"r": [rec]}))
    assert r.valid and r.certificate.recoveries[0].valid_until == dt.date(2022, 6, 1)


def test_json_size_cap() -> None:
    text = _signed(vn_dgc())
    r = cccdqr.verify(text, trust_of(issuers()["ES256"]), now=NOW,
                      limits=Limits(max_json_bytes=100))
    assert r.reasons == (Reason.JSON_TOO_LARGE,)


def test_deprecated_product_code_maps_to_ours() -> None:
    dgc = vn_dgc()
    dgc["v"][0]["mp"] = "Inactivated-SARS-CoV-2-Vero-Cell"
    assert check(_signed(dgc)).certificate.vaccinations[0].product == "BBIBP-CorV"


def test_icao_transliteration() -> None:
    assert dcc.icao_transliterate("Nguyễn Đức-Anh O'Hara") == "NGUYEN<DUC<ANH<OHARA"


# --- properties ----------------------------------------------------------------------------

names = st.text(alphabet="abcdeđghiklmnoprstuvxyàáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợ",
                min_size=1, max_size=20).map(str.title)
dobs = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2021, 12, 31)).map(dt.date.isoformat),
                 st.integers(1900, 2021).map(str),
                 st.tuples(st.integers(1900, 2021), st.integers(1, 12)).map(
                     lambda ym: f"{ym[0]}-{ym[1]:02d}"))
products = st.sampled_from(["EU/1/20/1528", "EU/1/20/1507", "BBIBP-CorV", "VN-NANOCOVAX",
                            "Abdala", "CoronaVac"])


@st.composite
def dcc_certificates(draw: st.DrawFn) -> cccdqr.HealthCertificate:
    family, given = draw(names), draw(names)
    subj = cccdqr.Subject(name=f"{family} {given}", dob=draw(dobs), family_name=family,
                          given_name=given, family_name_icao=dcc.icao_transliterate(family) or None,
                          given_name_icao=dcc.icao_transliterate(given) or None)
    kind = draw(st.sampled_from("vtr"))
    country = draw(st.sampled_from(["VN", "DE", "FR"]))
    if kind == "v":
        n = draw(st.integers(1, 9))
        event: Any = cccdqr.Vaccination(product=draw(products), dose_number=n,
                                        doses_in_series=draw(st.integers(1, 9)),
                                        date=draw(st.dates(dt.date(2020, 12, 1), dt.date(2023, 1, 1))),
                                        country=country)
        return cccdqr.HealthCertificate(subject=subj, vaccinations=(event,))
    if kind == "t":
        at = draw(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2023, 1, 1),
                               timezones=st.just(UTC))).replace(microsecond=0)
        event = cccdqr.Test(test_type=draw(st.sampled_from([cccdqr.TEST_NAA, cccdqr.TEST_RAT])),
                            sampled_at=at, result=draw(st.sampled_from(
                                [cccdqr.RESULT_NOT_DETECTED, cccdqr.RESULT_DETECTED])),
                            country=country)
        return cccdqr.HealthCertificate(subject=subj, tests=(event,))
    start = draw(st.dates(dt.date(2020, 6, 1), dt.date(2022, 6, 1)))
    event = cccdqr.Recovery(first_positive=start, valid_from=start + dt.timedelta(days=11),
                            valid_until=start + dt.timedelta(days=180), country=country)
    return cccdqr.HealthCertificate(subject=subj, recoveries=(event,))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dcc_certificates())
def test_round_trip_through_hc1(cert: cccdqr.HealthCertificate) -> None:
    text = issuers()["ES256"].issue(cert, now=NOW, valid_for=YEAR)
    assert cccdqr.inspect(text).certificate == cert
    assert check(text).certificate == cert


@functools.cache
def _base_cose() -> bytes:
    return cose_of(issuers()["ES256"].issue(one_dose(), now=NOW, valid_for=YEAR))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_verify_never_raises_on_mutated_hc1(data: st.DataObject) -> None:
    raw = bytearray(_base_cose())
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        i = data.draw(st.integers(0, len(raw) - 1))
        if op == "flip":
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del raw[i:i + data.draw(st.integers(1, 8))]
        else:
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=8))
        if not raw:
            raw.append(0)
    text = dcc.wrap(bytes(raw))
    for result in (check(text), cccdqr.inspect(text)):
        reasons = getattr(result, "reasons", None) or getattr(result, "problems", ())
        assert Reason.INTERNAL_ERROR not in reasons, getattr(result, "detail", "")
    if bytes(raw) != _base_cose():
        assert not check(text).valid or cose_of(text) != _base_cose()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=400))
def test_verify_never_raises_on_arbitrary_hc1_text(tail: str) -> None:
    r = check("HC1:" + tail)
    assert Reason.INTERNAL_ERROR not in r.reasons and not r.valid


def test_vectors_directory_exists() -> None:
    assert Path(SCHEMA_DIR).is_dir()
