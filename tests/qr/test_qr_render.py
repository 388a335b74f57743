"""cccdqr.qr.render: PNG/SVG bytes, the version, ECC level and mode segno chose."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest
import segno
from PIL import Image

from cccdqr.qr import RenderedQR, render, scan

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
VN1 = "VN1:" + "6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3" * 4
HC1 = (
    "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9G4G50PHZF0AT4V22F/8X*G3M9JUPY0BX/KR96R/"
    "S09T./0LWTKD33236J3TA3M*4VV2 73-E3GG396B-43O058YIB73A*G3W19UEBY5:PI0EGSP4*2DN43U*0CEBQ/GXQ"
    "FY73CIBC:G 7376BXBJBAJ UNFMJCRN0H3PQN*E33H3OA70M3FMJIJN523.K5QZ4A+2XEN QT QTHC31M3+E32R44$"
    "28A9H0D3ZCL4JMYAZ+S-A5$XKX6T2YC 35H/ITX8GL2-LH/CJTK96L6SR9MU9RFGJA6Q3QR$P2OIC0JVLA8J3ET3:H"
    "3A+2+33U SAAUOT3TPTO4UBZIC0JKQTL*QDKBO.AI9BVYTOCFOPS4IJCOT0$89NT2V457U8+9W2KQ-7LF9-DF07U$B"
    "97JJ1D7WKP/HLIJLRKF1MFHJP7NVDEBU1J*Z222E.GJF67Z JA6B.38O4BH*HB0EGLE2%V -3O+J3.PI2G:M1SSP2Y"
    "3D38-G9C+Q6 D-I0B.2IT3HL5VU3QM0Z2NO$1UI1RCPJB*9X1"
)
CARD = "038095012345||NGUYỄN VĂN A|15081995|Nam|P. Cát Linh, Q. Đống Đa, Hà Nội|25112021"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_png_bytes_are_a_png_of_the_expected_size() -> None:
    qr = render(VN1, scale=3, border=2)
    assert qr.kind == "png"
    assert qr.data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(qr.data)) as image:
        assert image.size == ((qr.modules + 2 * 2) * 3,) * 2


def test_svg_bytes_hold_an_svg_element() -> None:
    qr = render(VN1, kind="svg")
    assert qr.kind == "svg"
    assert b"<svg" in qr.data
    assert not qr.data.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("text", [VN1, HC1, "VN1:", "HC1:6BF"])
def test_base45_payloads_use_alphanumeric_mode(text: str) -> None:
    assert set(text) <= set(BASE45)
    assert render(text).mode == "alphanumeric"


def test_card_text_uses_byte_mode() -> None:
    assert render(CARD).mode == "byte"


@pytest.mark.parametrize("error", ["L", "M", "Q", "H"])
def test_version_and_level_match_segno_without_boosting(error: str) -> None:
    qr = render(VN1, error=error)
    reference = segno.make(VN1, error=error, boost_error=False, micro=False)
    assert qr.version == reference.version
    assert qr.error == error
    assert qr.modules == 17 + 4 * qr.version


def test_lower_case_error_level_is_accepted() -> None:
    assert render("VN1:ABC", error="q").error == "Q"


def test_version_grows_with_length() -> None:
    versions = [render("VN1:" + "A" * n).version for n in (10, 50, 100, 200, 400, 800)]
    assert versions == sorted(versions)
    assert versions[0] < versions[-1]
    assert versions[0] == 1


def test_higher_error_level_never_needs_a_smaller_version() -> None:
    versions = [render(HC1, error=level).version for level in "LMQH"]
    assert versions == sorted(versions)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "jpeg"},
        {"kind": "eps"},
        {"error": "X"},
        {"error": ""},
        {"scale": 0},
        {"border": -1},
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render("VN1:ABC", **kwargs)  # type: ignore[arg-type]


def test_text_too_long_for_any_version_raises_value_error() -> None:
    with pytest.raises(ValueError):
        render("A" * 5000, error="H")


def test_save_writes_the_image_bytes(tmp_path: Path) -> None:
    png = render(VN1)
    svg = render(VN1, kind="svg")
    png.save(tmp_path / "code.png")
    svg.save(str(tmp_path / "code.svg"))
    assert (tmp_path / "code.png").read_bytes() == png.data
    assert (tmp_path / "code.svg").read_bytes() == svg.data


def test_rendered_qr_is_frozen() -> None:
    qr = render("VN1:ABC")
    assert isinstance(qr, RenderedQR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        qr.version = 2  # type: ignore[misc]


def test_render_is_deterministic() -> None:
    assert render(HC1) == render(HC1)


def test_importing_the_package_loads_no_qr_library() -> None:
    code = (
        "import sys, cccdqr, cccdqr.qr; "
        "loaded = [m for m in ('segno', 'zxingcpp', 'pyzbar') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("text", [
    "shc:/" + "5676290952432060346029243740" * 20,
    "shc:/2/3/" + "56762909524320603460" * 10,
])
def test_smart_health_card_is_a_byte_and_a_numeric_segment(text: str) -> None:
    two = render(text, kind="png")
    one = segno.make(text, error="M", boost_error=False, micro=False)  # all bytes
    assert two.mode == "byte+numeric" and two.version < one.version
    assert [c.text for c in scan(Image.open(io.BytesIO(two.data)))] == [text]


def test_other_text_with_shc_prefix_is_not_segmented() -> None:
    assert render("shc:/12a4", kind="svg").mode == "byte"
