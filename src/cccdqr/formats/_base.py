"""What every format module hands to the verifier: one shape for all formats.

A format's ``decode_unverified(text, limits)`` returns an :class:`Envelope`:
the algorithm, the key id, the exact bytes the signature covers and the
signature. Nothing of the payload is interpreted yet; ``open`` does that, and
``verify`` calls it only after the signature holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from cccdqr.wire.cose import Algorithm
from cccdqr.core.limits import Limits
from cccdqr.core.model import HealthCertificate, RevocationId
from cccdqr.core.reasons import Reason

if TYPE_CHECKING:
    from cccdqr.trust.store import TrustedKey, TrustStore

KeyResolver = Callable[["TrustStore", dt.datetime, dt.timedelta], "TrustedKey"]
"""For formats that carry their signer certificate (VDS-NC): authenticate it
against the trust store's authorities and return the key to check the signature
with, or raise :class:`~cccdqr.core._reject.Reject`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Contents:
    """The decoded payload: the certificate and the envelope's claims."""

    certificate: HealthCertificate
    issuer: str | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    certificate_id: str | None = None
    """The revocation handle: ``cti`` in hex for VN1, the UVCI for EU DCC."""
    revocation_ids: tuple[RevocationId, ...] = ()
    """Every name a revocation list may file this certificate under."""
    warnings: tuple[Reason, ...] = ()
    binds_issuer: bool = True
    """Whether ``issuer`` names who the key speaks for, so that verify checks it
    against the key's issuer (``ISSUER_MISMATCH``). An EU DCC ``iss`` that is not a
    country code is informational only."""
    dgc: Any = None
    """An EU DCC's own DGC JSON (checked against its schema), which CertLogic
    rules read as ``payload``; ``None`` for formats rules see through the
    model's DGC-shaped view (``cccdqr.rules.payload``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    format: str
    alg: Algorithm
    kid: bytes
    signed: bytes
    signature: bytes
    open: Callable[[Limits], Contents]
    resolve: KeyResolver | None = None
    """Set when the key comes with the code (a signer certificate) rather than
    from a kid lookup in the trust store."""
    warnings: tuple[Reason, ...] = ()
    """Notes found before the signature check (e.g. deprecated chunking)."""
