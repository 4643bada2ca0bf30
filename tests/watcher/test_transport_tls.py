"""TLS through the aiohttp transport: its context is made on the first https request only, and
every https request is verified with it (real servers on 127.0.0.1, a throwaway CA)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import trustme

from watcher.net.transport import AiohttpTransport


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (
            b"<p>hello over " + (b"tls" if isinstance(self.connection, ssl.SSLSocket) else b"tcp") + b"</p>"
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(context: ssl.SSLContext | None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_url(authority: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    yield from serve(context)


@pytest.fixture
def http_url() -> Iterator[str]:
    yield from serve(None)


def get(transport: AiohttpTransport, *urls: str) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=transport) as client:
            return [await client.get(url) for url in urls]

    return asyncio.run(go())


def test_plain_http_never_makes_a_tls_context(http_url: str):
    transport = AiohttpTransport()
    responses = get(transport, http_url, http_url)
    assert [r.text for r in responses] == ["<p>hello over tcp</p>"] * 2
    assert transport._ssl_context is None


def test_https_is_verified_with_the_given_context(https_url: str, authority: trustme.CA):
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    transport = AiohttpTransport(verify=trusting)
    responses = get(transport, https_url, https_url)
    assert [r.text for r in responses] == ["<p>hello over tls</p>"] * 2


def test_https_with_the_default_context_refuses_an_unknown_authority(https_url: str, http_url: str):
    transport = AiohttpTransport()
    assert get(transport, http_url)[0].status_code == 200
    with pytest.raises(httpx.ConnectError, match="SSL/TLS failure"):
        get(transport, https_url)
    assert transport._ssl_context is not None  # made when the first https URL came
