"""The health endpoint answers only what it should, over a real socket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json

from watcher.service.health import HealthServer


async def exchange(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        return await reader.read()
    except ConnectionResetError:  # the server dropped the connection (with our bytes unread)
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def test_health_endpoint_methods_paths_and_garbage():
    async def go() -> dict[str, bytes]:
        server = HealthServer(
            "127.0.0.1",
            0,
            health=lambda: (200, {"status": "ok"}),
            metrics=lambda: b"regwatch_up 1\n",
        )
        await server.start()
        try:
            port = server.port
            return {
                "get": await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                "head": await exchange(port, b"HEAD /healthz HTTP/1.1\r\n\r\n"),
                "metrics": await exchange(port, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n"),
                "post": await exchange(port, b"POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
                "missing": await exchange(port, b"GET /admin HTTP/1.1\r\n\r\n"),
                "garbage": await exchange(port, b"\x16\x03\x01 hello\r\n\r\n"),
                "huge": await exchange(port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n"),
            }
        finally:
            await server.close()

    answers = asyncio.run(go())
    head, _, body = answers["get"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"application/json" in head
    assert json.loads(body) == {"status": "ok"}
    assert answers["head"].startswith(b"HTTP/1.1 200") and answers["head"].endswith(b"\r\n\r\n")
    assert answers["metrics"].endswith(b"regwatch_up 1\n") and b"text/plain" in answers["metrics"]
    assert answers["post"].startswith(b"HTTP/1.1 405")
    assert answers["missing"].startswith(b"HTTP/1.1 404")
    assert answers["garbage"].startswith(b"HTTP/1.1 400")
    assert answers["huge"] == b""  # an oversized request head is dropped
