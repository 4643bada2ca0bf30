"""The fetcher's direct path to the aiohttp transport (watcher/net/direct.py) is httpx's client,
request for request: the same bytes on the wire, the same results and the same errors.

`Fetcher(policy)` makes its own client and takes the direct path; `Fetcher(policy,
client=make_client(policy))` is the same client and transport given from outside, which goes
through httpx's `AsyncClient.stream` as before. Both run against one raw socket server on
127.0.0.1 that records every request's bytes.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from rawserver import RawServer
from urlgen import PATH, origins

from watcher.errors import FetchError
from watcher.net.direct import plain_target, request_lines, response_headers
from watcher.net.fetch import Fetcher, FetchPolicy, Request, make_client

PAGE = b"<html><body>" + b"<p>rule 12</p>" * 200 + b"</body></html>"
ANSWERS = {
    "/ok": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
    b'ETag: "v1"\r\nLast-Modified: Sun, 06 Dec 2026 10:00:00 GMT\r\nX-Dup: a\r\nx-dup: b\r\n'
    b"X-Latin: caf\xe9\r\nSet-Cookie: session=abc; Path=/\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n" % len(gzip.compress(PAGE)) + gzip.compress(PAGE),
    "/plain": b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n<p>hi!</p>\n",
    "/nm": b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nConnection: close\r\n\r\n',
    "/moved": b"HTTP/1.1 302 Found\r\nLocation: /plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "/gone": b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n",
    "/busy": b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 4\r\n"
    b"Connection: close\r\n\r\nbusy",
    "/big": b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + b"x" * 5000,
    "/short": b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n<html>only",
    "/junk": b"NOT HTTP AT ALL\r\n\r\n",
}
#: Odd redirect targets: httpx's client reads a Location even with redirects off, and fails on some.
LOCATIONS = [
    b"javascript:alert(1)",
    b"http://[::1",
    b"http:///nohost",
    b"ftp://example.org/file",
    b"  /plain  ",
    b"/plain#part",
    b"http://exa mple.org/",
    b"http://127.0.0.1:99999/",
    b"http://127.0.0.1:1/",
    b"%zz",
    b"caf\xe9",
    b"",
]
for index, location in enumerate(LOCATIONS):
    ANSWERS[f"/to-{index}"] = (
        b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % location
    )


def answer(request: bytes) -> bytes:
    """ANSWERS' reply for the request's path (the "/gone" answer for any other)."""
    path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
    return ANSWERS.get(path, ANSWERS["/gone"])


@pytest.fixture
def server():
    server = RawServer(answer)
    yield server
    server.close()


def outcome(result: object) -> object:
    if isinstance(result, FetchError):
        return ("error", type(result), str(result), result.reason, result.status, result.retryable)
    return {k: v for k, v in vars(result).items() if k != "elapsed"}


def run(requests: list[Request], *, direct: bool, policy: FetchPolicy) -> list[object]:
    async def go() -> list[object]:
        client = None if direct else make_client(policy)
        async with Fetcher(policy, client) as fetcher:
            assert (fetcher._direct is not None) is direct
            results = []
            for request in requests:
                try:
                    results.append(outcome(await fetcher.fetch(request)))
                except FetchError as exc:
                    results.append(outcome(exc))
            if client is not None:
                await client.aclose()
            return results

    return asyncio.run(go())


def both_paths(server: RawServer, requests: list[Request], policy: FetchPolicy | None = None):
    policy = policy or FetchPolicy()
    through_httpx = run(requests, direct=False, policy=policy)
    sent_through_httpx, server.requests = server.requests, []
    direct = run(requests, direct=True, policy=policy)
    return through_httpx, sent_through_httpx, direct, server.requests


def test_the_same_requests_results_and_errors_as_httpxs_client(server: RawServer):
    custom = (("X-Api-Key", "k-42"), ("Accept-Language", "en"))
    requests = [
        Request(server.url(path), allow_private=True)
        for path in ("/plain", "/moved", "/gone", "/busy", "/short", "/junk", "/missing")
    ] + [
        Request(
            server.url("/nm"),
            etag='"v1"',
            last_modified="Sun, 06 Dec 2026 10:00:00 GMT",
            accept="text/html",
            headers=custom,
            allow_private=True,
        ),
        Request(server.url("/big"), max_bytes=1000, allow_private=True),
    ]
    through_httpx, sent_through_httpx, direct, sent_direct = both_paths(server, requests)
    assert direct == through_httpx
    assert sent_direct == sent_through_httpx
    assert [r[3] for r in direct if isinstance(r, tuple)] == [
        "http", "http", "network", "network", "http", "too_large"
    ]  # fmt: skip
    assert b"x-api-key: k-42\r\n" in sent_direct[-2] and b'if-none-match: "v1"\r\n' in sent_direct[-2]


def test_cookies_headers_and_gzip_as_httpx_reads_them(server: RawServer):
    requests = [
        Request(server.url("/ok"), allow_private=True),
        Request(server.url("/plain"), allow_private=True),
    ]
    through_httpx, sent_through_httpx, direct, sent_direct = both_paths(server, requests)
    assert direct == through_httpx
    assert direct[0]["body"] == PAGE
    assert direct[0]["headers"]["x-dup"] == "a, b" and direct[0]["headers"]["x-latin"] == "café"
    assert sent_direct == sent_through_httpx
    assert b"cookie: session=abc" in sent_direct[1].lower()  # the jar got the first answer's cookie


def test_odd_redirect_targets_fail_alike(server: RawServer):
    requests = [Request(server.url(f"/to-{index}"), allow_private=True) for index in range(len(LOCATIONS))]
    through_httpx, sent_through_httpx, direct, sent_direct = both_paths(server, requests)
    assert direct == through_httpx
    assert sent_direct == sent_through_httpx
    assert {r[3] for r in direct if isinstance(r, tuple)} >= {"redirect"}


def test_a_refused_connection_and_a_timeout_fail_alike():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts, never answers
    try:
        requests = [
            Request(f"http://127.0.0.1:{port}/", allow_private=True),
            Request(f"http://127.0.0.1:{silent.getsockname()[1]}/", allow_private=True),
        ]
        policy = FetchPolicy(timeout=0.3)
        direct = run(requests, direct=True, policy=policy)
        assert direct == run(requests, direct=False, policy=policy)
    finally:
        silent.close()
    assert [r[3] for r in direct] == ["connect", "timeout"]


# -- hostile answers, on both paths ---------------------------------------------------------


def chunked(body: bytes, size: int = 100) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def with_length(body: bytes, head: bytes = b"", status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
        status, head, len(body), body
    )  # fmt: skip


def trickle(head: bytes, piece: bytes) -> Iterator[bytes]:
    """A head, then one small piece every 0.05 s for ~3 s (longer than the fetch may take)."""
    yield head
    for _ in range(60):
        time.sleep(0.05)
        yield piece


def endless() -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    while True:
        yield b"10000\r\n" + b"z" * 0x10000 + b"\r\n"


def raw_deflate(body: bytes) -> bytes:
    """Deflate without the zlib header, as some servers send `Content-Encoding: deflate`."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(body) + compressor.flush()


