"""The `feed` kind: real-world and ill-formed feeds, HTML instead of a feed, discovery, end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from passes import Passes, fetched, make_config, source_for

from sources.feed import Feed
from watcher.errors import ExtractError

PAGES = Path(__file__).resolve().parent.parent / "pages"
RSS = "application/rss+xml"

# file, items, first key, first date, warning expected
READABLE = [
    (
        "feeds-realworld-rss-parser/guardian.rss",
        55,
        "https://www.theguardian.com/us-news/2018/jan/31/donald-trump-state-of-the-union-address-unity-discord",
        "2018-01-31T07:26:05+00:00",
        False,
    ),
    (
        "feeds-realworld-rss-parser/rss-1.rss",
        69,
        "http://science.sciencemag.org/cgi/content/short/356/6343/1134-a?rss=1",
        "2017-06-15T17:29:47+00:00",
        False,
    ),
    (
        "feeds-realworld-rss-parser/heise.atom",
        15,
        "http://heise.de/-3088438",
        "2016-02-01T16:22:00+00:00",
        False,
    ),
    (
        "feeds-realworld-rss-parser/missing-fields.atom",
        1,
        "guid:tag:github.com,2008:Repository/11167738/v3.9.0",
        None,
        False,
    ),
    ("feeds-feedparser-tests/wellformed/rss090_channel_title.xml", 1, "title:item title", None, False),
    ("feeds-realworld-feedjira/Permalinks.xml", 4, "http://example.com/1", None, False),
    (
        "feeds-realworld-feedjira/atom_simple_single_entry.xml",
        1,
        "guid:urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        "2003-12-13T18:30:02+00:00",
        False,
    ),
    # ill-formed but readable: accepted, with a warning
    (
        "feeds-realworld-feedjira/TechCrunch.xml",
        20,
        "http://techcrunch.com/?p=446154",
        "2011-11-02T17:25:27+00:00",
        True,
    ),
    (
        "feeds-realworld-feedjira/InvalidDateFormat.xml",
        2,
        "http://example.com/item0",
        "2017-10-16T15:10:00+00:00",
        True,
    ),
    ("feeds-realworld-feedjira/youtube_atom.xml", 15, None, "2015-05-04T00:01:27+00:00", True),
    ("feeds-realworld-rss-parser/uolNoticias.rss", 15, None, None, True),
]

UNREADABLE = [
    ("feeds-realworld-rss-parser/unrecognized.rss", "not_feed", "got an HTML page"),
    ("feeds-feedparser-tests/illformed/rss_empty_document.xml", "not_feed", "not an RSS/Atom/RDF feed"),
    ("feeds-feedparser-tests/illformed/aaa_illformed.xml", "parse", "no readable entries"),
    ("feeds-feedparser-tests/illformed/undeclared_namespace.xml", "parse", "no readable entries"),
    ("feeds-feedparser-tests/illformed/rss_incomplete_cdata.xml", "parse", "none has an id, link or title"),
]


@pytest.mark.parametrize(("name", "count", "key", "date", "warned"), READABLE)
def test_feeds_are_read(name, count, key, date, warned):
    snapshot = Feed().extract(fetched((PAGES / name).read_bytes(), content_type=RSS), source_for("feed"))
    assert len(snapshot.items) == count
    assert len({i.key for i in snapshot.items}) == count
    if key:
        assert snapshot.items[0].key == key
    assert snapshot.items[0].date == date
    assert all(i.title for i in snapshot.items)
    assert bool(snapshot.warnings) == warned
    if warned:
        assert snapshot.warnings[0].startswith("ill-formed feed (")


@pytest.mark.parametrize(("name", "reason", "words"), UNREADABLE)
def test_unreadable_feeds_are_clear_errors(name, reason, words):
    with pytest.raises(ExtractError) as caught:
        Feed().extract(fetched((PAGES / name).read_bytes(), content_type=RSS), source_for("feed"))
    assert caught.value.reason == reason
    assert words in str(caught.value)


def test_feed_text_is_plain_and_links_absolute():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Rule &amp; <b>guidance</b></title><link>/news/1?utm_source=rss#top</link>
    <description>&lt;p&gt;Covered entities &lt;script&gt;alert(1)&lt;/script&gt;must comply.&lt;/p&gt;
    </description>
    <pubDate>Fri, 10/18/2024 - 11:17</pubDate></item></channel></rss>"""
    item = Feed().extract(fetched(body, "https://example.gov/feed.xml", RSS), source_for("feed")).items[0]
    assert item.title == "Rule & guidance"
    assert item.link == "https://example.gov/news/1"
    assert item.key == "https://example.gov/news/1"  # tracking parameters and fragment removed
    assert item.summary == "Covered entities must comply."
    assert item.date == "2024-10-18T11:17:00"


