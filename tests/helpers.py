"""Shared test helpers: TEST-ONLY keys and issuers, and hand-built VN1 codes.

``signed_code(claims)`` turns an arbitrary claims dict into a properly signed
``VN1:`` text (claims -> CBOR -> COSE_Sign1 -> wrap), so that tests reach the
checks that run *after* the signature. ``sign1`` gives full control over the
COSE headers and the bytes that are signed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import zlib
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import rsa

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import native

UTC = dt.timezone.utc

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CCCDQR_SHARED", ROOT.parent / "shared"))
"""The shared test data (external vectors, province codes): ``../shared`` next to
the checkout, as in CI, or wherever ``CCCDQR_SHARED`` says."""


def shared(*parts: str) -> Path:
    """A path under the shared test data; fails loudly (never skips) when it is
    missing, so a run without it cannot pass by testing nothing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared test data not found: {path} (set CCCDQR_SHARED)")
    return path
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IAT = int(NOW.timestamp()) - 3600
EXP = IAT + 365 * 86400
CTI = bytes(range(1, 13))

ES256_KEY = testkeys.test_es256_key()
ED25519_KEY = testkeys.test_ed25519_key()
ES256 = cccdqr.Issuer(ES256_KEY, deterministic=True)
ED25519 = cccdqr.Issuer(ED25519_KEY, deterministic=True)
ES256_KID = ES256.kid
ED25519_KID = ED25519.kid

# Nguyễn Văn An, born 1990-05-17 in Hà Nội (001), male: century/sex digit 0, YY 90.
ID_NUMBER = "001090123456"
NAME = "Nguyễn Văn An"
DOB = "1990-05-17"
DOB_DAYS = (dt.date(1990, 5, 17) - dt.date(1970, 1, 1)).days


def trust(*issuers: cccdqr.Issuer, **options: Any) -> cccdqr.TrustStore:
    """A trust store with each issuer's key (default: both TEST-ONLY keys)."""
    chosen = issuers or (ES256, ED25519)
    return cccdqr.TrustStore([i.trusted_key(**options) for i in chosen])


TRUST = trust()


def subject(**changes: Any) -> cccdqr.Subject:
    fields: dict[str, Any] = dict(name=NAME, dob=DOB, id_number=ID_NUMBER, sex=cccdqr.Sex.MALE)
    fields.update(changes)
    return cccdqr.Subject(**fields)


def dose(n: int = 1, **changes: Any) -> cccdqr.Vaccination:
    fields: dict[str, Any] = dict(product="EU/1/20/1528", dose_number=n, doses_in_series=2,
                                  date=dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1)))
    fields.update(changes)
    return cccdqr.Vaccination(**fields)


def certificate(doses: int = 3, **subject_changes: Any) -> cccdqr.HealthCertificate:
    """A person with ``doses`` vaccination doses."""
    return cccdqr.HealthCertificate(subject=subject(**subject_changes),
                                    vaccinations=tuple(dose(i + 1) for i in range(doses)))


def test_event(**changes: Any) -> cccdqr.Test:
    fields: dict[str, Any] = dict(test_type=cccdqr.TEST_NAA,
                                  sampled_at=dt.datetime(2026, 11, 22, 8, 30, tzinfo=UTC),
                                  result=cccdqr.RESULT_NOT_DETECTED)
    fields.update(changes)
    return cccdqr.Test(**fields)


test_event.__test__ = False  # type: ignore[attr-defined]


def issue(cert: cccdqr.HealthCertificate | None = None, issuer: cccdqr.Issuer = ES256, *,
          now: dt.datetime = NOW, valid_for: dt.timedelta = dt.timedelta(days=365),
          cti: bytes = CTI) -> str:
    return issuer.issue(cert or certificate(), now=now, valid_for=valid_for, cti=cti)


# --- hand-built records and claims (integer keys, as on the wire) -----------------

def subject_map(update: dict[Any, Any] | None = None) -> dict[Any, Any]:
    out: dict[Any, Any] = {1: ID_NUMBER, 2: NAME, 3: DOB_DAYS, 4: 1}
    out.update(update or {})
    return out


