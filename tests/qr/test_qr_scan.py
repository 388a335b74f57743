"""cccdqr.qr.scan: every QR code in an image, with zxing-cpp, pyzbar or both."""

from __future__ import annotations

import dataclasses
import importlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter

from cccdqr.qr import (
    ScanBackendUnavailable,
    ScannedCode,
    ScanReport,
    available_backends,
    render,
    scan,
    scan_report,
)

# The module, not the function that ``cccdqr.qr`` re-exports under the same name.
scan_module = importlib.import_module("cccdqr.qr.scan")

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
VN1 = "VN1:" + "6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3" * 4
CARD = "038095012345||NGUYỄN VĂN A|15081995|Nam|P. Cát Linh, Q. Đống Đa, Hà Nội|25112021"
FRAME = (1280, 720)

BACKENDS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(name not in available_backends(), reason=f"{name} backend not importable"),
    )
    for name in ("zxing", "zbar")
]


def qr_image(text: str, *, scale: int = 4, border: int = 4) -> Image.Image:
    with Image.open(io.BytesIO(render(text, scale=scale, border=border).data)) as image:
        return image.convert("L")


def compose(
    codes: list[tuple[str, tuple[int, int]]], *, size: tuple[int, int] = FRAME, scale: int = 4
) -> Image.Image:
    """A grey frame with each text's code pasted at its top-left corner."""
    frame = Image.new("L", size, 160)
    for text, corner in codes:
        frame.paste(qr_image(text, scale=scale), corner)
    return frame


def texts(found: tuple[ScannedCode, ...]) -> list[str]:
    return sorted(code.text for code in found)


