"""The listening sockets of ``cccdqr serve``: answers are not held back by
Nagle's algorithm, and N workers each get a share of the connections."""

from __future__ import annotations

import asyncio
import select
import socket

from cccdqr.serve.run import listening_socket, worker_sockets


def test_connections_accepted_by_asyncio_have_no_delay() -> None:
    """asyncio sets TCP_NODELAY only on sockets that say they are TCP: without
    it an answer written in two pieces waits ~40 ms for the delayed ACK."""
    seen: list[int] = []

    async def main() -> None:
        sock = listening_socket("127.0.0.1", 0)

        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("socket")
            seen.append(peer.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen == [1]


def test_each_worker_socket_gets_a_share_of_the_connections() -> None:
    socks = worker_sockets("127.0.0.1", 0, 2)
    clients = []
    try:
        ports = {s.getsockname()[1] for s in socks}
        assert len(ports) == 1  # one port
        port = ports.pop()
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        counts = [0, 0]
        for i, s in enumerate(socks):
            s.setblocking(False)
            while select.select([s], [], [], 0.2)[0]:
                conn, _ = s.accept()
                conn.close()
                counts[i] += 1
        assert sum(counts) == 64 and min(counts) > 0, counts
    finally:
        for c in clients:
            c.close()
        for s in socks:
            s.close()
