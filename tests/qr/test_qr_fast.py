"""The fast renderer (issue 15, item 7): every symbol from a sample of each renderer
decodes back to the exact text with both zxing-cpp and pyzbar, and the fast symbol
keeps segno's version, ECC level and the 4-module quiet zone."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cccdqr.qr import RENDERERS, render, render_fast, render_with, scan
from cccdqr.qr.fast import _matrix
from cccdqr.testing import signed_codes

import helpers

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
#: The most alphanumeric characters version 10 holds at ECC level M.
V10_ALNUM = 311
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_round_trip(text: str, renderer: str, *, scale: int = 4) -> Image.Image:
    """Render ``text`` as PNG with ``renderer``; both backends read exactly ``text``."""
    image = _image(render_with(text, renderer=renderer, scale=scale).data)
    for backend in ("zxing", "zbar"):
        assert [code.text for code in scan(image, backend=backend)] == [text], backend
    return image


def assert_same_symbol_rules(text: str, *, scale: int = 4) -> None:
    """The fast symbol has segno's version, ECC level M, mode and a 4-module quiet zone."""
    fast, segno = render_fast(text, scale=scale), render(text, scale=scale)
    assert (fast.version, fast.error, fast.mode, fast.modules) == \
        (segno.version, segno.error, segno.mode, segno.modules)
    image = _image(fast.data)
    assert image.size == ((fast.modules + 8) * scale,) * 2
    assert image.format == "PNG"
    dark = np.asarray(image.convert("L")) < 128
    quiet = 4 * scale
    assert not dark[:quiet].any() and not dark[-quiet:].any()
    assert not dark[:, :quiet].any() and not dark[:, -quiet:].any()
    assert dark[quiet, quiet] and dark[-quiet - 1, quiet] and dark[quiet, -quiet - 1]  # finders
    modules = dark[quiet:-quiet:scale, quiet:-quiet:scale]
    assert modules.shape == (fast.version * 4 + 17,) * 2
    assert (modules == _matrix(text, fast.version, "M")).all()  # zxing-cpp's symbol, as drawn
    assert (np.kron(modules, np.ones((scale, scale), bool)) == dark[quiet:-quiet, quiet:-quiet]).all()
    import zxingcpp

    [found] = zxingcpp.read_barcodes(image.convert("L"))
    assert found.ec_level == "M"


# --------------------------------------------------------------------------- real codes


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("doses", [1, 3])
def test_issued_vn1_codes_round_trip(renderer: str, doses: int) -> None:
    text = helpers.issue(helpers.certificate(doses))
    assert_round_trip(text, renderer)
    assert_same_symbol_rules(text)


@FEW
@given(code=signed_codes("VN1"))
def test_drawn_vn1_codes_round_trip_with_both_renderers(code: object) -> None:
    text = code.text  # type: ignore[attr-defined]
    for renderer in RENDERERS:
        assert_round_trip(text, renderer, scale=3)
    assert_same_symbol_rules(text, scale=3)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=signed_codes("HC1"))
def test_hc1_codes_round_trip_with_both_renderers(code: object) -> None:
    text = code.text  # type: ignore[attr-defined]
    assert text.startswith("HC1:")
    for renderer in RENDERERS:
        assert_round_trip(text, renderer, scale=2)
    assert_same_symbol_rules(text, scale=2)


# --------------------------------------------------------------------------- drawn payloads


@FEW
@given(text=st.text(BASE45, min_size=1, max_size=V10_ALNUM))
def test_alphanumeric_payloads_up_to_version_10(text: str) -> None:
    for renderer in RENDERERS:
        assert_round_trip(text, renderer, scale=3)
    assert_same_symbol_rules(text, scale=3)


@FEW
@given(text=st.text(PRINTABLE, min_size=1, max_size=200).filter(lambda t: t.strip() == t))
def test_byte_payloads_round_trip(text: str) -> None:
    for renderer in RENDERERS:
        assert_round_trip(text, renderer, scale=3)
    assert_same_symbol_rules(text, scale=3)


@pytest.mark.parametrize("length", [1, 20, 100, 200, 270, V10_ALNUM])
def test_alphanumeric_lengths_pick_segnos_version(length: int) -> None:
    text = ("VN1:" + BASE45 * 8)[:length]
    assert_same_symbol_rules(text)
    for renderer in RENDERERS:
        assert_round_trip(text, renderer)


def test_the_longest_version_10_payload_is_version_10() -> None:
    text = ("VN1:" + BASE45 * 8)[:V10_ALNUM]
    assert render_fast(text).version == 10
    assert render_fast(text + "A").version == 11


def test_non_ascii_text_goes_to_segno_and_still_scans() -> None:
    text = "038095012345||NGUYỄN VĂN A|15081995|Nam|Hà Nội|25112021"
    assert render_fast(text).data == render(text).data
    assert_round_trip(text, "fast")


# --------------------------------------------------------------------------- SVG


def _svg_modules(svg: bytes, size: int, scale: int, border: int) -> np.ndarray:
    """The module grid segno's SVG path draws (``M x y.5 h n`` / ``m dx dy h n``)."""
    grid = np.zeros((size, size), bool)
    path = re.search(rb' d="([^"]+)"', svg)
    assert path is not None
    x = y = 0.0
    for op, a, b in re.findall(rb"([Mmhv])(-?[\d.]+)(?: (-?[\d.]+))?", path[1]):
        if op in (b"M", b"m"):
            x, y = (float(a), float(b)) if op == b"M" else (x + float(a), y + float(b))
        elif op == b"h":
            n = float(a)
            grid[int(y) - border, int(x) - border:int(x + n) - border] = True
            x += n
    return grid


@pytest.mark.parametrize("length", [30, V10_ALNUM])
def test_svg_draws_exactly_the_matrix(length: int) -> None:
    text = ("VN1:" + BASE45 * 8)[:length]
    svg = render_fast(text, kind="svg")
    assert svg.kind == "svg" and svg.data.startswith(b"<?xml")
    assert b'width="%d"' % ((svg.modules + 8) * 8) in svg.data
    matrix = _matrix(text, svg.version, "M")
    assert (_svg_modules(svg.data, svg.modules, 8, 4) == matrix).all()


def test_svg_rasterised_scans_back() -> None:
    text = helpers.issue(helpers.certificate(3))
    svg = render_fast(text, kind="svg", scale=4)
    grid = _svg_modules(svg.data, svg.modules, 4, 4)
    pixels = np.pad(np.where(grid, 0, 255).astype(np.uint8), 4, constant_values=255)
    image = Image.fromarray(np.kron(pixels, np.ones((4, 4), np.uint8)))
    for backend in ("zxing", "zbar"):
        assert [code.text for code in scan(image, backend=backend)] == [text]


# --------------------------------------------------------------------------- choices


def test_unknown_renderer_is_refused() -> None:
    with pytest.raises(ValueError, match="renderer"):
        render_with("VN1:ABC", renderer="pillow")


def test_options_outside_the_fast_path_fall_back_to_segno() -> None:
    for options in ({"error": "H"}, {"border": 0}, {"kind": "svg", "error": "L"}):
        fast, segno = render_fast("VN1:ABC", **options), render("VN1:ABC", **options)  # type: ignore[arg-type]
        assert (fast.version, fast.error) == (segno.version, segno.error)
