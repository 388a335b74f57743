"""The ASGI app: ``POST /v1/verify``, ``POST /v1/scan``, ``POST /v1/card``,
``GET /v1/reasons``, ``GET /healthz`` and the checkpoint page at ``/``.

Every answer is JSON with a reason code, whatever the input: the limits answer
413, a malformed request 400, a wrong content type 415, and anything unforeseen
422 ``CANNOT_PROCESS`` (never a 500 or a traceback; see :mod:`cccdqr.serve.guard`).

May import the library's layers 0-6 and :mod:`cccdqr.serve`'s own modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cccdqr.checkpoint.binding import BindingResult, bind
from cccdqr.checkpoint.card import parse_card_qr
from cccdqr.checkpoint.decision import decide
from cccdqr.core._json import document_bytes as dumps
from cccdqr.core.errors import InvalidCardQR
from cccdqr.core.reasons import Reason, Status
from cccdqr.engine.verify import verify
from cccdqr.qr.scan import scan
from cccdqr.serve.guard import Guard, Problem, error_response, problem, problem_handler
from cccdqr.serve.state import Checks

__all__ = ["ServiceLimits", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLimits:
    """Caps checked before any work; each has its own reason code."""

    max_text_bytes: int = 16 * 1024
    """A code's text (and a card's), UTF-8 (``TEXT_TOO_LARGE``, 413)."""
    max_json_body: int = 64 * 1024
    """A ``/v1/verify`` body as sent, escapes included (``BODY_TOO_LARGE``, 413)."""
    max_image_bytes: int = 8 * 1024 * 1024
    """A ``/v1/scan`` body (``IMAGE_TOO_LARGE``, 413)."""
    max_image_pixels: int = 40_000_000
    """Pixels of a decoded image (``IMAGE_TOO_LARGE``, 413): a small file may unpack to a huge frame."""


async def _body(request: Request, limit: int, code: str) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise problem(413, code, f"more than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise problem(413, code, f"more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _text_field(value: object, name: str, limits: ServiceLimits) -> str:
    if not isinstance(value, str):
        raise problem(400, "BAD_REQUEST", f"'{name}' must be a string")
    if len(value.encode("utf-8", "surrogateescape")) > limits.max_text_bytes:
        raise problem(413, "TEXT_TOO_LARGE", f"'{name}' is over {limits.max_text_bytes} bytes")
    return value


def _parse_verify_body(raw: bytes, media: str, limits: ServiceLimits) -> tuple[str, str | None]:
    """``(text, card)`` from a JSON ``{"text", "card"?}`` or a raw text body."""
    if media in ("", "text/plain"):
        return _text_field(raw.decode("utf-8", "surrogateescape"), "text", limits), None
    if media != "application/json":
        raise problem(415, "UNSUPPORTED_MEDIA_TYPE", "send application/json or text/plain")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise problem(400, "BAD_JSON", "the body is not JSON") from None
    if not isinstance(doc, dict) or "text" not in doc:
        raise problem(400, "BAD_REQUEST", 'expected {"text": "...", "card": "..."}')
    unknown = set(doc) - {"text", "card"}
    if unknown:
        raise problem(400, "BAD_REQUEST", f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    card = doc.get("card")
    return (_text_field(doc["text"], "text", limits),
            None if card is None else _text_field(card, "card", limits))


class Service:
    """The request handlers, over one :class:`Checks` and one clock."""

    def __init__(self, checks: Checks, clock: Callable[[], dt.datetime], limits: ServiceLimits) -> None:
        self.checks, self.clock, self.limits = checks, clock, limits

    def verify_document(self, text: str, card_text: str | None) -> dict[str, Any]:
        """What ``cccdqr verify --json [--card]`` prints for ``text``, as a dict."""
        card = None
        if card_text is not None:
            try:
                card = parse_card_qr(card_text)
            except InvalidCardQR as exc:
                raise problem(400, exc.reason.value, "the card QR is not readable") from None
        snap = self.checks.snapshot  # one snapshot for the whole verification
        result = verify(text, snap.trust, now=self.clock(), policy=snap.policy,
                        revocation=snap.revocation, skew=snap.skew)
        binding: BindingResult | None = None
        if card is not None and result.certificate is not None and result.signature_verified:
            binding = bind(card, result.certificate)
        return decide(result, binding).document()

    async def verify(self, request: Request) -> Response:
        raw = await _body(request, self.limits.max_json_body, "BODY_TOO_LARGE")
        text, card = _parse_verify_body(raw, _media_type(request), self.limits)
        return Response(dumps(self.verify_document(text, card)), media_type="application/json")

    async def card(self, request: Request) -> Response:
        """A CCCD card's QR text: the name and date of birth the card step shows."""
        raw = await _body(request, self.limits.max_text_bytes, "TEXT_TOO_LARGE")
        if _media_type(request) not in ("", "text/plain"):
            raise problem(415, "UNSUPPORTED_MEDIA_TYPE", "send the card text as text/plain")
        return Response(dumps(_card_document(raw.decode("utf-8", "replace"))),
                        media_type="application/json")

    async def scan(self, request: Request) -> Response:
        media = _media_type(request)
        if media not in ("image/png", "image/jpeg"):
            raise problem(415, "UNSUPPORTED_MEDIA_TYPE", "send image/png or image/jpeg")
        raw = await _body(request, self.limits.max_image_bytes, "IMAGE_TOO_LARGE")
        image = _open_image(raw, media, self.limits.max_image_pixels)
        codes = await anyio.to_thread.run_sync(partial(scan, image))
        found = []
        for code in codes:
            card = _card_document(code.text)
            if card["card"]:
                found.append({"text": code.text, "kind": "card", **card})
            else:
                found.append({"text": code.text, "kind": "certificate",
                              "result": self.verify_document(code.text, None)})
        return Response(dumps({"codes": found}), media_type="application/json")

    async def health(self, request: Request) -> Response:
        return Response(dumps(self.checks.health()), media_type="application/json")

    async def reasons(self, request: Request) -> Response:
        table: dict[str, Any] = {r.value: {"en": r.message("en"), "vi": r.message("vi"),
                                           "status": r.status.value if r.status else None}
                                 for r in Reason}
        statuses = {s.value: {"en": s.message("en"), "vi": s.message("vi")} for s in Status}
        return Response(dumps({"reasons": table, "statuses": statuses}), media_type="application/json")

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")


