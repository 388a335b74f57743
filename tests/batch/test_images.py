"""A batch row's image files (issue 15, item 6): sharded paths named by row number,
never by ID number; atomic writes; PNG, SVG and the PDF page scan back to the code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from cccdqr.batch.images import ImageOptions, image_path, write_images
from cccdqr.qr import scan

import helpers


def test_rows_go_to_sharded_folders_by_number(tmp_path: Path) -> None:
    assert image_path(tmp_path, "png", 123) == tmp_path / "png" / "000" / "000123.png"
    assert image_path(tmp_path, "svg", 999) == tmp_path / "svg" / "000" / "000999.svg"
    assert image_path(tmp_path, "png", 1000) == tmp_path / "png" / "001" / "001000.png"
    assert image_path(tmp_path, "pdf", 999_999) == tmp_path / "pdf" / "999" / "999999.pdf"
    assert image_path(tmp_path, "png", 1_234_567) == tmp_path / "png" / "1234" / "1234567.png"


def test_a_shard_holds_at_most_a_thousand_rows(tmp_path: Path) -> None:
    shards: dict[Path, set[Path]] = {}
    for row in range(1, 5001):
        path = image_path(tmp_path, "png", row)
        shards.setdefault(path.parent, set()).add(path)
    assert max(len(names) for names in shards.values()) == 1000
    assert sum(len(names) for names in shards.values()) == 5000  # no two rows share a name


def test_negative_rows_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        image_path(tmp_path, "png", -1)


def test_options_are_checked() -> None:
    assert not ImageOptions().any
    assert ImageOptions(svg=True).any
    with pytest.raises(ValueError):
        ImageOptions(pdf="Letter")
    with pytest.raises(ValueError):
        ImageOptions(renderer="pillow")


def test_nothing_is_written_when_nothing_is_asked(tmp_path: Path) -> None:
    cert = helpers.certificate(1)
    write_images(tmp_path, 1, helpers.issue(cert), cert, ImageOptions())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("renderer", ["fast", "segno"])
def test_png_svg_and_pdf_files_scan_back(tmp_path: Path, renderer: str) -> None:
    cert = helpers.certificate(3)
    text = helpers.issue(cert)
    write_images(tmp_path, 123, text, cert, ImageOptions(png=True, svg=True, pdf="A6",
                                                          renderer=renderer))
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["pdf/000/000123.pdf", "png/000/000123.png", "svg/000/000123.svg"]
    png = tmp_path / "png" / "000" / "000123.png"
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] == image.size[1]
        for backend in ("zxing", "zbar"):
            assert [c.text for c in scan(image, backend=backend)] == [text]
    assert (tmp_path / "svg" / "000" / "000123.svg").read_bytes().startswith(b"<?xml")
    pdf = tmp_path / "pdf" / "000" / "000123.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    [page] = sorted(tmp_path.glob("page*.png"))
    for backend in ("zxing", "zbar"):
        assert [c.text for c in scan(page, backend=backend)] == [text]


def test_names_never_hold_the_id_number(tmp_path: Path) -> None:
    cert = helpers.certificate(1)
    text = helpers.issue(cert)
    write_images(tmp_path, 1_234_567, text, cert, ImageOptions(png=True, svg=True, pdf="A4"))
    paths = [p for p in tmp_path.rglob("*")]
    assert len([p for p in paths if p.is_file()]) == 3
    for path in paths:
        assert helpers.ID_NUMBER not in str(path.relative_to(tmp_path))
    assert (tmp_path / "png" / "1234" / "1234567.png").is_file()


def test_writes_are_atomic_and_leave_no_temp_files(tmp_path: Path) -> None:
    cert = helpers.certificate(2)
    text = helpers.issue(cert)
    options = ImageOptions(png=True, svg=True)
    write_images(tmp_path, 7, text, cert, options)
    first = (tmp_path / "png" / "000" / "000007.png").read_bytes()
    write_images(tmp_path, 7, text, cert, options)  # a resumed chunk redoes the row
    assert (tmp_path / "png" / "000" / "000007.png").read_bytes() == first
    names = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(names) == ["000007.png", "000007.svg"]
    assert not any(name.startswith(".") or name.endswith(".tmp") for name in names)


def test_a_failed_write_leaves_neither_file_nor_temp(tmp_path: Path) -> None:
    cert = helpers.certificate(1)
    text = helpers.issue(cert)
    (tmp_path / "png" / "000").mkdir(parents=True)
    (tmp_path / "png" / "000" / "000005.png").mkdir()  # a directory where the file goes
    with pytest.raises(OSError):
        write_images(tmp_path, 5, text, cert, ImageOptions(png=True))
    assert [p.name for p in (tmp_path / "png" / "000").iterdir()] == ["000005.png"]


def test_text_no_version_holds_is_a_value_error(tmp_path: Path) -> None:
    cert = helpers.certificate(1)
    with pytest.raises(ValueError):
        write_images(tmp_path, 1, "VN1:" + "A" * 5000, cert, ImageOptions(png=True))
    with pytest.raises(ValueError):
        write_images(tmp_path, 1, "VN1:ABC", cert, ImageOptions(pdf="A6"))
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_many_pdf_pages_in_one_process_each_have_their_glyphs(tmp_path: Path) -> None:
    # The page maker is shared across rows; each page must embed the glyphs it uses
    # (fpdf2 subsets a shared font in place: a later page once missed new digits).
    for row, tail in enumerate(("111111", "222222", "333388", "444499", "555566", "777700"), 1):
        cert = helpers.certificate(1 + row % 3, id_number="001090" + tail)
        write_images(tmp_path, row, helpers.issue(cert), cert, ImageOptions(pdf="A6"))
    pages = sorted((tmp_path / "pdf" / "000").iterdir())
    assert [p.name for p in pages] == [f"00000{i}.pdf" for i in range(1, 7)]
    assert all(p.read_bytes().startswith(b"%PDF") for p in pages)
