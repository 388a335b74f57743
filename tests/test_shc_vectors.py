"""Every SMART Health Card test vector in ../shared/vectors/shc, through cccdqr.verify.

MANIFEST.tsv states the SDK's verdict per file; the tables below state ours,
file by file, and say where and why they differ (docs/interop-shc.md). Issuer
URLs are read from the files at test time, never typed here. The clock is
fixed inside every card's validity (all ``nbf`` are before it, example-03's
``exp`` after it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cccdqr
from cccdqr import Reason, Status, jwks
from cccdqr._reject import Reject
from cccdqr.errors import RevocationListError, TrustListError
from cccdqr.formats import shc
from cccdqr.revocation import RevocationList

VECTORS = Path(os.environ.get("CCCDQR_SHC_VECTORS",
                              Path(__file__).resolve().parents[2] / "shared/vectors/shc"))
pytestmark = pytest.mark.skipif(not (VECTORS / "MANIFEST.tsv").exists(),
                                reason="SMART Health Card vectors not present")
NOW = dt.datetime(2023, 7, 1, tzinfo=dt.timezone.utc)
SDK = "sdk-testdata/"

VALID = None
"""Expected outcome: the card verifies (``Status.VALID``)."""

# Signed inputs (QR text, JWS, health-card files, QR images): the primary reason
# with the spec issuer's JWKS trusted, or VALID. "ours" notes where we differ.
SIGNED: dict[str, Reason | None] = {
    "spec-examples/example-00-d-jws.txt": VALID,
    "spec-examples/example-00-e-file.smart-health-card": VALID,
    "spec-examples/example-00-f-qr-code-numeric-value-0.txt": VALID,
    "spec-examples/example-01-d-jws.txt": VALID,
    "spec-examples/example-01-e-file.smart-health-card": VALID,
    "spec-examples/example-01-f-qr-code-numeric-value-0.txt": VALID,
    # example-02 is a general lab panel with no Patient: the signature holds
    # (checked below), the content is nothing a checkpoint can read.
    "spec-examples/example-02-d-jws.txt": Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-e-file.smart-health-card": Reason.UNSUPPORTED_CONTENT,
    # one chunk of three alone is incomplete
    "spec-examples/example-02-f-qr-code-numeric-value-0.txt": Reason.INCOMPLETE_CHUNKS,
    "spec-examples/example-02-f-qr-code-numeric-value-1.txt": Reason.INCOMPLETE_CHUNKS,
    "spec-examples/example-02-f-qr-code-numeric-value-2.txt": Reason.INCOMPLETE_CHUNKS,
    # example-03 is genuine; only a revocation list makes it REVOKED (below)
    "spec-examples/example-03-d-jws.txt": VALID,
    "spec-examples/example-03-e-file.smart-health-card": VALID,
    "spec-examples/example-03-f-qr-code-numeric-value-0.txt": VALID,
    # multi-file chunk cases
    "spec-examples/example-02-f-qr-code-numeric-value-0.txt spec-examples/example-02-f-qr-code-"
    "numeric-value-1.txt spec-examples/example-02-f-qr-code-numeric-value-2.txt":
        Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-f-qr-code-numeric-value-1.txt spec-examples/example-02-f-qr-code-"
    "numeric-value-0.txt spec-examples/example-02-f-qr-code-numeric-value-2.txt":
        Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-f-qr-code-numeric-value-0.txt spec-examples/example-02-f-qr-code-"
    "numeric-value-2.txt": Reason.INCOMPLETE_CHUNKS,  # chunk 2 missing
    "spec-examples/example-02-f-qr-code-numeric-value-0.txt spec-examples/example-02-f-qr-code-"
    "numeric-value-2.txt spec-examples/example-02-f-qr-code-numeric-value-0.txt":
        Reason.BAD_JWS,  # chunk 1 twice
    # SDK cards signed by the spec key
    SDK + "test-example-00-d-jws-bad-fhir-metadata.txt": Reason.UNSUPPORTED_CONTENT,  # unknown CVX system
    SDK + "test-example-00-d-jws-der-signature-s-neg.txt": Reason.BAD_JWS,
    SDK + "test-example-00-d-jws-der-signature.txt": Reason.BAD_JWS,
    SDK + "test-example-00-d-jws-invalid-signature.txt": Reason.BAD_SIGNATURE,
    SDK + "test-example-00-d-jws-issuer-kid-mismatch.txt": Reason.UNKNOWN_KID,
    SDK + "test-example-00-d-jws-issuer-not-valid-with-smart-key.txt": Reason.ISSUER_MISMATCH,
    SDK + "test-example-00-d-jws-jws_too_long.txt": Reason.BAD_CLAIMS,  # no nbf
    SDK + "test-example-00-d-jws-no_deflate.txt": Reason.BAD_JWS,
    SDK + "test-example-00-d-jws-no_jws_header_alg.txt": Reason.ALG_NOT_ALLOWED,
    SDK + "test-example-00-d-jws-trailing_chars.txt": VALID,  # ours: surrounding whitespace stripped
    SDK + "test-example-00-d-jws-wrong_jws_header_kid.txt": Reason.UNKNOWN_KID,
    SDK + "test-example-00-e-file-bad_jwks.smart-health-card": Reason.ISSUER_MISMATCH,
    SDK + "test-example-00-e-file-invalid_deflate.smart-health-card": Reason.BAD_COMPRESSION,
    SDK + "test-example-00-e-file-invalid_issuer_url.smart-health-card": Reason.ISSUER_MISMATCH,
    SDK + "test-example-00-e-file-issuer_url_with_trailing_slash.smart-health-card":
        Reason.ISSUER_MISMATCH,  # iss compared exactly, never normalised
    SDK + "test-example-00-e-file-multi-jws.smart-health-card": VALID,
    SDK + "test-example-00-e-file-trailing_chars.smart-health-card": VALID,  # ours: whitespace
    SDK + "test-example-00-e-file.wrong-extension": VALID,
    SDK + "test-example-00-f-qr-code-numeric-value-0-odd-count.txt": Reason.BAD_JWS,
    SDK + "test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt": VALID,  # ours: whitespace
    SDK + "test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt": VALID,  # + warning
    SDK + "test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt": Reason.BAD_JWS,
    SDK + "test-example-00-fhirhealthcard-multi-jws.json": VALID,
    SDK + "test-example-00-fhirhealthcard-with-resource-link.json": VALID,
    SDK + "test-example-00-fhirhealthcard.json": VALID,
    SDK + "test-example-1195-byte-qrnumeric.txt": VALID,
    # QR images: the verifier judges the text, not the symbol's version or segments
    SDK + "test-example-00-g-qr-code-0-bad_qr_version.png": VALID,
    SDK + "test-example-00-g-qr-code-0-single_qr_segment.png": VALID,
    SDK + "test-example-00-g-qr-code-0-scaled-23.jpg": VALID,
    SDK + "test-example-00-g-qr-code-0-scaled-85.jpg": VALID,
    SDK + "test-example-00-g-qr-code-inflated-to-v22.png": VALID,
    SDK + "test-example-00-g-qr-code-0-qr_chunk_too_small.png": Reason.INCOMPLETE_CHUNKS,  # 1 of 2 alone
    SDK + "test-example-00-g-qr-code-1-qr_chunk_too_small.png": Reason.INCOMPLETE_CHUNKS,  # 2 of 2 alone
    SDK + "test-invalid-jws-payload.png": Reason.UNKNOWN_KID,  # and BAD_CLAIMS inside (below)
}
SIGNED.update({f"{SDK}test-example-00-f-qr-code-numeric-value-{i}-qr_chunk_too_small.txt":
               Reason.INCOMPLETE_CHUNKS for i in range(17)})  # each alone; all 17 together below
# Cards whose issuer JWKS and CRL sit in sdk-testdata/badcrl/<case>/.well-known/.
BADCRL = ("duplicate-rid", "invalid-method", "non-base64url-rid", "version-mismatch")
SIGNED.update({f"{SDK}badcrl/{c}/jws-crl-{c}.txt": VALID for c in BADCRL})  # bad CRL: below

# Unsigned JSON (payloads and FHIR bundles) read by open_payload / bundle_to_certificate.
UNSIGNED: dict[str, Reason | None] = {
    "spec-examples/example-00-a-fhirBundle.json": VALID,
    "spec-examples/example-00-b-jws-payload-expanded.json": VALID,
    "spec-examples/example-00-c-jws-payload-minified.json": VALID,
    "spec-examples/example-01-a-fhirBundle.json": VALID,
    "spec-examples/example-01-b-jws-payload-expanded.json": VALID,
    "spec-examples/example-01-c-jws-payload-minified.json": VALID,
    "spec-examples/example-02-a-fhirBundle.json": Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-b-jws-payload-expanded.json": Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-c-jws-payload-minified.json": Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-03-a-fhirBundle.json": VALID,
    "spec-examples/example-03-b-jws-payload-expanded.json": VALID,
    "spec-examples/example-03-c-jws-payload-minified.json": VALID,
    # not a FHIR validator: meta and reference shapes are not checked; an
    # unknown vaccine code system is not guessed (nothing readable is left)
    SDK + "test-example-00-a-fhirBundle-bad_meta_extra_key.json": Reason.UNSUPPORTED_CONTENT,
    SDK + "test-example-00-a-fhirBundle-bad_meta_non_security.json": Reason.UNSUPPORTED_CONTENT,
    SDK + "test-example-00-a-fhirBundle-bad_meta_wrong_security.json": Reason.UNSUPPORTED_CONTENT,
    SDK + "test-example-00-a-fhirBundle-occurrence-issues.json": Reason.BAD_RECORD,
    SDK + "test-example-00-a-fhirBundle-profile-usa.json": Reason.BAD_RECORD,
    SDK + "test-example-00-a-fhirBundle-trailing_chars.json": VALID,
    SDK + "test-example-00-a-non-dm-properties.json": VALID,
    SDK + "test-example-00-a-short-refs.json": VALID,  # ours: references are not followed
    SDK + "test-example-00-b-jws-payload-expanded-exp_milliseconds.json": Reason.BAD_CLAIMS,
    SDK + "test-example-00-b-jws-payload-expanded-expired.json": VALID,  # EXPIRED at verify time
    SDK + "test-example-00-b-jws-payload-expanded-missing-coding.json": Reason.UNSUPPORTED_CONTENT,
    SDK + "test-example-00-b-jws-payload-expanded-missing-covid-vc-type.json": VALID,
    SDK + "test-example-00-b-jws-payload-expanded-missing-imm-vc-type.json": VALID,
    SDK + "test-example-00-b-jws-payload-expanded-nbf_not_yet_valid.json": VALID,  # NOT_YET_VALID later
    SDK + "test-example-00-b-jws-payload-expanded-optional-vc-type.json": VALID,
    SDK + "test-example-00-b-jws-payload-expanded-trailing_chars.json": VALID,
    SDK + "test-example-00-b-jws-payload-expanded-unknown-vc-types.json": VALID,
    SDK + "test-example-covid-lab-jwspayload-missing-lab-vc-type.json": VALID,
}

# Key sets read by trusted_keys_from_jwks: the number of keys, or the refusal.
KEYSETS: dict[str, int | None] = {
    "issuer-jwks.json": 2,
    SDK + "badcrl/.well-known/jwks.json": None,  # a bare JWK, not a key set
    SDK + "badcrl/public.json": None,  # a bare JWK, not a key set
    SDK + "issuer.jwks.public.not.smart.json": 1,
    SDK + "valid_2_chain.public.json": 1,
    SDK + "valid_key.json": 1,
    SDK + "valid_key_with_x5c.json": 1,
    SDK + "valid_keys.json": 3,
    SDK + "badjwks/.well-known/jwks.json": None,
    SDK + "cert_mismatch.public.json": None,
    SDK + "invalid_DNS_SAN.public.json": None,
    SDK + "invalid_chain.public.json": None,
    SDK + "invalid_no_SAN.public.json": None,
    SDK + "private_key.json": None,
    SDK + "wrong_alg_key.json": None,
    SDK + "wrong_curve_key.json": None,
    SDK + "wrong_kid_key.json": None,
    SDK + "wrong_kty_key.json": None,
    SDK + "wrong_use_key.json": None,
}
KEYSETS.update({f"{SDK}badcrl/{c}/.well-known/jwks.json": 1
                for c in (*BADCRL, "too-long-rid")})

# Files we do not verify, and why.
NOT_VERIFIED = {
    "svg": "QR images as SVG: no rasteriser installed; each has a text twin (-f-) verified above",
    "shl": "SMART Health Links need the SDK's test server (out of scope)",
    "privatekey": "a private signing key, never loaded as trust",
    "issuer-directory": "a VCI directory listing; cccdqr takes JWKS per issuer",
    "crl": "issuer CRLs: tested with the revocation tests below",
}


def _manifest() -> list[tuple[str, str, str]]:
    rows = []
    for line in (VECTORS / "MANIFEST.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, kind, expect, _ = line.split("\t")
        rows.append((path, kind, expect))
    return rows


def _read(path: str) -> str:
    return (VECTORS / path).read_text(encoding="utf-8")


def _spec_issuer() -> str:
    issuer: str = json.loads(_read("spec-examples/example-00-b-jws-payload-expanded.json"))["iss"]
    return issuer


@pytest.fixture(scope="module")
def trust() -> cccdqr.TrustStore:
    keys = jwks.trusted_keys_from_jwks((VECTORS / "issuer-jwks.json").read_bytes(),
                                       issuer=_spec_issuer())
    return cccdqr.TrustStore().with_keys(keys)


def _jws_list(path: str) -> list[str]:
    """The compact JWSs a file holds (file, FHIR Parameters or a bare JWS)."""
    text = _read(path)
    if path.endswith((".smart-health-card", ".wrong-extension")):
        return list(json.loads(text)["verifiableCredential"])
    if path.endswith(".json"):
        return [p["valueString"] for p in json.loads(text)["parameter"]
                if p["name"] == "verifiableCredential"]
    return [text.strip()]  # a .txt JWS: whitespace around it is stripped, as verify does


def _inputs(path: str, kind: str) -> Iterator[Any]:
    """What a scanner would hand ``verify`` for a manifest row."""
    if kind == "qrnumeric":
        texts = [_read(p) for p in path.split(" ")]
        yield texts if len(texts) > 1 else texts[0]
    elif kind == "qr":
        from cccdqr.qr.scan import scan
        codes = scan(VECTORS / path)
        assert len(codes) == 1, path
        yield codes[0].text
    else:
        for jws in _jws_list(path):
            yield shc.to_qr_text(jws)


def _check(result: cccdqr.VerificationResult, expected: Reason | None, what: str) -> None:
    if expected is None:
        assert result.status is Status.VALID, (what, result.reasons, result.detail)
        assert result.certificate is not None
    else:
        assert result.reason is expected, (what, result.reasons, result.detail)
        assert not result.valid


def test_every_manifest_row_has_an_expectation() -> None:
    handled = set(SIGNED) | set(UNSIGNED) | set(KEYSETS)
    for path, kind, _ in _manifest():
        if path in handled or (kind == "qr" and path.endswith(".svg")):
            continue
        assert kind in NOT_VERIFIED, f"no expectation for {path} ({kind})"
    assert not {p for p in SIGNED if " " not in p and not (VECTORS / p).exists()}


def test_manifest_verdicts_agree_except_where_documented() -> None:
    # Our VALID rows must be valid/warn/revoked in the manifest, except the
    # documented leniencies (surrounding whitespace; QR symbol properties).
    lenient = ("trailing_chars", "bad_qr_version", "single_qr_segment", "badcrl/")
    manifest = {path: expect for path, _, expect in _manifest()}
    for path, expected in SIGNED.items():
        if expected is VALID and not any(m in path for m in lenient):
            assert manifest[path] in ("valid", "warn", "valid-sig-but-revoked"), path


@pytest.mark.parametrize("path", sorted(SIGNED), ids=lambda p: p.split("/")[-1][:60])
def test_signed_vector(path: str, trust: cccdqr.TrustStore) -> None:
    if "/badcrl/" in path:
        pytest.skip("needs its own issuer: test_badcrl_cards")
    kind = {p: k for p, k, _ in _manifest()}[path]
    for given in _inputs(path, kind):
        _check(cccdqr.verify(given, trust, now=NOW), SIGNED[path], path)


def test_example_02_signature_holds_in_one_and_in_chunks(trust: cccdqr.TrustStore) -> None:
    jws = _read("spec-examples/example-02-d-jws.txt")
    chunks = [_read(f"spec-examples/example-02-f-qr-code-numeric-value-{i}.txt") for i in range(3)]
    joined, warnings = shc.join(chunks[::-1])
    assert shc.numeric_decode(joined[len(shc.PREFIX):]) == jws
    assert warnings == (Reason.DEPRECATED_CHUNKING,)
    for given in (shc.to_qr_text(jws), chunks, [chunks[2], chunks[0], chunks[1]]):
        result = cccdqr.verify(given, trust, now=NOW)
        assert result.signature_verified and result.status is Status.CANNOT_CHECK
        assert (Reason.DEPRECATED_CHUNKING in result.warnings) == isinstance(given, list)


def test_seventeen_small_chunks_together(trust: cccdqr.TrustStore) -> None:
    texts = [_read(f"{SDK}test-example-00-f-qr-code-numeric-value-{i}-qr_chunk_too_small.txt")
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
    text = _read(f"{SDK}test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt")
    assert text.startswith("shc:/1/1/")
    result = cccdqr.verify(text, trust, now=NOW)
    assert result.valid and Reason.DEPRECATED_CHUNKING in result.warnings


def test_valid_cards_decode_to_the_bundle(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(_read("spec-examples/example-00-b-jws-payload-expanded.json"))
    result = cccdqr.verify(_read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
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
    result = cccdqr.verify(_read("spec-examples/example-01-f-qr-code-numeric-value-0.txt"),
                           trust, now=NOW)
    assert result.valid


def test_issuer_kid_mismatch_with_the_other_key_set() -> None:
    other = jwks.trusted_keys_from_jwks(
        (VECTORS / SDK / "issuer.jwks.public.not.smart.json").read_bytes(),
        issuer="an issuer other than the card's")
    text = shc.to_qr_text(_read(f"{SDK}test-example-00-d-jws-issuer-kid-mismatch.txt").strip())
    result = cccdqr.verify(text, cccdqr.TrustStore(other), now=NOW)
    assert result.signature_verified and result.reason is Reason.ISSUER_MISMATCH


def test_bad_jwks_issuer_gives_no_keys() -> None:
    card = f"{SDK}test-example-00-e-file-bad_jwks.smart-health-card"
    with pytest.raises(TrustListError):
        jwks.trusted_keys_from_jwks((VECTORS / SDK / "badjwks/.well-known/jwks.json").read_bytes(),
                                    issuer="the badjwks issuer")
    result = cccdqr.verify(shc.to_qr_text(_jws_list(card)[0]), cccdqr.TrustStore(), now=NOW)
    assert result.reason is Reason.UNKNOWN_KID and result.status is Status.CANNOT_CHECK


def test_invalid_payload_png_is_bad_inside() -> None:
    from cccdqr.qr.scan import scan
    text = scan(VECTORS / SDK / "test-invalid-jws-payload.png")[0].text
    inspection = cccdqr.inspect(text)
    assert Reason.BAD_CLAIMS in inspection.problems  # a JSON string, not an object


@pytest.mark.parametrize("case", BADCRL)
def test_badcrl_cards(case: str) -> None:
    folder = VECTORS / SDK / "badcrl" / case
    jws = _read(f"{SDK}badcrl/{case}/jws-crl-{case}.txt").strip()
    issuer = shc.decode_unverified(shc.to_qr_text(jws), cccdqr.Limits()).open(
        cccdqr.Limits()).issuer
    assert issuer is not None
    assert issuer.endswith(f"badcrl/{case}")  # iss maps onto this folder
    keyset = json.loads((folder / ".well-known/jwks.json").read_bytes())
    trust = cccdqr.TrustStore(jwks.trusted_keys_from_jwks(keyset, issuer=issuer))
    # the card is genuine ...
    result = cccdqr.verify(shc.to_qr_text(jws), trust, now=NOW)
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
    data = (VECTORS / path).read_bytes()
    limits = cccdqr.Limits(max_json_bytes=1 << 20)  # the expanded forms are pretty-printed
    expected = UNSIGNED[path]
    kind = {p: k for p, k, _ in _manifest()}[path]
    try:
        if kind == "fhirbundle":
            shc.bundle_to_certificate(json.loads(data))
        else:
            contents = shc.open_payload(data, limits, kid="k")
            assert contents.issued_at is not None
    except Reject as r:
        assert r.reason is expected, (path, r.detail)
    else:
        assert expected is VALID, path


@pytest.mark.parametrize("path", sorted(KEYSETS), ids=lambda p: p.removeprefix(SDK)[:60])
def test_keysets(path: str) -> None:
    data = (VECTORS / path).read_bytes()
    # the SDK's x5c key sets name their issuer in the leaf certificate; read it there
    issuer = _spec_issuer()
    if path.startswith(SDK) and b'"x5c"' in data:
        named = "valid_2_chain.public.json" if "SAN" in path else path.removeprefix(SDK)
        issuer = _leaf_san(json.loads((VECTORS / SDK / named).read_bytes()))
    if KEYSETS[path] is None:
        with pytest.raises(TrustListError):
            jwks.trusted_keys_from_jwks(data, issuer=issuer)
    else:
        keys = jwks.trusted_keys_from_jwks(data, issuer=issuer)
        assert len(keys) == KEYSETS[path]
        assert all(k.issuer == issuer and len(k.kid) == 32 for k in keys)


def _leaf_san(doc: dict[str, Any]) -> str:
    import base64

    from cryptography import x509
    [chain] = [k["x5c"] for k in doc["keys"] if "x5c" in k]
    leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    uri: str = names.get_values_for_type(x509.UniformResourceIdentifier)[0]
    return uri


def test_spec_kids_are_rfc7638_thumbprints() -> None:
    # the spec's own tooling computed these kids: an independent cross-check
    for jwk in json.loads(_read("issuer-jwks.json"))["keys"]:
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
            revoked = cccdqr.verify(_read("spec-examples/example-03-f-qr-code-numeric-value-0.txt"),
                                    trust, now=NOW, revocation=store)
            clean = cccdqr.verify(_read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
                                  trust, now=NOW, revocation=store)
    assert revoked.reason is Reason.REVOKED and revoked.signature_verified
    assert clean.valid and Reason.REVOCATION_NOT_CHECKED not in clean.warnings


def test_crl_timestamps_compare_with_nbf() -> None:
    crl = jwks.parse_crl(_crl_path().read_bytes())
    payload = json.loads(_read("spec-examples/example-03-b-jws-payload-expanded.json"))
    rid, nbf = payload["vc"]["rid"], payload["nbf"]
    assert crl.rids[rid] is not None
    assert crl.revokes(rid, nbf)  # issued before the timestamp
    assert not crl.revokes(rid, crl.rids[rid])  # a card re-issued at the timestamp is not
    assert not crl.revokes("unlistedrid", nbf)


def test_example_03_expires(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(_read("spec-examples/example-03-b-jws-payload-expanded.json"))
    later = dt.datetime.fromtimestamp(payload["exp"], dt.timezone.utc) + dt.timedelta(hours=1)
    result = cccdqr.verify(_read("spec-examples/example-03-f-qr-code-numeric-value-0.txt"),
                           trust, now=later)
    assert result.reason is Reason.EXPIRED


def test_cards_before_their_nbf_are_not_yet_valid(trust: cccdqr.TrustStore) -> None:
    payload = json.loads(_read("spec-examples/example-00-b-jws-payload-expanded.json"))
    before = dt.datetime.fromtimestamp(payload["nbf"], dt.timezone.utc) - dt.timedelta(hours=1)
    result = cccdqr.verify(_read("spec-examples/example-00-f-qr-code-numeric-value-0.txt"),
                           trust, now=before)
    assert result.reason is Reason.NOT_YET_VALID