def _card_document(text: str) -> dict[str, Any]:
    """``{"card": true, "name", "dob"}`` for a card's QR, else ``{"card": false, "reason"}``."""
    try:
        card = parse_card_qr(text)
    except InvalidCardQR as exc:
        return {"card": False, "reason": exc.reason.value}
    return {"card": True, "name": card.name, "dob": card.dob.isoformat()}


def _open_image(raw: bytes, media: str, max_pixels: int) -> Any:
    """The decoded image; 400 when it is not the PNG or JPEG it claims, 413 when too many pixels."""
    from PIL import Image, UnidentifiedImageError

    magic = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}[media]
    if not raw.startswith(magic):
        raise problem(400, "IMAGE_UNREADABLE", f"the body is not {media}")
    try:
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > max_pixels:
            raise problem(413, "IMAGE_TOO_LARGE", f"more than {max_pixels} pixels")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise problem(400, "IMAGE_UNREADABLE", "the image cannot be decoded") from None
    return image


def warm_up() -> None:
    """Pay the first scan's costs at start (Pillow's JPEG decoder, zxing-cpp,
    numpy: ~250 ms on the benchmark machine) rather than on the first frame
    the page sends."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buf, "JPEG")
    scan(_open_image(buf.getvalue(), "image/jpeg", 64 * 64))


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "BAD_REQUEST")
    return error_response(status, code, "no such endpoint or method")


def create_app(checks: Checks, *, clock: Callable[[], dt.datetime],
               limits: ServiceLimits = ServiceLimits(), watch_interval: float | None = 1.0,
               sighup: bool = True) -> Guard:
    """The service over ``checks``. ``clock`` gives the time every verification
    uses. Every ``watch_interval`` seconds a changed file is reloaded (``None``:
    never); with ``sighup`` a SIGHUP reloads (when the loop runs in the main thread)."""
    service = Service(checks, clock, limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(warm_up)
        loop = asyncio.get_running_loop()
        if sighup:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGHUP, checks.reload)
        watcher = asyncio.create_task(_watch(checks, watch_interval)) if watch_interval else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)

    routes = [
        Route("/", service.page, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/v1/verify", service.verify, methods=["POST"]),
        Route("/v1/scan", service.scan, methods=["POST"]),
        Route("/v1/card", service.card, methods=["POST"]),
        Route("/v1/reasons", service.reasons, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: _not_found, 405: _not_found, Problem: problem_handler,
                                        Exception: problem_handler})
    return Guard(app)


async def _watch(checks: Checks, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        checks.reload_if_changed()
