"""The SMART Health Card test vectors (``../shared/vectors/shc/``): our verdict per file.

``MANIFEST.tsv`` states the SDK's verdict per file; the tables here state ours,
file by file (``docs/interop-shc.md``), and :data:`SDK_DIFFERENCES` says where
and why they differ. Issuer URLs are read from the files, never typed here. The
clock :data:`NOW` is fixed inside every card's validity (all ``nbf`` are before
it, example-03's ``exp`` after it).

Shared by ``tests/test_shc_vectors.py`` and ``readers/check_vectors.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cccdqr
from cccdqr import Reason, Status
from cccdqr.trust import jwks
from cccdqr.core._reject import Reject
from cccdqr.formats import shc

from . import SHARED

FOLDER = Path(os.environ.get("CCCDQR_SHC_VECTORS", SHARED / "vectors" / "shc"))
"""Where the set lives (``CCCDQR_SHC_VECTORS`` overrides the shared data)."""

NOW = dt.datetime(2023, 7, 1, tzinfo=dt.timezone.utc)
SDK = "sdk-testdata/"

VALID = None
"""Expected outcome: the card verifies (``Status.VALID``)."""

# Signed inputs (QR text, JWS, health-card files, QR images): the primary reason
# with the spec issuer's JWKS trusted (a badcrl card: its own issuer's), or VALID.
SIGNED: dict[str, Reason | None] = {
    "spec-examples/example-00-d-jws.txt": VALID,
    "spec-examples/example-00-e-file.smart-health-card": VALID,
    "spec-examples/example-00-f-qr-code-numeric-value-0.txt": VALID,
    "spec-examples/example-01-d-jws.txt": VALID,
    "spec-examples/example-01-e-file.smart-health-card": VALID,
    "spec-examples/example-01-f-qr-code-numeric-value-0.txt": VALID,
    # example-02 is a general lab panel with no Patient: the signature holds
    # (checked in the test), the content is nothing a checkpoint can read.
    "spec-examples/example-02-d-jws.txt": Reason.UNSUPPORTED_CONTENT,
    "spec-examples/example-02-e-file.smart-health-card": Reason.UNSUPPORTED_CONTENT,
    # one chunk of three alone is incomplete
    "spec-examples/example-02-f-qr-code-numeric-value-0.txt": Reason.INCOMPLETE_CHUNKS,
    "spec-examples/example-02-f-qr-code-numeric-value-1.txt": Reason.INCOMPLETE_CHUNKS,
    "spec-examples/example-02-f-qr-code-numeric-value-2.txt": Reason.INCOMPLETE_CHUNKS,
    # example-03 is genuine; only a revocation list makes it REVOKED (test)
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
    SDK + "test-invalid-jws-payload.png": Reason.UNKNOWN_KID,  # and BAD_CLAIMS inside (test)
}
SIGNED.update({f"{SDK}test-example-00-f-qr-code-numeric-value-{i}-qr_chunk_too_small.txt":
               Reason.INCOMPLETE_CHUNKS for i in range(17)})  # each alone; all 17 together: test
# Cards whose issuer JWKS and CRL sit in sdk-testdata/badcrl/<case>/.well-known/.
BADCRL = ("duplicate-rid", "invalid-method", "non-base64url-rid", "version-mismatch")
SIGNED.update({f"{SDK}badcrl/{c}/jws-crl-{c}.txt": VALID for c in BADCRL})  # bad CRL: test

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
    "svg": "QR images as SVG: no rasteriser installed; each has a text twin (-f-) verified",
    "shl": "SMART Health Links need the SDK's test server (out of scope)",
    "privatekey": "a private signing key, never loaded as trust",
    "issuer-directory": "a VCI directory listing; cccdqr takes JWKS per issuer",
    "crl": "issuer CRLs: tested with the revocation tests",
}

_CHUNK_ALONE = ("one chunk of a split code alone is INCOMPLETE_CHUNKS (CANNOT_CHECK); the SDK "
                "judges the chunk set, which verifies here too (tested)")
SDK_DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("*trailing_chars*", "surrounding whitespace is stripped, as a scanner's CR/LF; the SDK "
                         "refuses it (TRAILING_CHARACTERS)"),
    ("*bad_qr_version*", "the verifier judges the decoded text, not the QR symbol's version"),
    ("*single_qr_segment*", "the verifier judges the decoded text, not the QR symbol's segments"),
    ("*short-refs*", "not a FHIR validator: references are not followed, the bundle reads"),
    ("*/badcrl/*", "the card is genuine and verifies; its issuer's CRL is refused when imported "
                   "(tested), where the SDK fails the card"),
    ("spec-examples/example-02-f-qr-code-numeric-value-?.txt", _CHUNK_ALONE),
    ("*qr_chunk_too_small*", _CHUNK_ALONE),
    ("spec-examples/example-02-*", "a general lab panel without a Patient or immunization: "
                                   "genuine, but nothing a checkpoint reads "
                                   "(UNSUPPORTED_CONTENT, CANNOT_CHECK); the SDK validates "
                                   "FHIR, not a certificate"),
    ("*bad-fhir-metadata*", "an unknown vaccine code system is not guessed: nothing readable "
                            "is left (UNSUPPORTED_CONTENT); the SDK only warns"),
    ("*bad_meta_*", "meta is not checked, but the bundle's vaccine code system is unknown: "
                    "nothing readable is left (UNSUPPORTED_CONTENT); the SDK only warns"),
    ("*exp_milliseconds*", "an exp in milliseconds is a malformed claim (BAD_CLAIMS); the SDK "
                           "only warns"),
)
"""Where our verdict (valid or not) differs from the SDK's in MANIFEST.tsv: a
path pattern (``fnmatch``; the first that matches applies) and why. Each
difference matches an entry and each entry is the first match of some
difference (``tests/test_shc_vectors.py`` and the checker both hold this)."""


def is_shc_folder(folder: Path) -> bool:
    return (Path(folder) / "MANIFEST.tsv").is_file() and (Path(folder) / "issuer-jwks.json").is_file()


def manifest(folder: Path = FOLDER) -> list[tuple[str, str, str]]:
    """``(path, kind, SDK verdict)`` per row of MANIFEST.tsv."""
    rows = []
    for line in (Path(folder) / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, kind, expect, _ = line.split("\t")
        rows.append((path, kind, expect))
    return rows


def read(path: str, folder: Path = FOLDER) -> str:
    return (Path(folder) / path).read_text(encoding="utf-8")


def spec_issuer(folder: Path = FOLDER) -> str:
    """The spec examples' issuer, read from example-00's payload."""
    issuer: str = json.loads(read("spec-examples/example-00-b-jws-payload-expanded.json",
                                  folder))["iss"]
    return issuer


def spec_trust(folder: Path = FOLDER) -> cccdqr.TrustStore:
    """The spec issuer's JWKS (issuer-jwks.json) as a trust store."""
    keys = jwks.trusted_keys_from_jwks((Path(folder) / "issuer-jwks.json").read_bytes(),
                                       issuer=spec_issuer(folder))
    return cccdqr.TrustStore().with_keys(keys)


