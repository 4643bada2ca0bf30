"""The listing's per-page item reader (issue 18, round 18 perfextract9) reads what main
d594c5a's `read_item` read (tests/support/listing_d594c5a.py): `item_reader` works out once per page what stays the same from item to item (the
options' selectors and identity rule, the field finders, the base's plain origin) and writes
the calls a field reads through inline; every item of every listing page, and the plain keys
it remembers, are compared with `read_item`'s, pickles included.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path

import listingcases
import orjson
import pytest
from listing_d594c5a import read_item
from lxml import etree

from sources import cssfirst, html, links, listing
from sources.dates import DAY_FIRST_JURISDICTIONS
from sources.listing import Listing, item_reader
from watcher import fingerprints
from watcher.errors import ExtractError
from watcher.model import FetchResult

PAGES = Path(__file__).resolve().parents[1] / "pages"
#: The shared corpus's real HTML pages, where present (beside the clone, or on this machine).
CORPUS = next(
    (path for path in (PAGES.parents[2] / "shared" / "corpus", Path("/work/shared/corpus")) if path.is_dir()),
    None,
)
#: Options that meet the reader's other paths: no title selector (the item's own text), a
#: link that is the item itself, identity by title and by link, dates without `datetime`.
MORE = (
    ("own-text", {"select": "a[href]", "date": "time"}),
    ("by-link", {"select": "li, tr", "title": "a", "identity": "link", "date": "td, span"}),
    ("by-title", {"select": "h2, h3, li", "identity": "title", "summary": "p, a"}),
)


def corpus_cases() -> list[tuple[str, bytes, str, dict, str]]:
    if CORPUS is None:
        return []
    found = []
    for name, body in listingcases.corpus_pages(CORPUS):
        url = f"https://{name[:24]}.example.gov/news/index.html"
        for option_name, options in (*listingcases.GENERIC[:4], *MORE):
            found.append((f"corpus/{name}:{option_name}", body, url, options, "UK"))
    return found


def every_case() -> list[tuple[str, bytes, str, dict, str]]:
    cases = listingcases.cases()
    for name, body, url, _options, jurisdiction in list(cases):
        if name.startswith("catalog/") and name.endswith(":links:US"):
            cases.extend((f"{name}:{more}", body, url, extra, jurisdiction) for more, extra in MORE)
    return cases + corpus_cases()


def read_both(body: bytes, url: str, options: dict, jurisdiction: str):
    """Each element's item by `read_item` and by `item_reader`, and the plain keys each
    remembered, as `Listing.extract` reads the page."""
    source = listingcases.listing_source(url, options, jurisdiction)
    fetched = FetchResult(url, url, 200, {"content-type": "text/html"}, body)
    try:
        root = html.parse_plain(fetched)
    except ExtractError:
        return None
    opts = source.options
    base = html.base_href(root, fetched.final_url)
    html.remove(root, opts.exclude)
    elements = html.select(root, opts.select)
    dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
    expected_keys: list[str] = []
    links.canonical.cache_clear()  # each read as the first (the cache hands back its first string)
    finders = listing.field_finders(opts)
    expected = [read_item(e, opts, base, source.ignore, dayfirst, finders, expected_keys) for e in elements]
    keys: list[str] = []
    links.canonical.cache_clear()
    read = item_reader(opts, base, source.ignore, dayfirst, keys)
    return expected, expected_keys, [read(e) for e in elements], keys


def test_the_item_reader_reads_what_read_item_reads():
    items = pages = 0
    for name, body, url, options, jurisdiction in every_case():
        both = read_both(body, url, options, jurisdiction)
        if both is None:
            continue
        expected, expected_keys, found, keys = both
        assert found == expected, name
        assert pickle.dumps(found) == pickle.dumps(expected), name
        assert [i.__dict__ if i else None for i in found] == [i.__dict__ if i else None for i in expected]
        assert keys == expected_keys, name
        items += sum(item is not None for item in found)
        pages += 1
    assert pages > 200 and items > 10_000


def test_odd_links_and_bases():
    """Links that are not plain (a query, tracking, a fragment, another host, a document, a
    scheme the listing drops), empty and blank hrefs, and bases that are not plain."""
    body = b"""<html><body><ul>
    <li><a href="/a/b.html">Plain</a></li>
    <li><a href="  /a/c  ">Spaces</a></li>
    <li><a href="/a?utm_source=x&id=2">Query</a></li>
    <li><a href="/a#frag">Fragment</a></li>
    <li><a href="https://www.Other.example/x/">Other host</a></li>
    <li><a href="/files/report.PDF">Report</a></li>
    <li><a href="/files/report.pdf?v=2">Report</a></li>
    <li><a href="javascript:void(0)">Script</a></li>
    <li><a href="">Empty</a></li>
    <li><a href="   ">Blank</a></li>
    <li><a>No href</a></li>
    <li><a href="../up/./x">Dots</a></li>
    <li></li>
    </ul></body></html>"""
    for url in (
        "https://x.example.gov/news/index.html",
        "https://x.example.gov:8443/news/",
        "https://X.example.gov/news/",
        "https://x.example.gov/news/?q=1",
        "file:///etc/passwd",
    ):
        for identity in ("auto", "link", "title"):
            for option in ({"select": "li"}, {"select": "li", "title": "a", "link": "a"}, {"select": "a"}):
                both = read_both(body, url, {**option, "identity": identity}, "US")
                assert both is not None
                expected, expected_keys, found, keys = both
                assert found == expected and keys == expected_keys, (url, identity, option)


def test_a_page_works_its_plain_origin_out_once(monkeypatch):
    """The base's plain origin is asked once a page, not once a link (structure: each call of
    `absolute_plain` asked for it before)."""
    calls = []
    origin = links._plain_origin

    def counted(base):
        calls.append(base)
        return origin(base)

    monkeypatch.setattr(links, "_plain_origin", counted)
    monkeypatch.setattr(listing, "_plain_origin", counted)
    _name, body, url, options, jurisdiction = next(
        c for c in listingcases.cases() if c[0].startswith("bench/")
    )
    source = listingcases.listing_source(url, options, jurisdiction)
    snapshot = Listing().extract(FetchResult(url, url, 200, {"content-type": "text/html"}, body), source)
    assert len(snapshot.items) == 50
    assert calls == [url]


def test_the_fields_walk_tells_a_parent_context_and_the_tests_inline(monkeypatch):
    """`firsts_finder`'s walk tells an attribute or class test inline and a two-step
    selector's context from the parent first (`h3 a`'s `h3`), calling `_below` only when the
    parent is not it (structure: each matching element called `_below` and a test before)."""
    calls = []
    below = cssfirst._below
    monkeypatch.setattr(cssfirst, "_below", lambda *args: calls.append(args) or below(*args))
    cssfirst.firsts_finder.cache_clear()
    try:
        _name, body, url, options, jurisdiction = next(
            c for c in listingcases.cases() if c[0].startswith("bench/")
        )
        source = listingcases.listing_source(url, options, jurisdiction)
        snapshot = Listing().extract(FetchResult(url, url, 200, {"content-type": "text/html"}, body), source)
        assert len(snapshot.items) == 50 and all(item.date and item.summary for item in snapshot.items)
        assert calls == []
        tree = etree.fromstring("<li><div><h3><b><a href='/x'>x</a></b></h3></div></li>", etree.HTMLParser())
        item = tree.find(".//li")
        find = cssfirst.firsts_finder((("h3 a", html.selector("h3 a").path),))
        assert find(item)["h3 a"] is item.find(".//a")
        assert len(calls) == 1  # the parent is `b`: `_below` walks on to `h3`
    finally:
        cssfirst.firsts_finder.cache_clear()


def test_item_strings_are_written_by_orjson_called_by_position():
    """The fingerprint's item strings and blocks are each written as orjson writes them with
    its option by keyword (a str subclass refused), orjson called with the option by position
    (structure: no `functools.partial` holding it as a keyword)."""
    assert not [v for v in vars(fingerprints).values() if isinstance(v, functools.partial)]

    class Sub(str):
        pass

    texts = ["", "plain", 'a "quoted" \\ text\n\x00\x1f', "é ü \u2028 \U0001f600", "x" * 500]
    expected = [orjson.dumps(t, option=orjson.OPT_PASSTHROUGH_SUBCLASS) for t in texts]
    assert list(fingerprints._each_orjson(texts)) == expected
    with pytest.raises(TypeError):
        list(fingerprints._each_orjson([Sub("x")]))
    with pytest.raises(TypeError):
        fingerprints._dumps(Sub("x"), None, fingerprints._SUBCLASS_REFUSED)
