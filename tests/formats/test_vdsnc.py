"""ICAO VDS-NC: the Australian sample (real CSCA, CRL and signature) and seals
built here with a TEST-ONLY PKI (tests/reason_cases/vdsnc.py) for every reason."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from hypothesis import given
from hypothesis import strategies as st

import cccdqr
from cccdqr import Limits, Reason, Sex, Status, testkeys
from cccdqr.formats import detect, native, vdsnc
from cccdqr.trust.revocation import RevocationList
from cccdqr.trust.x509chain import VDS_NC_EKU, authenticate_signer, document_types

import helpers
from helpers import NOW
from reason_cases.vdsnc import (
    DAY,
    PKI,
    Pki,
    b64url,
    doc_type_extension,
    rsa_key,
    seal,
    signed,
    test_data,
    vacc_data,
)

UTC = dt.timezone.utc
VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "vds-nc"
AU_NOW = dt.datetime(2021, 9, 1, tzinfo=UTC)  # inside the AU CRL's 2021-08-19..2021-11-17


def _vector(name: str) -> bytes:
    path = VECTORS / name
    if not path.exists():
        pytest.skip(f"shared vector {name} not available")
    return path.read_bytes()


@pytest.fixture(scope="module")
def au_valid() -> str:
    return _vector("au_pov_valid.json").decode()


@pytest.fixture(scope="module")
def au_trust() -> cccdqr.TrustStore:
    return (cccdqr.TrustStore().with_authority(_vector("au_csca.der"))
            .with_crl(_vector("au_csca_crl.der")))


def verify(text: Any, trust: cccdqr.TrustStore, now: dt.datetime = NOW, **options: Any
           ) -> cccdqr.VerificationResult:
    return cccdqr.verify(text, trust, now=now, **options)


def reasons(text: Any, trust: cccdqr.TrustStore | None = None, now: dt.datetime = NOW,
            **options: Any) -> tuple[Reason, ...]:
    return verify(text, trust if trust is not None else PKI.trust(), now, **options).reasons


# --- the Australian sample -------------------------------------------------------------

def test_au_canonical_bytes_match_the_vector(au_valid: str) -> None:
    doc = vdsnc.parse_json(au_valid, Limits())
    assert vdsnc.canonical_json(doc["data"]) == _vector("au_pov_valid.data.canonical.json")
    assert vdsnc.canonical_json(doc) == _vector("au_pov_valid.full.canonical.json")


def test_au_certificate_is_the_vector_bsc(au_valid: str) -> None:
    cer = json.loads(au_valid)["sig"]["cer"]
    env = vdsnc.decode_unverified(au_valid, Limits())
    assert env.resolve is not None and env.alg is cccdqr.Algorithm.ES256
    assert env.kid == hashlib.sha256(_vector("au_bsc.der")).digest()[:8]
    assert len(env.signature) == 64
    assert cer.endswith("=")  # the sample keeps base64 padding; it is accepted
    bsc = x509.load_der_x509_certificate(_vector("au_bsc.der"))
    assert document_types(bsc) == {"NV"}
    eku = bsc.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and [u.dotted_string for u in eku.value] == [VDS_NC_EKU]


def test_au_valid(au_valid: str, au_trust: cccdqr.TrustStore) -> None:
    result = verify(au_valid, au_trust, AU_NOW)
    assert result.status is Status.VALID, (result.reasons, result.detail)
    assert result.format == "VDS-NC" and result.issuer == "AU"
    assert result.certificate_id == "VB0009990038"
    cert = result.certificate
    assert cert is not None
    s = cert.subject
    assert (s.name, s.dob, s.sex, s.id_number) == ("CITIZEN JANE CATHERINE", "1977-05-16",
                                                   Sex.FEMALE, None)
    assert (s.family_name, s.given_name) == ("CITIZEN", "JANE CATHERINE")
    assert (s.family_name_icao, s.given_name_icao) == ("CITIZEN", "JANE<CATHERINE")
    assert [(v.product, v.dose_number, v.date, v.country, v.doses_in_series, v.administering_unit)
            for v in cert.vaccinations] == [
        ("EU/1/20/1528", 1, dt.date(2021, 6, 13), "AU", None, "Community Health"),
        ("EU/1/20/1528", 2, dt.date(2021, 7, 1), "AU", None, "General Practitioner")]
    assert all(v.disease == cccdqr.DISEASE_COVID19 for v in cert.vaccinations)


def test_au_tampered_is_bad_signature(au_trust: cccdqr.TrustStore) -> None:
    tampered = _vector("au_pov_tampered_name.json")
    assert reasons(tampered, au_trust, AU_NOW) == (Reason.BAD_SIGNATURE,)


def test_au_after_crl_next_update_is_crl_stale(au_valid: str, au_trust: cccdqr.TrustStore) -> None:
    next_update = au_trust.crls[0].next_update_utc
    assert next_update is not None and next_update.date() == dt.date(2021, 11, 17)
    result = verify(au_valid, au_trust, next_update + dt.timedelta(minutes=6))
    assert result.reasons == (Reason.CRL_STALE,) and result.status is Status.CANNOT_CHECK
    # the skew (5 minutes by default) widens the CRL's life, as every other time check
    assert verify(au_valid, au_trust, next_update + dt.timedelta(minutes=4)).valid


def test_au_without_authority_is_unknown_ca(au_valid: str) -> None:
    result = verify(au_valid, cccdqr.TrustStore(), AU_NOW)
    assert result.reasons == (Reason.UNKNOWN_CA,) and result.status is Status.CANNOT_CHECK
    assert result.certificate is None  # nothing unverified is shown


def test_au_before_signer_validity(au_valid: str, au_trust: cccdqr.TrustStore) -> None:
    # BSC valid from 2021-08-31T14:00Z; the CRL is current on 2021-08-20
    result = verify(au_valid, au_trust, dt.datetime(2021, 8, 20, tzinfo=UTC))
    assert result.reasons == (Reason.KEY_OUTSIDE_VALIDITY,)


def test_au_inspect_without_trust(au_valid: str) -> None:
    seen = cccdqr.inspect(au_valid)
    assert seen.verified is False and not seen.problems
    assert seen.certificate is not None and seen.certificate.subject.dob == "1977-05-16"


# --- our own seals: valid ---------------------------------------------------------------

def test_own_vaccination_seal_is_valid() -> None:
    result = verify(signed(), PKI.trust())
    assert result.valid, (result.reasons, result.detail)
    cert = result.certificate
    assert cert is not None and result.issuer == "VN"
    assert cert.subject.name == "NGUYEN VAN AN" and cert.subject.sex is Sex.MALE
    assert cert.subject.id_number is None  # pid.ai is not taken for a CCCD number
    assert [(v.dose_number, v.country, v.administering_unit) for v in cert.vaccinations] == [
        (1, "VN", "TYT Cat Linh"), (2, "VN", None)]
    assert result.warnings == (Reason.REVOCATION_NOT_CHECKED,)


def test_own_test_seal_is_valid() -> None:
    result = verify(signed(test_data()), PKI.trust())
    assert result.valid, (result.reasons, result.detail)
    assert result.certificate is not None
    (t,) = result.certificate.tests
    assert t.test_type == cccdqr.TEST_NAA and t.result == cccdqr.RESULT_NOT_DETECTED
    assert t.sampled_at == dt.datetime(2026, 11, 22, 1, 30, tzinfo=UTC) and t.country == "VN"
    assert result.certificate_id == "VT0000000007"


def test_pretty_printed_and_whitespace_wrapped_seal_is_valid() -> None:
    cert, key = PKI.bsc()
    assert verify("\r\n" + seal(vacc_data(), cert, key, indent=2) + "\n", PKI.trust()).valid


def test_non_ascii_data_is_signed_over_utf8() -> None:
    data = vacc_data(pid={"n": "NGUYỄN  VĂN AN", "dob": "1990"})
    result = verify(signed(data), PKI.trust())
    assert result.valid, result.detail
    assert result.certificate is not None
    assert result.certificate.subject.name == "NGUYỄN VĂN AN"
    assert result.certificate.subject.family_name_icao is None  # not A-Z: no ICAO form
    assert result.certificate.subject.dob == "1990"


def test_rsa_pss_csca() -> None:
    pki = Pki(label="vdsnc rsa csca", key=rsa_key("csca"))
    cert, key = pki.bsc(rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), 32))
    assert verify(seal(vacc_data(), cert, key), pki.trust()).valid


def test_product_mapping() -> None:
    def product(des: str, nam: str) -> str:
        data = vacc_data(ve=[{"des": des, "nam": nam, "vd": [
            {"dvc": "2021-07-01", "seq": 1, "ctr": "VNM", "lot": "L1"}]}])
        result = verify(signed(data), PKI.trust())
        assert result.certificate is not None, result.detail
        return result.certificate.vaccinations[0].product
    assert product("XM3DT5", "anything") == "EU/1/20/1507"  # a product's own ICD-11 code
    assert product("XM68M6", "AstraZeneca Vaxzevria") == "EU/1/21/1529"  # brand word
    assert product("XM68M6", "Nanocovax") == "VN-NANOCOVAX"
    assert product("XM1NL1", "Vero Cell") == "Vero Cell"  # class code, unknown brand: kept


def test_revocation_ids_and_a_real_revocation_list(tmp_path: Path) -> None:
    text = signed()
    uvci = b"VN0000000042"
    env = vdsnc.decode_unverified(text, Limits())
    assert env.open(Limits()).revocation_ids == (
        ("uvci", uvci), ("uvci", hashlib.sha256(uvci).digest()[:16]))
    path = tmp_path / "revoked.sqlite"
    with RevocationList.open(path, create=True) as writer:
        writer.add("uvci", hashlib.sha256(uvci).digest()[:16])
        writer.mark_updated(NOW - DAY, valid_for=7 * DAY)
    with RevocationList.open(path) as listed:
        assert reasons(text, revocation=listed) == (Reason.REVOKED,)


def test_no_crl_for_the_csca_is_accepted_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    with RevocationList.open(path, create=True) as writer:
        writer.mark_updated(NOW - DAY, valid_for=7 * DAY)
    with RevocationList.open(path) as fresh:
        with_crl = verify(signed(), PKI.trust(), revocation=fresh)
        without = verify(signed(), PKI.trust(default_crl=False), revocation=fresh)
    assert with_crl.valid and with_crl.warnings == ()
    assert without.valid and without.warnings == (Reason.REVOCATION_NOT_CHECKED,)


# --- the chain ---------------------------------------------------------------------------

def test_signer_revoked_even_on_an_older_crl() -> None:
    old = PKI.crl(0x2A, last=NOW - 90 * DAY, next_=NOW - 60 * DAY)
    assert reasons(signed(), PKI.trust(PKI.crl(), old)) == (Reason.SIGNER_REVOKED,)
    assert reasons(signed(serial=7), PKI.trust(PKI.crl(0x2A))) == ()


def test_newest_crl_decides_freshness() -> None:
    stale = PKI.crl(last=NOW - 60 * DAY, next_=NOW - DAY)
    assert reasons(signed(), PKI.trust(stale, PKI.crl())) == ()
    assert reasons(signed(), PKI.trust(stale)) == (Reason.CRL_STALE,)


def test_crl_with_a_bad_signature_cannot_be_used() -> None:
    forged = PKI.crl(signer=testkeys.test_es256_key("vdsnc impostor csca"))
    assert reasons(signed(), PKI.trust(forged)) == (Reason.CRL_STALE,)


def test_crl_of_another_csca_is_ignored() -> None:
    other = Pki(label="vdsnc other csca", cn="Other CSCA")
    der = PKI.bsc()[0].public_bytes(serialization.Encoding.DER)
    chain = authenticate_signer(der, [PKI.cert, other.cert], [other.crl(0x2A)], now=NOW,
                                skew=dt.timedelta(0))
    assert chain.authority == PKI.cert and chain.crl is None
    assert verify(signed(), cccdqr.TrustStore(authorities=[PKI.cert, other.cert],
                                              crls=[other.crl(0x2A)])).valid


@pytest.mark.parametrize("options", [
    {"eku": None},
    {"eku": ("1.3.6.1.5.5.7.3.3",)},
    {"doc_types": ("PP",)},
    {"extra": ((x509.BasicConstraints(ca=True, path_length=None), True),)},
    {"extra": ((x509.KeyUsage(False, False, True, False, False, False, False, False, False),
                True),)},
    {"extra": ((x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00"),
                True),)},
    {"country": "LA"},
    {"signer": testkeys.test_es256_key("vdsnc impostor csca")},
], ids=["no-eku", "wrong-eku", "no-health-doc-type", "ca", "key-usage", "unknown-critical",
        "country", "impostor"])
def test_bad_signer_certificate(options: dict[str, Any]) -> None:
    assert reasons(signed(**options)) == (Reason.BAD_SIGNER_CERTIFICATE,)


def test_malformed_doc_type_extension() -> None:
    bad = doc_type_extension("NV", version=b"\x02\x01\x01")
    cert, key = PKI.bsc(doc_types=None, extra=((bad, False),))
    assert reasons(seal(vacc_data(), cert, key)) == (Reason.BAD_SIGNER_CERTIFICATE,)


def test_malformed_certificate_der() -> None:
    cert, key = PKI.bsc()
    doc = json.loads(seal(vacc_data(), cert, key))
    doc["sig"]["cer"] = b64url(b"\x30\x03\x02\x01\x00")
    assert reasons(json.dumps(doc)) == (Reason.BAD_SIGNER_CERTIFICATE,)


def test_unknown_ca_by_key_id() -> None:
    # same CSCA name, another key (a rollover the store has not seen)
    rolled = Pki(label="vdsnc csca 2")
    cert, key = rolled.bsc()
    assert reasons(seal(vacc_data(), cert, key), PKI.trust()) == (Reason.UNKNOWN_CA,)
    store = cccdqr.TrustStore(authorities=[PKI.cert, rolled.cert], crls=[rolled.crl()])
    assert reasons(seal(vacc_data(), cert, key), store) == ()


def test_document_type_limits_the_record_types() -> None:
    assert reasons(signed(doc_types=("NT",))) == (Reason.RECORD_TYPE_NOT_ALLOWED,)
    assert reasons(signed(test_data(), doc_types=("NT",))) == ()
    assert reasons(signed(doc_types=None)) == ()  # no list: every health proof


def test_expired_signer_is_key_outside_validity() -> None:
    text = signed(not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    assert reasons(text) == (Reason.KEY_OUTSIDE_VALIDITY,)


def test_signer_window_is_narrowed_by_the_csca() -> None:
    chain = authenticate_signer(PKI.bsc(not_after=dt.datetime(2040, 1, 1, tzinfo=UTC))[0]
                                .public_bytes(serialization.Encoding.DER),
                                [PKI.cert], [PKI.crl()], now=NOW, skew=dt.timedelta(0))
    assert chain.key.not_after == PKI.cert.not_valid_after_utc
    assert chain.key.issuer == "VN" and chain.key.record_types == frozenset("vt")
    assert chain.authority == PKI.cert and chain.crl is not None


def test_issuer_mismatch() -> None:
    data = vacc_data()
    data["hdr"]["is"] = "AUS"
    assert reasons(signed(data)) == (Reason.ISSUER_MISMATCH,)


def test_ed25519_signer_key_is_alg_key_mismatch() -> None:
    cert, key = PKI.bsc(key=ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)))
    text = seal(vacc_data(), cert, None, signature=bytes(64))
    assert reasons(text) == (Reason.ALG_KEY_MISMATCH,)


# --- the JSON and the signature -------------------------------------------------------------

@pytest.mark.parametrize("alg", ["ES384", "ES512", "PS256", "none", "", "es256"])
def test_other_algorithms_are_not_allowed(alg: str) -> None:
    p384 = ec.derive_private_key(12345, ec.SECP384R1())  # TEST-ONLY
    cert, _ = PKI.bsc(key=p384)
    text = seal(vacc_data(), cert, None, alg=alg, signature=bytes(96))
    assert reasons(text) == (Reason.ALG_NOT_ALLOWED,)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _doc() -> dict[str, Any]:
    return json.loads(signed())


def _edit(change: Any) -> str:
    doc = _doc()
    change(doc)
    return json.dumps(doc)


BAD_JSON = {
    "truncated": signed()[:-1],
    "trailing": signed() + " {}",
    "duplicate": '{"sig": 1, "data": {}, "sig": 2}',
    "float": _edit(lambda d: d["data"]["msg"].update(x=1.5)),
    "nan": signed().replace('"seq": 1', '"seq": NaN'),
    "big-int": _edit(lambda d: d["data"]["msg"].update(x=2**53)),
    "deep": '{"sig": {}, "data": ' + "[" * 20 + "]" * 20 + "}",
    "very-deep": '{"sig": {}, "data": ' + "[" * 3000 + "]" * 3000 + "}",
    "no-data": _edit(lambda d: d.pop("data")),
    "extra-member": _edit(lambda d: d.update(note="unsigned")),
    "sig-extra": _edit(lambda d: d["sig"].update(kid="x")),
    "data-not-object": _edit(lambda d: d.update(data=[1])),
    "data-extra": _edit(lambda d: d["data"].update(x=1)),
    "alg-number": _edit(lambda d: d["sig"].update(alg=-7)),
    "cer-not-base64url": _edit(lambda d: d["sig"].update(cer="MII+/x==")),
    "cer-empty": _edit(lambda d: d["sig"].update(cer="")),
    "sigvl-bad-length": _edit(lambda d: d["sig"].update(sigvl="A")),
    "sigvl-not-canonical": _edit(lambda d: d["sig"].update(sigvl="AB")),
    "sigvl-standard-alphabet": _edit(lambda d: d["sig"].update(sigvl="ab+/")),
    "lone-surrogate": signed().replace('"TYT Cat Linh"', '"\\ud800"'),
}


@pytest.mark.parametrize("text", list(BAD_JSON.values()), ids=list(BAD_JSON))
def test_bad_json(text: str) -> None:
    result = verify(text, PKI.trust())
    assert result.reasons == (Reason.BAD_JSON,), result.detail
    assert result.status is Status.INVALID


def test_json_too_large() -> None:
    text = signed()
    size = len(text.encode())
    assert reasons(text, limits=Limits(max_json_bytes=size)) == ()
    assert reasons(text, limits=Limits(max_json_bytes=size - 1)) == (Reason.JSON_TOO_LARGE,)


@pytest.mark.parametrize("change", [
    lambda d: d["sig"].update(sigvl=b64url(bytes(64))),
    lambda d: d["sig"].update(sigvl=b64url(_unb64(d["sig"]["sigvl"])[:-1])),
    lambda d: d["data"]["msg"].update(uvci="VN0000000043"),
    lambda d: d["data"]["hdr"].update(v=2),
], ids=["zero", "short", "uvci", "version"])
def test_changes_break_the_signature(change: Any) -> None:
    assert reasons(_edit(change)) == (Reason.BAD_SIGNATURE,)


def test_member_order_and_whitespace_are_not_signed() -> None:
    doc = _doc()
    reordered = {"sig": doc["sig"], "data": {"msg": doc["data"]["msg"], "hdr": doc["data"]["hdr"]}}
    assert reasons(json.dumps(reordered, indent=4)) == ()


# --- the message (after the signature) ----------------------------------------------------------

def _with_msg(kind: str = "vacc", **changes: Any) -> str:
    return signed(vacc_data(**changes) if kind == "vacc" else test_data(**changes))


@pytest.mark.parametrize("text,reason", [
    (_with_msg(pid={"n": "A"}), Reason.BAD_RECORD),
    (_with_msg(pid={"n": "A", "dob": "1990-02-30"}), Reason.BAD_RECORD),
    (_with_msg(pid={"n": "A", "dob": "1990", "sex": "Q"}), Reason.BAD_RECORD),
    (_with_msg(pid={"n": "A", "dob": "1990", "sex": ["M"]}), Reason.BAD_RECORD),
    (_with_msg(pid={"n": "A", "dob": "1990", "x": "y"}), Reason.BAD_RECORD),
    (_with_msg(pid={"n": " ", "dob": "1990"}), Reason.BAD_RECORD),
    (_with_msg(ve=[]), Reason.BAD_RECORD),
    (_with_msg(ve=[{"des": "XM68M6", "nam": "C", "vd": [
        {"dvc": "2021-07-01", "seq": 0, "ctr": "VNM", "lot": "L"}]}]), Reason.BAD_RECORD),
    (_with_msg(ve=[{"des": "XM68M6", "nam": "C", "vd": [
        {"dvc": "2021-07-01", "seq": 1, "ctr": "XXA", "lot": "L"}]}]), Reason.BAD_RECORD),
    (_with_msg(ve=[{"des": "XM68M6", "nam": "C", "vd": [
        {"dvc": "20210701", "seq": 1, "ctr": "VNM", "lot": "L"}]}]), Reason.BAD_RECORD),
    (_with_msg(ve=[{"des": "XM68M6", "nam": "C", "dis": "1D47", "vd": [
        {"dvc": "2021-07-01", "seq": 1, "ctr": "VNM", "lot": "L"}]}]),
     Reason.UNSUPPORTED_CONTENT),
    (_with_msg(uvci=42), Reason.BAD_RECORD),
    (_with_msg("test", tr={"tc": "antibody", "r": "negative"}), Reason.UNSUPPORTED_CONTENT),
    (_with_msg("test", tr={"tc": "antigen", "r": "maybe"}), Reason.BAD_RECORD),
    (_with_msg("test", dat={"sc": "2026-11-22", "ri": "2026-11-22"}), Reason.BAD_RECORD),
], ids=["no-dob", "bad-dob", "sex", "sex-list", "pid-extra", "blank-name", "no-events",
        "seq-0", "country", "date-format", "other-disease", "uvci-number", "antibody",
        "result", "sample-date-only"])
def test_message_errors(text: str, reason: Reason) -> None:
    assert reasons(text) == (reason,)


@pytest.mark.parametrize("hdr,reason", [
    ({"t": "icao.vacc", "v": 2, "is": "VNM"}, Reason.UNSUPPORTED_VERSION),
    ({"t": "icao.visa", "v": 1, "is": "VNM"}, Reason.UNSUPPORTED_CONTENT),
    ({"t": "icao.vacc", "v": "1", "is": "VNM"}, Reason.BAD_CLAIMS),
    ({"t": "icao.vacc", "v": 1, "is": "VN"}, Reason.BAD_CLAIMS),
    ({"t": "icao.vacc", "v": 1}, Reason.BAD_CLAIMS),
])
def test_header_errors(hdr: dict[str, Any], reason: Reason) -> None:
    data = vacc_data()
    data["hdr"] = hdr
    assert reasons(signed(data)) == (reason,)


def test_germany_icao_code() -> None:
    assert vdsnc.alpha2("D<<", "is") == "DE" and vdsnc.alpha2("DEU", "is") == "DE"
    assert len(vdsnc.ALPHA3_TO_ALPHA2) == 250


# --- detection ---------------------------------------------------------------------------------

def test_detection_does_not_shadow_other_formats(au_valid: str) -> None:
    assert detect(au_valid) is vdsnc
    assert detect(helpers.issue()) is native
    assert not vdsnc.matches(helpers.issue())
    for text in ('{"a": 1}', "{}", "[1]", '{"data": {}}'):
        assert verify(text, PKI.trust()).reasons == (Reason.UNKNOWN_FORMAT,)


# --- canonical JSON ------------------------------------------------------------------------------

def test_canonical_json_rfc8785_sorting_and_escapes() -> None:
    # RFC 8785 section 3.2.3: members sort by UTF-16 code units, not code points
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001F600", "\u0080", "\u00f6"]
    out = vdsnc.canonical_json({k: 0 for k in keys}).decode()
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"]
    assert out == "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":0" for k in order) + "}"
    assert vdsnc.canonical_json({"a": "\u2028\x7f\x1f\"\\\n é"}) == \
        '{"a":"\u2028\x7f\\u001f\\"\\\\\\n é"}'.encode()
    assert vdsnc.canonical_json([True, False, None, -0, 9007199254740991]) == \
        b"[true,false,null,0,9007199254740991]"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(alphabet=st.characters(max_codepoint=0xD7FF), max_size=6), inner, max_size=4),
    max_leaves=12)


@given(JSON_VALUES)
def test_canonical_json_matches_sorted_dumps_within_the_bmp(value: Any) -> None:
    # below U+D800 code-point order is UTF-16 order, so Python's sort_keys agrees with JCS
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert vdsnc.canonical_json(value) == expected.encode("utf-8")
    if 1 + _depth(value) <= vdsnc.MAX_DEPTH:  # and the strict parser reads it back
        assert vdsnc.parse_json(json.dumps({"x": value}), Limits())["x"] == value


def test_canonical_json_refuses_lone_surrogates() -> None:
    with pytest.raises(ValueError):
        vdsnc.canonical_json({"a": "\ud800"})


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


# --- never raises ---------------------------------------------------------------------------------

def _check(text: Any, trust: cccdqr.TrustStore) -> cccdqr.VerificationResult:
    result = cccdqr.verify(text, trust, now=NOW)
    assert Reason.INTERNAL_ERROR not in result.reasons, result.detail
    assert result.valid or (result.reasons and result.reasons[0].status is result.status)
    json.dumps(result.to_dict())
    assert Reason.INTERNAL_ERROR not in cccdqr.inspect(text).problems
    return result


@given(JSON_VALUES, JSON_VALUES)
def test_never_raises_on_json_documents(data: Any, sig: Any) -> None:
    _check(json.dumps({"data": data, "sig": sig}), PKI.trust())
    if isinstance(sig, dict):
        _check(json.dumps({"data": data, "sig": {**sig, "alg": "ES256", "cer": "AAAA",
                                                 "sigvl": "AAAA"}}), PKI.trust())


VALID = signed()
VALID_DOC = json.loads(VALID)


@given(st.integers(0, len(VALID) - 1), st.characters(max_codepoint=0x2FF))
def test_one_character_changed_is_never_valid(pos: int, char: str) -> None:
    text = VALID[:pos] + char + VALID[pos + 1:]
    result = _check(text, PKI.trust())
    if result.valid:  # only insignificant whitespace may change
        assert json.loads(text) == VALID_DOC


LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)


@given(st.data())
def test_never_raises_on_mutated_messages(data: st.DataObject) -> None:
    doc = copy.deepcopy(VALID_DOC)
    node: Any = doc
    while isinstance(node, (dict, list)) and node:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()) or not isinstance(node[key], (dict, list)):
            node[key] = data.draw(LEAVES | st.just({}) | st.just([]))
            break
        node = node[key]
    result = _check(json.dumps(doc), PKI.trust())
    assert not result.valid or doc == VALID_DOC



BSC_DER = PKI.bsc()[0].public_bytes(serialization.Encoding.DER)


@given(st.integers(0, len(BSC_DER) - 1), st.integers(1, 255))
def test_a_changed_certificate_byte_is_never_valid(pos: int, delta: int) -> None:
    der = bytearray(BSC_DER)
    der[pos] = (der[pos] + delta) % 256
    doc = copy.deepcopy(VALID_DOC)
    doc["sig"]["cer"] = b64url(bytes(der))
    result = _check(json.dumps(doc), PKI.trust())
    assert not result.valid
    assert result.reasons[0] in (Reason.BAD_SIGNER_CERTIFICATE, Reason.UNKNOWN_CA,
                                 Reason.SIGNER_REVOKED, Reason.ALG_KEY_MISMATCH,
                                 Reason.BAD_SIGNATURE), (result.reasons, result.detail)


@given(st.binary(max_size=600))
def test_arbitrary_certificate_bytes_never_raise(der: bytes) -> None:
    doc = copy.deepcopy(VALID_DOC)
    doc["sig"]["cer"] = b64url(der)
    assert not _check(json.dumps(doc), PKI.trust()).valid


def test_signature_bit_string_with_unused_bits_is_refused() -> None:
    # cryptography ignores this count, so it would be a second spelling of one certificate
    cert = x509.load_der_x509_certificate(BSC_DER)
    der = bytearray(BSC_DER)
    where = len(der) - len(cert.signature) - 1
    assert der[where] == 0
    der[where] = 1
    doc = copy.deepcopy(VALID_DOC)
    doc["sig"]["cer"] = b64url(bytes(der))
    assert reasons(json.dumps(doc)) == (Reason.BAD_SIGNER_CERTIFICATE,)


def test_p384_signer_key_with_es256_is_alg_key_mismatch() -> None:
    cert, _ = PKI.bsc(key=ec.derive_private_key(12345, ec.SECP384R1()))  # TEST-ONLY
    assert reasons(seal(vacc_data(), cert, None, signature=bytes(64))) == (Reason.ALG_KEY_MISMATCH,)
