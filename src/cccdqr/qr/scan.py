"""Find and decode every QR code in an image, with zxing-cpp or pyzbar.

Backends (see ``research/qr-readers.md`` for the measurements behind the choices):

``"zxing"``
    zxing-cpp, QR codes only. The fastest and most robust reader (91 % of the
    degraded test frames at ~2.7 ms per 720p frame). Needs only the wheel.
``"zbar"``
    pyzbar over the system library libzbar0, QR symbology only. Slower (~30 ms
    per frame); raises :class:`ScanBackendUnavailable` when libzbar0 is missing.
``"auto"`` (default)
    zxing-cpp on the whole frame. When it finds nothing at all, a second
    zxing-cpp pass on a half-size, sharpened copy looks for symbols that blur
    hid (their finder patterns survive halving). A slower fallback runs only
    for symbols that one of these passes located but could not decode
    (zxing-cpp reports those): each such region is cropped and read again by
    zxing-cpp after enhancements, first an enlarged, sharpened copy, then
    Gaussian deconvolutions of increasing strength (these need numpy), until
    one decodes. A frame with no code therefore costs the full pass and the
    half-size pass (about three times a ``"zxing"`` scan, see
    ``bench/qr_frames.md``), and the fallback is bounded by
    :data:`MAX_FALLBACK_REGIONS` crops.
    Codes found by several passes are reported once (equal text). pyzbar is not
    used by ``"auto"`` while zxing-cpp imports: on the benchmark it read none of
    the symbols zxing-cpp failed on, at ten times the cost.

zxing-cpp, pyzbar, Pillow and numpy are imported inside the functions that use
them; numpy is optional (without it, frames go to zxing-cpp as PIL images, which
is slower, and the deconvolution step is skipped).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cccdqr.core.errors import CccdqrError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "BACKENDS",
    "MAX_FALLBACK_REGIONS",
    "ArrayLike",
    "ScanBackendUnavailable",
    "ScanReport",
    "ScannedCode",
    "available_backends",
    "scan",
    "scan_report",
]

#: Backend names accepted by :func:`scan`.
BACKENDS: tuple[str, ...] = ("auto", "zxing", "zbar")
#: At most this many undecoded symbols per frame go through the ``"auto"`` fallback.
MAX_FALLBACK_REGIONS = 4

_ZBAR_HINT = (
    "the zbar backend needs the system library libzbar0; install the system package "
    "libzbar0 (e.g. `apt-get install libzbar0`), or use backend='zxing'"
)
_ZXING_HINT = "the zxing backend needs the zxing-cpp package (`pip install zxing-cpp`)"

# Fallback crop: margin around an undecoded symbol, as a fraction of its size
# (room for the quiet zone), and the smallest crop side in pixels (a version-10
# symbol at 3 px per module, seen from one of its finder patterns).
_CROP_MARGIN = 0.25
_MIN_CROP = 384
# 3×3 sharpening kernel (weights sum to 1): centre 9, the eight neighbours -1.
_SHARPEN_3X3 = (-1, -1, -1, -1, 9, -1, -1, -1, -1)
# Gaussian deconvolution: blur widths tried in turn (px), and the Wiener noise term.
_DEBLUR_SIGMAS = (1.0, 1.5, 2.0, 2.5)
_WIENER_K = 0.004

Point = tuple[int, int]
#: A grey frame: a 2-D uint8 numpy array when numpy imports, else a PIL image (mode "L").
Gray = Any


class ArrayLike(Protocol):
    """What :func:`scan` needs of an image array: a numpy ``ndarray`` fits."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def __array_interface__(self) -> dict[str, Any]: ...


