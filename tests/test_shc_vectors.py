"""Every SMART Health Card test vector in ../shared/vectors/shc, through cccdqr.verify.

MANIFEST.tsv states the SDK's verdict per file; ``vectors/external/shc.py``
states ours, file by file, and where and why they differ (docs/interop-shc.md);
``readers/check_vectors.py`` runs the same tables. Issuer URLs are read from the
files at test time, never typed here. The clock is fixed inside every card's
validity (all ``nbf`` are before it, example-03's ``exp`` after it).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import pytest

import cccdqr
from cccdqr import Reason, Status
from cccdqr.trust import jwks
from cccdqr.core.errors import RevocationListError, TrustListError
from cccdqr.formats import shc as shc_format
from cccdqr.trust.revocation import RevocationList

import helpers

if str(helpers.ROOT) not in sys.path:
    sys.path.append(str(helpers.ROOT))  # for vectors.external
from vectors.external import shc
from vectors.external.shc import (
    BADCRL,
    KEYSETS,
    NOT_VERIFIED,
    NOW,
    SDK,
    SIGNED,
    UNSIGNED,
    VALID,
    inputs,
    jws_list,
    manifest,
    read,
    spec_issuer,
)

VECTORS = shc.FOLDER
pytestmark = pytest.mark.skipif(not (VECTORS / "MANIFEST.tsv").exists(),
                                reason="SMART Health Card vectors not present")


@pytest.fixture(scope="module")
def trust() -> cccdqr.TrustStore:
    return shc.spec_trust()


def _check(result: cccdqr.VerificationResult, expected: Reason | None, what: str) -> None:
    if expected is None:
        assert result.status is Status.VALID, (what, result.reasons, result.detail)
        assert result.certificate is not None
    else:
        assert result.reason is expected, (what, result.reasons, result.detail)
        assert not result.valid
    assert shc.matches(result, expected)


def test_every_manifest_row_has_an_expectation() -> None:
    handled = set(SIGNED) | set(UNSIGNED) | set(KEYSETS)
    for path, kind, _ in manifest():
        if path in handled or (kind == "qr" and path.endswith(".svg")):
            continue
        assert kind in NOT_VERIFIED, f"no expectation for {path} ({kind})"
    assert not {p for p in SIGNED if " " not in p and not (VECTORS / p).exists()}


def test_manifest_verdicts_agree_except_where_documented() -> None:
    # Where our verdict (valid, reads, loads) differs from the SDK's, a reason is
    # listed in shc.SDK_DIFFERENCES; every listed pattern still names a difference.
    sdk = {path: expect for path, _, expect in manifest()}
    ours = [(p, e is VALID) for table in (SIGNED, UNSIGNED) for p, e in table.items()]
    ours += [(p, n is not None) for p, n in KEYSETS.items()]
    differ = [p for p, ok in ours if shc.differs_from_sdk(p, ok, sdk[p])]
    unlisted = [p for p in differ if shc.sdk_difference(p) is None]
    assert not unlisted, f"our verdict differs from the SDK's without a reason: {unlisted}"
    used = {shc.sdk_difference(p) for p in differ}
    stale = [pattern for pattern, why in shc.SDK_DIFFERENCES if (pattern, why) not in used]
    assert not stale, f"listed in SDK_DIFFERENCES but no difference: {stale}"
    assert len(differ) == 45
    # our VALID rows outside the listed differences are valid/warn/revoked for the SDK
    for path, expected in SIGNED.items():
        if expected is VALID and shc.sdk_difference(path) is None:
            assert sdk[path] in shc.SDK_ACCEPTS, path


@pytest.mark.parametrize("path", sorted(SIGNED), ids=lambda p: p.split("/")[-1][:60])
def test_signed_vector(path: str) -> None:
    kind = {p: k for p, k, _ in manifest()}[path]
    trust = shc.trust_for(path)  # the spec issuer, or a badcrl card's own
    for given in inputs(path, kind):
        _check(cccdqr.verify(given, trust, now=NOW), SIGNED[path], path)


def test_example_02_signature_holds_in_one_and_in_chunks(trust: cccdqr.TrustStore) -> None:
    jws = read("spec-examples/example-02-d-jws.txt")
    chunks = [read(f"spec-examples/example-02-f-qr-code-numeric-value-{i}.txt") for i in range(3)]
    joined, warnings = shc_format.join(chunks[::-1])
    assert shc_format.numeric_decode(joined[len(shc_format.PREFIX):]) == jws
    assert warnings == (Reason.DEPRECATED_CHUNKING,)
    for given in (shc_format.to_qr_text(jws), chunks, [chunks[2], chunks[0], chunks[1]]):
        result = cccdqr.verify(given, trust, now=NOW)
        assert result.signature_verified and result.status is Status.CANNOT_CHECK
        assert (Reason.DEPRECATED_CHUNKING in result.warnings) == isinstance(given, list)


def test_seventeen_small_chunks_together(trust: cccdqr.TrustStore) -> None:
    texts = [read(f"{SDK}test-example-00-f-qr-code-numeric-value-{i}-qr_chunk_too_small.txt")
             for i in range(17)]
    result = cccdqr.verify(texts[::-1], trust, now=NOW)
    assert result.status is Status.VALID, result.detail
    assert Reason.DEPRECATED_CHUNKING in result.warnings


def test_two_chunk_qr_images_together(trust: cccdqr.TrustStore) -> None:
    from cccdqr.qr.scan import scan
    texts = [scan(VECTORS / f"{SDK}test-example-00-g-qr-code-{i}-qr_chunk_too_small.png")[0].text
             for i in (1, 0)]
    result = cccdqr.verify(texts, trust, now=NOW)
    assert result.status is Status.VALID and Reason.DEPRECATED_CHUNKING in result.warnings


def test_single_qr_chunk_header_warns(trust: cccdqr.TrustStore) -> None:
    text = read(f"{SDK}test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt")
    assert text.startswith("shc:/1/1/")
    result = cccdqr.verify(text, trust, now=NOW)
    assert result.valid and Reason.DEPRECATED_CHUNKING in result.warnings


def test_valid_cards_decode_to_the_bundle(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(read("spec-examples/example-00-b-jws-payload-expanded.json"))
    result = cccdqr.verify(read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
                           trust, now=NOW)
    cert = result.certificate
    assert cert is not None and result.issuer == payload["iss"]
    patient = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][0]["resource"]
    name = patient["name"][0]
    assert cert.subject.family_name == name["family"]
    assert cert.subject.name == f"{name['family']} {' '.join(name['given'])}"
    assert cert.subject.dob == patient["birthDate"]
    assert [v.dose_number for v in cert.vaccinations] == [1, 2, 3]
    assert result.issued_at == dt.datetime.fromtimestamp(payload["nbf"], dt.timezone.utc)
    assert result.certificate_id == payload["vc"]["rid"]


def test_example_01_x5c_key_verifies_after_its_certificate_expired(
        trust: cccdqr.TrustStore) -> None:
    # the leaf certificate expired 2022-06-01; the JWKS, not the chain, is the anchor
    result = cccdqr.verify(read("spec-examples/example-01-f-qr-code-numeric-value-0.txt"),
                           trust, now=NOW)
    assert result.valid


def test_issuer_kid_mismatch_with_the_other_key_set() -> None:
    other = jwks.trusted_keys_from_jwks(
        (VECTORS / SDK / "issuer.jwks.public.not.smart.json").read_bytes(),
        issuer="an issuer other than the card's")
    text = shc_format.to_qr_text(read(f"{SDK}test-example-00-d-jws-issuer-kid-mismatch.txt").strip())
    result = cccdqr.verify(text, cccdqr.TrustStore(other), now=NOW)
    assert result.signature_verified and result.reason is Reason.ISSUER_MISMATCH


def test_bad_jwks_issuer_gives_no_keys() -> None:
    card = f"{SDK}test-example-00-e-file-bad_jwks.smart-health-card"
    with pytest.raises(TrustListError):
        jwks.trusted_keys_from_jwks((VECTORS / SDK / "badjwks/.well-known/jwks.json").read_bytes(),
                                    issuer="the badjwks issuer")
    result = cccdqr.verify(shc_format.to_qr_text(jws_list(card)[0]), cccdqr.TrustStore(), now=NOW)
    assert result.reason is Reason.UNKNOWN_KID and result.status is Status.CANNOT_CHECK


def test_invalid_payload_png_is_bad_inside() -> None:
    from cccdqr.qr.scan import scan
    text = scan(VECTORS / SDK / "test-invalid-jws-payload.png")[0].text
    inspection = cccdqr.inspect(text)
    assert Reason.BAD_CLAIMS in inspection.problems  # a JSON string, not an object


@pytest.mark.parametrize("case", BADCRL)
def test_badcrl_cards(case: str) -> None:
    folder = VECTORS / SDK / "badcrl" / case
    jws = read(f"{SDK}badcrl/{case}/jws-crl-{case}.txt").strip()
    trust = shc.badcrl_trust(case)  # iss maps onto this folder (checked there)
    keyset = json.loads((folder / ".well-known/jwks.json").read_bytes())
    # the card is genuine ...
    result = cccdqr.verify(shc_format.to_qr_text(jws), trust, now=NOW)
    assert result.valid, result.detail
    # ... but its issuer's CRL is refused, so it cannot be checked for revocation
    [crl] = (folder / ".well-known/crl").iterdir()
    with pytest.raises(RevocationListError):
        jwks.parse_crl(crl.read_bytes(), crl_version=keyset["keys"][0]["crlVersion"])


def test_too_long_rid_crl_is_refused() -> None:
    [crl] = (VECTORS / SDK / "badcrl/too-long-rid/.well-known/crl").iterdir()
    with pytest.raises(RevocationListError):
        jwks.revocation_ids_from_crl(crl.read_bytes())


@pytest.mark.parametrize("path", sorted(UNSIGNED), ids=lambda p: p.split("/")[-1][:60])
def test_unsigned_json(path: str) -> None:
    kind = {p: k for p, k, _ in manifest()}[path]
    assert shc.unsigned_outcome(path, kind) is UNSIGNED[path], path


@pytest.mark.parametrize("path", sorted(KEYSETS), ids=lambda p: p.removeprefix(SDK)[:60])
def test_keysets(path: str) -> None:
    # the SDK's x5c key sets name their issuer in the leaf certificate; read it there
    issuer = shc.keyset_issuer(path)
    if path.startswith(SDK) and "x5c" in read(path):
        assert issuer != spec_issuer()
    if KEYSETS[path] is None:
        with pytest.raises(TrustListError):
            shc.load_keyset(path)
    else:
        keys = shc.load_keyset(path)
        assert len(keys) == KEYSETS[path]
        assert all(k.issuer == issuer and len(k.kid) == 32 for k in keys)


def test_spec_kids_are_rfc7638_thumbprints() -> None:
    # the spec's own tooling computed these kids: an independent cross-check
    for jwk in json.loads(read("issuer-jwks.json"))["keys"]:
        assert jwks.jwk_thumbprint(jwk) == jwk["kid"]


# --- revocation with the issuer's CRL ------------------------------------------------------

def _crl_path() -> Path:
    [path] = VECTORS.glob("issuer-crl-*.json")
    return path


def test_crl_ids_are_kid_scoped() -> None:
    crl = json.loads(_crl_path().read_text())
    ids = jwks.revocation_ids_from_crl(_crl_path().read_bytes())
    assert len(ids) == len(crl["rids"])
    assert all(kind == "rid" and value.startswith(crl["kid"].encode() + b".")
               for kind, value in ids)


def test_example_03_is_revoked_and_example_00_is_not(trust: cccdqr.TrustStore) -> None:
    ids = jwks.revocation_ids_from_crl(_crl_path().read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        with RevocationList.open(Path(tmp) / "rev.sqlite", create=True) as store:
            store.add_many(ids)
            store.mark_updated(NOW, valid_for=dt.timedelta(days=1))
            revoked = cccdqr.verify(read("spec-examples/example-03-f-qr-code-numeric-value-0.txt"),
                                    trust, now=NOW, revocation=store)
            clean = cccdqr.verify(read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
                                  trust, now=NOW, revocation=store)
    assert revoked.reason is Reason.REVOKED and revoked.signature_verified
    assert clean.valid and Reason.REVOCATION_NOT_CHECKED not in clean.warnings


def test_crl_timestamps_compare_with_nbf() -> None:
    crl = jwks.parse_crl(_crl_path().read_bytes())
    payload = json.loads(read("spec-examples/example-03-b-jws-payload-expanded.json"))
    rid, nbf = payload["vc"]["rid"], payload["nbf"]
    assert crl.rids[rid] is not None
    assert crl.revokes(rid, nbf)  # issued before the timestamp
    assert not crl.revokes(rid, crl.rids[rid])  # a card re-issued at the timestamp is not
    assert not crl.revokes("unlistedrid", nbf)


def test_example_03_expires(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(read("spec-examples/example-03-b-jws-payload-expanded.json"))
    later = dt.datetime.fromtimestamp(payload["exp"], dt.timezone.utc) + dt.timedelta(hours=1)
    result = cccdqr.verify(read("spec-examples/example-03-f-qr-code-numeric-value-0.txt"),
                           trust, now=later)
    assert result.reason is Reason.EXPIRED


def test_cards_before_their_nbf_are_not_yet_valid(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(read("spec-examples/example-00-b-jws-payload-expanded.json"))
    before = dt.datetime.fromtimestamp(payload["nbf"], dt.timezone.utc) - dt.timedelta(hours=1)
    result = cccdqr.verify(read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
                           trust, now=before)
    assert result.reason is Reason.NOT_YET_VALID
