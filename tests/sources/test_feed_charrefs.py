"""A feed with a character reference to no character (`&#xD800;`, a UTF-16 surrogate;
`&#1114112;`, past U+10FFFF) is read with U+FFFD in its place, like a broken byte: the
loose parser feedparser falls back to raised on them (UnicodeEncodeError, ValueError),
which failed the whole source as a bug on every pass. The FDA's real press-release feed,
served on 127.0.0.1, read into a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from passes import Passes, make_config

from watcher.db.store import Store

FEED = (Path(__file__).resolve().parent.parent / "pages/fda-rss/press-releases-http.xml").read_bytes()
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
