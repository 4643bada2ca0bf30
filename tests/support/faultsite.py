"""A hostile HTTP(S) server on 127.0.0.1 for the fault suite: raw asyncio, one request per
connection, so it can misbehave in ways a polite server framework would not allow.

Each route is an async handler `(writer) -> None` that writes whatever bytes it likes.
Factories below build the nasty ones: errors with Retry-After, a slow-loris trickle,
bodies generated on the fly (never held in memory), a gzip bomb, redirect loops.
`FaultSite(tls=True)` serves HTTPS with a certificate from a throwaway CA that no
client trusts.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from functools import cache

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]

MiB = 1 << 20


class FaultSite:
    """A raw asyncio server in a background thread; `set(path, handler)` between passes."""

    def __init__(self, *, tls: bool = False) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        self.tls = tls
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self._ready.wait(10)

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def count(self, path: str) -> int:
        return self.hits.count(path)

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        context = tls_context() if self.tls else None
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=context)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            self.hits.append(path)
            handler = self.routes.get(path, respond(404, b"not found", content_type="text/plain"))
            await handler(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, ssl.SSLError, IndexError):
            pass
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()


REASONS = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error", 503: "Unavailable"}


def head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(
    status: int = 200,
    body: bytes | str = b"",
    *,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Handler:
    """A plain response with a Content-Length."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    async def handler(writer: asyncio.StreamWriter) -> None:
        out = {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})}
        writer.write(head(status, out) + data)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, b"", headers={"Location": location})


def trickle(interval: float = 1.0, announced: int = 100_000) -> Handler:
    """Slow-loris: headers at once, then one byte per `interval` seconds, until the client leaves."""

    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "text/html", "Content-Length": str(announced)}))
        await writer.drain()
        for _ in range(announced):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(interval)

    return handler


def endless(size: int, *, chunked: bool = True) -> Handler:
    """A `size`-byte HTML body generated on the fly, 64 KiB at a time (never held in memory).

    Chunked by default, so no Content-Length lets the client refuse it early: only
    the streaming cap can stop it.
    """
    block = b"<p>" + b"regulatory filler text " * 2730 + b"</p>\n"

    async def handler(writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        headers.update({"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(size)})
        writer.write(head(200, headers))
        sent = 0
        while sent < size:
            piece = block[: size - sent]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")

    return handler


@cache
def gzip_bomb(size: int = 1024 * MiB) -> bytes:
    """A valid gzip stream that inflates to `size` zero bytes (a multiple of 1 MiB), about 1 MB.

    Built from one compressed 1 MiB segment repeated: after a full flush deflate keeps
    no history, so every following segment compresses to the same bytes. CRC and length
    in the trailer are those of the whole inflated body.
    """
    assert size % MiB == 0 and size >= 2 * MiB
    zeros = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(zeros, crc)
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return first + segment * (size // MiB - 1) + final_empty_block + trailer


def bomb(size: int = 1024 * MiB) -> Handler:
    return respond(200, gzip_bomb(size), headers={"Content-Encoding": "gzip"})


@cache
def tls_context() -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 from a fresh CA that nobody trusts."""
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context