def badcrl_trust(case: str, folder: Path = FOLDER) -> cccdqr.TrustStore:
    """A badcrl card's own issuer (its ``iss`` maps onto ``badcrl/<case>``) and
    the JWKS in that folder."""
    jws = read(f"{SDK}badcrl/{case}/jws-crl-{case}.txt", folder).strip()
    issuer = shc.decode_unverified(shc.to_qr_text(jws), cccdqr.Limits()).open(
        cccdqr.Limits()).issuer
    if issuer is None or not issuer.endswith(f"badcrl/{case}"):
        raise ValueError(f"badcrl/{case}: the card's issuer does not name its folder")
    keyset = json.loads((Path(folder) / SDK / "badcrl" / case / ".well-known/jwks.json")
                        .read_bytes())
    return cccdqr.TrustStore(jwks.trusted_keys_from_jwks(keyset, issuer=issuer))


def trust_for(path: str, folder: Path = FOLDER) -> cccdqr.TrustStore:
    """The trust a SIGNED entry is verified with."""
    if "/badcrl/" in path:
        return badcrl_trust(path.split("/")[2], folder)
    return _spec_trust(Path(folder).resolve())


@functools.cache
def _spec_trust(folder: Path) -> cccdqr.TrustStore:
    return spec_trust(folder)


