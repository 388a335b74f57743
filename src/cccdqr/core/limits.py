"""Size limits checked before any expensive work (configurable per call)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Caps on hostile input. Each one, when exceeded, has its own reason code."""

    max_input_chars: int = 8192
    """Longest scanned text accepted (``INPUT_TOO_LARGE``); a version 40 QR holds 4,296."""
    max_decompressed: int = 64 * 1024
    """Most bytes a zlib stream may inflate to (``DECOMPRESSED_TOO_LARGE``)."""
    max_cbor_depth: int = 16
    """Deepest CBOR nesting of arrays, maps and tags (``CBOR_TOO_DEEP``)."""
    max_cbor_items: int = 4096
    """Most CBOR data items in one structure (``CBOR_TOO_MANY_ITEMS``)."""
    max_json_bytes: int = 64 * 1024
    """Largest JSON document accepted by the JSON-based formats."""

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer")
