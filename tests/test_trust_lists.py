"""Published trust lists (issue #17, item 3): the EU DCC gateway trust list and
a signed national DSC-TL, checked against a configured key before any DSC is
trusted, merged into the store, and their age shown in verify results, in
``cccdqr trust show`` and on the store object. TEST-ONLY lists from
``tests/trustlists.py``."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest

import cccdqr
from cccdqr import Reason
from cccdqr.core.errors import TrustListError
from cccdqr.formats import dcc
from cccdqr.trust import lists
from cccdqr.trust.lists import TrustListRefused
from cccdqr.wire import cose

import helpers
import trustlists as tl
from trustlists import LIST_TIME, NOW, Country

VN, AT = Country("VN"), Country("AT")
GATEWAY = tl.gateway_list(VN, AT)
TA_PEM = tl.pem_public(tl.TA_KEY)
SIGNER_PEM = tl.pem_public(tl.LIST_SIGNER_KEY)


def code(country: Country, *, iss: str | None = None) -> str:
    dgc = {"ver": "1.3.0", "nam": {"fn": "Nguyen", "fnt": "NGUYEN", "gn": "An", "gnt": "AN"},
           "dob": "1990-01-02",
           "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528",
                  "ma": "ORG-100030215", "dn": 1, "sd": 2, "dt": "2026-05-01",
                  "co": country.code, "is": "TEST ONLY", "ci": "URN:UVCI:01:XX:LIST1"}]}
    claims = {1: iss or country.code, 6: int(NOW.timestamp()) - 60,
              4: int(NOW.timestamp()) + 86400, -260: {1: dgc}}
    signed = cose.encode_sign1(cbor2.dumps(claims), alg=cose.Algorithm.ES256, key=country.dsc_key,
                               kid=cose.certificate_kid(country.dsc))
    return dcc.wrap(signed)


def gateway(data: bytes = GATEWAY, anchor: bytes = TA_PEM) -> lists.ImportedList:
    return lists.import_list(data, "gateway", anchor, now=NOW)


def edited(change: Any) -> bytes:
    items = tl.gateway_items(VN, AT)
    change(items)
    return json.dumps(items).encode()


# --- the gateway trust list --------------------------------------------------------------------

def test_gateway_list_imports_the_dscs_with_its_age() -> None:
    imported = gateway()
    assert sorted(k.issuer for k in imported.keys) == ["AT", "VN"]
    assert imported.source.format == "gateway" and imported.source.issued_at == LIST_TIME
    store = lists.merge(cccdqr.TrustStore(), imported)
    result = cccdqr.verify(code(VN), store, now=NOW)
    assert result.valid, (result.reasons, result.detail)
    assert result.trust_list is not None
    assert result.trust_list["format"] == "gateway"
    assert result.trust_list["age_seconds"] == int((NOW - LIST_TIME).total_seconds())
    assert result.to_dict()["trust_list"]["issued_at"] == "2026-05-30T08:00:00Z"
    assert "trust_list" not in cccdqr.verify(code(VN), cccdqr.TrustStore(
        [dataclasses.replace(k, source=None) for k in store]), now=NOW).to_dict()


def test_gateway_list_under_another_anchor_is_refused() -> None:
    with pytest.raises(TrustListRefused, match="not by the trust anchor given"):
        gateway(anchor=tl.pem_public(tl.key("another anchor")))


def test_gateway_dsc_swapped_for_another_certificate_is_refused() -> None:
    other = tl.certificate(tl.key("intruder"), "VN DSC", "VN",
                           issuer=(VN.csca_key, VN.csca.subject))
    def swap(items: list[dict[str, Any]]) -> None:
        dsc = next(i for i in items if i["certificateType"] == "DSC" and i["country"] == "VN")
        dsc.update({k: v for k, v in tl.item(other, "DSC", "VN", "").items() if k != "signature"})
    with pytest.raises(TrustListRefused, match="digest does not match"):
        gateway(edited(swap))


def test_gateway_dsc_uploaded_by_another_country_is_refused() -> None:
    def resign(items: list[dict[str, Any]]) -> None:
        dsc = next(i for i in items if i["certificateType"] == "DSC" and i["country"] == "VN")
        dsc["signature"] = tl.cms(tl.der(VN.dsc), AT.upload, AT.upload_key)
    with pytest.raises(TrustListRefused, match="not by an upload certificate of VN"):
        gateway(edited(resign))


def test_gateway_dsc_not_issued_by_its_countrys_csca_is_refused() -> None:
    rogue = tl.certificate(tl.key("rogue dsc"), "VN DSC", "VN")  # self-signed
    def replace(items: list[dict[str, Any]]) -> None:
        at = next(n for n, i in enumerate(items) if i["certificateType"] == "DSC"
                  and i["country"] == "VN")
        items[at] = tl.item(rogue, "DSC", "VN", tl.cms(tl.der(rogue), VN.upload, VN.upload_key))
    with pytest.raises(TrustListRefused, match="not issued by a CSCA of VN"):
        gateway(edited(replace))


def test_gateway_csca_not_signed_by_the_anchor_is_refused() -> None:
    def self_sign(items: list[dict[str, Any]]) -> None:
        items[0]["signature"] = tl.cms(tl.der(VN.csca), VN.csca, VN.csca_key)
    with pytest.raises(TrustListRefused, match="not by the trust anchor"):
        gateway(edited(self_sign))


def test_gateway_thumbprint_and_kid_are_checked() -> None:
    def thumb(items: list[dict[str, Any]]) -> None:
        items[2]["thumbprint"] = "00" * 32
    with pytest.raises(TrustListRefused, match="thumbprint"):
        gateway(edited(thumb))
    def kid(items: list[dict[str, Any]]) -> None:
        items[2]["kid"] = "AAAAAAAAAAA="
    with pytest.raises(TrustListRefused, match="kid"):
        gateway(edited(kid))


def test_flipped_bytes_in_a_gateway_signature_are_refused() -> None:
    original = tl.gateway_items(VN)
    blob = bytearray(__import__("base64").b64decode(original[2]["signature"]))
    for at in range(len(blob) - 70, len(blob), 7):  # inside the SignerInfo's signature
        copy_ = copy.deepcopy(original)
        tampered = bytearray(blob)
        tampered[at] ^= 0x01
        copy_[2]["signature"] = tl.b64(bytes(tampered))
        with pytest.raises(TrustListError):
            gateway(json.dumps(copy_).encode())


@pytest.mark.parametrize("data", [b"not json", b"{}", b'[{"country": "VN"}]', b"[1]",
                                  b'[{"country": "vn", "certificateType": "DSC", "thumbprint": "",'
                                  b' "signature": "", "rawData": ""}]'])
def test_malformed_gateway_list_is_a_trust_list_error(data: bytes) -> None:
    with pytest.raises(TrustListError) as exc:
        gateway(data)
    assert not isinstance(exc.value, TrustListRefused)


# --- the signed national DSC-TL ---------------------------------------------------------------

def dsc_tl(data: bytes, key: bytes = SIGNER_PEM, now: dt.datetime = NOW) -> lists.ImportedList:
    return lists.import_list(data, "dsc-tl", key, now=now)


def test_dsc_tl_imports_the_dscs_with_iat_and_exp() -> None:
    imported = dsc_tl(tl.jws(tl.dsc_tl_payload(VN, AT)))
    assert sorted(k.issuer for k in imported.keys) == ["AT", "VN"]
    src = imported.source
    assert (src.issuer, src.issued_at, src.expires_at) == (
        "TEST ONLY national trust point", LIST_TIME, LIST_TIME + dt.timedelta(days=7))
    result = cccdqr.verify(code(AT), lists.merge(cccdqr.TrustStore(), imported), now=NOW)
    assert result.valid and result.trust_list is not None
    assert result.trust_list["expired"] is False and result.trust_list["format"] == "dsc-tl"


def test_dsc_tl_with_a_changed_payload_is_refused() -> None:
    head, payload, sig = tl.jws(tl.dsc_tl_payload(VN)).split(b".")
    other = tl.b64url(json.dumps(tl.dsc_tl_payload(VN, AT)).encode()).encode()
    with pytest.raises(TrustListRefused, match="does not verify"):
        dsc_tl(b".".join((head, other, sig)))


def test_dsc_tl_signed_by_another_key_is_refused() -> None:
    intruder = tl.key("intruder list signer")
    with pytest.raises(TrustListRefused, match="not by the list key given"):
        dsc_tl(tl.jws(tl.dsc_tl_payload(VN), signer_key=intruder,
                      signer=tl.certificate(intruder, "intruder", "SE")))
    with pytest.raises(TrustListRefused, match="does not verify"):
        dsc_tl(tl.jws(tl.dsc_tl_payload(VN), signer_key=intruder, signer=None))


@pytest.mark.parametrize(("now", "match"), [
    (LIST_TIME - dt.timedelta(hours=1), "not valid before"),
    (LIST_TIME + dt.timedelta(days=8), "expired")])
def test_dsc_tl_outside_its_window_is_refused(now: dt.datetime, match: str) -> None:
    with pytest.raises(TrustListRefused, match=match):
        dsc_tl(tl.jws(tl.dsc_tl_payload(VN)), now=now)


def test_dsc_tl_key_must_be_its_certificates() -> None:
    payload = tl.dsc_tl_payload(VN)
    payload["dsc_trust_list"]["VN"]["keys"][0]["x"] = tl.jwk(AT.dsc)["x"]
    with pytest.raises(TrustListRefused, match="JWK is not the DSC's key"):
        dsc_tl(tl.jws(payload))
    payload = tl.dsc_tl_payload(VN)
    payload["dsc_trust_list"]["VN"]["keys"][0]["kid"] = tl.jwk(AT.dsc)["kid"]
    with pytest.raises(TrustListRefused, match="kid"):
        dsc_tl(tl.jws(payload))


def test_dsc_tl_country_must_match_the_dsc() -> None:
    payload = tl.dsc_tl_payload(VN)
    payload["dsc_trust_list"] = {"AT": payload["dsc_trust_list"]["VN"]}
    with pytest.raises(TrustListRefused, match="says country VN"):
        dsc_tl(tl.jws(payload))


@pytest.mark.parametrize("data", [b"a.b", b"\xff.\xff.\xff", b"e30.e30.", b"!!.e30.AA"])
def test_malformed_dsc_tl_is_a_trust_list_error(data: bytes) -> None:
    with pytest.raises(TrustListError):
        dsc_tl(data)


# --- merging and the store --------------------------------------------------------------------

def test_a_newer_list_replaces_the_older_and_an_older_one_is_refused() -> None:
    first = dsc_tl(tl.jws(tl.dsc_tl_payload(VN, AT)))
    store = lists.merge(cccdqr.TrustStore().with_public_key(tl.pem_public(tl.key("own"))), first)
    assert len(store) == 3
    later = LIST_TIME + dt.timedelta(hours=6)
    second = dsc_tl(tl.jws(tl.dsc_tl_payload(VN, iat=later)))  # AT's DSC left the list
    store = lists.merge(store, second)
    assert len(store) == 2 and [s.issued_at for s in store.sources] == [later]
    assert cccdqr.verify(code(AT), store, now=NOW).reasons[0] is Reason.UNKNOWN_KID
    with pytest.raises(TrustListRefused, match="before the one held"):
        lists.merge(store, first)


def test_store_json_keeps_each_keys_list() -> None:
    store = lists.merge(lists.merge(cccdqr.TrustStore(), gateway()),
                        dsc_tl(tl.jws(tl.dsc_tl_payload(VN))))
    again = cccdqr.TrustStore.parse_json(store.to_json())
    assert again.sources == store.sources and len(again.sources) == 2
    assert [k.source for k in again] == [k.source for k in store]
    assert cccdqr.verify(code(VN), again, now=NOW).trust_list == \
        cccdqr.verify(code(VN), store, now=NOW).trust_list


# --- the CLI -----------------------------------------------------------------------------------

run = helpers.run_cli


def test_cli_import_show_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gw.json").write_bytes(GATEWAY)
    (tmp_path / "ta.pem").write_bytes(TA_PEM)
    (tmp_path / "tl.jws").write_bytes(tl.jws(tl.dsc_tl_payload(VN)))
    (tmp_path / "signer.pem").write_bytes(SIGNER_PEM)
    store, at = str(tmp_path / "trust.json"), NOW.isoformat()
    code_, out, _ = run(capsys, "trust", "import", str(tmp_path / "gw.json"), "--format", "gateway",
                        "--list-key", str(tmp_path / "ta.pem"), "--trust", store, "--at", at)
    assert code_ == 0 and "imported 2 signer certificates" in out and "2 d 4 h old" in out
    code_, out, _ = run(capsys, "trust", "import", str(tmp_path / "tl.jws"), "--format", "dsc-tl",
                        "--list-key", str(tmp_path / "signer.pem"), "--trust", store, "--at", at)
    assert code_ == 0 and "3 keys in" in out
    code_, out, _ = run(capsys, "trust", "show", "--trust", store, "--json", "--at", at)
    shown = json.loads(out)
    assert code_ == 0 and shown["keys"] == 3
    assert [(s["format"], s["keys"], s["age_seconds"]) for s in shown["lists"]] == [
        ("gateway", 2, 187200), ("dsc-tl", 1, 187200)]
    code_, out, _ = run(capsys, "trust", "show", "--trust", store, "--at", at)
    assert "gateway     2 keys" in out and "age 2 d 4 h" in out
    code_, out, _ = run(capsys, "verify", code(AT), "--trust", store, "--json", "--at", at)
    assert code_ == 0 and json.loads(out)["trust_list"]["format"] == "gateway"


def test_cli_refuses_a_bad_list_with_exit_3_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gw.json").write_bytes(GATEWAY)
    (tmp_path / "other.pem").write_bytes(tl.pem_public(tl.key("another anchor")))
    store = tmp_path / "trust.json"
    code_, _, err = run(capsys, "trust", "import", str(tmp_path / "gw.json"), "--format", "gateway",
                        "--list-key", str(tmp_path / "other.pem"), "--trust", str(store),
                        "--at", NOW.isoformat())
    assert code_ == 3 and "refused, nothing imported" in err and "trust anchor" in err
    assert not store.exists()
    (tmp_path / "bad.json").write_bytes(b"[1, 2]")
    code_, _, err = run(capsys, "trust", "import", str(tmp_path / "bad.json"), "--format", "gateway",
                        "--list-key", str(tmp_path / "other.pem"), "--trust", str(store))
    assert code_ == 2 and "not a readable gateway list" in err and not store.exists()


def test_healthz_tells_each_imported_lists_age(tmp_path: Path) -> None:
    from cccdqr.serve.state import Checks, Sources

    store = lists.merge(cccdqr.TrustStore(), gateway())
    store.save(tmp_path / "trust.json")
    checks = Checks(Sources(trust=str(tmp_path / "trust.json")), clock=lambda: NOW)
    listed = checks.health()["trust"]["lists"]  # type: ignore[index]
    assert [(s["format"], s["age_seconds"]) for s in listed] == [("gateway", 187200)]
