"""The format registry: every format module has the same shape.

``NAME``, ``matches(text)``, ``decode_unverified(text, limits) -> Envelope`` and,
where issuing is in scope, ``encode(...)``. The verifier loops over ``FORMATS``
and never branches on a format by name.
"""

from __future__ import annotations

from types import ModuleType

from . import native

__all__ = ["FORMATS", "detect"]

FORMATS: tuple[ModuleType, ...] = (native,)


def detect(text: str) -> ModuleType | None:
    """The format module whose prefix or shape ``text`` has, or ``None``."""
    for fmt in FORMATS:
        if fmt.matches(text):
            return fmt
    return None
