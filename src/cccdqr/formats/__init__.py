"""The format registry: every format module has the same shape.

``NAME``, ``matches(text)``, ``decode_unverified(text, limits) -> Envelope`` and,
where issuing is in scope, ``encode(...)``. The verifier loops over ``FORMATS``
and never branches on a format by name.

Layer 3. Owns the wire formats of the four code families. May import
``core``, ``wire`` and ``trust``. Format modules do not import one another:
what they share lives in ``_base``.
"""

from __future__ import annotations

from types import ModuleType

from cccdqr.core._reject import Reject
from cccdqr.core.reasons import Reason
from cccdqr.formats import dcc
from cccdqr.formats import native
from cccdqr.formats import shc
from cccdqr.formats import vdsnc

__all__ = ["FORMATS", "detect", "join_chunks"]

FORMATS: tuple[ModuleType, ...] = (native, dcc, shc, vdsnc)


def detect(text: str) -> ModuleType | None:
    """The format module whose prefix or shape ``text`` has, or ``None``."""
    for fmt in FORMATS:
        if fmt.matches(text):
            return fmt
    return None


def join_chunks(chunks: list[str] | tuple[str, ...]) -> tuple[str, tuple[Reason, ...]]:
    """One text from the chunks of a code split over several QR images, and the
    warnings that come with it. The format of the first chunk must define
    ``join(chunks)``; no format without chunking accepts a sequence."""
    if not chunks:
        raise Reject(Reason.EMPTY_INPUT, "no chunks")
    fmt = detect(chunks[0])
    join = getattr(fmt, "join", None)
    if join is None:
        raise Reject(Reason.UNKNOWN_FORMAT, "this format is not split into chunks")
    joined: tuple[str, tuple[Reason, ...]] = join(chunks)
    return joined
