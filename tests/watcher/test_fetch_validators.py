"""Validators a server gives that cannot go back to it as a header (an ETag or Last-Modified
with a byte past ASCII, read as Latin-1 or UTF-8) are not sent: the fetch is unconditional
and the check goes on. Before, httpx raised UnicodeEncodeError building the conditional GET,
and the stored validator failed every later check of the source as a bug.

Real HTTP on 127.0.0.1 (the server writes header values as Latin-1 bytes, as http.server
does), a real SQLite file, both request paths of the fetcher (watcher/net/direct.py)."""

from __future__ import annotations

import asyncio

import pytest
from passes import Passes, make_config

from watcher.net.fetch import Fetcher, FetchPolicy, Request, make_client, sendable

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