HOSTILE: dict[str, Callable[[], bytes | Iterator[bytes]]] = {
    "/chunked": lambda: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(PAGE, 7),
    "/chunked-gzip": lambda: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
        + chunked(gzip.compress(PAGE))
    ),
    "/deflate": lambda: with_length(zlib.compress(PAGE), b"Content-Encoding: deflate\r\n"),
    "/raw-deflate": lambda: with_length(raw_deflate(PAGE), b"Content-Encoding: deflate\r\n"),
    "/br": lambda: with_length(PAGE, b"Content-Encoding: br\r\n"),
    "/lying-gzip": lambda: with_length(PAGE, b"Content-Encoding: gzip\r\n"),
    "/two-encodings": lambda: with_length(
        gzip.compress(PAGE), b"Content-Encoding: GZIP\r\nContent-Encoding: identity\r\n"
    ),
    "/http10": lambda: b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE,
    "/http10-over-cap": lambda: b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 300_000,
    "/chunked-over-cap": lambda: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 300_000, 4096)
    ),
    "/endless": endless,
    "/cut-mid-body": lambda: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n20\r\nabc"
    ),
    "/304-no-etag": lambda: b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n",
    "/304-length": lambda: b'HTTP/1.1 304 Not Modified\r\nETag: "v2"\r\nContent-Length: 5000\r\n\r\n',
    "/204": lambda: b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
    "/empty": lambda: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
    "/repeated": lambda: with_length(
        b"ok", b'X-A: 1\r\nx-a: 2\r\nLink: <a>\r\nX-T: \xe9t\xe9\r\nETag: "\xc3\xa9"\r\n'
    ),
    "/sets-cookie": lambda: (
        b"HTTP/1.1 302 Found\r\nSet-Cookie: s=1; Path=/\r\nLocation: /needs-cookie\r\nContent-Length: 0\r\n\r\n"
    ),
    "/chain-0": lambda: b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /chain-1\r\nContent-Length: 0\r\n\r\n",
    "/chain-1": lambda: (
        b"HTTP/1.1 308 Permanent Redirect\r\nLocation: chain-2?x=1\r\nContent-Length: 0\r\n\r\n"
    ),
    "/chain-2": lambda: (
        b"HTTP/1.1 303 See Other\r\nLocation: //127.0.0.1:PORT/http10\r\nContent-Length: 0\r\n\r\n"
    ),
    "/loop-a": lambda: b"HTTP/1.1 301 Moved\r\nLocation: /loop-b\r\nContent-Length: 0\r\n\r\n",
    "/loop-b": lambda: b"HTTP/1.1 302 Found\r\nLocation: /loop-a\r\nContent-Length: 0\r\n\r\n",
    "/trickle-body": lambda: trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x"),
    "/trickle-head": lambda: trickle(b"HTTP/1.1 200 OK\r\n", b"X-More: y\r\n"),
}


