"""The fetcher against a real local server: caps, bombs, redirects, timeouts, private addresses."""

from __future__ import annotations

import asyncio
import gzip
import socket
import zlib

import pytest

from watcher.errors import FetchError
from watcher.net.fetch import Fetcher, FetchPolicy, Request
from watcher.retry_after import parse_retry_after


def fetch(url: str, *, policy: FetchPolicy | None = None, **request) -> object:
    async def go():
        async with Fetcher(policy or FetchPolicy(timeout=5)) as fetcher:
            return await fetcher.fetch(
                Request(url=url, allow_private=request.pop("allow_private", True), **request)
            )

    return asyncio.run(go())


def failure(url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, **kwargs)
    return info.value


def test_plain_fetch_records_validators(site):
    site.set("/a", "<p>hello</p>", etag=True, headers={"Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})
    result = fetch(site.url("/a"))
    assert result.status == 200 and result.body == b"<p>hello</p>"
    assert result.etag and result.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert "regwatch/" in site.hits("/a")[0]["user-agent"]


def test_304_is_a_value_not_an_error(site):
    site.set("/a", "<p>hello</p>", etag=True)
    first = fetch(site.url("/a"))
    again = fetch(site.url("/a"), etag=first.etag)
    assert again.not_modified and again.body == b""


def test_body_over_the_cap_fails_while_streaming(site):
    site.set("/big", b"x" * 3_000_000)
    error = failure(site.url("/big"), policy=FetchPolicy(max_bytes=1_000_000))
    assert error.reason == "too_large" and "1,000,000-byte limit" in str(error)


def test_gzip_bomb_is_stopped_on_decompressed_size(site):
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    site.set("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    error = failure(site.url("/bomb"), policy=FetchPolicy(max_bytes=5_000_000))
    assert error.reason == "too_large" and "decompressed" in str(error)


def test_gzip_and_deflate_bodies_are_decoded(site):
    site.set("/gz", gzip.compress(b"<p>gz</p>"), headers={"Content-Encoding": "gzip"})
    site.set("/zl", zlib.compress(b"<p>zlib</p>"), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    site.set("/raw", raw.compress(b"<p>raw</p>") + raw.flush(), headers={"Content-Encoding": "deflate"})
    assert fetch(site.url("/gz")).body == b"<p>gz</p>"
    assert fetch(site.url("/zl")).body == b"<p>zlib</p>"
    assert fetch(site.url("/raw")).body == b"<p>raw</p>"


def test_corrupt_gzip_is_bad_content(site):
    site.set("/bad", b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    assert failure(site.url("/bad")).reason == "bad_content"


def test_redirects_are_followed_and_loops_stopped(site):
    site.set("/old", b"", status=301, headers={"Location": "/new"})
    site.set("/new", "<p>moved</p>")
    result = fetch(site.url("/old"))
    assert result.final_url == site.url("/new") and result.body == b"<p>moved</p>"
    site.set("/loop1", b"", status=302, headers={"Location": "/loop2"})
    site.set("/loop2", b"", status=302, headers={"Location": "/loop1"})
    error = failure(site.url("/loop1"))
    assert error.reason == "redirect" and "redirect loop" in str(error)


def test_too_many_redirects(site):
    for n in range(10):
        site.set(f"/r{n}", b"", status=302, headers={"Location": f"/r{n + 1}"})
    error = failure(site.url("/r0"), policy=FetchPolicy(max_redirects=3))
    assert error.reason == "redirect" and "too many redirects" in str(error)


def test_redirect_to_another_scheme_is_refused(site):
    site.set("/ftp", b"", status=302, headers={"Location": "file:///etc/passwd"})
    error = failure(site.url("/ftp"))
    assert error.reason == "redirect" and "only http(s)" in str(error)


def test_private_addresses_are_refused_unless_allowed(site):
    error = failure(site.url("/a"), allow_private=False)
    assert error.reason == "blocked" and "allow_private" in str(error)


def test_http_errors_carry_status_and_retry_after(site):
    site.set("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    error = failure(site.url("/busy"))
    assert (error.status, error.retryable, error.retry_after) == (429, True, 120.0)
    site.set("/gone", "gone", status=404)
    gone = failure(site.url("/gone"))
    assert gone.status == 404 and not gone.retryable and "update the source's url" in str(gone)


def test_total_timeout_stops_a_trickling_server():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    async def trickle():
        loop = asyncio.get_running_loop()
        server.setblocking(False)
        conn, _ = await loop.sock_accept(server)
        await loop.sock_recv(conn, 4096)
        await loop.sock_sendall(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(100):
                await loop.sock_sendall(conn, b"x")
                await asyncio.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    async def go():
        task = asyncio.create_task(trickle())
        try:
            async with Fetcher(FetchPolicy(timeout=1.5)) as fetcher:
                with pytest.raises(FetchError) as info:
                    await fetcher.fetch(Request(url=f"http://127.0.0.1:{port}/", allow_private=True))
            return info.value
        finally:
            task.cancel()
            server.close()

    error = asyncio.run(go())
    assert error.reason == "timeout"


def test_connection_refused_is_connect_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    assert failure(f"http://127.0.0.1:{port}/").reason == "connect"


@pytest.mark.parametrize(
    ("value", "seconds"), [("30", 30.0), ("0", 0.0), ("junk", None), (None, None), ("999999", 86400.0)]
)
def test_retry_after_parsing(value, seconds):
    assert parse_retry_after(value) == seconds
