"""QR images: render text as PNG/SVG (segno) and scan images for codes (zxing-cpp, pyzbar).

Layer 1, beside ``wire``. Owns pixels and symbols, nothing about what a code
means. May import ``core`` only.
"""

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
    "RenderedQR",
    "ScanBackendUnavailable",
    "ScanReport",
    "ScannedCode",
    "available_backends",
    "render",
    "scan",
    "scan_report",
]
