"""Hostile codes an attacker would try, each refused with the reason that fits.

The threat model (docs/SECURITY.md) points here. Cases that already have their
own test elsewhere are listed in SECURITY.md rather than repeated; this file
holds the rest: algorithm tricks, signature malleability, integer and tag
abuse, and a real 1 GB decompression bomb.
"""

from __future__ import annotations

import zlib
from typing import Any

import cbor2
import pytest

import cccdqr
from cccdqr import Algorithm, Limits, Reason, TrustStore
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import native

import helpers
from helpers import ED25519_KEY, ES256_KEY, claims, signed_code

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


# --- algorithms --------------------------------------------------------------------------

@pytest.mark.parametrize("alg", [
    "none", "ES256", 0, -257,  # text "none", text name, reserved, RS256
    -35, -36, -37, -38, -39,  # ES384, ES512, PS256 (VN1 refuses RSA), PS384, PS512
    -9, 1, 5, 2**63, None, b"\xf9", [-7], {1: -7},  # ESP256, A128GCM, HMAC, huge, null, ...
])
def test_alg_none_unknown_or_unlisted_is_not_allowed(alg: Any) -> None:
    protected = {1: alg, 4: cose.spki_kid(ES256_KEY.public_key())}
    result = helpers.verify(signed_code(claims(), protected=protected))
    assert result.reasons == (Reason.ALG_NOT_ALLOWED,), result.detail
    assert not result.signature_verified


@pytest.mark.parametrize("alg", [2**64, -(2**64) - 1])
def test_alg_as_a_bignum_is_malformed(alg: int) -> None:
    # beyond 64 bits CBOR needs a bignum tag, and no tag is allowed in the header
    protected = {1: alg, 4: cose.spki_kid(ES256_KEY.public_key())}
    assert helpers.verify(signed_code(claims(), protected=protected)).reasons == (Reason.BAD_COSE,)


@pytest.mark.parametrize(("header_alg", "signing_key", "trusted_key", "trusted_alg"), [
    # an ES256 header over a kid whose trusted key is Ed25519, and the reverse
    (-7, ED25519_KEY, ED25519_KEY, Algorithm.EDDSA),
    (-8, ES256_KEY, ES256_KEY, Algorithm.ES256),
])
def test_alg_not_matching_the_key_type(header_alg: int, signing_key: Any, trusted_key: Any,
                                       trusted_alg: Algorithm) -> None:
    kid = cose.spki_kid(trusted_key.public_key())
    text = signed_code(claims(), signing_key, protected={1: header_alg, 4: kid})
    trust = TrustStore([cccdqr.TrustedKey(kid=kid, public_key=trusted_key.public_key(),
                                          alg=trusted_alg)])
    assert helpers.verify(text, trust).reasons == (Reason.ALG_KEY_MISMATCH,)


# --- signature malleability (decision 17) ---------------------------------------------------

def _high_s(text: str) -> str:
    """The same code with its ES256 signature's S replaced by n - S (still valid ECDSA)."""
    msg = cbor2.loads(helpers.raw_sign1(text))
    sig = msg.value[3]
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    msg.value[3] = r.to_bytes(32, "big") + (P256_N - s).to_bytes(32, "big")
    return native.wrap(cbor2.dumps(msg))


def test_es256_malleated_signature_verifies_and_keeps_its_revocation_handle() -> None:
    # ECDSA allows (r, n-s) for (r, s); COSE does not forbid it. It proves nothing
    # new (the same signer signed the same bytes), and VN1 revokes by cti, which
    # the signature does not touch: the malleated copy has the same handle.
    text = helpers.issue()
    twin = _high_s(text)
    assert twin != text
    original, malleated = helpers.verify(text), helpers.verify(twin)
    assert original.valid and malleated.valid
    assert original.certificate_id == malleated.certificate_id


def test_malleated_signature_differs_only_in_s() -> None:
    text = helpers.issue()
    a = cbor2.loads(helpers.raw_sign1(text)).value[3]
    b = cbor2.loads(helpers.raw_sign1(_high_s(text))).value[3]
    assert a[:32] == b[:32] and a[32:] != b[32:]
    assert int.from_bytes(a[32:], "big") + int.from_bytes(b[32:], "big") == P256_N


# --- integers and tags ---------------------------------------------------------------------

@pytest.mark.parametrize(("claim", "value"), [
    ("iat", 2**64),  # beyond 64 bits: a bignum
    ("exp", 2**70),
    ("iat", -1),
    ("exp", 253402300800),  # year 10000
    ("iat", 1.5e9),  # a float where VN1 wants an integer
    ("exp", cbor2.CBORTag(1, 1_900_000_000)),  # epoch-time tag
    ("iat", cbor2.CBORTag(2, b"\x01" * 9)),  # explicit bignum tag
])
def test_huge_or_tagged_times_are_bad_claims(claim: str, value: Any) -> None:
    result = helpers.verify(signed_code(claims(**{claim: value})))
    assert result.reasons[0] in (Reason.BAD_CLAIMS, Reason.BAD_COSE), result.reasons
    assert not result.valid


@pytest.mark.parametrize("tag", [28, 29, 24, 55799, 2**32])
def test_tag_abuse_in_the_payload_is_refused(tag: int) -> None:
    # value sharing (28/29), embedded CBOR (24), self-describe (55799), huge tag numbers
    record = helpers.record_map()
    record[1] = cbor2.CBORTag(tag, helpers.subject_map())
    result = helpers.verify(signed_code(claims(record=record)))
    assert not result.valid and result.reasons[0] in (Reason.BAD_CLAIMS, Reason.BAD_RECORD,
                                                      Reason.BAD_COSE)


def test_huge_integer_in_the_record_is_bad_record() -> None:
    record = helpers.record_map(events=[helpers.vaccination_map({3: 2**80})])
    assert helpers.verify(signed_code(claims(record=record))).reasons[0] in (
        Reason.BAD_RECORD, Reason.BAD_CLAIMS)


# --- a real 1 GB decompression bomb ---------------------------------------------------------

@pytest.fixture(scope="module")
def gigabyte_bomb() -> bytes:
    """A zlib stream that inflates to 1 GiB of zeros (about 1 MB compressed)."""
    squeeze = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    parts = [squeeze.compress(zeros) for _ in range(1024)]
    return b"".join(parts) + squeeze.flush()


def test_a_gigabyte_bomb_is_stopped_at_the_cap(gigabyte_bomb: bytes) -> None:
    text = native.PREFIX + b45encode(gigabyte_bomb)
    # the input cap would stop it first; lift it to reach the decompression cap
    limits = Limits(max_input_chars=len(text))
    result = cccdqr.verify(text, helpers.TRUST, now=helpers.NOW, limits=limits)
    assert result.reasons == (Reason.DECOMPRESSED_TOO_LARGE,)
    assert len(gigabyte_bomb) < 2 * 1024 * 1024  # the ratio is the threat: ~1000:1
    # and with the default limits the text itself is refused before any inflating
    assert helpers.verify(text).reasons == (Reason.INPUT_TOO_LARGE,)
