"""The outermost layer of the app: the access log, and the catch-all that turns
anything unforeseen into a reason-coded JSON answer instead of a 500.

The access log holds the method, a known path (any other path is logged as
``<other>``: a path may carry a code), the status, the size and the time. Never a
query string, a header, a body, a code or anything personal.

Imports only Starlette's types; used by :mod:`cccdqr.serve.app`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOG", "Guard", "Problem", "error_response", "problem"]

ACCESS_LOG = logging.getLogger("cccdqr.serve.access")
ERROR_LOG = logging.getLogger("cccdqr.serve.error")

KNOWN_PATHS = frozenset({"/", "/healthz", "/v1/verify", "/v1/scan", "/v1/card", "/v1/reasons"})
CATCH_ALL_STATUS = 422
"""An unforeseen failure: the request could not be processed (never 500: see docs/serve.md)."""

_MESSAGES = {
    "BODY_TOO_LARGE": ("The request body is too large", "Nội dung yêu cầu quá lớn"),
    "TEXT_TOO_LARGE": ("The code text is too long", "Nội dung mã quá dài"),
    "IMAGE_TOO_LARGE": ("The image is too large", "Ảnh quá lớn"),
    "BAD_JSON": ("The body is not valid JSON", "Nội dung không phải JSON hợp lệ"),
    "BAD_REQUEST": ("The request is malformed", "Yêu cầu không đúng định dạng"),
    "UNSUPPORTED_MEDIA_TYPE": ("Unsupported content type", "Kiểu nội dung không được hỗ trợ"),
    "IMAGE_UNREADABLE": ("The image cannot be read", "Không đọc được ảnh"),
    "NOT_FOUND": ("No such endpoint", "Không có địa chỉ này"),
    "METHOD_NOT_ALLOWED": ("Method not allowed here", "Phương thức không được phép"),
    "CANNOT_PROCESS": ("The request could not be processed", "Không xử lý được yêu cầu"),
}


class Problem(HTTPException):
    """A refused request: its HTTP status, reason code and English detail."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(status, detail)
        self.code = code


def problem(status: int, code: str, detail: str) -> Problem:
    return Problem(status, code, detail)


def error_response(status: int, code: str, detail: str = "") -> Response:
    """``{"error": CODE, "detail", "messages": {"en", "vi"}}`` with ``status``."""
    en, vi = _MESSAGES.get(code, (code, code))
    if code not in _MESSAGES:  # a card reason: its own messages
        from cccdqr.core.reasons import Reason

        reason = Reason.__members__.get(code)
        if reason is not None:
            en, vi = reason.message("en"), reason.message("vi")
    body = {"error": code, "detail": detail, "messages": {"en": en, "vi": vi}}
    return Response((json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
                    status_code=status, media_type="application/json")


async def problem_handler(request: Any, exc: Exception) -> Response:
    if isinstance(exc, Problem):
        return error_response(exc.status_code, exc.code, str(exc.detail))
    ERROR_LOG.error("unforeseen %s in %s", type(exc).__name__, request.url.path
                    if request.url.path in KNOWN_PATHS else "<other>")
    return error_response(CATCH_ALL_STATUS, "CANNOT_PROCESS", "unforeseen failure")


class Guard:
    """ASGI middleware around the whole app (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, int] = {"status": 0, "bytes": 0}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # noqa: BLE001 - the catch-all: no input may give a 500
            if seen["status"] == 0:
                ERROR_LOG.error("unforeseen %s", type(exc).__name__)
                response = error_response(CATCH_ALL_STATUS, "CANNOT_PROCESS", "unforeseen failure")
                await response(scope, receive, sending)
        path = scope.get("path", "")
        if path not in KNOWN_PATHS:
            path = "/static" if path.startswith("/static/") else "<other>"
        ACCESS_LOG.info("%s %s %d %d %.1fms", scope.get("method", "-"), path, seen["status"],
                        seen["bytes"], (time.perf_counter() - started) * 1000)
