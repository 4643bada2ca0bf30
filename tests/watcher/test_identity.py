"""Identity that survives cosmetic URL changes (issue #13, point 4).

A document keeps its identity across http -> https, a `www.` alias, a default port, a
trailing slash and tracking parameters (w3lib's canonical form, sources/links.py);
parameters that can name a document (`source`, `ref`, `cid`, `sid`) are kept. A real
fda.gov RSS feed whose links and guids all move to https alerts nothing, and the keys
stored before the move keep matching (they are re-keyed in place, never duplicated).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from passes import Passes, make_config

from sources.links import canonical, identity
from watcher.check.diff import diff
from watcher.model import Item, Snapshot

PAGES = Path(__file__).parent.parent / "pages"
FDA_HTTP = (PAGES / "fda-rss/press-releases-http.xml").read_text("utf-8")
FDA_HTTPS = FDA_HTTP.replace("http://www.fda.gov/", "https://www.fda.gov/")

SAME = [
    ("scheme", "http://www.fda.gov/news-events/a", "https://www.fda.gov/news-events/a"),
    ("www alias", "https://www.fda.gov/news-events/a", "https://fda.gov/news-events/a"),
    ("default port", "https://www.hhs.gov:443/hipaa/a.html", "https://www.hhs.gov/hipaa/a.html"),
    ("http default port", "http://www.hhs.gov:80/hipaa/a.html", "https://www.hhs.gov/hipaa/a.html"),
    (
        "trailing slash",
        "https://ico.org.uk/action-weve-taken/enforcement/",
        "https://ico.org.uk/action-weve-taken/enforcement",
    ),
    ("tracking", "https://www.hhs.gov/a.html?utm_source=govdelivery&fbclid=x", "https://www.hhs.gov/a.html"),
    ("host case and fragment", "HTTPS://WWW.FDA.GOV/news#main", "https://www.fda.gov/news"),
    ("query order", "https://e.gov/d?b=2&a=1", "https://e.gov/d?a=1&b=2"),
]
DIFFERENT = [
    ("cid names a document", "https://e.gov/doc?cid=1", "https://e.gov/doc?cid=2"),
    ("sid names a document", "https://e.gov/view?sid=10", "https://e.gov/view?sid=11"),
    ("ref names a document", "https://e.gov/r?ref=A-1", "https://e.gov/r?ref=A-2"),
    ("source names a document", "https://e.gov/s?source=ocr", "https://e.gov/s?source=cms"),
    ("other port", "https://e.gov:8443/a", "https://e.gov/a"),
    ("other host", "https://fda.gov/a", "https://hhs.gov/a"),
]


@pytest.mark.parametrize(("what", "a", "b"), SAME, ids=[s[0] for s in SAME])
def test_same_document(what, a, b):
    assert identity(a) == identity(b)
    assert identity(canonical(a)) == identity(b)  # a key stored in canonical form still matches


@pytest.mark.parametrize(("what", "a", "b"), DIFFERENT, ids=[s[0] for s in DIFFERENT])
def test_different_documents(what, a, b):
    assert identity(a) != identity(b)
    assert canonical(a) != canonical(b)


def test_non_url_keys_are_their_own_identity():
    assert identity("document_number:2024-00091") == "document_number:2024-00091"
    assert identity("title:notice") == "title:notice"


def db_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_fda_feed_moving_to_https_alerts_nothing_and_keeps_its_items(site, tmp_path):
    assert FDA_HTTPS != FDA_HTTP
    site.set("/rss.xml", FDA_HTTP, content_type="application/rss+xml")
    db = tmp_path / "r.db"
    passes = Passes(make_config(tmp_path, [{"id": "fda", "url": site.url("/rss.xml"), "kind": "feed"}]), db)
    assert passes.one().status == "baseline"
    before = db_rows(db, "SELECT id, key FROM items ORDER BY id")
    assert all(key.startswith("http://www.fda.gov/") for _, key in before)

    site.set("/rss.xml", FDA_HTTPS, content_type="application/rss+xml")
    assert passes.one().status == "unchanged"
    assert passes.changes() == []
    assert db_rows(db, "SELECT count(*) FROM outbox") == [(0,)]
    after = db_rows(db, "SELECT id, key, link, removed_at FROM items ORDER BY id")
    # The same rows, re-keyed: no duplicates, nothing marked removed, links as the site shows them.
    assert [row[0] for row in after] == [row[0] for row in before]
    assert all(
        key.startswith("https://www.fda.gov/") and link.startswith("https://") for _, key, link, _ in after
    )
    assert all(removed is None for *_, removed in after)

    # A real new entry afterwards is one new item, and nothing reads as removed (the title and
    # link of a real fda.gov press-release item, from a capture found with find_string, id 71407353523).
    entry = FDA_HTTPS.index("<item>")
    new_item = (
        "<item><title>FDA Approves First Treatment for MCT8 Deficiency</title>"
        "<link>https://www.fda.gov/news-events/press-announcements/fda-approves-first-treatment-mct8-deficiency</link>"
        "<pubDate>Fri, 14 Aug 2026 10:00:00 EDT</pubDate>"
        '<guid isPermaLink="true">https://www.fda.gov/news-events/press-announcements/'
        "fda-approves-first-treatment-mct8-deficiency</guid></item>\n"
    )
    site.set("/rss.xml", FDA_HTTPS[:entry] + new_item + FDA_HTTPS[entry:], content_type="application/rss+xml")
    assert passes.one().status == "changed"
    [change] = passes.changes()
    assert [i.title for i in change.added] == ["FDA Approves First Treatment for MCT8 Deficiency"]
    assert change.removed == () and change.changed == ()


def test_keys_stored_before_cid_was_kept_still_match():
    # Stored by an earlier version, which stripped `cid` as if it were tracking.
    stored = Snapshot(items=(Item("https://e.gov/doc", "Notice", link="https://e.gov/doc?cid=7"),))
    now = Snapshot(
        items=(Item(canonical("https://e.gov/doc?cid=7"), "Notice", link="https://e.gov/doc?cid=7"),)
    )
    change = diff("s", stored, now)
    assert change is not None and change.is_empty  # recorded as a re-key, nothing to alert
    assert change.renamed == (("https://e.gov/doc", "https://e.gov/doc?cid=7"),)
    # Two documents told apart by cid cannot both be the one stored key: both are new.
    two = Snapshot(items=(Item("https://e.gov/doc?cid=1", "A"), Item("https://e.gov/doc?cid=2", "B")))
    ambiguous = diff("s", stored, two, removals="alert")
    assert ambiguous is not None and len(ambiguous.added) == 2 and len(ambiguous.removed) == 1


def test_items_sharing_an_identity_in_one_snapshot_are_kept_apart():
    from sources.keys import unique_items

    items, warnings = unique_items(
        [
            Item("https://e.gov/a", "A", link="https://e.gov/a"),
            Item("http://www.e.gov/a/", "A", link="http://www.e.gov/a/"),  # the same entry again
            Item("https://e.gov/a", "Another record", link="https://e.gov/b"),  # same key, other record
        ]
    )
    assert [i.key for i in items] == ["https://e.gov/a", "https://e.gov/a#2"]
    assert identity("https://e.gov/a#2") != identity("https://e.gov/a")  # still apart when matched
    assert len(warnings) == 2
