"""A small HTTP/1.1 keep-alive client over asyncio streams, for the load test and
bench/serve.py: many requests on a few connections with little client CPU per
request (an HTTP library costs more per request than the service does, and the
client shares the two cores with the server).

Each :class:`Connection` is one TCP connection, so one server worker answers all
of its requests; a new connection (after the server closed one) gets a new id.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

_ids = itertools.count()


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    connection: int
    """Which TCP connection answered (see the module docstring)."""


class Connection:
    """One keep-alive connection to ``host:port``, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.id = -1
        self.opened = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.id = next(_ids)
        self.opened += 1

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str | None = None) -> Reply:
        """One request and its whole answer. A connection the server closed while
        idle is reopened once, and the request sent again."""
        head = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        if content_type is not None:
            head.append(f"content-type: {content_type}")
        if body or method == "POST":
            head.append(f"content-length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(data)
            try:
                await self.writer.drain()
                return await self._reply()
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                await self.close()
                if attempt == 1 or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                    raise
        raise AssertionError("unreachable")

    async def _reply(self) -> Reply:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            body = await self.reader.read()
        connection = self.id
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, body, connection)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])
