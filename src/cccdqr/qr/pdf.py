"""A printable, bilingual (Vietnamese / English) certificate page as PDF, with fpdf2.

Owns the page layout: the QR code drawn as vector squares (sharp at any printer
resolution), large enough to scan from paper (at least 0.8 mm per module on A6,
more on A4), then the holder's name, date of birth, the CCCD number masked but
for its last 4 digits, every event, the issuer and the validity window.

The font is DejaVu Sans (Debian's ``fonts-dejavu-core``, which covers
Vietnamese; its licence is the Bitstream Vera / public-domain DejaVu terms
shipped with the package), found under :data:`FONT_DIRS` or ``$CCCDQR_FONT_DIR``.
It is parsed once per process and reused for every page (:class:`CertificatePdf`).

May import: :mod:`cccdqr.core` (the model and product names), segno (the QR
symbol, as :mod:`cccdqr.qr.render` makes it) and fpdf2 — both imported lazily,
so ``import cccdqr`` stays free of them.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cccdqr.core.errors import CccdqrError
from cccdqr.core.model import (
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Recovery,
    Test,
    Vaccination,
)
from cccdqr.core.products import product_name

__all__ = ["FONT_DIRS", "PAGE_SIZES", "CertificatePdf", "FontMissing", "certificate_pdf", "mask_id"]

PAGE_SIZES: dict[str, tuple[float, float]] = {"A6": (105.0, 148.0), "A4": (210.0, 297.0)}
"""Portrait page sizes in millimetres."""
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class FontMissing(CccdqrError, RuntimeError):
    """No DejaVu Sans on this machine (install ``fonts-dejavu-core``)."""


def mask_id(id_number: str | None) -> str:
    """The CCCD number with all but its last 4 digits hidden: ``********4567``."""
    if not id_number:
        return "—"
    return "*" * max(len(id_number) - 4, 0) + id_number[-4:]


def _font_dir() -> Path:
    for candidate in (os.environ.get("CCCDQR_FONT_DIR"), *FONT_DIRS):
        if candidate and all((Path(candidate) / f).is_file() for f in _FONT_FILES.values()):
            return Path(candidate)
    raise FontMissing("DejaVu Sans not found: install fonts-dejavu-core or set $CCCDQR_FONT_DIR")


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _dob(dob: str) -> str:
    parts = dob.split("-")  # YYYY, YYYY-MM or YYYY-MM-DD: shown day first, as on the card
    return "/".join(reversed(parts))


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%d/%m/%Y %H:%M UTC")


_TEST_TYPES = {TEST_NAA: "PCR (NAA)", TEST_RAT: "nhanh / rapid antigen"}
_RESULTS = {RESULT_NOT_DETECTED: "âm tính / not detected", RESULT_DETECTED: "dương tính / detected"}


def _vaccination(v: Vaccination) -> str:
    series = f"{v.dose_number}/{v.doses_in_series}" if v.doses_in_series else str(v.dose_number)
    return f"Mũi / Dose {series} · {product_name(v.product)} · {_date(v.date)} · {v.country}"


def _test(t: Test) -> str:
    kind = _TEST_TYPES.get(t.test_type, t.test_type)
    result = _RESULTS.get(t.result, str(t.result))
    return f"Xét nghiệm / Test {kind} · {_time(t.sampled_at)} · {result} · {t.country}"


def _recovery(r: Recovery) -> str:
    return (f"Khỏi bệnh / Recovered · dương tính / positive {_date(r.first_positive)} · "
            f"hiệu lực / valid {_date(r.valid_from)}–{_date(r.valid_until)}")


def _events(cert: HealthCertificate) -> list[str]:
    return ([_vaccination(v) for v in cert.vaccinations] + [_test(t) for t in cert.tests]
            + [_recovery(r) for r in cert.recoveries])


def _runs(row: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a matrix row."""
    start = -1
    for i, dark in enumerate(row):
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            yield start, i - start
            start = -1
    if start >= 0:
        yield start, len(row) - start


