"""QR images: render text as PNG/SVG (segno, or the fast path) and scan images for codes (zxing-cpp, pyzbar).

Layer 1, beside ``wire``. Owns pixels and symbols, nothing about what a code
means. May import ``core`` only.
"""

from cccdqr.qr.fast import RENDERERS, render_fast, render_with
from cccdqr.qr.render import RenderedQR, render
from cccdqr.qr.scan import (
    ScanBackendUnavailable,
    ScannedCode,
    ScanReport,
    available_backends,
    scan,
    scan_report,
)

__all__ = [
    "RENDERERS",
    "RenderedQR",
    "ScanBackendUnavailable",
    "ScanReport",
    "ScannedCode",
    "available_backends",
    "render",
    "render_fast",
    "render_with",
    "scan",
    "scan_report",
]
