"""The signed trust list: a list is used only when its root signature and window hold."""

from __future__ import annotations

import base64
import datetime as dt
import json

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization

import cccdqr
from cccdqr import TrustListError, TrustStore, testkeys

import helpers
from helpers import NOW

ROOT = testkeys.test_ed25519_key("trust-list-root")
ROOT_ES256 = testkeys.test_es256_key("trust-list-root")
DAY = dt.timedelta(days=1)


def _signed(store: TrustStore = helpers.TRUST, key: object = ROOT, *,
            now: dt.datetime = NOW, valid_for: dt.timedelta = 30 * DAY) -> str:
    return store.sign(key, now=now, valid_for=valid_for)  # type: ignore[arg-type]


def _load(text: str, root: object = ROOT.public_key(), **options: object) -> TrustStore:
    options.setdefault("now", NOW)
    return TrustStore.parse_signed(text, root, **options)  # type: ignore[arg-type]


def _cose(text: str) -> bytes:
    return base64.b64decode(json.loads(text)["cose"])


def _with_cose(text: str, cose: bytes) -> str:
    doc = json.loads(text)
    doc["cose"] = base64.b64encode(cose).decode()
    return json.dumps(doc)


@pytest.mark.parametrize("root", [ROOT, ROOT_ES256], ids=["Ed25519", "ES256"])
def test_a_signed_list_round_trips_and_verifies_codes(root: object) -> None:
    loaded = _load(_signed(key=root), root.public_key())  # type: ignore[attr-defined]
    assert loaded.to_json() == helpers.TRUST.to_json()
    assert cccdqr.verify(helpers.issue(), loaded, now=NOW).valid


def test_root_key_as_pem_or_der() -> None:
    public = ROOT.public_key()
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        data = public.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert len(_load(_signed(), data)) == len(helpers.TRUST)


def test_file_round_trip(tmp_path: object) -> None:
    path = tmp_path / "trust.signed.json"  # type: ignore[operator]
    path.write_text(_signed())
    assert len(TrustStore.load_signed(path, ROOT.public_key(), now=NOW)) == len(helpers.TRUST)


def test_another_root_is_refused() -> None:
    with pytest.raises(TrustListError, match="another key"):
        _load(_signed(), testkeys.test_ed25519_key("someone else").public_key())


def test_a_tampered_list_is_refused() -> None:
    # swap the list inside the payload for another (an attacker adding their key)
    msg = cbor2.loads(_cose(_signed()))
    payload = cbor2.loads(msg.value[2])
    evil = TrustStore().with_public_key(testkeys.test_es256_key("attacker").public_key())
    payload["list"] = evil.to_json().encode()
    msg.value[2] = cbor2.dumps(payload)
    with pytest.raises(TrustListError, match="signature"):
        _load(_with_cose(_signed(), cbor2.dumps(msg)))


def test_any_flipped_bit_in_the_signed_structure_is_refused() -> None:
    cose = _cose(_signed(helpers.trust(helpers.ES256)))
    for i in range(0, len(cose), 7):
        flipped = bytearray(cose)
        flipped[i] ^= 0x01
        with pytest.raises(TrustListError):
            _load(_with_cose(_signed(), bytes(flipped)))


@pytest.mark.parametrize(("offset", "message"), [
    (31 * DAY, "expired"),
    (30 * DAY + dt.timedelta(minutes=5), "expired"),  # exp is exclusive, widened by the skew
    (-DAY, "not valid before"),
])
def test_the_window_is_checked_at_the_clock(offset: dt.timedelta, message: str) -> None:
    with pytest.raises(TrustListError, match=message):
        _load(_signed(), now=NOW + offset)


def test_the_window_edges_with_skew() -> None:
    text = _signed()
    assert _load(text, now=NOW + 30 * DAY + dt.timedelta(minutes=4))
    assert _load(text, now=NOW - dt.timedelta(minutes=5))
    with pytest.raises(TrustListError):
        _load(text, now=NOW + 30 * DAY, skew=dt.timedelta(0))


@pytest.mark.parametrize("text", [
    "", "{}", "[]", '{"format": "cccdqr-trust-list", "version": 1, "keys": []}',
    '{"format": "cccdqr-signed-trust-list", "version": 2, "cose": ""}',
    '{"format": "cccdqr-signed-trust-list", "version": 1, "cose": "not base64!"}',
    '{"format": "cccdqr-signed-trust-list", "version": 1, "cose": "AAAA"}',
    '{"format": "cccdqr-signed-trust-list", "version": 1}',
])
def test_malformed_documents_raise_trust_list_error(text: str) -> None:
    with pytest.raises(TrustListError):
        _load(text)


def test_an_unsigned_list_is_not_a_signed_one() -> None:
    with pytest.raises(TrustListError, match="signed-trust-list"):
        _load(helpers.TRUST.to_json())


def test_signing_needs_a_clock_and_a_positive_window() -> None:
    with pytest.raises(TypeError):
        helpers.TRUST.sign(ROOT, now=NOW.replace(tzinfo=None), valid_for=DAY)
    with pytest.raises(ValueError):
        helpers.TRUST.sign(ROOT, now=NOW, valid_for=dt.timedelta(0))
