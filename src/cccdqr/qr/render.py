"""Render text as a QR code image (PNG or SVG) with segno.

segno is imported inside :func:`render`, so ``import cccdqr`` stays free of it.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ERROR_LEVELS", "KINDS", "RenderedQR", "render"]

#: Image formats :func:`render` can produce.
KINDS: tuple[str, ...] = ("png", "svg")
#: QR error correction levels, weakest to strongest.
ERROR_LEVELS: tuple[str, ...] = ("L", "M", "Q", "H")


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedQR:
    """A rendered QR code and what the encoder chose for it."""

    data: bytes
    """The image: PNG or SVG bytes, as ``kind`` says."""
    kind: str
    """``"png"`` or ``"svg"``."""
    version: int
    """QR version, 1 to 40."""
    error: str
    """Error correction level actually used: ``"L"``, ``"M"``, ``"Q"`` or ``"H"``."""
    mode: str
    """segno's name of the encoding mode, e.g. ``"alphanumeric"`` or ``"byte"``."""
    modules: int
    """Width of the symbol in modules, without the quiet zone (21 for version 1)."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the image bytes to ``path``."""
        Path(path).write_bytes(self.data)


def render(
    text: str,
    *,
    kind: str = "png",
    error: str = "M",
    scale: int = 8,
    border: int = 4,
) -> RenderedQR:
    """Encode ``text`` as a QR code and return the image with its version and mode.

    The error correction level is exactly ``error`` (never raised silently), and
    the smallest version that holds ``text`` at that level is used. Text made only
    of the QR alphanumeric set (Base45 payloads such as ``"VN1:..."`` or
    ``"HC1:..."``) is encoded in alphanumeric mode. A SMART Health Card
    (``shc:/`` then digits, possibly ``i/n/`` chunk numbers) is two segments, as
    its specification asks: the prefix in byte mode, the digits in numeric mode
    (``mode`` then reads ``"byte+numeric"``). Other text is encoded in byte mode, as
    UTF-8 without an ECI header when it is not Latin-1 (as on CCCD cards).

    ``scale`` is the size of one module in pixels (PNG) or user units (SVG) and
    ``border`` the quiet zone in modules.

    Raises ``ValueError`` for an unknown ``kind`` or ``error`` level, a ``scale``
    below 1, a negative ``border``, or text too long for any QR version.
    """
    kind_norm = kind.lower()
    if kind_norm not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    error_norm = error.upper()
    if error_norm not in ERROR_LEVELS:
        raise ValueError(f"error must be one of {ERROR_LEVELS}, not {error!r}")
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    if border < 0:
        raise ValueError(f"border must not be negative, not {border}")

    import segno

    segments = _segments(text)
    # segno takes a list of (content, mode) segments too; its type hints only name str/bytes/int
    qr = segno.make(segments, error=error_norm, boost_error=False, micro=False)  # type: ignore[arg-type]
    buf = io.BytesIO()
    qr.save(buf, kind=kind_norm, scale=scale, border=border)
    width, _height = qr.symbol_size(scale=1, border=0)
    return RenderedQR(
        data=buf.getvalue(),
        kind=kind_norm,
        version=int(qr.version),
        error=str(qr.error).upper(),
        mode=str(qr.mode) if qr.mode else "byte+numeric",
        modules=int(width),
    )


_SHC = re.compile(r"(shc:/(?:[0-9]+/[0-9]+/)?)([0-9]+)")


def _segments(text: str) -> str | list[tuple[str, int]]:
    """What segno encodes: two segments for a SMART Health Card (byte prefix,
    numeric digits: 40 % fewer bits than all bytes), else the text as it is."""
    import segno

    m = _SHC.fullmatch(text)
    if m is None:
        return text
    return [(m[1], segno.consts.MODE_BYTE), (m[2], segno.consts.MODE_NUMERIC)]
