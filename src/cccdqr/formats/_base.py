"""What every format module hands to the verifier: one shape for all formats.

A format's ``decode_unverified(text, limits)`` returns an :class:`Envelope`:
the algorithm, the key id, the exact bytes the signature covers and the
signature. Nothing of the payload is interpreted yet; ``open`` does that, and
``verify`` calls it only after the signature holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Callable

from ..cose import Algorithm
from ..limits import Limits
from ..model import HealthCertificate


@dataclass(frozen=True, slots=True, kw_only=True)
class Contents:
    """The decoded payload: the certificate and the envelope's claims."""

    certificate: HealthCertificate
    issuer: str | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    certificate_id: str | None = None
    """The revocation handle: ``cti`` in hex for VN1, the UVCI for EU DCC."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    format: str
    alg: Algorithm
    kid: bytes
    signed: bytes
    signature: bytes
    open: Callable[[Limits], Contents]
