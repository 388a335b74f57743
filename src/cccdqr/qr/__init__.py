"""QR images: render text as PNG/SVG (segno) and scan images for codes (zxing-cpp, pyzbar)."""

from cccdqr.qr.render import RenderedQR, render
from cccdqr.qr.scan import ScanBackendUnavailable, ScannedCode, available_backends, scan

__all__ = [
    "RenderedQR",
    "ScanBackendUnavailable",
    "ScannedCode",
    "available_backends",
    "render",
    "scan",
]
