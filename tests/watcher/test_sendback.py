"""What a server gave that cannot go back to it as a header (watcher/net/sendback.py) is not
sent: an ETag or Last-Modified with a byte past ASCII (read as Latin-1 or UTF-8) leaves the
fetch unconditional, such a cookie leaves the jar, and the checks go on. Before, httpx raised
UnicodeEncodeError building the request: the stored validator failed every later check of
its source as a bug, the cookie every later request to its host.

Real HTTP on 127.0.0.1 (the server writes header values as Latin-1 bytes, as http.server
does), a real SQLite file, both request paths of the fetcher (watcher/net/direct.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from passes import Passes, make_config

from watcher.net.fetch import Fetcher, FetchPolicy, Request, make_client
from watcher.net.sendback import drop_unsendable_cookies, sendable

PAGE = "<html><body><main><p>Règle 12 : données de santé</p></main></body></html>"
#: As sent: é as one Latin-1 byte; and "é" in UTF-8 (written as its two Latin-1 characters).
ETAGS = ['"r\u00e9gle-12"', '"r\u00c3\u00a9gle-12"']


@pytest.mark.parametrize("etag", ETAGS, ids=["latin-1", "utf-8"])
def test_a_source_whose_validators_are_not_ascii_is_checked_on(site, tmp_path, etag):
    site.set("/rule", PAGE, headers={"ETag": etag, "Last-Modified": "Lun, 07 D\u00e9c 2026 10:00:00 GMT"})
    source = {"id": "fr-cnil-rule", "url": site.url("/rule"), "kind": "page"}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    assert passes.one().status == "unchanged"
    site.set("/rule", PAGE.replace("12", "13"), headers={"ETag": etag})
    changed = passes.one()
    assert changed.status == "changed", changed
    later = site.hits("/rule")[1:]
    assert later and all("if-none-match" not in h and "if-modified-since" not in h for h in later)


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "through-httpx"])
def test_both_request_paths_send_ascii_validators_and_leave_out_the_rest(site, direct):
    site.set("/rule", PAGE, etag=True)

    async def go() -> list[int]:
        policy = FetchPolicy(timeout=5)
        client = None if direct else make_client(policy)
        async with Fetcher(policy, client) as fetcher:
            first = await fetcher.fetch(Request(site.url("/rule"), allow_private=True))
            statuses = [first.status]
            for etag in (first.etag, *ETAGS, '"a\r\nx-injected: 1"'):
                again = await fetcher.fetch(Request(site.url("/rule"), allow_private=True, etag=etag))
                statuses.append(again.status)
        if client is not None:
            await client.aclose()
        return statuses

    assert asyncio.run(go()) == [200, 304, 200, 200, 200]
    assert not any("x-injected" in h for h in site.hits("/rule"))


def test_sendable():
    assert sendable('"v1"') and sendable('W/"0-abc"') and sendable("Wed, 21 Oct 2015 07:28:00 GMT")
    assert not sendable('"r\u00e9gle"') and not sendable('"a\r\nb"') and not sendable("\x00")


@pytest.mark.parametrize(
    "cookie", ["lang=fran\u00e7ais", "lang=fran\u00c3\u00a7ais"], ids=["latin-1", "utf-8"]
)
def test_a_cookie_that_is_not_ascii_fails_no_request_to_its_host(site, tmp_path, cookie):
    site.set("/a", PAGE, headers={"Set-Cookie": f"{cookie}; Path=/", "ETag": '"a1"'})
    site.set("/b", PAGE.replace("12", "14"), headers={"Set-Cookie": "session=abc123; Path=/"})
    sources = [
        {"id": "fr-cnil-a", "url": site.url("/a"), "kind": "page"},
        {"id": "fr-cnil-b", "url": site.url("/b"), "kind": "page"},
    ]
    passes = Passes(make_config(tmp_path, sources, limits={"concurrency": 1}), tmp_path / "regwatch.db")
    assert [o.status for o in passes.run().outcomes] == ["baseline", "baseline"]
    assert [o.status for o in passes.run().outcomes] == ["unchanged", "unchanged"]
    later = [h for path in ("/a", "/b") for h in site.hits(path)][2:]
    assert all("lang=" not in h.get("cookie", "") for h in later)


def test_only_the_cookies_that_cannot_be_sent_leave_the_jar():
    cookies = httpx.Cookies()
    cookies.set("session", "abc123", domain="www.cnil.fr")
    cookies.set("lang", "fran\u00e7ais", domain="www.cnil.fr")
    cookies.set("caf\u00e9", "1", domain="www.cnil.fr")
    drop_unsendable_cookies(cookies)
    assert [(c.name, c.value) for c in cookies.jar] == [("session", "abc123")]
