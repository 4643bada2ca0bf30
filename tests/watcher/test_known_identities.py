"""The identities a kind learns while reading a page travel with its snapshot, and the diff
uses them instead of working them out again (sources/links.py `remember_identities`,
watcher/check/matching.py): every one is the key's `identity`, and matching with them gives
exactly what matching without them gives, on real pages (tests/pages, the shared corpus),
bench pages and edited versions of them (keys moved to https, `www.`, trailing slashes,
keys that share an identity, legacy `?cid=` keys, items added, dropped and edited)."""

from __future__ import annotations

import json
import os
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import listingcases
import pytest
from passes import fetched, source_for

import sources.links as links
from sources.feed import Feed
from sources.jsonapi import JsonApi
from sources.links import identity, known_identities
from sources.listing import Listing, ListingOptions
from watcher.blobs import expect_delta
from watcher.check import matching, window
from watcher.check.diff import diff
from watcher.check.extractworker import _extract
from watcher.check.frames import answer
from watcher.errors import ExtractError
from watcher.model import FetchResult, Item, Snapshot, Source

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"
CORPUS = Path(os.environ.get("REGWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")
sys.path.insert(0, str(ROOT / "bench"))
import pages as bench_pages  # noqa: E402


def _listing(body: bytes, url: str, options: dict, jurisdiction: str = "US") -> Snapshot | None:
    source = listingcases.listing_source(url, options, jurisdiction)
    try:
        return Listing().extract(fetched(body, url), source)
    except ExtractError:
        return None


def _listing_snapshots() -> list[tuple[str, Snapshot]]:
    """Every listing case of tests/support/listingcases.py (real pages with catalog and generic
    options, bench pages), and the shared corpus's HTML pages read as links and list items."""
    found = []
    for name, body, url, options, jurisdiction in listingcases.cases():
        snapshot = _listing(body, url, options, jurisdiction)
        if snapshot is not None:
            found.append((name, snapshot))
    for name, body in listingcases.corpus_pages(CORPUS):
        for generic, options in listingcases.GENERIC[:3]:
            snapshot = _listing(body, f"https://{name[:12]}.example.gov/news/", options)
            if snapshot is not None:
                found.append((f"corpus/{name}:{generic}", snapshot))
    return found


def _feed_snapshots() -> list[tuple[str, Snapshot]]:
    found = []
    for folder in ("feeds-realworld-rss-parser", "feeds-realworld-feedjira", "feeds-feedparser-tests"):
        for path in sorted((PAGES / folder).rglob("*")):
            if path.suffix not in (".xml", ".rss", ".atom", ".rdf"):
                continue
            try:
                snapshot = Feed().extract(
                    fetched(path.read_bytes(), content_type="application/rss+xml"), source_for("feed")
                )
            except ExtractError:
                continue
            found.append((f"{folder}/{path.name}", snapshot))
    for path in [
        *sorted((PAGES / "federal-register-api-json").glob("*.json")),
        *sorted((CORPUS / "federal-register-api-json").glob("*.json")),
    ]:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "results" not in data:
            continue
        snapshot = JsonApi().extract(
            fetched(
                path.read_bytes(), "https://www.federalregister.gov/api/v1/documents.json", "application/json"
            ),
            source_for("json"),
        )
        found.append((f"json/{path.name}", snapshot))
    return found


LISTINGS = _listing_snapshots()
FEEDS = _feed_snapshots()


def test_every_known_identity_is_the_keys_identity():
    """Each identity a listing, feed or JSON API remembered is what `identity` (and its general,
    parsing path) gives for that key."""
    checked = 0
    for name, snapshot in [*LISTINGS, *FEEDS]:
        known = known_identities(snapshot)
        for key, found in known.items():
            assert found == identity(key), (name, key)
            if key.startswith("http"):
                assert found == links._identity_parsed(key), (name, key)
            checked += 1
    assert checked > 2_000


def test_bench_and_feed_snapshots_know_every_key():
    """Fails without remembered identities: a bench page's listing and a feed know every key."""
    body = bench_pages.render(3, bench_pages.initial_items(3, 7), 7).encode()
    snapshot = _listing(body, "http://127.0.0.1:8080/p/3.html", listingcases.bench_options())
    assert snapshot is not None
    assert set(known_identities(snapshot)) == {item.key for item in snapshot.items}
    feeds = [snapshot for name, snapshot in FEEDS if name.startswith("feeds-realworld")]
    assert feeds and all(set(known_identities(s)) >= {i.key for i in s.items} for s in feeds)


def test_identities_travel_back_from_the_extraction_worker():
    """A page whose source has a stored version (`expect_delta`: a diff follows) comes back
    from the worker with the identities its listing learnt; a first version without them
    (nothing will diff it: not pickled for nothing)."""
    body = bench_pages.render(5, bench_pages.initial_items(5, 7), 7).encode()
    url = "http://127.0.0.1:8080/p/5.html"
    source = Source(id="b", url=url, kind="listing", options=ListingOptions(**listingcases.bench_options()))
    inline = Listing().extract(fetched(body, url), source)
    for diffed in (True, False):
        page = fetched(body, url)
        if diffed:
            expect_delta(page)
        task = pickle.dumps((Listing(), page, source), protocol=pickle.HIGHEST_PROTOCOL)
        ok, snapshot = pickle.loads(answer(_extract, task))
        assert ok
        assert snapshot == inline
        assert known_identities(snapshot) == (known_identities(inline) if diffed else {})
    assert len(known_identities(inline)) == len(inline.items)


def _edits(items: tuple[Item, ...]) -> list[tuple[Item, ...]]:
    """Versions of a list of items another pass could have stored or read."""
    items = items[:60]
    if not items:
        return [()]

    def moved(item: Item, how: int) -> Item:
        key = item.key
        if key.startswith("https://") and how == 0:
            key = "http://" + key.removeprefix("https://")
        elif key.startswith("http://") and how == 0:
            key = "https://" + key.removeprefix("http://")
        elif key.startswith(("http://", "https://")) and how == 1:
            scheme, _, rest = key.partition("://")
            key = f"{scheme}://www.{rest}"
        elif key.startswith(("http://", "https://")) and how == 2:
            key = key + "/" if not key.endswith("/") else key.rstrip("/")
        elif key.startswith(("http://", "https://")) and how == 3 and "?" not in key:
            key = key + "?cid=7"
        return replace(item, key=key)

    edited = tuple(
        replace(item, title=item.title + " (revised)") if k % 5 == 0 else item for k, item in enumerate(items)
    )
    return [
        items,
        items[1:],
        items[:-1],
        (Item("https://new.example.gov/doc/1", "A new document"), *items),
        edited,
        tuple(reversed(items)),
        *(
            tuple(moved(item, how) if k % 3 == 0 else item for k, item in enumerate(items))
            for how in range(4)
        ),
        # two keys of one identity in one list (http and https of one link)
        (*items, moved(items[0], 0)),
        (moved(items[-1], 2), *items),
        tuple(replace(item, date="2024-05-10T09:30") for item in items[:5]),
    ]


def _pairs() -> list[tuple[str, Snapshot, Snapshot]]:
    found = []
    for name, snapshot in [*LISTINGS[::3], *FEEDS]:
        for k, before in enumerate(_edits(snapshot.items)):
            found.append((f"{name}/{k}", Snapshot(items=before), snapshot))
            # and the other way round: the current list edited, with the identities the
            # extraction knew of the original keys (any it knew stays true)
            current = Snapshot(items=before)
            links.remember_identities(current, dict(known_identities(snapshot)))
            found.append((f"{name}/{k}/reversed", Snapshot(items=snapshot.items), current))
    return found


def test_matching_with_known_identities_equals_matching_without():
    pairs = _pairs()
    assert len(pairs) > 1_500
    differing = 0
    for name, previous, current in pairs:
        known = known_identities(current)
        assert matching.match_items(previous.items, current.items, known) == matching.match_items(
            previous.items, current.items
        ), name
        bare = Snapshot(items=current.items)
        assert known_identities(bare) == {}
        with_known = diff("s", previous, current, removals="window")
        without = diff("s", previous, bare, removals="window")
        assert with_known == without, name
        differing += with_known is not None
    assert differing > 1_000


def test_known_identities_that_are_wrong_would_show(monkeypatch):
    """The test above can fail: identities that are not the keys' change what matches."""
    snapshot = LISTINGS[0][1]
    assert snapshot.items
    previous = tuple(replace(item, key=item.key + "x") for item in snapshot.items)
    lying = {item.key: identity(item.key + "x") for item in snapshot.items}
    assert matching.match_items(previous, snapshot.items, lying) != matching.match_items(
        previous, snapshot.items
    )


def test_the_diff_of_a_changed_bench_page_works_out_no_identity(monkeypatch):
    """A changed bench page (one new item at the top) is matched without `identity` of any of
    its 101 keys: all are known from reading the page. Fails without remembered identities."""
    url = "http://127.0.0.1:8080/p/0.html"
    items = bench_pages.initial_items(0, 7)
    before = _listing(bench_pages.render(0, items, 7).encode(), url, listingcases.bench_options())
    newest = bench_pages.date.fromisoformat(items[0]["date"]) + bench_pages.timedelta(days=1)
    items.insert(0, bench_pages._item(bench_pages.random.Random("7:0:new:1"), 0, 1001, newest))
    after = _listing(bench_pages.render(0, items, 7).encode(), url, listingcases.bench_options())
    assert before is not None and after is not None
    stored = Snapshot.from_dict(json.loads(json.dumps(before.to_dict())))  # as the store reads it back
    calls: list[str] = []

    def counted(key: str) -> str:
        calls.append(key)
        return identity(key)

    monkeypatch.setattr(matching, "identity", counted)
    change = diff("s", stored, after)
    assert change is not None and len(change.added) == 1 and not change.removed and not change.changed
    assert calls == []


def test_a_window_scrolling_on_works_out_no_identity(monkeypatch):
    """A list of fixed size that scrolls (one new item at the top, the oldest gone: most real
    regulator listings) is matched and its departed item classified without `identity` of any
    key the page showed (only the departed one's). Fails without remembered identities (the removal's classification then works
    out the 50 stored keys' identities)."""
    url = "http://127.0.0.1:8080/p/4.html"
    items = bench_pages.initial_items(4, 7)
    before = _listing(bench_pages.render(4, items, 7).encode(), url, listingcases.bench_options())
    newest = bench_pages.date.fromisoformat(items[0]["date"]) + bench_pages.timedelta(days=1)
    items = [bench_pages._item(bench_pages.random.Random("7:4:new:1"), 4, 1001, newest), *items[:-1]]
    after = _listing(bench_pages.render(4, items, 7).encode(), url, listingcases.bench_options())
    assert before is not None and after is not None
    stored = Snapshot.from_dict(json.loads(json.dumps(before.to_dict())))
    calls: list[str] = []

    def counted(key: str) -> str:
        calls.append(key)
        return identity(key)

    monkeypatch.setattr(matching, "identity", counted)
    monkeypatch.setattr(window, "identity", counted)
    for removals in ("window", "alert"):
        change = diff("s", stored, after, removals=removals)
        assert change is not None and len(change.added) == 1
        assert len(change.aged_out if removals == "window" else change.removed) == 1
    # only the departed item's key, which the new page no longer shows
    assert set(calls) == {stored.items[-1].key}


@pytest.mark.parametrize("kind", ["listing", "feed"])
def test_merged_pages_keep_what_each_page_knew(kind):
    """A paginated source's pages merged into one snapshot keep every identity they knew."""
    body = bench_pages.render(1, bench_pages.initial_items(1, 7), 7).encode()
    first = _listing(body, "http://127.0.0.1:8080/p/1.html", listingcases.bench_options())
    body = bench_pages.render(2, bench_pages.initial_items(2, 7), 7).encode()
    second = _listing(body, "http://127.0.0.1:8080/p/2.html", listingcases.bench_options())
    assert first is not None and second is not None
    merged = (Listing() if kind == "listing" else Feed()).merge([first, second])
    assert known_identities(merged) == {**known_identities(first), **known_identities(second)}
    assert set(known_identities(merged)) == {item.key for item in merged.items}


def test_a_fetch_result_is_not_a_snapshot():
    """`known_identities` of anything that remembered none is empty (a snapshot read back from
    the store, made by hand, or by a kind that does not remember them)."""
    assert known_identities(Snapshot()) == {}
    assert known_identities(FetchResult(url="u", final_url="u", status=200)) == {}
