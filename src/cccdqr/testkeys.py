"""TEST-ONLY keys, derived from a label so that no private key file is needed.

Anyone can recompute these keys from their label: they protect nothing and must
never sign a real certificate. They make test vectors, the FORMAT.md example and
the test suite reproducible. Every label is prefixed with ``cccdqr TEST-ONLY``.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

__all__ = ["test_es256_key", "test_ed25519_key"]

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"cccdqr TEST-ONLY {label}".encode()).digest()


def test_es256_key(label: str = "es256") -> ec.EllipticCurvePrivateKey:
    """A P-256 private key derived from ``label``. TEST-ONLY."""
    scalar = int.from_bytes(_seed(label), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def test_ed25519_key(label: str = "ed25519") -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key derived from ``label``. TEST-ONLY."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(_seed(label))


test_es256_key.__test__ = False  # type: ignore[attr-defined]  # not pytest tests
test_ed25519_key.__test__ = False  # type: ignore[attr-defined]
