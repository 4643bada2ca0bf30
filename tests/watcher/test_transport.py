"""The fetch guarantees hold through the aiohttp transport: real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time

import pytest
from localsite import Site
from rawserver import RawServer

from watcher.errors import FetchError
from watcher.net.fetch import Fetcher, FetchPolicy, Request, make_client
from watcher.net.transport import AiohttpTransport


def fetch(url: str, policy: FetchPolicy | None = None, **request) -> object:
    async def go():
        async with Fetcher(policy or FetchPolicy()) as fetcher:
            return await fetcher.fetch(Request(url, allow_private=True, **request))

    return asyncio.run(go())


def failure(url: str, policy: FetchPolicy | None = None, **request) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, policy, **request)
    return caught.value


def test_the_default_client_uses_the_aiohttp_transport():
    client = make_client(FetchPolicy())
    assert isinstance(client._transport, AiohttpTransport)
    asyncio.run(client.aclose())


def test_gzip_is_decoded_by_regwatch_and_the_cap_counts_decompressed_bytes(site: Site):
    page = b"<html><body>" + b"<p>rule</p>" * 1000 + b"</body></html>"
    site.set("/gz", gzip.compress(page), headers={"Content-Encoding": "gzip"})
    result = fetch(site.url("/gz"))
    assert result.body == page  # raw bytes reached read_capped, which inflated them once
    bomb = gzip.compress(b"\0" * 5_000_000)
    site.set("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    error = failure(site.url("/bomb"), FetchPolicy(max_bytes=1_000_000))
    assert error.reason == "too_large" and "decompressed" in str(error)


def test_conditional_get_gives_not_modified(site: Site):
    site.set("/news", "<p>hello</p>", etag=True)
    first = fetch(site.url("/news"))
    second = fetch(site.url("/news"), etag=first.etag)
    assert first.status == 200 and second.not_modified and second.body == b""
    assert site.hits("/news")[-1]["if-none-match"] == first.etag


def test_connection_refused_is_a_connect_failure():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    error = failure(f"http://127.0.0.1:{port}/")
    assert error.reason == "connect"


def test_a_stalled_server_times_out(site: Site):
    site.set("/slow", "late", delay=2.0)
    error = failure(site.url("/slow"), FetchPolicy(timeout=0.5))
    assert error.reason == "timeout"


def test_a_body_cut_short_is_a_broken_connection():
    server = RawServer(lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<html>only this")
    try:
        error = failure(server.url())
    finally:
        server.close()
    assert error.reason == "network"


def test_a_malformed_response_is_a_network_failure_not_a_crash():
    server = RawServer(lambda _: b"NOT HTTP AT ALL\r\n\r\n")
    try:
        error = failure(server.url())
    finally:
        server.close()
    assert error.reason == "network"


def test_redirect_checks_still_apply(site: Site):
    site.set("/loop-a", "", status=302, headers={"Location": "/loop-b"})
    site.set("/loop-b", "", status=302, headers={"Location": "/loop-a"})
    assert failure(site.url("/loop-a")).reason == "redirect"
    site.set("/ftp", "", status=301, headers={"Location": "ftp://example.org/file"})
    assert "only http(s)" in str(failure(site.url("/ftp")))
    site.set("/hop", "", status=302, headers={"Location": "/final"})
    site.set("/final", "<p>here</p>")
    result = fetch(site.url("/hop"))
    assert result.final_url == site.url("/final") and result.body == b"<p>here</p>"


def test_private_addresses_are_refused_without_allow_private(site: Site):
    site.set("/x", "<p>x</p>")

    async def go():
        async with Fetcher(FetchPolicy()) as fetcher:
            return await fetcher.fetch(Request(site.url("/x")))

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.reason == "blocked"
    assert site.hits("/x") == []  # refused before any connection


def test_connections_are_reused():
    body = b"<p>same</p>"
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    counter = {"connections": 0}
    ready = threading.Event()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]

    def serve_keepalive():
        ready.set()
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            counter["connections"] += 1
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    def answer(conn):
        with conn:
            buffer = b""
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    _, buffer = buffer.split(b"\r\n\r\n", 1)
                    conn.sendall(response)

    threading.Thread(target=serve_keepalive, daemon=True).start()
    ready.wait()

    async def go():
        async with Fetcher(FetchPolicy(concurrency=2, per_host=2)) as fetcher:
            return await asyncio.gather(
                *(
                    fetcher.fetch(Request(f"http://127.0.0.1:{port}/{i}", allow_private=True))
                    for i in range(20)
                )
            )

    try:
        results = asyncio.run(go())
    finally:
        sock.close()
    assert all(r.body == body for r in results)
    assert counter["connections"] <= 2


def test_cookies_are_sent_once_not_twice(site: Site):
    site.set("/login", "<p>hi</p>", headers={"Set-Cookie": "session=abc; Path=/"})
    site.set("/after", "<p>after</p>")

    async def go():
        async with Fetcher(FetchPolicy()) as fetcher:
            await fetcher.fetch(Request(site.url("/login"), allow_private=True))
            await fetcher.fetch(Request(site.url("/after"), allow_private=True))

    asyncio.run(go())
    assert site.hits("/after")[0].get("cookie") == "session=abc"


def test_waiting_for_a_slot_does_not_count_against_the_time_limit(site: Site):
    """Three 0.4 s pages through one slot take 1.2 s, over the 1 s limit: none may time out."""
    for name in ("a", "b", "c"):
        site.set(f"/{name}", f"<p>{name}</p>", delay=0.4)
    site.set("/stuck", "<p>late</p>", delay=3.0)

    async def go(paths):
        async with Fetcher(FetchPolicy(timeout=1.0, concurrency=1, per_host=1)) as fetcher:
            return await asyncio.gather(
                *(fetcher.fetch(Request(site.url(p), allow_private=True)) for p in paths),
                return_exceptions=True,
            )

    started = time.monotonic()
    results = asyncio.run(go(["/a", "/b", "/c"]))
    assert time.monotonic() - started >= 1.0  # they did queue behind each other
    assert [r.body for r in results] == [b"<p>a</p>", b"<p>b</p>", b"<p>c</p>"]
    stuck = asyncio.run(go(["/stuck"]))[0]
    assert isinstance(stuck, FetchError) and stuck.reason == "timeout"