def hostile_answer(request: bytes) -> bytes | Iterator[bytes]:
    path = request.split(b" ", 2)[1].decode().partition("?")[0]
    if path == "/needs-cookie":  # a page served only to a client that kept the cookie
        return with_length(b"<p>rule</p>") if b"\r\ncookie: s=1" in request.lower() else ANSWERS["/gone"]
    made = HOSTILE[path]()
    return made.replace(b"PORT", str(PORT[0]).encode()) if isinstance(made, bytes) else made


PORT = [0]


def test_hostile_answers_give_the_same_results_and_errors_as_httpxs_client():
    """Chunked and compressed bodies, lying encodings, bodies past the cap or without end,
    HTTP/1.0, a body cut short, odd 304s and 204s, repeated and latin-1 headers, a cookie
    then a page that needs it, redirect chains and loops, servers that trickle: the same
    result or recorded error on both paths, and each fetch ends (the run goes on)."""
    server = RawServer(hostile_answer)
    PORT[0] = server.port
    try:
        paths = [*HOSTILE, "/needs-cookie"]
        requests = [
            Request(server.url(path), allow_private=True, max_bytes=100_000, etag='"v1"') for path in paths
        ]
        policy = FetchPolicy(timeout=1.0)
        started = time.monotonic()
        through_httpx, sent_through_httpx, direct, sent_direct = both_paths(server, requests, policy)
        assert time.monotonic() - started < 60  # two trickles each ended by the 1 s limit, per path
    finally:
        server.close()
    assert direct == through_httpx
    assert sent_direct == sent_through_httpx
    got = dict(zip(paths, direct, strict=True))
    for path in ("/chunked", "/chunked-gzip", "/deflate", "/raw-deflate", "/two-encodings", "/http10"):
        assert isinstance(got[path], dict) and got[path]["body"] == PAGE, path
    for path, reason in {
        "/br": "bad_content",
        "/lying-gzip": "bad_content",
        "/http10-over-cap": "too_large",
        "/chunked-over-cap": "too_large",
        "/endless": "too_large",
        "/cut-mid-body": "network",
        "/loop-a": "redirect",
        "/trickle-body": "timeout",
        "/trickle-head": "timeout",
    }.items():
        assert isinstance(got[path], tuple) and got[path][3] == reason, (path, got[path])
    assert got["/304-no-etag"]["not_modified"] and got["/304-no-etag"]["etag"] is None
    assert got["/304-length"]["not_modified"] and got["/304-length"]["etag"] == '"v2"'
    assert got["/204"]["body"] == b"" and got["/empty"]["body"] == b""
    assert got["/repeated"]["headers"]["x-a"] == "1, 2" and got["/repeated"]["headers"]["x-t"] == "été"
    assert got["/sets-cookie"]["body"] == b"<p>rule</p>"  # the cookie went with the redirect
    assert got["/needs-cookie"]["body"] == b"<p>rule</p>"  # and with the next request
    assert got["/chain-0"]["final_url"] == server.url("/http10") and got["/chain-0"]["body"] == PAGE


