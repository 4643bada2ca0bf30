"""A small HTTP endpoint in the service's event loop: `/healthz` (JSON), `/metrics` (Prometheus)
and `/calendar.ics` (documents' deadlines as iCalendar, optionally behind `?token=`).

It runs in the same loop as the checks, so it reads the database through the service's one
connection with no threads. Only GET and HEAD; one request per connection; request heads
over 8 KiB or slower than 5 s are dropped. Bind it to 127.0.0.1 (the default) unless a
firewall or a reverse proxy guards it: it shows source ids and error texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST

from watcher.errors import WatchError

logger = logging.getLogger(__name__)

HEAD_LIMIT = 8192
READ_TIMEOUT = 5.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Unavailable",
}


class HealthServer:
    """Serves `health()` as JSON on /healthz and `metrics()` as Prometheus text on /metrics."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        health: Callable[[], tuple[int, dict[str, Any]]],
        metrics: Callable[[], bytes],
        calendar: Callable[[], bytes] | None = None,
        calendar_token: str = "",
        pages: Callable[[str], tuple[int, str, bytes] | None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.health = health
        self.metrics = metrics
        self.calendar = calendar
        self.calendar_token = calendar_token
        self.pages = pages  # more read-only pages (the change pages: watcher/service/changepage.py)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=HEAD_LIMIT)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, content_type, body, head_only = await asyncio.wait_for(self._answer(reader), READ_TIMEOUT)
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
            ConnectionError,
        ):
            writer.close()
            return
        except Exception:  # a bug here must not take the service down
            logger.exception("health endpoint failed")
            status, content_type, body, head_only = 503, "text/plain", b"internal error\n", False
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        )
        try:
            writer.write(head.encode("latin-1") + (b"" if head_only else body))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, str, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return 400, "text/plain", b"bad request\n", False
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            return 405, "text/plain", b"only GET and HEAD\n", False
        url = urlsplit(target)
        path = url.path
        if path == "/calendar.ics" and self.calendar is not None:
            given = (parse_qs(url.query).get("token") or [""])[0]
            if self.calendar_token and not hmac.compare_digest(given.encode(), self.calendar_token.encode()):
                return 403, "text/plain", b"a valid ?token= is needed\n", method == "HEAD"
            return 200, "text/calendar; charset=utf-8", self.calendar(), method == "HEAD"
        if path in ("/healthz", "/health"):
            code, data = self.health()
            body = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
            return code, "application/json", body, method == "HEAD"
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics(), method == "HEAD"
        page = self.pages(path) if self.pages is not None else None
        if page is not None:
            return page[0], page[1], page[2], method == "HEAD"
        return 404, "text/plain", b"not found: try /healthz or /metrics\n", method == "HEAD"


async def start_health_server(host: str, port: int, **handlers: Any) -> HealthServer:
    """Serve /healthz, /metrics (and /calendar.ics); a port that cannot be bound is a WatchError."""
    server = HealthServer(host, port, **handlers)
    try:
        await server.start()
    except OSError as exc:
        raise WatchError(f"cannot serve the health endpoint on {host}:{port}: {exc.strerror or exc}") from exc
    logger.info("health endpoint on http://%s:%d/healthz and /metrics", host, server.port)
    return server