def jws_list(path: str, folder: Path = FOLDER) -> list[str]:
    """The compact JWSs a file holds (file, FHIR Parameters or a bare JWS)."""
    text = read(path, folder)
    if path.endswith((".smart-health-card", ".wrong-extension")):
        return list(json.loads(text)["verifiableCredential"])
    if path.endswith(".json"):
        return [p["valueString"] for p in json.loads(text)["parameter"]
                if p["name"] == "verifiableCredential"]
    return [text.strip()]  # a .txt JWS: whitespace around it is stripped, as verify does


def inputs(path: str, kind: str, folder: Path = FOLDER) -> Iterator[str | list[str]]:
    """What a scanner would hand ``verify`` for a manifest row: the text of a
    numeric QR (a list for a chunk set), the scanned text of a QR image, or
    each JWS of a file as QR text. A QR image that does not hold exactly one
    code raises ``ValueError``."""
    if kind == "qrnumeric":
        texts = [read(p, folder) for p in path.split(" ")]
        yield texts if len(texts) > 1 else texts[0]
    elif kind == "qr":
        from cccdqr.qr import scan
        codes = scan(Path(folder) / path, backend="auto")
        if len(codes) != 1:
            raise ValueError(f"{path}: {len(codes)} QR codes found, not 1")
        yield codes[0].text
    else:
        for jws in jws_list(path, folder):
            yield shc.to_qr_text(jws)


def matches(result: cccdqr.VerificationResult, expected: Reason | None) -> bool:
    """Whether ``verify``'s result is the expected one: VALID with a
    certificate, or not valid with ``expected`` as the primary reason."""
    if expected is None:
        return result.status is Status.VALID and result.certificate is not None
    return result.reason is expected and not result.valid


def unsigned_outcome(path: str, kind: str, folder: Path = FOLDER) -> Reason | None:
    """Reading an unsigned payload or FHIR bundle: the refusal's reason, or
    ``None`` (VALID) when it reads."""
    data = (Path(folder) / path).read_bytes()
    limits = cccdqr.Limits(max_json_bytes=1 << 20)  # the expanded forms are pretty-printed
    try:
        if kind == "fhirbundle":
            shc.bundle_to_certificate(json.loads(data))
        else:
            contents = shc.open_payload(data, limits, kid="k")
            if contents.issued_at is None:
                raise ValueError(f"{path}: a payload that reads has an issue time")
    except Reject as r:
        return r.reason
    return None


def keyset_issuer(path: str, folder: Path = FOLDER) -> str:
    """The issuer a key set is loaded for: the spec issuer, or for the SDK's
    x5c key sets the URI in their leaf certificate."""
    data = (Path(folder) / path).read_bytes()
    if path.startswith(SDK) and b'"x5c"' in data:
        named = "valid_2_chain.public.json" if "SAN" in path else path.removeprefix(SDK)
        return leaf_san(json.loads((Path(folder) / SDK / named).read_bytes()))
    return spec_issuer(folder)


def load_keyset(path: str, folder: Path = FOLDER) -> list[cccdqr.TrustedKey]:
    """``trusted_keys_from_jwks`` on a key set (raises ``TrustListError``)."""
    return jwks.trusted_keys_from_jwks((Path(folder) / path).read_bytes(),
                                       issuer=keyset_issuer(path, folder))


def leaf_san(doc: dict[str, Any]) -> str:
    """The URI in the subject alternative name of a key set's x5c leaf."""
    from cryptography import x509
    [chain] = [k["x5c"] for k in doc["keys"] if "x5c" in k]
    leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    uri: str = names.get_values_for_type(x509.UniformResourceIdentifier)[0]
    return uri


SDK_ACCEPTS = ("valid", "warn", "valid-sig-but-revoked")


def differs_from_sdk(path: str, ours_ok: bool, sdk_verdict: str) -> bool:
    """Whether our verdict (``ours_ok``: valid, reads, or loads) differs from the
    SDK's; a ``support`` row has no verdict and never differs."""
    if sdk_verdict == "support":
        return False
    return ours_ok != (sdk_verdict in SDK_ACCEPTS)


def sdk_difference(path: str) -> tuple[str, str] | None:
    """The first entry of :data:`SDK_DIFFERENCES` whose pattern matches ``path``."""
    for pattern, why in SDK_DIFFERENCES:
        if fnmatch.fnmatchcase(path, pattern):
            return pattern, why
    return None
