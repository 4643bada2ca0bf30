"""A real threaded HTTP server on 127.0.0.1 for tests, and realistic listing pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes | str | Callable[[dict[str, str]], Any] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0


class Site:
    """A real threaded HTTP server whose routes tests change between checks.

    `set(path, body)` serves a body (str, bytes, or a callable taking the request headers
    and returning a body or a (status, headers, body) tuple). ETags are supported with
    `etag=True`: the server answers 304 when If-None-Match matches. Every request is logged.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.etags: dict[str, str] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(
        self,
        path: str,
        body: Any = b"",
        *,
        status: int = 200,
        etag: bool = False,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
        delay: float = 0.0,
    ) -> None:
        with self.lock:
            self.routes[path] = Route(body, status, dict(headers or {}), content_type, delay)
            if etag:
                data = body.encode() if isinstance(body, str) else body
                self.etags[path] = f'"{abs(hash(data)):x}"'
            else:
                self.etags.pop(path, None)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                with site.lock:
                    site.requests.append((self.path, headers))
                    route = site.routes.get(self.path)
                    etag = site.etags.get(self.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if etag and headers.get("if-none-match") == etag:
                    self._send(304, {"ETag": etag}, b"")
                    return
                status, extra, body = route.status, dict(route.headers), route.body
                if callable(body):
                    produced = body(headers)
                    if isinstance(produced, tuple):
                        status, more, body = produced
                        extra.update(more)
                    else:
                        body = produced
                data = body.encode("utf-8") if isinstance(body, str) else body
                out = {"Content-Type": route.content_type, **extra}
                if etag:
                    out["ETag"] = etag
                self._send(status, out, data)

            def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if data:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


LISTING = """<html><head><title>News</title><style>li {{color: red}}</style></head><body>
<nav><a href="/">Home</a></nav>
<main><ul class="news">{items}</ul></main>
<footer>Page last reviewed: {reviewed}</footer></body></html>"""


def listing_page(items: list[tuple[str, str, str]], reviewed: str = "October 1, 2024") -> str:
    """A USWDS-like listing: (date, title, href) per item."""
    rows = "\n".join(
        f'<li class="usa-collection__item"><h3 class="usa-collection__heading">'
        f'<a href="{href}">{title}</a></h3>'
        f'<time datetime="{date}">{date}</time></li>'
        for date, title, href in items
    )
    return LISTING.format(items=rows, reviewed=reviewed)


LISTING_SOURCE = {
    "kind": "listing",
    "select": "ul.news > li",
    "title": "h3 a",
    "link": "h3 a",
    "date": "time[datetime]",
    "tags": ["hipaa"],
    "jurisdiction": "US",
}