class CertificatePdf:
    """Makes certificate pages of one size; parses the font once.

    ``page = CertificatePdf("A6").render(text, certificate, issuer=..., issued_at=...,
    expires_at=...)`` returns the PDF bytes of one page. Thread-safe (a lock
    guards the shared template)."""

    def __init__(self, size: str = "A6") -> None:
        if size not in PAGE_SIZES:
            raise ValueError(f"size must be one of {sorted(PAGE_SIZES)}, not {size!r}")
        self.size = size
        self._template: Any = None
        self._lock = threading.Lock()

    def _new_document(self) -> Any:
        from fpdf import FPDF

        with self._lock:
            if self._template is None:
                width, height = PAGE_SIZES[self.size]
                pdf = FPDF(orientation="P", unit="mm", format=(width, height))
                pdf.set_auto_page_break(False)
                pdf.set_margins(0, 0, 0)
                font_dir = _font_dir()
                for style, name in _FONT_FILES.items():
                    pdf.add_font("DejaVu", style, str(font_dir / name))
                pdf.set_creator("cccdqr")
                pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
                self._template = pdf
            document = copy.deepcopy(self._template)
        from fontTools import ttLib  # type: ignore[import-untyped]  # fpdf2 depends on it

        for font in document.fonts.values():
            # fpdf2's copy shares the parsed font, and writing a PDF subsets that font in
            # place: without a parse of its own, a page lacks the glyphs earlier pages
            # did not use (MissingGlyphsSubsettingError from the fourth row of a batch).
            font.ttfont = ttLib.TTFont(font.ttffile, recalcTimestamp=False,
                                       fontNumber=font.collection_font_number, lazy=True)
        return document

    def render(self, text: str, certificate: HealthCertificate, *, issuer: str,
               issued_at: dt.datetime, expires_at: dt.datetime) -> bytes:
        """One page: the QR of ``text`` and the certificate's details, in vi and en."""
        import segno

        symbol = segno.make(text, error="m", boost_error=False, micro=False)
        pdf = self._new_document()
        pdf.add_page()
        width, height = PAGE_SIZES[self.size]
        k = width / 105.0  # everything scales with the page: A4 is A6 doubled
        margin = 7 * k
        y = self._header(pdf, margin, width, k)
        side = min(width - 2 * margin, height * 0.45)
        y = self._qr(pdf, symbol, (width - side) / 2, y, side)
        y = self._fields(pdf, certificate, margin, y + 1.5 * k, width - 2 * margin, k, issuer=issuer,
                         issued_at=issued_at, expires_at=expires_at)
        self._footer(pdf, margin, height - margin, width - 2 * margin, k)
        out = pdf.output()
        return bytes(out)

    @staticmethod
    def _header(pdf: Any, margin: float, width: float, k: float) -> float:
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "B", 10.5 * k)
        pdf.set_xy(margin, margin)
        pdf.cell(width - 2 * margin, 5.2 * k, "CHỨNG NHẬN Y TẾ COVID-19", align="C")
        pdf.set_font("DejaVu", "", 8 * k)
        pdf.set_xy(margin, margin + 5.2 * k)
        pdf.cell(width - 2 * margin, 4 * k, "COVID-19 health certificate", align="C")
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.3 * k)
        pdf.line(margin, margin + 10 * k, width - margin, margin + 10 * k)
        return margin + 11 * k

    @staticmethod
    def _qr(pdf: Any, symbol: Any, x: float, y: float, side: float) -> float:
        """The symbol with its 4-module quiet zone in a ``side`` square at (x, y)."""
        matrix = symbol.matrix
        count = len(matrix) + 8
        module = side / count
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            top = y + (r + 4) * module
            for start, length in _runs(row):
                # A hair of overlap so adjacent squares print without seams.
                pdf.rect(x + (start + 4) * module, top, length * module, module * 1.02, style="F")
        return y + side

    @staticmethod
    def _fields(pdf: Any, cert: HealthCertificate, x: float, y: float, width: float, k: float, *,
                issuer: str, issued_at: dt.datetime, expires_at: dt.datetime) -> float:
        subject = cert.subject
        rows = [
            ("Họ và tên / Name", subject.name),
            ("Ngày sinh / Date of birth", _dob(subject.dob)),
            ("Số CCCD / ID number", mask_id(subject.id_number)),
            ("Cơ quan cấp / Issuer", issuer),
            ("Hiệu lực / Valid", f"{_date(issued_at.astimezone(dt.timezone.utc).date())} – "
                                 f"{_date(expires_at.astimezone(dt.timezone.utc).date())}"),
        ]
        label_w = 30 * k
        for label, value in rows:
            pdf.set_xy(x, y)
            pdf.set_font("DejaVu", "", 6.2 * k)
            pdf.cell(label_w, 4.2 * k, label)
            pdf.set_font("DejaVu", "B", 8.2 * k)
            pdf.multi_cell(width - label_w, 4.2 * k, value, new_x="LMARGIN", new_y="NEXT")
            y = max(pdf.get_y(), y + 4.2 * k)
        pdf.set_xy(x, y + 0.6 * k)
        pdf.set_font("DejaVu", "", 6.2 * k)
        pdf.cell(width, 3.6 * k, "Sự kiện / Events")
        y += 4.2 * k
        pdf.set_font("DejaVu", "", 6.4 * k)
        for line in _events(cert):
            pdf.set_xy(x + 2 * k, y)
            pdf.multi_cell(width - 2 * k, 3.3 * k, "• " + line, new_x="LMARGIN", new_y="NEXT")
            y = pdf.get_y()
        return y

    @staticmethod
    def _footer(pdf: Any, x: float, bottom: float, width: float, k: float) -> None:
        pdf.set_font("DejaVu", "", 5.6 * k)
        pdf.set_text_color(60, 60, 60)
        pdf.set_xy(x, bottom - 6 * k)
        pdf.multi_cell(width, 3 * k, "Quét mã QR để kiểm tra chữ ký số của cơ quan cấp.\n"
                                     "Scan the QR code to check the issuer's digital signature.",
                       align="C")


_DEFAULT: dict[str, CertificatePdf] = {}


def certificate_pdf(text: str, certificate: HealthCertificate, *, issuer: str,
                    issued_at: dt.datetime, expires_at: dt.datetime, size: str = "A6") -> bytes:
    """One certificate page as PDF bytes (a shared :class:`CertificatePdf` per size)."""
    maker = _DEFAULT.get(size)
    if maker is None:
        maker = _DEFAULT.setdefault(size, CertificatePdf(size))
    return maker.render(text, certificate, issuer=issuer, issued_at=issued_at, expires_at=expires_at)
