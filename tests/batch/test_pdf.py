"""Printable certificates (issue 15, item 6): PDF pages rendered to PNG with
pdftoppm, then the QR scanned back to the exact text with both backends."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from cccdqr.qr import scan
from cccdqr.qr.pdf import CertificatePdf, mask_id

import helpers


@pytest.mark.parametrize("size, dpi", [("A6", 150), ("A4", 100)])
def test_a_page_scans_back_to_the_exact_text(tmp_path: Path, size: str, dpi: int) -> None:
    cert = helpers.certificate(3)
    text = helpers.issue(cert)
    page = CertificatePdf(size).render(text, cert, issuer="VN", issued_at=helpers.NOW,
                                       expires_at=helpers.NOW + dt.timedelta(days=365))
    assert page.startswith(b"%PDF")
    (tmp_path / "c.pdf").write_bytes(page)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(tmp_path / "c.pdf"), str(tmp_path / "p")],
                   check=True)
    images = sorted(tmp_path.glob("p*.png"))
    assert len(images) == 1  # one page
    for backend in ("zxing", "zbar"):
        assert [c.text for c in scan(images[0], backend=backend)] == [text]
    assert b"001090123456" not in page


def test_the_id_number_is_masked_but_its_last_four_digits() -> None:
    assert mask_id("001090123456") == "********3456"
    assert mask_id(None) == "—"
