"""A real threaded HTTP server on 127.0.0.1 for tests, and realistic listing pages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from httpserve import LocalServer, Reply, Request


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
        self.http = LocalServer(self._respond)

    @property
    def base(self) -> str:
        return self.http.base

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
        self.http.close()

    def _respond(self, request: Request) -> Reply:
        headers = request.headers
        with self.lock:
            self.requests.append((request.path, headers))
            route = self.routes.get(request.path)
            etag = self.etags.get(request.path)
        if route is None:
            return Reply(404, {"Content-Type": "text/plain"}, b"not found")
        if etag and headers.get("if-none-match") == etag:
            return Reply(304, {"ETag": etag}, b"", delay=route.delay)
        status, extra, body = route.status, dict(route.headers), route.body
        if callable(body):
            produced = body(headers)
            if isinstance(produced, tuple):
                status, more, body = produced
                extra.update(more)
            else:
                body = produced
        out = {"Content-Type": route.content_type, **extra}
        if etag:
            out["ETag"] = etag
        return Reply(status, out, body, delay=route.delay)


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