class ScanBackendUnavailable(CccdqrError, RuntimeError):
    """The requested QR backend cannot be imported (a package or system library is missing)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannedCode:
    """One QR code found in an image."""

    text: str
    """The payload as text: ``raw`` decoded as UTF-8 when valid, else the backend's text."""
    raw: bytes
    """The payload bytes as stored in the symbol (for pyzbar, see :func:`scan`)."""
    backend: str
    """``"zxing"`` or ``"zbar"``: the reader that decoded it."""
    position: tuple[Point, ...]
    """Four corner points ``(x, y)`` in image pixels, as the backend reports them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """What one look at an image found: the codes, and the symbols seen but not read."""

    codes: tuple[ScannedCode, ...]
    """Every decoded code, as :func:`scan` returns them."""
    undecoded: tuple[tuple[Point, ...], ...]
    """Corners of symbols zxing-cpp located but could not decode (none for ``"zbar"``):
    a reader can tell its user to hold the code still or closer."""


# --------------------------------------------------------------------------- public


def available_backends() -> tuple[str, ...]:
    """Names of the backends that can be imported here: a subset of ``("zxing", "zbar")``."""
    found = []
    if _load_zxing()[0] is not None:
        found.append("zxing")
    if _load_pyzbar()[0] is not None:
        found.append("zbar")
    return tuple(found)


def scan(
    image: str | os.PathLike[str] | Image.Image | ArrayLike,
    *,
    backend: str = "auto",
) -> tuple[ScannedCode, ...]:
    """Return every QR code found in ``image``; ``()`` when there is none.

    ``image`` is a path to an image file, a PIL image (transparent pixels count
    as paper), or a numpy ``uint8`` array of shape H×W (grey), H×W×1, H×W×3
    (RGB or BGR: the channel order does not matter for decoding) or H×W×4 (the
    fourth channel is ignored).

    ``backend`` is ``"auto"``, ``"zxing"`` or ``"zbar"`` (see the module
    docstring). ``ScannedCode.raw`` is exact with zxing-cpp. pyzbar hands back
    byte-mode payloads that are not UTF-8 as Latin-1 re-encoded to UTF-8; this
    is undone, so ``raw`` is exact for UTF-8 text with characters beyond Latin-1
    (CCCD card text), ASCII and Latin-1 payloads. Only UTF-8 payloads whose
    characters all lie in Latin-1 come back from pyzbar as their Latin-1 bytes
    (``text`` is right in every case).

    Raises ``ValueError`` for an unknown backend or an unusable array,
    ``TypeError`` for an unsupported image type, and
    :class:`ScanBackendUnavailable` when the backend asked for cannot be imported.
    """
    return scan_report(image, backend=backend).codes


def scan_report(
    image: str | os.PathLike[str] | Image.Image | ArrayLike,
    *,
    backend: str = "auto",
) -> ScanReport:
    """Like :func:`scan`, and also the symbols that were located but not decoded."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    gray = _to_gray(image)
    if backend == "zxing":
        codes, failed = _zxing_pass(_require(_load_zxing), gray)
        return ScanReport(codes=tuple(codes), undecoded=tuple(_new_regions(failed, codes)))
    if backend == "zbar":
        return ScanReport(codes=tuple(_zbar_pass(_require(_load_pyzbar), gray)), undecoded=())
    return _scan_auto(gray)


# --------------------------------------------------------------------------- loading


@functools.cache
def _load_zxing() -> tuple[Any | None, str]:
    """``(zxingcpp module, "")`` or ``(None, reason)``; cached."""
    try:
        import zxingcpp
    except ImportError as exc:
        return None, f"{_ZXING_HINT} ({exc})"
    return zxingcpp, ""


