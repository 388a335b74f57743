"""A batch row's image files: PNG, SVG and the printable PDF page, in sharded folders.

``DIR/png/000/000123.png`` for row 123: files are named by the 1-based row number,
never by anything in the certificate (an ID number in a file name would leak to
every directory listing and backup log). The shard folder is ``row // 1000``, so
a folder holds at most 1000 files. Names are 6 digits and shards 3 while rows are
below 1,000,000; from row 1,000,000 on, both widen with the number (row 1,234,567
is ``png/1234/1234567.png``): a name always ends with the shard's digits plus the
row's last three.

Every file is written to a temporary name in its shard folder and renamed over
the final one, so a run killed at any moment leaves each file whole or absent; a
resumed batch that redoes a chunk rewrites the same bytes.

Floor 7. May import ``core``, ``qr`` (floor 1) and ``formats`` (floor 3, to read
the validity window the page prints from the code itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cccdqr.batch._files import write_atomic
from cccdqr.core._reject import Reject
from cccdqr.core.limits import Limits
from cccdqr.core.model import HealthCertificate

__all__ = ["ImageOptions", "image_path", "render_images", "write_file", "write_images"]

PDF_SIZES = ("A6", "A4")
RENDERERS = ("fast", "segno")
_LIMITS = Limits()


@dataclass(frozen=True)
class ImageOptions:
    """Which files a row gets; the default is none."""

    png: bool = False
    svg: bool = False
    pdf: str | None = None  # "A6" | "A4"
    renderer: str = "fast"  # or "segno"
    issuer: str = "VN"

    def __post_init__(self) -> None:
        if self.pdf is not None and self.pdf not in PDF_SIZES:
            raise ValueError(f"pdf must be one of {PDF_SIZES} or None, not {self.pdf!r}")
        if self.renderer not in RENDERERS:
            raise ValueError(f"renderer must be one of {RENDERERS}, not {self.renderer!r}")

    @property
    def any(self) -> bool:
        """Whether any file is written at all."""
        return self.png or self.svg or self.pdf is not None


def image_path(out_dir: Path, kind: str, row: int) -> Path:
    """Where row ``row``'s file of ``kind`` (``png``, ``svg`` or ``pdf``) goes."""
    if row < 0:
        raise ValueError(f"row must not be negative, not {row}")
    name = f"{row:06d}"
    return out_dir / kind / name[:-3] / f"{name}.{kind}"


def _validity(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The issue and expiry times the code itself carries (read, not verified: the
    batch has just signed it)."""
    from cccdqr.formats import detect

    fmt = detect(text)
    if fmt is None:
        raise ValueError("not a known code format")
    try:
        contents = fmt.decode_unverified(text, _LIMITS).open(_LIMITS)
    except Reject as reject:  # the documented error, not the verifier's internal one
        raise ValueError(f"the code cannot be read: {reject.reason.value}") from None
    if contents.issued_at is None or contents.expires_at is None:
        raise ValueError("the code has no issue or expiry time to print")
    return contents.issued_at, contents.expires_at


def render_images(text: str, certificate: HealthCertificate, options: ImageOptions
                  ) -> list[tuple[str, bytes]]:
    """The ``(kind, bytes)`` files ``options`` asks for one row (none when it asks none):
    rendered where the work runs, written by whoever owns the output folder.

    Raises ``ValueError`` for text no QR version holds or a PDF whose code has no
    validity window."""
    if not options.any:
        return []
    from cccdqr.qr.fast import render_with

    files = [(kind, render_with(text, kind=kind, renderer=options.renderer).data)
             for kind, wanted in (("png", options.png), ("svg", options.svg)) if wanted]
    if options.pdf is not None:
        from cccdqr.qr.pdf import certificate_pdf

        issued_at, expires_at = _validity(text)
        files.append(("pdf", certificate_pdf(text, certificate, issuer=options.issuer,
                                             issued_at=issued_at, expires_at=expires_at,
                                             size=options.pdf)))
    return files


def write_file(out_dir: Path, kind: str, row: int, data: bytes) -> None:
    """Row ``row``'s file of ``kind`` in its shard, whole or not at all."""
    write_atomic(image_path(out_dir, kind, row), data)


def write_images(out_dir: Path, row: int, text: str, certificate: HealthCertificate,
                 options: ImageOptions) -> None:
    """Render and write row ``row``'s files as ``options`` asks (nothing when it asks none).

    Raises ``ValueError`` as :func:`render_images`, and ``OSError`` when a file
    cannot be written."""
    for kind, data in render_images(text, certificate, options):
        write_file(out_dir, kind, row, data)
