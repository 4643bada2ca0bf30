"""Browser rendering goes through the address guard before Chromium sends anything.

A local server stands in for "public" (127.0.0.1, by this test's rule) and another for an
internal host (127.0.0.2, "private" by the same rule). Before, the main document's
redirects were checked only after Chromium had requested them, and WebSockets were not
intercepted at all; the source's headers went to every host the page touched.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from localsite import Site

from watcher.errors import FetchError
from watcher.net.browser import BrowserRenderer, unavailable_reason
from watcher.net.fetch import FetchPolicy, Request

REASON = unavailable_reason()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=f"browser rendering unavailable: {REASON}"),
]
PAGE = "<html><body><main><h1>Notices</h1><p>Covered entities must notify.</p></main></body></html>"


def only_127_0_0_2_is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return str(address) != "127.0.0.2"


@pytest.fixture
def internal() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An HTTP server on 127.0.0.2 that records every request it gets."""
    hits: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            body = b"<html><body><main>internal secrets</main></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def render(url: str, **request: Any) -> Any:
    renderer = BrowserRenderer(FetchPolicy(timeout=15), address_allowed=only_127_0_0_2_is_private)
    return asyncio.run(renderer.render(Request(url=url, **request)))


def test_a_redirect_of_the_main_document_to_an_internal_host_is_never_requested(site, internal):
    base, hits = internal
    site.set("/start", "", status=302, headers={"Location": f"{base}/admin"})
    with pytest.raises(FetchError) as info:
        render(site.url("/start"))
    assert info.value.reason == "blocked"
    assert hits == []


def test_every_redirect_hop_is_checked_not_only_the_first(site, internal):
    base, hits = internal
    site.set("/start", "", status=301, headers={"Location": "/hop"})
    site.set("/hop", "", status=302, headers={"Location": f"{base}/metadata"})
    with pytest.raises(FetchError):
        render(site.url("/start"))
    assert site.hits("/hop") and hits == []


def test_allowed_redirects_still_render(site):
    site.set("/start", "", status=302, headers={"Location": "/final"})
    site.set("/final", PAGE)
    result = render(site.url("/start"))
    assert result.final_url == site.url("/final") and b"Covered entities must notify." in result.body


def test_a_redirect_to_another_scheme_is_refused(site):
    site.set("/start", "", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError) as info:
        render(site.url("/start"))
    assert info.value.reason in ("blocked", "redirect")


def test_web_sockets_are_closed_before_connecting(site):
    trap = socket.create_server(("127.0.0.1", 0))
    trap.settimeout(0.2)
    port = trap.getsockname()[1]
    site.set(
        "/live",
        "<html><body><main><p id='s'>static text</p></main><script>"
        f"new WebSocket('ws://127.0.0.1:{port}/feed');</script></body></html>",
    )
    try:
        result = render(site.url("/live"))
        with pytest.raises(TimeoutError):
            trap.accept()  # nobody connected
    finally:
        trap.close()
    assert b"static text" in result.body


def test_headers_go_only_to_the_source_origin(site):
    other = Site()  # another port: another origin
    try:
        other.set("/app.js", "document.title = 'loaded';", content_type="text/javascript")
        site.set("/page", PAGE.replace("</main>", f"</main><script src='{other.url('/app.js')}'></script>"))
        result = render(site.url("/page"), headers=(("Authorization", "Bearer t0k"),))
        assert site.hits("/page")[0]["authorization"] == "Bearer t0k"
        assert other.hits("/app.js") and "authorization" not in other.hits("/app.js")[0]
        assert b"<title>loaded</title>" in result.body
    finally:
        other.close()