@functools.cache
def _load_numpy() -> Any | None:
    """The numpy module, or None when it is not installed; cached."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


@functools.cache
def _load_pyzbar() -> tuple[Any | None, str]:
    """``(pyzbar.pyzbar module, "")`` or ``(None, reason)``; cached.

    pyzbar raises ImportError when libzbar0 is missing (OSError on some
    platforms). ``pyzbar.wrapper.zbar_version`` is never called: its ctypes
    signature is wrong and calling it crashes the interpreter.
    """
    try:
        from pyzbar import pyzbar  # type: ignore[import-untyped,unused-ignore]
    except (ImportError, OSError) as exc:
        return None, f"{_ZBAR_HINT} ({exc})"
    return pyzbar, ""


def _require(load: Callable[[], tuple[Any | None, str]]) -> Any:
    """The module ``load`` returns, or ScanBackendUnavailable with its reason."""
    module, reason = load()
    if module is None:
        raise ScanBackendUnavailable(reason)
    return module


# --------------------------------------------------------------------------- input


def _to_gray(image: object) -> Gray:
    """Any accepted input as 8-bit grey: see :data:`Gray`."""
    from PIL import Image

    if isinstance(image, (str, os.PathLike)):
        with Image.open(image) as opened:
            opened.load()
            return _fast(_pil_to_gray(opened))
    if isinstance(image, Image.Image):
        return _fast(_pil_to_gray(image))
    interface = getattr(image, "__array_interface__", None)
    if not isinstance(interface, dict):
        raise TypeError(f"image must be a path, a PIL image or a numpy array, not {type(image).__name__}")
    shape, typestr = tuple(interface["shape"]), str(interface["typestr"])
    np = _load_numpy()
    if np is not None and typestr[1:] == "u1" and len(shape) == 2:
        return np.ascontiguousarray(image)  # no copy when it already is
    return _fast(_array_to_gray(image, shape, typestr))


def _fast(image: Image.Image) -> Gray:
    """A grey PIL image as zxing-cpp reads it fastest: a numpy view when numpy imports.

    zxing-cpp takes a numpy array several times faster than a PIL image.
    """
    np = _load_numpy()
    return image if np is None else np.asarray(image)


def _pil(gray: Gray) -> Image.Image:
    """:data:`Gray` as a PIL image (no copy for a contiguous array)."""
    from PIL import Image

    return gray if isinstance(gray, Image.Image) else Image.fromarray(gray)


def _size(gray: Gray) -> tuple[int, int]:
    """(width, height) of a :data:`Gray` frame."""
    from PIL import Image

    if isinstance(gray, Image.Image):
        return gray.size
    height, width = gray.shape
    return int(width), int(height)


def _pil_to_gray(image: Image.Image) -> Image.Image:
    from PIL import Image

    if image.mode == "L":
        return image
    if "A" in image.getbands() or "transparency" in image.info:
        # Transparent pixels read as paper, not as ink.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    return image.convert("L")


def _array_to_gray(array: Any, shape: tuple[int, ...], typestr: str) -> Image.Image:
    from PIL import Image

    if typestr[1:] != "u1":
        raise ValueError(f"image array must have dtype uint8, not typestr {typestr!r}")
    if len(shape) == 3 and shape[2] == 1:
        array, shape = array[:, :, 0], shape[:2]
    if len(shape) == 2:
        return Image.fromarray(array)
    if len(shape) == 3 and shape[2] in (3, 4):
        return Image.fromarray(array[:, :, :3]).convert("L")
    raise ValueError(f"image array must be H×W, H×W×3 or H×W×4, not shape {shape}")


# --------------------------------------------------------------------------- backends


def _text_of(raw: bytes, fallback: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return fallback


def _zxing_pass(
    zxingcpp: Any,
    gray: Gray,
    *,
    offset: Point = (0, 0),
    scale: float = 1.0,
    try_invert: bool = True,
    try_downscale: bool = True,
) -> tuple[list[ScannedCode], list[tuple[Point, ...]]]:
    """One zxing-cpp pass: (decoded codes, corners of symbols found but not decoded).

    Positions are mapped back with ``frame = offset + pixel / scale``.
    """
    decoded: list[ScannedCode] = []
    failed: list[tuple[Point, ...]] = []
    found = zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormat.QRCode,
        return_errors=True,
        try_invert=try_invert,
        try_downscale=try_downscale,
    )
    for barcode in found:
        pos = barcode.position
        corners = _map_points(
            ((p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)),
            offset,
            scale,
        )
        if not barcode.valid:
            failed.append(corners)
            continue
        raw = bytes(barcode.bytes)
        decoded.append(
            ScannedCode(
                text=_text_of(raw, str(barcode.text)),
                raw=raw,
                backend="zxing",
                position=corners,
            )
        )
    return decoded, failed


def _zbar_pass(pyzbar: Any, gray: Gray, *, offset: Point = (0, 0)) -> list[ScannedCode]:
    codes: list[ScannedCode] = []
    for symbol in pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE]):
        data = bytes(symbol.data)
        raw = _zbar_raw(data)
        polygon = [(int(p.x), int(p.y)) for p in symbol.polygon]
        if len(polygon) != 4:
            left, top, width, height = symbol.rect
            polygon = [
                (left, top),
                (left + width, top),
                (left + width, top + height),
                (left, top + height),
            ]
        codes.append(
            ScannedCode(
                text=_text_of(raw, data.decode("utf-8", errors="replace")),
                raw=raw,
                backend="zbar",
                position=_map_points(polygon, offset, 1.0),
            )
        )
    return codes


def _zbar_raw(data: bytes) -> bytes:
    """Undo libzbar's Latin-1 → UTF-8 transcoding of byte-mode payloads.

    libzbar returns UTF-8 payloads as they are and re-encodes anything else it
    read as Latin-1 into UTF-8. When the text fits in Latin-1, its Latin-1 bytes
    are the stored bytes; when it does not (Vietnamese card text), the UTF-8
    bytes are.
    """
    try:
        return data.decode("utf-8").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return data


def _map_points(points: Iterable[tuple[float, float]], offset: Point, scale: float) -> tuple[Point, ...]:
    ox, oy = offset
    return tuple((round(ox + x / scale), round(oy + y / scale)) for x, y in points)


# --------------------------------------------------------------------------- auto


def _scan_auto(gray: Gray) -> ScanReport:
    """zxing-cpp on the frame; the detector and fallback passes only where a symbol was seen."""
    zxingcpp, zxing_reason = _load_zxing()
    if zxingcpp is None:
        pyzbar, zbar_reason = _load_pyzbar()
        if pyzbar is None:
            raise ScanBackendUnavailable(f"no QR backend imports: {zxing_reason}; {zbar_reason}")
        return ScanReport(codes=tuple(_zbar_pass(pyzbar, gray)), undecoded=())

    codes, failed = _zxing_pass(zxingcpp, gray)
    if not codes and not failed:
        # Nothing at all: look again at half size, sharpened, where blurred finder
        # patterns stand out. A frame without a code ends here.
        codes, failed = _detect_pass(zxingcpp, gray)
    if not failed:
        return ScanReport(codes=tuple(codes), undecoded=())
    seen = {code.text for code in codes}
    tried: list[tuple[int, int, int, int]] = []
    for corners in (regions := _new_regions(failed, codes)):
        box = _crop_box(corners, *_size(gray))
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in tried):
            continue  # the crop already tried covers this one's centre
        if len(tried) == MAX_FALLBACK_REGIONS:
            break
        tried.append(box)
        for code in _fallback(zxingcpp, gray, box):
            if code.text not in seen:
                seen.add(code.text)
                codes.append(code)
    still = tuple(corners for corners in regions if not _inside_any(corners, codes))
    return ScanReport(codes=tuple(codes), undecoded=still)


def _inside_any(corners: Sequence[Point], codes: Sequence[ScannedCode]) -> bool:
    """Whether the centre of ``corners`` lies in the bounding box of one of ``codes``."""
    cx = sum(x for x, _ in corners) / len(corners)
    cy = sum(y for _, y in corners) / len(corners)
    return any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in (_bbox(c.position) for c in codes))


def _detect_pass(zxingcpp: Any, gray: Gray) -> tuple[list[ScannedCode], list[tuple[Point, ...]]]:
    """zxing-cpp on a half-size, sharpened copy: codes it decodes, symbols it only locates.

    Halving the frame shrinks a heavy blur with it, and the 3×3 sharpening that
    follows brings back the rings of the finder patterns. Most of its cost is
    the sharpening; zxing-cpp on the quarter-size image is quick.
    """
    from PIL import ImageFilter

    small = _pil(gray).reduce(2).filter(ImageFilter.Kernel((3, 3), _SHARPEN_3X3, 1))
    return _zxing_pass(zxingcpp, _fast(small), scale=0.5, try_invert=False, try_downscale=False)


def _new_regions(
    failed: Sequence[tuple[Point, ...]], decoded: Sequence[ScannedCode]
) -> list[tuple[Point, ...]]:
    """Undecoded symbols whose centre lies outside every decoded one, without repeats."""
    boxes = [_bbox(code.position) for code in decoded]
    regions: list[tuple[Point, ...]] = []
    for corners in failed:
        cx = sum(x for x, _ in corners) / len(corners)
        cy = sum(y for _, y in corners) / len(corners)
        if any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes):
            continue
        boxes.append(_bbox(corners))
        regions.append(corners)
    return regions


def _bbox(points: Sequence[Point]) -> tuple[int, int, int, int]:
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _crop_box(corners: Sequence[Point], width: int, height: int) -> tuple[int, int, int, int]:
    """Box around a located symbol: its size plus a margin, and at least ``_MIN_CROP`` px.

    The minimum matters when zxing-cpp mistook one blurred finder pattern for a
    whole small symbol: the real symbol then lies around it.
    """
    left, top, right, bottom = _bbox(corners)
    half = max((0.5 + _CROP_MARGIN) * max(right - left, bottom - top, 1), _MIN_CROP / 2)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    return (
        max(0, round(cx - half)),
        max(0, round(cy - half)),
        min(width, round(cx + half) + 1),
        min(height, round(cy + half) + 1),
    )


def _fallback(zxingcpp: Any, gray: Gray, box: tuple[int, int, int, int]) -> list[ScannedCode]:
    """Read the crop ``box`` around an undecoded symbol, trying each enhancement in turn."""
    crop = _pil(gray).crop(box)
    offset = (box[0], box[1])
    for image, scale in _enhanced(crop):
        found = _zxing_pass(zxingcpp, image, offset=offset, scale=scale, try_invert=False)[0]
        if found:
            return found
    return []


# --------------------------------------------------------------------------- enhancements


def _enhanced(crop: Image.Image) -> Iterator[tuple[Gray, float]]:
    """Enhanced copies of a crop, cheapest first, as (image, scale relative to the crop).

    Measured on the degraded frames of bench/qr_frames.py: an enlarged, sharpened
    copy reads small modules under mild blur; Wiener deconvolution of a Gaussian
    blur reads heavier blur, but only when its width is within about a quarter
    pixel of the true one, hence the ladder :data:`_DEBLUR_SIGMAS`. The ladder
    needs numpy and is skipped without it.
    """
    from PIL import Image, ImageFilter

    big = crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.BICUBIC)
    yield _fast(big.filter(ImageFilter.Kernel((3, 3), _SHARPEN_3X3, 1))), 2.0
    np = _load_numpy()
    if np is None:
        return
    pad = 16  # mirrored border: keeps the FFT's wrap-around away from the symbol
    pixels = np.pad(np.asarray(crop, dtype=np.float32), pad, mode="reflect")
    spectrum = np.fft.rfft2(pixels)
    f2 = np.fft.fftfreq(pixels.shape[0]).astype(np.float32)[:, None] ** 2 + (
        np.fft.rfftfreq(pixels.shape[1]).astype(np.float32)[None, :] ** 2
    )
    for sigma in _DEBLUR_SIGMAS:
        otf = np.exp(np.float32(-2 * math.pi**2 * sigma**2) * f2)
        sharp = np.fft.irfft2(spectrum * (otf / (otf * otf + _WIENER_K)), s=pixels.shape)
        yield np.ascontiguousarray(np.clip(sharp[pad:-pad, pad:-pad], 0, 255).astype(np.uint8)), 1.0
