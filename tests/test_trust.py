"""TrustStore and TrustedKey: construction, lookup, JSON trust list, validity windows."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from cccdqr.wire.cose import Algorithm, certificate_kid, spki_kid
from cccdqr.core.errors import KeyAlgorithmMismatch, TrustListError
from cccdqr.testkeys import test_ed25519_key, test_es256_key
from cccdqr.trust.store import (
    TRUST_LIST_FORMAT,
    TrustedKey,
    TrustStore,
    make_trusted_certificate,
    make_trusted_key,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 1, 1, tzinfo=UTC)
T1 = dt.datetime(2027, 1, 1, tzinfo=UTC)
SKEW = dt.timedelta(minutes=5)
SECOND = dt.timedelta(seconds=1)

ES = test_es256_key("test_trust")
ED = test_ed25519_key("test_trust")
ES_PUB = ES.public_key()
ED_PUB = ED.public_key()


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def der(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def certificate(key: Any, *, country: str | None = "VN", not_before: dt.datetime = T0,
                not_after: dt.datetime = T1, signer: Any = None) -> x509.Certificate:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, "cccdqr TEST-ONLY DSC")]
    if country is not None:
        attrs.insert(0, x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    name = x509.Name(attrs)
    signer = signer or key
    algorithm = None if isinstance(signer, (ed25519.Ed25519PrivateKey,
                                            ed448.Ed448PrivateKey)) else hashes.SHA256()
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1234)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .sign(signer, algorithm))


# --- TrustedKey -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("alg", "key"),
    [(Algorithm.ES256, ED_PUB), (Algorithm.EDDSA, ES_PUB), (Algorithm.PS256, ES_PUB),
     (Algorithm.PS256, ED_PUB), (Algorithm.ES256, ec.generate_private_key(ec.SECP384R1())
                                 .public_key())],
)
def test_trusted_key_refuses_alg_not_fitting(alg: Algorithm, key: Any) -> None:
    with pytest.raises(KeyAlgorithmMismatch):
        TrustedKey(kid=b"12345678", public_key=key, alg=alg)


def test_trusted_key_refuses_rsa_keys_for_other_algs(rsa2048: Any) -> None:
    TrustedKey(kid=b"k", public_key=rsa2048.public_key(), alg=Algorithm.PS256)
    for alg in (Algorithm.ES256, Algorithm.EDDSA):
        with pytest.raises(KeyAlgorithmMismatch):
            TrustedKey(kid=b"k", public_key=rsa2048.public_key(), alg=alg)


@pytest.mark.parametrize(
    "kw",
    [
        {"kid": b""}, {"kid": "abc"}, {"alg": "ES256"}, {"alg": -7},
        {"not_before": dt.datetime(2025, 1, 1)}, {"not_after": dt.datetime(2025, 1, 1)},
        {"not_before": "2025-01-01T00:00:00Z"},
        {"record_types": frozenset()}, {"record_types": frozenset("x")},
        {"record_types": frozenset("vx")},
    ],
)
def test_trusted_key_refuses_bad_fields(kw: dict[str, Any]) -> None:
    base: dict[str, Any] = {"kid": b"12345678", "public_key": ES_PUB, "alg": Algorithm.ES256}
    base.update(kw)
    with pytest.raises((TypeError, ValueError)):
        TrustedKey(**base)


def test_trusted_key_record_types_normalised() -> None:
    k = TrustedKey(kid=b"k", public_key=ES_PUB, alg=Algorithm.ES256, record_types="vt")  # type: ignore[arg-type]
    assert k.record_types == frozenset({"v", "t"})


# --- make_trusted_key ------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["object", "pem", "der"])
@pytest.mark.parametrize(("key", "alg"), [(ES_PUB, Algorithm.ES256), (ED_PUB, Algorithm.EDDSA)])
def test_make_trusted_key_forms(form: str, key: Any, alg: Algorithm) -> None:
    given = {"object": key, "pem": pem(key), "der": der(key)}[form]
    k = make_trusted_key(given)
    assert k.alg is alg
    assert k.kid == spki_kid(key)
    assert der(k.public_key) == der(key)
    assert k.certificate is None
    assert k.index_kids == (spki_kid(key),)
    assert k.record_types == frozenset("vtr")
    assert k.not_before is None and k.not_after is None


def test_make_trusted_key_rsa(rsa2048: Any) -> None:
    k = make_trusted_key(pem(rsa2048.public_key()))
    assert k.alg is Algorithm.PS256


def test_make_trusted_key_options() -> None:
    k = make_trusted_key(ES_PUB, alg="ES256", kid=b"abcdefgh", issuer="VN", not_before=T0,
                         not_after=T1, record_types="v", label="HCM DOH")
    assert (k.kid, k.alg, k.issuer, k.not_before, k.not_after, k.record_types, k.label) == (
        b"abcdefgh", Algorithm.ES256, "VN", T0, T1, frozenset("v"), "HCM DOH")


@pytest.mark.parametrize(("key", "alg"), [(ES_PUB, "EdDSA"), (ED_PUB, "ES256"),
                                          (ED_PUB, Algorithm.PS256), (ES_PUB, Algorithm.EDDSA)])
def test_make_trusted_key_refuses_alg_not_fitting(key: Any, alg: Any) -> None:
    with pytest.raises(KeyAlgorithmMismatch):
        make_trusted_key(key, alg=alg)
    with pytest.raises(KeyAlgorithmMismatch):
        make_trusted_key(pem(key), alg=alg)


def test_make_trusted_key_refuses_unsupported_keys() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(KeyAlgorithmMismatch):
        make_trusted_key(p384)
    with pytest.raises((KeyAlgorithmMismatch, TrustListError)):
        make_trusted_key(pem(p384))
    with pytest.raises(TrustListError):
        make_trusted_key(b"-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    with pytest.raises(TrustListError):
        make_trusted_key(b"\x30\x03\x02\x01\x00")


def test_make_trusted_key_refuses_ed448_pem() -> None:
    key = ed448.Ed448PrivateKey.generate().public_key()
    with pytest.raises((KeyAlgorithmMismatch, TrustListError)):
        make_trusted_key(pem(key))


# --- make_trusted_certificate ------------------------------------------------------------------

@pytest.mark.parametrize("form", ["object", "pem", "der"])
def test_make_trusted_certificate(form: str) -> None:
    cert = certificate(ES, country="VN")
    given = {"object": cert, "pem": cert.public_bytes(serialization.Encoding.PEM),
             "der": cert.public_bytes(serialization.Encoding.DER)}[form]
    k = make_trusted_certificate(given)
    assert k.kid == certificate_kid(cert)
    assert set(k.index_kids) == {certificate_kid(cert), spki_kid(ES_PUB)}
    assert len(k.index_kids) == 2
    assert k.alg is Algorithm.ES256
    assert k.issuer == "VN"
    assert k.not_before == T0 and k.not_after == T1
    assert k.certificate == cert
    store = TrustStore([k])
    assert store.lookup(certificate_kid(cert)) == (k,)
    assert store.lookup(spki_kid(ES_PUB)) == (k,)
    assert certificate_kid(cert) in store and spki_kid(ES_PUB) in store


def test_make_trusted_certificate_country_and_overrides() -> None:
    assert make_trusted_certificate(certificate(ED, country="DE")).issuer == "DE"
    assert make_trusted_certificate(certificate(ED, country=None)).issuer is None
    k = make_trusted_certificate(certificate(ED, country="DE"), issuer="VN", record_types="t",
                                 label="lab")
    assert (k.issuer, k.record_types, k.label, k.alg) == ("VN", frozenset("t"), "lab",
                                                          Algorithm.EDDSA)


def test_make_trusted_certificate_rsa(rsa2048: Any) -> None:
    k = make_trusted_certificate(certificate(rsa2048))
    assert k.alg is Algorithm.PS256


def test_make_trusted_certificate_refuses_alg_not_fitting() -> None:
    with pytest.raises(KeyAlgorithmMismatch):
        make_trusted_certificate(certificate(ES), alg=Algorithm.EDDSA)


def test_make_trusted_certificate_refuses_garbage() -> None:
    with pytest.raises(TrustListError):
        make_trusted_certificate(b"not a certificate")


# --- TrustStore -----------------------------------------------------------------------------

def test_lookup_returns_every_key_sharing_a_kid() -> None:
    shared = b"SHAREDID"
    a = make_trusted_key(ES_PUB, kid=shared, label="a")
    b = make_trusted_key(ED_PUB, kid=shared, label="b")
    c = make_trusted_key(test_es256_key("c").public_key(), label="c")
    store = TrustStore([a, b, c])
    assert store.lookup(shared) == (a, b)
    assert store.lookup(c.kid) == (c,)
    assert store.lookup(b"unknown!") == ()
    assert len(store) == 3
    assert list(store) == [a, b, c]
    assert store.keys == (a, b, c)
    assert shared in store and b"unknown!" not in store


def test_certificate_and_key_share_a_kid() -> None:
    cert_entry = make_trusted_certificate(certificate(ES))
    key_entry = make_trusted_key(ES_PUB)
    store = TrustStore([cert_entry, key_entry])
    assert store.lookup(spki_kid(ES_PUB)) == (cert_entry, key_entry)
    assert store.lookup(certificate_kid(cert_entry.certificate)) == (cert_entry,)  # type: ignore[arg-type]


def test_store_refuses_non_keys() -> None:
    with pytest.raises(TypeError):
        TrustStore([make_trusted_key(ES_PUB), "key"])  # type: ignore[list-item]


def test_with_key_and_without_return_new_stores() -> None:
    a = make_trusted_key(ES_PUB)
    b = make_trusted_key(ED_PUB)
    empty = TrustStore()
    one = empty.with_key(a)
    two = one.with_key(b)
    assert len(empty) == 0 and len(one) == 1 and len(two) == 2
    assert one.lookup(b.kid) == () and two.lookup(b.kid) == (b,)
    smaller = two.without(a.kid)
    assert smaller.keys == (b,)
    assert two.keys == (a, b)  # unchanged
    assert two.without(b"nothing!").keys == (a, b)
    three = two.with_public_key(test_es256_key("x").public_key(), issuer="VN")
    assert len(three) == 3 and len(two) == 2
    four = three.with_certificate(certificate(ED))
    assert len(four) == 4 and len(three) == 3


def test_without_removes_a_certificate_by_either_kid() -> None:
    entry = make_trusted_certificate(certificate(ES))
    store = TrustStore([entry, make_trusted_key(ED_PUB)])
    for kid in entry.index_kids:
        assert len(store.without(kid)) == 1
        assert kid not in store.without(kid)


# --- JSON trust list ----------------------------------------------------------------------------

def _entry_fields(k: TrustedKey) -> tuple[Any, ...]:
    return (k.kid, k.alg, k.issuer, k.not_before, k.not_after, k.record_types, k.label,
            der(k.public_key),
            None if k.certificate is None else k.certificate.public_bytes(
                serialization.Encoding.DER))


@pytest.fixture
def full_store(rsa2048: Any) -> TrustStore:
    return TrustStore([
        make_trusted_key(ES_PUB, issuer="VN", not_before=T0, not_after=T1, record_types="vt",
                         label="Bộ Y tế"),
        make_trusted_key(ED_PUB, kid=b"\x00\xff" * 4),
        make_trusted_key(rsa2048.public_key(), issuer="VN", record_types="r"),
        make_trusted_certificate(certificate(ES, country="DE"), record_types="v"),
        make_trusted_key(test_es256_key("ict").public_key(),
                         not_before=dt.datetime(2025, 1, 1, 7, tzinfo=dt.timezone(
                             dt.timedelta(hours=7)))),
    ])


def test_json_round_trip(tmp_path: Path, full_store: TrustStore) -> None:
    path = tmp_path / "trust.json"
    full_store.save(path)
    loaded = TrustStore.load(path)
    assert len(loaded) == len(full_store)
    for before, after in zip(full_store, loaded, strict=True):
        assert _entry_fields(after) == _entry_fields(before)
        assert after == before
        assert after.index_kids == before.index_kids
    assert TrustStore.parse_json(path.read_bytes()).keys == loaded.keys
    assert TrustStore.parse_json(path.read_text("utf-8")).keys == loaded.keys


def test_json_document_shape(full_store: TrustStore) -> None:
    doc = json.loads(full_store.to_json())
    assert doc["format"] == TRUST_LIST_FORMAT == "cccdqr-trust-list"
    assert doc["version"] == 1
    first = doc["keys"][0]
    assert base64.b64decode(first["kid"]) == spki_kid(ES_PUB)
    assert first["alg"] == "ES256"
    assert first["not_before"] == "2025-01-01T00:00:00Z"
    assert first["record_types"] == "vt"
    assert "certificate" in doc["keys"][3] and "public_key" not in doc["keys"][3]


def test_json_round_trip_keeps_a_narrowed_certificate_window() -> None:
    entry = make_trusted_certificate(certificate(ES))
    retired = dataclasses.replace(entry, not_after=dt.datetime(2025, 6, 1, tzinfo=UTC))
    loaded = TrustStore.parse_json(TrustStore([retired]).to_json())
    assert loaded.keys[0].not_after == retired.not_after


def _doc(*entries: Any, **top: Any) -> str:
    doc = {"format": TRUST_LIST_FORMAT, "version": 1, "keys": list(entries)}
    doc.update(top)
    return json.dumps(doc)


def _key_entry(**kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"kid": base64.b64encode(spki_kid(ES_PUB)).decode(), "alg": "ES256",
                         "public_key": pem(ES_PUB).decode()}
    e.update(kw)
    return {k: v for k, v in e.items() if v is not None}


def test_parse_minimal_entries() -> None:
    store = TrustStore.parse_json(_doc(_key_entry(), {"public_key": pem(ED_PUB).decode()}))
    assert [k.alg for k in store] == [Algorithm.ES256, Algorithm.EDDSA]
    assert store.keys[1].kid == spki_kid(ED_PUB)
    assert TrustStore.parse_json(_doc()).keys == ()


@pytest.mark.parametrize(
    "data",
    [
        b"", b"not json", b"{", b"\xff\xfe", "[]", "null", "42",
        json.dumps({"version": 1, "keys": []}),                                   # no format
        json.dumps({"format": "other-list", "version": 1, "keys": []}),
        json.dumps({"format": TRUST_LIST_FORMAT, "keys": []}),                   # no version
        json.dumps({"format": TRUST_LIST_FORMAT, "version": 2, "keys": []}),
        json.dumps({"format": TRUST_LIST_FORMAT, "version": "1", "keys": []}),
        json.dumps({"format": TRUST_LIST_FORMAT, "version": 1}),                 # no keys
        json.dumps({"format": TRUST_LIST_FORMAT, "version": 1, "keys": {}}),
        json.dumps({"format": TRUST_LIST_FORMAT, "version": 1, "keys": "abc"}),
        _doc("entry"),
        _doc(None),
        _doc({}),                                                                 # no public_key
        _doc(_key_entry(public_key=None)),
        _doc(_key_entry(public_key=5)),
        _doc(_key_entry(public_key="-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----")),
        _doc(_key_entry(kid="!!not base64!!")),
        _doc(_key_entry(kid="AAE")),                                              # bad padding
        _doc(_key_entry(kid=5)),
        _doc(_key_entry(alg="EdDSA")),                                            # alg not fitting
        _doc(_key_entry(alg="PS256")),
        _doc(_key_entry(alg="none")),
        _doc(_key_entry(alg="ES384")),
        _doc(_key_entry(alg=-7)),
        _doc(_key_entry(record_types="x")),
        _doc(_key_entry(record_types="")),
        _doc(_key_entry(not_before="2025-01-01T00:00:00")),                        # naive
        _doc(_key_entry(not_after="2025-01-01")),                                  # naive date
        _doc(_key_entry(not_before="yesterday")),
        _doc(_key_entry(not_after=1735689600)),
        _doc({"certificate": "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"}),
        _doc({"certificate": 5}),
    ],
)
def test_parse_json_errors(data: Any) -> None:
    with pytest.raises(TrustListError):
        TrustStore.parse_json(data)


def test_empty_kid_is_refused() -> None:
    with pytest.raises(TrustListError):
        TrustStore.parse_json(_doc(_key_entry(kid="")))
    with pytest.raises((TypeError, ValueError)):
        make_trusted_key(ES_PUB, kid=b"")


def test_parse_json_certificate_kid_must_belong() -> None:
    cert = certificate(ES)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    for kid in (certificate_kid(cert), spki_kid(ES_PUB)):
        store = TrustStore.parse_json(_doc({"certificate": cert_pem,
                                            "kid": base64.b64encode(kid).decode()}))
        assert store.keys[0].kid == certificate_kid(cert)
    with pytest.raises(TrustListError):
        TrustStore.parse_json(_doc({"certificate": cert_pem,
                                    "kid": base64.b64encode(b"otherkid").decode()}))
    with pytest.raises(TrustListError):
        TrustStore.parse_json(_doc({"certificate": cert_pem, "kid": "%%%"}))


def test_parse_json_certificate_alg_must_fit() -> None:
    cert_pem = certificate(ES).public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(TrustListError):
        TrustStore.parse_json(_doc({"certificate": cert_pem, "alg": "EdDSA"}))


def test_parse_json_unsupported_certificate_key() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    cert_pem = certificate(p384).public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(TrustListError):
        TrustStore.parse_json(_doc({"certificate": cert_pem}))


def test_parse_json_times_with_offsets() -> None:
    store = TrustStore.parse_json(_doc(_key_entry(not_before="2025-01-01T07:00:00+07:00",
                                                  not_after="2027-01-01T00:00:00Z")))
    assert store.keys[0].not_before == T0
    assert store.keys[0].not_after == T1


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        TrustStore.load(tmp_path / "missing.json")


# --- validity window ---------------------------------------------------------------------------

@pytest.fixture
def windowed() -> TrustedKey:
    return make_trusted_key(ES_PUB, not_before=T0, not_after=T1)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 - SECOND, False), (T0, True), (T0 + SECOND, True),
        (T1 - SECOND, True), (T1, True), (T1 + SECOND, False),
        (dt.datetime(2026, 1, 1, tzinfo=UTC), True),
        (dt.datetime(2020, 1, 1, tzinfo=UTC), False), (dt.datetime(2030, 1, 1, tzinfo=UTC), False),
        (T0.astimezone(dt.timezone(dt.timedelta(hours=7))), True),
    ],
)
def test_valid_at_without_skew(windowed: TrustedKey, now: dt.datetime, expected: bool) -> None:
    assert windowed.valid_at(now) is expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 - SKEW - SECOND, False), (T0 - SKEW, True), (T0 - SECOND, True),
        (T1 + SKEW, True), (T1 + SKEW + SECOND, False), (T1 + SECOND, True),
    ],
)
def test_valid_at_with_skew(windowed: TrustedKey, now: dt.datetime, expected: bool) -> None:
    assert windowed.valid_at(now, SKEW) is expected


def test_valid_at_open_windows() -> None:
    far_past = dt.datetime(1971, 1, 1, tzinfo=UTC)
    far_future = dt.datetime(9999, 1, 1, tzinfo=UTC)
    open_key = make_trusted_key(ES_PUB)
    assert open_key.valid_at(far_past) and open_key.valid_at(far_future)
    only_start = make_trusted_key(ES_PUB, not_before=T0)
    assert not only_start.valid_at(far_past) and only_start.valid_at(far_future)
    only_end = make_trusted_key(ES_PUB, not_after=T1)
    assert only_end.valid_at(far_past) and not only_end.valid_at(far_future)


def test_certificate_window_is_used() -> None:
    k = make_trusted_certificate(certificate(ES, not_before=T0, not_after=T1))
    assert not k.valid_at(T0 - SECOND)
    assert k.valid_at(T0) and k.valid_at(T1)
    assert not k.valid_at(T1 + SECOND)