def test_feedparser_never_opens_what_the_body_names(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text('<rss version="2.0"><channel><item><title>leaked</title></item></channel></rss>')
    with pytest.raises(ExtractError):
        Feed().extract(fetched(str(secret).encode(), content_type=RSS), source_for("feed"))


def _add_item(rss: bytes, title: str, link: str) -> bytes:
    item = (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        "<pubDate>Thu, 01 Feb 2018 09:00:00 GMT</pubDate></item>"
    )
    return re.sub(rb"(<item>)", item.encode() + rb"\1", rss, count=1)


def test_feed_gains_an_item_end_to_end(site, tmp_path):
    rss = (PAGES / "feeds-realworld-rss-parser/guardian.rss").read_bytes()
    site.set("/feed", rss, content_type="application/rss+xml")
    passes = Passes(
        make_config(tmp_path, [{"id": "uk-guardian", "url": site.url("/feed"), "kind": "feed"}]),
        tmp_path / "regwatch.db",
    )
    assert passes.one().status == "baseline"
    assert passes.one().status == "unchanged"
    new_link = "https://www.theguardian.com/politics/2018/feb/01/new-data-rules"
    site.set(
        "/feed",
        _add_item(rss, "New data protection rules published", new_link),
        content_type="application/rss+xml",
    )
    outcome = passes.one()
    assert outcome.status == "changed"
    [change] = passes.changes()
    assert [i.title for i in change.added] == ["New data protection rules published"]
    assert change.added[0].link == new_link
    assert not change.removed and not change.changed


def test_ill_formed_feed_is_accepted_with_a_visible_warning(site, config_file, cli, tmp_path):
    site.set("/tc", (PAGES / "feeds-realworld-feedjira/TechCrunch.xml").read_bytes(), content_type="text/xml")
    config = config_file(sources=[{"id": "tc", "url": site.url("/tc"), "kind": "feed"}])
    result = cli("--config", str(config), "check")
    assert result.returncode == 0, result.stderr
    assert (
        "tc: baseline stored - baseline: 20 item(s) (warning: ill-formed feed (SAXParseException"
        in result.stderr
    )
    listed = cli("--config", str(config), "sources")
    assert "warning: ill-formed feed" in listed.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert "XML or text declaration" in db.execute("SELECT warnings FROM checks").fetchone()[0]


def test_html_page_instead_of_a_feed_fails_clearly(site, config_file, cli):
    page = (PAGES / "html-trafilatura/boingboing.net.millenials.html").read_bytes()
    site.set("/feed", page)
    config = config_file(sources=[{"id": "bb", "url": site.url("/feed"), "kind": "feed"}])
    result = cli("--config", str(config), "check")
    assert result.returncode == 1
    assert "bb: FAILED - not_feed: expected a feed" in result.stderr
    assert "the page declares the feed https://boingboing.net/feed" in result.stderr


def test_feed_discovery_watches_the_declared_feed(site, tmp_path):
    page = (PAGES / "html-trafilatura/boingboing.net.millenials.html").read_bytes()
    site.set(
        "/article",
        page.replace(b'href="https://boingboing.net/feed"', f'href="{site.url("/feed")}"'.encode()),
    )
    rss = (PAGES / "feeds-realworld-rss-parser/guardian.rss").read_bytes()
    site.set("/feed", rss, content_type="application/rss+xml", etag=True)
    passes = Passes(
        make_config(
            tmp_path, [{"id": "bb", "url": site.url("/article"), "kind": "page", "discover_feed": True}]
        ),
        tmp_path / "regwatch.db",
    )
    first = passes.one()
    assert first.status == "baseline" and first.summary == "baseline: 55 item(s)"
    assert passes.one().status == "not_modified"  # the feed is fetched conditionally
    assert site.hits("/feed")[-1].get("if-none-match")
    site.set(
        "/feed",
        _add_item(rss, "Discovered item", "https://example.org/d"),
        content_type="application/rss+xml",
    )
    assert passes.one().status == "changed"
    assert [i.title for i in passes.changes()[0].added] == ["Discovered item"]
    assert len(site.hits("/article")) == 3


def test_discovery_without_a_declared_feed_is_an_error(site, tmp_path):
    site.set("/plain", (PAGES / "html-trafilatura/brandenburg.de.homo-brandenburgensis.html").read_bytes())
    passes = Passes(
        make_config(
            tmp_path, [{"id": "p", "url": site.url("/plain"), "kind": "listing", "discover_feed": True}]
        ),
        tmp_path / "regwatch.db",
    )
    outcome = passes.one()
    assert outcome.failed and outcome.reason == "no_feed"
    assert "declares no RSS/Atom feed" in outcome.error
