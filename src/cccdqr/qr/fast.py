"""The fast QR renderer: the same symbol as :mod:`cccdqr.qr.render`, ~10x sooner.

segno spends ~12 ms building a version-10 matrix in Python and ~6 ms writing its
PNG. Here the version and mode are chosen by segno's own rules and tables
(cheap: no Reed-Solomon, no masking), the matrix is built by zxing-cpp's writer
at exactly that version and ECC level, and the PNG is written by hand with numpy
and zlib (a 1-bit greyscale image is four chunks; Pillow's path costs ~2 ms of
the 2 ms budget). SVG goes through segno's writer over the same matrix. The
mask may differ from segno's; version, ECC level, mode and quiet zone do not.

Texts whose byte-mode encoding zxing-cpp may write differently (anything that is
not ASCII) are handed to segno, so the symbol rules hold for every text.

Floor 1, beside ``render``. May import its own package and ``core``; segno,
zxing-cpp and numpy are imported lazily, so ``import cccdqr`` stays free of them.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from cccdqr.qr.render import ERROR_LEVELS, KINDS, RenderedQR, render

__all__ = ["RENDERERS", "render_with", "render_fast"]

#: Renderers :func:`render_with` can use: segno (the reference) or the fast path.
RENDERERS: tuple[str, ...] = ("fast", "segno")

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_MODE_NAMES = {1: "numeric", 2: "alphanumeric", 4: "byte", 8: "kanji", 13: "hanzi"}


def render_fast(text: str, *, kind: str = "png", error: str = "M", scale: int = 8,
                border: int = 4) -> RenderedQR:
    """Like :func:`cccdqr.qr.render.render` (same arguments, checks and errors),
    with zxing-cpp building the matrix and a hand-made PNG or SVG around it."""
    kind_norm, error_norm = kind.lower(), error.upper()
    if kind_norm not in KINDS or error_norm not in ERROR_LEVELS or scale < 1 or border < 0 \
            or not text.isascii():
        return render(text, kind=kind, error=error, scale=scale, border=border)
    version, mode = _version(text, error_norm)
    matrix = _matrix(text, version, error_norm)
    if matrix is None:  # zxing-cpp could not fit it at segno's version: segno decides
        return render(text, kind=kind, error=error, scale=scale, border=border)
    data = _png(matrix, scale, border) if kind_norm == "png" else _svg(matrix, scale, border)
    return RenderedQR(data=data, kind=kind_norm, version=version, error=error_norm, mode=mode,
                      modules=17 + 4 * version)


def render_with(text: str, *, renderer: str = "fast", kind: str = "png", error: str = "M",
                scale: int = 8, border: int = 4) -> RenderedQR:
    """:func:`render_fast` or segno's :func:`~cccdqr.qr.render.render`, by name
    (the ``--renderer`` option). Raises ``ValueError`` for another name."""
    if renderer == "fast":
        return render_fast(text, kind=kind, error=error, scale=scale, border=border)
    if renderer == "segno":
        return render(text, kind=kind, error=error, scale=scale, border=border)
    raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")


def _version(text: str, error: str) -> tuple[int, str]:
    """segno's choice: the smallest version holding ``text`` at ``error``, and its mode."""
    import segno.consts
    import segno.encoder

    # segno's tables and version search are untyped: read them through Any.
    consts: Any = segno.consts
    encoder: Any = segno.encoder
    level = consts.ERROR_MAPPING[error]
    if _ALNUM.issuperset(text) and not text.isdigit():
        # The hot path (Base45 payloads): the alphanumeric bit count, in closed form.
        n = len(text)
        body = 4 + 11 * (n // 2) + 6 * (n % 2)
        for version in range(1, 41):
            count_bits = 9 if version < 10 else 11 if version < 27 else 13
            if consts.SYMBOL_CAPACITY[version][level] >= body + count_bits:
                return version, "alphanumeric"
    from cccdqr.qr.render import _segments

    segments = encoder.prepare_data(_segments(text), None, None)
    version = int(encoder.find_version(segments, level, False, False))
    modes = segments.modes
    return version, _MODE_NAMES[modes[0]] if len(modes) == 1 else "byte+numeric"


def _matrix(text: str, version: int, error: str) -> Any:
    """The symbol's modules as a bool array (True = dark), no quiet zone; ``None``
    when zxing-cpp's encoding does not fit ``version``."""
    import numpy as np
    import zxingcpp

    try:
        code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=error,
                                       version=version)
    except (ValueError, RuntimeError):
        return None
    image = np.asarray(code.to_image(scale=1, add_quiet_zones=False))
    if image.shape != (17 + 4 * version,) * 2 or code.ec_level != error:
        return None
    return image == 0


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def _png(matrix: Any, scale: int, border: int) -> bytes:
    """A 1-bit greyscale PNG (white = 1), ``scale`` pixels per module.

    The first pixel row of each module row is written as it is (filter 0); the
    other ``scale - 1`` are filter 2 ("Up": the row above) and so all zero, which
    zlib level 3 packs in ~0.1 ms (level 6 over repeated rows took ~0.5 ms, a
    quarter of the budget) into ~1.3 KB for version 10 at scale 8."""
    import numpy as np

    light = np.pad(~matrix, border, constant_values=True)
    rows = np.packbits(np.repeat(light, scale, axis=1), axis=1)  # one packed row per module row
    raw = np.zeros((rows.shape[0], scale, rows.shape[1] + 1), np.uint8)
    raw[:, 0, 1:] = rows
    raw[:, 1:, 0] = 2
    height, width = rows.shape[0] * scale, light.shape[1] * scale
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 3)) + _chunk(b"IEND", b""))


def _svg(matrix: Any, scale: int, border: int) -> bytes:
    """segno's own SVG writer over the zxing-cpp matrix (~1 ms): the same markup as
    the reference renderer's."""
    import io

    import segno.writers

    writers: Any = segno.writers
    out = io.BytesIO()
    rows = tuple(bytearray(row) for row in matrix.astype("uint8").tolist())
    writers.write_svg(rows, (len(rows), len(rows)), out, scale=scale, border=border)
    return out.getvalue()