# -- the two pure pieces, against httpx itself ---------------------------------------------

TOKEN = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
NAME = st.one_of(
    TOKEN,
    st.sampled_from(["Accept", "accept", "User-Agent", "CONNECTION", "Host", "Accept-Encoding", "Cookie"]),
)
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
DEFAULTS = make_client(FetchPolicy()).headers.multi_items()


@example(origin="http://0.0.0.00", path="/", headers={})  # found by hypothesis in a full run
@settings(max_examples=300, deadline=None)
@given(
    origin=origins(("http", "https"), ports=True),
    path=PATH,
    headers=st.dictionaries(NAME, VALUE, max_size=8),
)
def test_request_lines_are_the_lines_httpxs_client_builds(origin: str, path: str, headers: dict[str, str]):
    client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
    url = origin + path
    try:
        expected = client.build_request("GET", url, headers=headers).headers.multi_items()
    except httpx.InvalidURL:  # an IPv4-shaped host httpx refuses (0.0.0.00): never sent directly
        assert plain_target(url) is None
        assume(False)
    netloc = httpx.URL(url).netloc.decode("ascii")
    assert request_lines(client.headers.multi_items(), headers, netloc) == expected
    assert client.headers.multi_items() == DEFAULTS


def test_a_header_that_is_not_ascii_takes_httpxs_path():
    assert request_lines(DEFAULTS, {"X-Name": "café"}, "a.example") is None
    assert request_lines(DEFAULTS, {"X-Namé": "cafe"}, "a.example") is None


FIELD = st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b"ETag", b"etag", b"Set-Cookie", b"Location", b"caf\xe9", b"\xc3\xa9t\xc3\xa9"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(FIELD, FIELD), max_size=10))
def test_response_headers_are_httpxs_items(raw: list[tuple[bytes, bytes]]):
    assert list(response_headers(raw).items()) == list(httpx.Headers(raw).items())


ODD = st.text(st.sampled_from("hts:/.%?#@[]:0189aAzé-_~ "), max_size=30)
PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":0", ":080", ":65535", ":65536", ":99999"])
DOTS = st.sampled_from(["", "/.", "/..", "/./x", "/../x", "/x/..", "/.x", "/..x", "//"])


@settings(max_examples=500, deadline=None)
@given(
    url=st.one_of(
        st.builds(
            lambda origin, port, path, dots: origin + port + path + dots,
            origins(("http", "https"), ports=False),
            PORTS,
            PATH,
            DOTS,
        ),
        st.builds(
            lambda scheme, rest: scheme + rest, st.sampled_from(["http://", "https://", "HTTP://"]), ODD
        ),
    )
)
def test_a_plain_url_is_one_httpx_leaves_as_it_is(url: str):
    """When `plain_target` takes the shortcut, httpx would have given the same URL and Host."""
    host = plain_target(url)
    if host is not None:
        parsed = httpx.URL(url)
        assert str(parsed) == url and parsed.netloc.decode("ascii") == host


@given(origin=origins(("http", "https"), ports=True), path=PATH)
@example(origin="http://0.0.0.300", path="/")
@example(origin="https://0.0.0.00:8080", path="/a")
@example(origin="http://1.2.3.4", path="/")
def test_the_shortcut_is_taken_for_plain_urls(origin: str, path: str):
    port = origin.rpartition(":")[2]
    try:
        netloc = httpx.URL(origin + path).netloc.decode()
    except httpx.InvalidURL:
        netloc = None  # httpx's own error: the URL takes httpx's path to get it
    expected = None if port.isdigit() and int(port) > 65535 else netloc
    assert plain_target(origin + path) == expected


def test_an_address_httpx_refuses_gets_httpx_error_not_a_request():
    for url in ("http://0.0.0.300/", "http://01.2.3.4/x", "https://256.1.1.1/"):
        assert plain_target(url) is None
        with pytest.raises(httpx.InvalidURL):
            httpx.URL(url)