@pytest.fixture
def no_pyzbar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``from pyzbar import pyzbar`` fail, as it does without libzbar0."""
    load = scan_module._load_pyzbar
    load.cache_clear()
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    yield
    load.cache_clear()


# --------------------------------------------------------------------------- round trips


def test_both_backends_are_available_here() -> None:
    assert set(available_backends()) == {"zxing", "zbar"}


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
@pytest.mark.parametrize("text", [VN1, "HC1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3", "VN1:"])
def test_base45_text_round_trips(backend: str, text: str) -> None:
    found = scan(qr_image(text), backend=backend)
    assert len(found) == 1
    (code,) = found
    assert code.text == text
    assert code.raw == text.encode("ascii")
    assert code.backend == ("zxing" if backend == "auto" else backend)


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
def test_card_utf8_text_comes_back_exactly(backend: str) -> None:
    (code,) = scan(qr_image(CARD), backend=backend)
    assert code.text == CARD
    assert code.raw == CARD.encode("utf-8")


@pytest.mark.parametrize("backend", BACKENDS)
def test_latin1_byte_mode_payload_keeps_its_bytes(backend: str) -> None:
    # segno stores text that fits Latin-1 as Latin-1 bytes (the QR default charset);
    # pyzbar hands those back re-encoded to UTF-8, which scan() undoes.
    text = "Café Hà"  # "à" is Latin-1 too
    (code,) = scan(qr_image(text), backend=backend)
    assert code.text == text
    assert code.raw == text.encode("latin-1")


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
def test_several_codes_in_one_frame_are_all_found(backend: str) -> None:
    placed = {
        "VN1:FIRST CODE": (40, 60),
        VN1: (500, 200),
        CARD: (930, 330),
    }
    frame = compose(list(placed.items()))
    found = scan(frame, backend=backend)
    assert texts(found) == sorted(placed)
    width, height = frame.size
    for code in found:
        assert len(code.position) == 4
        assert all(0 <= x < width and 0 <= y < height for x, y in code.position)
        # The corners lie on the symbol that was pasted for this text.
        left, top = placed[code.text]
        side = qr_image(code.text).width
        assert all(left <= x <= left + side and top <= y <= top + side for x, y in code.position)


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
def test_blank_frame_gives_no_codes(backend: str) -> None:
    assert scan(Image.new("L", FRAME, 200), backend=backend) == ()
    assert scan(np.zeros((720, 1280), dtype=np.uint8), backend=backend) == ()


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
def test_frame_with_text_but_no_code_gives_no_codes(backend: str) -> None:
    frame = Image.new("L", FRAME, 200)
    frame.paste(qr_image(VN1).filter(ImageFilter.GaussianBlur(12)), (100, 100))
    assert scan(frame, backend=backend) == ()


# --------------------------------------------------------------------------- inputs


def test_path_pil_and_numpy_inputs_agree(tmp_path: Path) -> None:
    gray = compose([(VN1, (300, 100))])
    rgb = np.stack([np.asarray(gray)] * 3, axis=-1)
    rgb[..., 0] //= 2  # a tint, so RGB and BGR differ
    png = tmp_path / "frame.png"
    gray.save(png)
    render(VN1).save(tmp_path / "code.png")
    inputs: list[Any] = [
        str(png),
        png,
        tmp_path / "code.png",
        gray,
        gray.convert("RGB"),
        gray.convert("RGBA"),
        gray.convert("1"),
        np.asarray(gray),
        np.asarray(gray)[:, :, None],
        rgb,
        np.ascontiguousarray(rgb[..., ::-1]),
        rgb[..., ::-1],  # a non-contiguous BGR view
        np.concatenate([rgb, np.zeros((720, 1280, 1), np.uint8)], axis=-1),  # BGRX, X ignored
    ]
    for image in inputs:
        for backend in available_backends():
            assert texts(scan(image, backend=backend)) == [VN1], (type(image), backend)


def test_transparent_background_reads_as_paper() -> None:
    code = qr_image(VN1)
    rgba = Image.new("RGBA", code.size, (0, 0, 0, 0))  # transparent black
    rgba.putalpha(code.point(lambda v: 255 - v))  # ink opaque, paper transparent
    assert texts(scan(rgba)) == [VN1]


def test_unsupported_inputs_raise() -> None:
    with pytest.raises(TypeError):
        scan(b"not an image")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uint8"):
        scan(np.zeros((10, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        scan(np.zeros((10, 10, 2), dtype=np.uint8))
    with pytest.raises(FileNotFoundError):
        scan("/nonexistent/frame.png")


def test_unknown_backend_raises_value_error() -> None:
    with pytest.raises(ValueError, match="backend"):
        scan(qr_image(VN1), backend="opencv")


def test_scanned_code_is_frozen() -> None:
    (code,) = scan(qr_image(VN1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- camera frames


def camera_frame(text: str, *, seed: int = 7) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Rotated 15°, Gaussian blur radius 1, sensor noise, in a 1280×720 grey frame."""
    code = qr_image(text, scale=5).point(lambda v: 45 if v < 128 else 215)
    code = code.rotate(15, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=215)
    frame = Image.new("L", FRAME, 120)
    frame.paste(code, (380, (FRAME[1] - code.height) // 2))
    frame = frame.filter(ImageFilter.GaussianBlur(1))
    rng = np.random.default_rng(seed)
    noisy = np.asarray(frame, dtype=np.float64) + rng.normal(0, 12, (FRAME[1], FRAME[0]))
    return np.clip(noisy, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("text", [VN1, CARD])
def test_degraded_camera_frame_decodes_with_auto(text: str) -> None:
    found = scan(camera_frame(text))
    assert texts(found) == [text]


# --------------------------------------------------------------------------- auto: blur


def blurred_frame(text: str, *, scale: int, sigma: float) -> Image.Image:
    """The code at ``scale`` px per module on a grey frame, then a Gaussian blur of the whole frame."""
    code = qr_image(text, scale=scale).point(lambda v: 40 if v < 128 else 210)
    frame = Image.new("L", FRAME, 120)
    frame.paste(code, (400, 200))
    return frame.filter(ImageFilter.GaussianBlur(sigma))


@pytest.mark.parametrize("sigma", [1.5, 2.0])
@pytest.mark.parametrize("text", [VN1, CARD])
def test_auto_reads_a_blurred_code_that_zxing_alone_misses(text: str, sigma: float) -> None:
    frame = blurred_frame(text, scale=3, sigma=sigma)
    assert scan(frame, backend="zxing") == ()
    (code,) = scan(frame)
    assert code.text == text
    assert code.backend == "zxing"
    side = qr_image(text, scale=3).width
    # Corners are mapped back from the crop to the frame: they lie on the symbol.
    assert all(390 <= x <= 410 + side and 190 <= y <= 210 + side for x, y in code.position)


def test_auto_without_numpy_still_reads_small_blurred_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without numpy there is no deconvolution, but the half-size sharpened pass still runs.
    monkeypatch.setattr(scan_module, "_load_numpy", lambda: None)
    frame = blurred_frame(VN1, scale=2, sigma=1.0)
    assert scan(frame, backend="zxing") == ()
    assert texts(scan(frame)) == [VN1]
    assert texts(scan(compose([(VN1, (10, 10))]))) == [VN1]


# --------------------------------------------------------------------------- auto: gating


def hide_first_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make auto's full-frame zxing pass report every code as located but undecoded;
    the other passes (half-size, crops) run unchanged."""
    real = scan_module._zxing_pass

    def first_pass_fails(zxingcpp: Any, gray: Any, **kwargs: Any) -> Any:
        codes, failed = real(zxingcpp, gray, **kwargs)
        if kwargs:  # not the full-frame pass
            return codes, failed
        return [], failed + [code.position for code in codes]

    monkeypatch.setattr(scan_module, "_zxing_pass", first_pass_fails)


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy", "no-numpy"])
def test_auto_fallback_reads_undecoded_symbols_at_their_place(
    monkeypatch: pytest.MonkeyPatch, numpy: bool
) -> None:
    frame = compose([(VN1, (100, 80)), (CARD, (800, 300))], scale=3)
    expected = {code.text: code.position for code in scan(frame, backend="zxing")}
    if not numpy:
        monkeypatch.setattr(scan_module, "_load_numpy", lambda: None)
    hide_first_pass(monkeypatch)
    found = scan(frame)
    assert texts(found) == sorted(expected)
    for code in found:
        assert code.backend == "zxing"
        assert code.raw == code.text.encode("utf-8")
        # Corners are mapped back from the crop to frame coordinates.
        assert len(code.position) == 4
        for x, y in code.position:
            assert min(abs(x - ex) + abs(y - ey) for ex, ey in expected[code.text]) <= 6


def test_auto_reports_a_text_found_by_two_passes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = compose([(VN1, (100, 80)), (VN1, (700, 200)), ("VN1:OTHER", (400, 450))])
    first = scan(frame, backend="zxing")
    assert texts(first) == sorted([VN1, VN1, "VN1:OTHER"])  # zxing alone: both copies
    hidden_copy = max(first, key=lambda code: code.position[0][0] if code.text == VN1 else -1)
    real = scan_module._zxing_pass

    def one_copy_undecoded(zxingcpp: Any, gray: Any, **kwargs: Any) -> Any:
        codes, failed = real(zxingcpp, gray, **kwargs)
        if kwargs:
            return codes, failed
        return [c for c in codes if c != hidden_copy], failed + [hidden_copy.position]

    monkeypatch.setattr(scan_module, "_zxing_pass", one_copy_undecoded)
    found = scan(frame)
    assert texts(found) == sorted([VN1, "VN1:OTHER"])


class Calls:
    """Counts calls to a module function and passes them on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.real = getattr(scan_module, name)
        self.args: list[tuple[Any, ...]] = []
        monkeypatch.setattr(scan_module, name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.args.append(args)
        return self.real(*args, **kwargs)


def no_fallback(*args: Any) -> Any:
    raise AssertionError("fallback ran")


def test_auto_skips_the_other_passes_when_everything_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    detect = Calls(monkeypatch, "_detect_pass")
    monkeypatch.setattr(scan_module, "_fallback", no_fallback)
    assert texts(scan(compose([(VN1, (10, 10))]))) == [VN1]
    assert detect.args == []


def test_a_frame_without_a_code_costs_two_passes_and_no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    detect = Calls(monkeypatch, "_detect_pass")
    monkeypatch.setattr(scan_module, "_fallback", no_fallback)
    frame = Image.new("L", FRAME, 200)
    frame.paste(qr_image(VN1).filter(ImageFilter.GaussianBlur(12)), (100, 100))  # a grey smudge
    for image in (Image.new("L", FRAME, 128), frame):
        assert scan(image) == ()
    assert len(detect.args) == 2  # one half-size pass per frame


def test_the_fallback_runs_once_per_place(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three located symbols: two small ones next to each other (blurred finder patterns
    # taken for symbols), one far away. One crop covers the first two.
    near = [
        ((100, 100), (140, 100), (140, 140), (100, 140)),
        ((180, 110), (220, 110), (220, 150), (180, 150)),
    ]
    far = [((900, 500), (940, 500), (940, 540), (900, 540))]
    monkeypatch.setattr(scan_module, "_zxing_pass", lambda *args, **kwargs: ([], near + far))
    fallback = Calls(monkeypatch, "_fallback")
    assert scan(Image.new("L", FRAME, 128)) == ()
    boxes = [args[2] for args in fallback.args]
    assert len(boxes) == 2
    # Each crop holds its symbol with room around it, and at least MIN_CROP px a side
    # where the frame allows.
    (x0, y0, x1, y1), (u0, v0, u1, v1) = boxes
    assert x0 == 0 and y0 == 0 and x1 - x0 >= 300 and y1 - y0 >= 300
    assert u0 < 900 and v0 < 500 and u1 > 940 and v1 > 540
    assert u1 - u0 == v1 - v0 >= scan_module._MIN_CROP


def test_auto_tries_at_most_max_fallback_regions_crops(monkeypatch: pytest.MonkeyPatch) -> None:
    many = [((x, 300), (x + 40, 300), (x + 40, 340), (x, 340)) for x in range(0, 1280, 200)]
    monkeypatch.setattr(scan_module, "_zxing_pass", lambda *args, **kwargs: ([], many))
    fallback = Calls(monkeypatch, "_fallback")
    assert scan(Image.new("L", FRAME, 128)) == ()
    assert len(fallback.args) == scan_module.MAX_FALLBACK_REGIONS


# --------------------------------------------------------------------------- scan_report


def test_scan_report_names_a_symbol_it_could_not_read() -> None:
    frame = compose([(VN1, (300, 100))])
    side = qr_image(VN1).width
    # Paper over a third of the data area: the finder patterns stay, the ECC cannot cope.
    ImageDraw.Draw(frame).rectangle(
        (300 + side * 0.35, 100 + side * 0.35, 300 + side * 0.7, 100 + side * 0.7), fill=255
    )
    for backend in ("auto", "zxing"):
        report = scan_report(frame, backend=backend)
        assert report.codes == ()
        (corners,) = report.undecoded
        assert all(300 <= x <= 300 + side and 100 <= y <= 100 + side for x, y in corners)


@pytest.mark.parametrize("backend", [*BACKENDS, "auto"])
def test_scan_report_of_a_readable_frame_has_nothing_undecoded(backend: str) -> None:
    frame = compose([(VN1, (10, 10)), (CARD, (700, 300))])
    report = scan_report(frame, backend=backend)
    assert isinstance(report, ScanReport)
    assert texts(report.codes) == sorted([VN1, CARD])
    assert report.codes == scan(frame, backend=backend)
    assert report.undecoded == ()
    assert scan_report(Image.new("L", FRAME, 128), backend=backend) == ScanReport(codes=(), undecoded=())


def test_scan_report_drops_symbols_the_fallback_read(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_first_pass(monkeypatch)
    report = scan_report(compose([(VN1, (100, 80))], scale=3))
    assert texts(report.codes) == [VN1]
    assert report.undecoded == ()


# --------------------------------------------------------------------------- zbar missing


def test_zbar_backend_without_libzbar_names_the_system_package(no_pyzbar: None) -> None:
    assert available_backends() == ("zxing",)
    with pytest.raises(ScanBackendUnavailable, match="libzbar0") as info:
        scan(qr_image(VN1), backend="zbar")
    assert "apt-get install libzbar0" in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_auto_without_libzbar_still_decodes(no_pyzbar: None) -> None:
    assert texts(scan(qr_image(VN1))) == [VN1]
    assert texts(scan(camera_frame(CARD))) == [CARD]
    assert texts(scan(blurred_frame(CARD, scale=3, sigma=2.0))) == [CARD]
    assert scan(Image.new("L", FRAME, 128)) == ()


# --------------------------------------------------------------------------- property


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=BASE45, min_size=1, max_size=300))
def test_any_base45_payload_round_trips_through_zxing(body: str) -> None:
    text = "VN1:" + body
    rendered = render(text, scale=2, border=4)
    assert rendered.mode == "alphanumeric"
    with Image.open(io.BytesIO(rendered.data)) as image:
        found = scan(image, backend="zxing")
    assert [code.text for code in found] == [text]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 48), st.integers(1, 48), st.integers(0, 2**32 - 1))
def test_auto_never_raises_on_small_arbitrary_frames(height: int, width: int, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)
    assert isinstance(scan(pixels), tuple)
    report = scan_report(pixels)
    assert isinstance(report.undecoded, tuple)


@pytest.mark.parametrize("size", [(1, 1), (2, 1), (1, 7), (5, 5)])
def test_enhancements_keep_the_crop_geometry_even_for_tiny_crops(size: tuple[int, int]) -> None:
    crop = Image.new("L", size, 90)
    for image, scale in scan_module._enhanced(crop):
        assert np.asarray(image).shape == (round(size[1] * scale), round(size[0] * scale))
