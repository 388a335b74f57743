"""Shared fixtures and the hypothesis profiles.

Profiles: ``ci`` (the default: deadline off, 100 examples) and ``fuzz`` (many
more examples), chosen with the ``HYPOTHESIS_PROFILE`` environment variable,
e.g. ``HYPOTHESIS_PROFILE=fuzz pytest tests/property``.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, settings

import cccdqr
from cccdqr import testkeys

import helpers  # tests/ is on sys.path: this file's directory (pytest rootdir-relative import)

settings.register_profile(
    "ci", max_examples=100, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def now() -> dt.datetime:
    """The fixed clock of the suite: 2026-11-23 09:00 UTC (never today's date)."""
    return helpers.NOW


@pytest.fixture
def es256_issuer() -> cccdqr.Issuer:
    """ES256 issuer with the TEST-ONLY P-256 key and RFC 6979 nonces."""
    return cccdqr.Issuer(testkeys.test_es256_key(), deterministic=True)


@pytest.fixture
def ed25519_issuer() -> cccdqr.Issuer:
    """EdDSA issuer with the TEST-ONLY Ed25519 key."""
    return cccdqr.Issuer(testkeys.test_ed25519_key(), deterministic=True)


@pytest.fixture
def trust(es256_issuer: cccdqr.Issuer, ed25519_issuer: cccdqr.Issuer) -> cccdqr.TrustStore:
    """A trust store with both TEST-ONLY keys (issuer "VN", all record types)."""
    return cccdqr.TrustStore([es256_issuer.trusted_key(), ed25519_issuer.trusted_key()])


@pytest.fixture
def sample_certificate() -> cccdqr.HealthCertificate:
    """Nguyễn Văn An, born 1990-05-17, male, CCCD 001090123456, three doses."""
    return helpers.certificate(3)
