"""Hostile bytes in real feeds, served on 127.0.0.1 and read into a real SQLite file.

A character reference to no character (`&#xD800;`, a UTF-16 surrogate; `&#1114112;`, past
U+10FFFF) is read as U+FFFD: the loose parser feedparser falls back to raised on them
(UnicodeEncodeError, ValueError), which failed the whole source as a bug on every pass.
A stray byte in one entry of a UTF-8 feed spoils that byte only: feedparser read the whole
feed as windows-1252, and every entry with an accent was reported updated."""

from __future__ import annotations

from pathlib import Path

import pytest
from passes import Passes, make_config

from watcher.db.store import Store

PAGES = Path(__file__).resolve().parent.parent / "pages"
FEED = (PAGES / "fda-rss/press-releases-http.xml").read_bytes()
HEISE = (PAGES / "feeds-realworld-rss-parser/heise.atom").read_bytes()  # German, UTF-8
TITLE = b"FDA Warns Consumers Not to Use Compounded Semaglutide from Unregistered Sellers"
DESCRIPTION = b"The agency is warning consumers"


def test_references_to_no_character_are_read_as_replacement_characters(site, tmp_path):
    site.set("/rss.xml", FEED, content_type="application/rss+xml")
    source = {"id": "us-fda-press", "url": site.url("/rss.xml"), "kind": "feed"}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"

    hostile = FEED.replace(TITLE, TITLE.replace(b"Not to", b"&#xD800;Not to &#55296;")).replace(
        DESCRIPTION, DESCRIPTION + b" &#1114112; &#x110000; &#99999999999999999999;"
    )
    assert hostile != FEED
    site.set("/rss.xml", hostile, content_type="application/rss+xml")
    changed = passes.one()
    assert changed.status == "changed", changed
    assert passes.one().status == "unchanged"

    store = Store(tmp_path / "regwatch.db")
    try:
        stored = store.latest_snapshot("us-fda-press")
    finally:
        store.close()
    assert stored is not None and len(stored.items) == 2
    (item,) = [i for i in stored.items if "Semaglutide" in i.title]
    assert (
        item.title
        == "FDA Warns Consumers \ufffdNot to \ufffd Use Compounded Semaglutide from Unregistered Sellers"
    )
    assert item.summary.startswith("The agency is warning consumers \ufffd \ufffd \ufffd about compounded")
    assert "Compounded Semaglutide" in passes.changes()[-1].changed[0].after.title


@pytest.mark.parametrize("content_type", ["application/atom+xml; charset=utf-8", "application/atom+xml"])
def test_a_stray_byte_in_one_entry_spoils_that_byte_only(site, tmp_path, content_type):
    site.set("/atom", HEISE, content_type=content_type)
    source = {"id": "de-heise-dev", "url": site.url("/atom"), "kind": "feed"}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    title = b"Red Hat gibt WildFly 10 frei</title>"
    assert HEISE.count(title) == 1 and "schließt".encode() in HEISE  # other entries have accents
    site.set("/atom", HEISE.replace(title, title.replace(b"<", b" \xff<")), content_type=content_type)
    changed = passes.one()
    assert changed.status == "changed", changed
    (change,) = passes.changes()
    assert not change.added and not change.removed
    assert [c.after.title for c in change.changed] == [
        "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei \ufffd"
    ]  # one entry updated, not every entry with an umlaut
    store = Store(tmp_path / "regwatch.db")
    try:
        stored = store.latest_snapshot("de-heise-dev")
    finally:
        store.close()
    assert stored is not None
    assert "Facebook schließt Parse-Plattform" in [i.title for i in stored.items]