def vaccination_map(update: dict[Any, Any] | None = None) -> dict[Any, Any]:
    out: dict[Any, Any] = {2: 1, 3: 1, 4: 2, 5: (dt.date(2021, 7, 1) - dt.date(1970, 1, 1)).days}
    out.update(update or {})
    return out


def record_map(update: dict[Any, Any] | None = None, *, subject: Any = None,
               events: Any = None) -> dict[Any, Any]:
    out: dict[Any, Any] = {0: 1, 1: subject if subject is not None else subject_map(),
                           2: events if events is not None else [vaccination_map()]}
    out.update(update or {})
    return out


def claims(update: dict[Any, Any] | None = None, *, record: Any = None,
           **named: Any) -> dict[Any, Any]:
    """CWT claims with iss/iat/exp/cti and the record; ``update`` adds or replaces
    claims by integer key, ``named`` by name (iss, iat, exp, cti)."""
    out: dict[Any, Any] = {1: "VN", 6: IAT, 4: EXP, 7: CTI,
                           -65537: record if record is not None else record_map()}
    names = {"iss": 1, "iat": 6, "exp": 4, "cti": 7}
    for key, value in named.items():
        out[names[key]] = value
    out.update(update or {})
    return out


def without(mapping: dict[Any, Any], *keys: Any) -> dict[Any, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


# --- COSE_Sign1 by hand -----------------------------------------------------------

def protected_map(key: Any = ES256_KEY, update: dict[Any, Any] | None = None
                  ) -> dict[Any, Any]:
    alg = cose.algorithm_for_key(key)
    out: dict[Any, Any] = {1: alg.cose_id, 4: cose.spki_kid(key.public_key())}
    out.update(update or {})
    return out


def sign1(
    payload: bytes,
    key: Any = ES256_KEY,
    *,
    protected: dict[Any, Any] | None = None,
    protected_bytes: bytes | None = None,
    unprotected: Any = None,
    tagged: bool = True,
    signature: bytes | None = None,
) -> bytes:
    """A COSE_Sign1 over ``payload`` signed with ``key`` (the signature algorithm
    follows the key, whatever the header says)."""
    if protected_bytes is None:
        protected_bytes = cbor2.dumps(protected if protected is not None else protected_map(key))
    alg = cose.algorithm_for_key(key)
    if signature is None:
        signature = cose.sign_bytes(alg, key, cose.sig_structure(protected_bytes, payload),
                                    deterministic=True)
    body = cbor2.dumps([protected_bytes, unprotected if unprotected is not None else {},
                        payload, signature])
    return (b"\xd2" + body) if tagged else body


def b45(data: bytes) -> str:
    """``VN1:`` + Base45 of ``data`` exactly as given (no compression decision)."""
    return native.PREFIX + b45encode(data)


def z45(data: bytes) -> str:
    """``VN1:`` + Base45 of the zlib stream of ``data`` (always compressed)."""
    return b45(zlib.compress(data, 9))


def signed_code(claims_or_payload: dict[Any, Any] | bytes | None = None, key: Any = ES256_KEY,
                **sign_options: Any) -> str:
    """A properly signed VN1 text over arbitrary claims (or raw payload bytes)."""
    if claims_or_payload is None:
        claims_or_payload = claims()
    payload = (claims_or_payload if isinstance(claims_or_payload, bytes)
               else cbor2.dumps(claims_or_payload))
    return native.wrap(sign1(payload, key, **sign_options))


def raw_sign1(text: str) -> bytes:
    """The COSE_Sign1 bytes inside a VN1 text (inflated when compressed)."""
    return native.unwrap(text, cccdqr.Limits())


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    """An RSA-2048 key (fresh per run; only to sign PS256 codes VN1 must refuse)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def verify(text: Any, trust_store: cccdqr.TrustStore = TRUST, **options: Any
           ) -> cccdqr.VerificationResult:
    options.setdefault("now", NOW)
    return cccdqr.verify(text, trust_store, **options)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """``cccdqr ARGV`` in this process: its exit code, stdout and stderr.
    ``capsys`` is pytest's fixture of the calling test."""
    import pytest

    from cccdqr.cli.app import main

    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exc.value.code
    assert isinstance(code, int)
    return code, out, err
