"""Windows are not withdrawals (issue #13, point 3): the oldest item of a newest-N window ageing
out is recorded, not alerted; an item vanishing from inside the window is alerted, with evidence.

Table tests of the pure rule (watcher/check/window.py), then real passes over a real feed
(the Guardian RSS capture) and a real Federal Register response served on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from passes import Passes, make_config

from alerts.render import render_text
from watcher.check.window import classify
from watcher.model import Alert, Item, SourceInfo

PAGES = Path(__file__).parent.parent / "pages"


def items(*specs: str) -> tuple[Item, ...]:
    """`"a:2024-01-05"` -> Item(key="a", date="2024-01-05"); `"a"` has no date."""
    out = []
    for spec in specs:
        key, _, date = spec.partition(":")
        out.append(Item(key=key, title=key.upper(), date=date or None))
    return tuple(out)


WINDOW = [
    # what, previous (newest first), current, policy, removed keys, aged-out keys
    ("scroll by one, dated", "c:03 b:02 a:01", "d:04 c:03 b:02", "window", "", "a"),
    ("scroll by two, dated", "c:03 b:02 a:01", "e:05 d:04 c:03", "window", "", "b a"),
    ("vanished from the middle", "c:03 b:02 a:01", "d:04 c:03 a:01", "window", "b", ""),
    ("scroll by one, undated, same size", "c b a", "d c b", "window", "", "a"),
    ("oldest gone, list shrank, undated", "c b a", "c b", "window", "a", ""),
    ("oldest gone, list shrank, dated", "c:03 b:02 a:01", "c:03 b:02", "window", "", "a"),
    (
        "same date as the oldest still listed, at the old end",
        "c:03 b:01 a:01",
        "d:04 c:03 b:01",
        "window",
        "",
        "a",
    ),
    ("everything gone is not a scroll", "b:02 a:01", "", "window", "b a", ""),
    ("policy alert: a scroll is a removal", "c:03 b:02 a:01", "d:04 c:03 b:02", "alert", "a", ""),
    ("policy ignore: a removal is recorded only", "c:03 b:02 a:01", "d:04 c:03 a:01", "ignore", "", "b"),
]


@pytest.mark.parametrize(
    ("what", "before", "after", "policy", "removed", "aged"), WINDOW, ids=[w[0] for w in WINDOW]
)
def test_window_rule(what, before, after, policy, removed, aged):
    previous = items(*[s.replace(":", ":2024-01-") for s in before.split()])
    current = items(*[s.replace(":", ":2024-01-") for s in after.split()])
    now = {i.key for i in current}
    vanished = tuple(i for i in previous if i.key not in now)
    result = classify(previous, current, vanished, policy)
    assert [i.key for i in result.removed] == removed.split()
    assert [i.key for i in result.aged_out] == aged.split()
    assert [k for k, _ in result.evidence] == removed.split()


def test_removal_evidence_counts_newer_and_older_items():
    previous = items(*(f"k{n}:2024-01-{n:02d}" for n in range(20, 0, -1)))  # k20 newest ... k1 oldest
    current = tuple(i for i in previous if i.key != "k8")
    result = classify(previous, current, items("k8:2024-01-08"), "window")
    assert result.evidence == (("k8", "no longer listed; 12 newer and 7 older items still are"),)


# -- a real feed ---------------------------------------------------------------------


def feed_with(entries: list[str], head: str, tail: str) -> str:
    return head + "".join(entries) + tail


def split_feed(text: str) -> tuple[str, list[str], str]:
    found = list(re.finditer(r"<item>.*?</item>", text, re.S))
    return text[: found[0].start()], [m.group(0) for m in found], text[found[-1].end() :]


def db_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_feed_window_scroll_alerts_the_new_entry_and_no_removal(site, tmp_path):
    head, entries, tail = split_feed((PAGES / "feeds-realworld-rss-parser/guardian.rss").read_text("utf-8"))
    window = 20
    site.set("/rss", feed_with(entries[1 : window + 1], head, tail), content_type="application/rss+xml")
    passes = Passes(
        make_config(tmp_path, [{"id": "g", "url": site.url("/rss"), "kind": "feed"}]), tmp_path / "r.db"
    )
    assert passes.one().status == "baseline"
    # The newest entry arrives; the oldest of the 20 drops out of the window.
    site.set("/rss", feed_with(entries[0:window], head, tail), content_type="application/rss+xml")
    outcome = passes.one()
    assert outcome.status == "changed"
    [change] = passes.changes()
    newest = re.search(r"<title>(.*?)</title>", entries[0], re.S).group(1)
    assert [i.title for i in change.added] == [newest]
    assert change.removed == ()
    assert len(change.aged_out) == 1
    assert "removed" not in change.summary
    text = render_text(
        Alert(key="k", channel="console", source=SourceInfo("g", "Guardian", ""), change=change)
    )
    assert "Removed" not in text
    # Recorded in history: the aged-out entry is no longer listed there.
    [(gone,)] = db_rows(tmp_path / "r.db", "SELECT count(*) FROM items WHERE removed_at IS NOT NULL")
    assert gone == 1


def test_feed_entry_vanishing_from_inside_the_window_is_alerted_with_evidence(site, tmp_path):
    head, entries, tail = split_feed((PAGES / "feeds-realworld-rss-parser/guardian.rss").read_text("utf-8"))
    site.set("/rss", feed_with(entries[:20], head, tail), content_type="application/rss+xml")
    passes = Passes(
        make_config(tmp_path, [{"id": "g", "url": site.url("/rss"), "kind": "feed"}]), tmp_path / "r.db"
    )
    passes.one()
    site.set("/rss", feed_with(entries[:5] + entries[6:20], head, tail), content_type="application/rss+xml")
    assert passes.one().status == "changed"
    [change] = passes.changes()
    assert len(change.removed) == 1 and change.aged_out == ()
    [(key, evidence)] = change.evidence
    assert key == change.removed[0].key
    assert evidence.startswith("no longer listed; ") and evidence.endswith(" items still are")
    text = render_text(
        Alert(key="k", channel="console", source=SourceInfo("g", "Guardian", ""), change=change)
    )
    assert "Removed:" in text and evidence in text


# -- a real Federal Register query ---------------------------------------------------

FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text("utf-8"))
NEWEST_FIRST = sorted(
    FR["results"], key=lambda r: (r["publication_date"], r["document_number"]), reverse=True
)


def fr_page(records: list[dict]) -> str:
    return json.dumps(
        {**{k: v for k, v in FR.items() if k != "results"}, "next_page_url": None, "results": records}
    )


def fr_passes(site, tmp_path, **extra) -> Passes:
    source = {"id": "fr", "url": site.url("/api/v1/documents.json"), "kind": "json", "next": "", **extra}
    return Passes(make_config(tmp_path, [source]), tmp_path / "r.db")


def test_federal_register_window_scroll_alerts_the_new_document_and_no_removal(site, tmp_path):
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[1:11]), content_type="application/json")
    passes = fr_passes(site, tmp_path)
    assert passes.one().status == "baseline"
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[0:10]), content_type="application/json")
    assert passes.one().status == "changed"
    [change] = passes.changes()
    assert [i.key for i in change.added] == [f"document_number:{NEWEST_FIRST[0]['document_number']}"]
    assert change.removed == ()
    assert [i.key for i in change.aged_out] == [f"document_number:{NEWEST_FIRST[10]['document_number']}"]


def test_removals_key_alert_restores_every_departure_as_a_removal(site, tmp_path):
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[1:11]), content_type="application/json")
    passes = fr_passes(site, tmp_path, removals="alert")
    passes.one()
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[0:10]), content_type="application/json")
    passes.one()
    [change] = passes.changes()
    assert [i.key for i in change.removed] == [f"document_number:{NEWEST_FIRST[10]['document_number']}"]


def test_a_window_that_only_aged_is_recorded_and_not_alerted(site, tmp_path):
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[0:10]), content_type="application/json")
    passes = fr_passes(site, tmp_path)
    passes.one()
    site.set("/api/v1/documents.json", fr_page(NEWEST_FIRST[0:9]), content_type="application/json")
    assert passes.one().status == "changed"
    [change] = passes.changes()
    assert change.added == () and change.removed == () and len(change.aged_out) == 1
    assert db_rows(tmp_path / "r.db", "SELECT count(*) FROM outbox") == [(0,)]


def test_catalog_newsrooms_are_windows_and_complete_lists_alert_removals():
    from watcher.config import parse_config

    config = parse_config({"catalog": ["*"], "channels": [{"id": "console", "kind": "console"}]}, path=None)
    removals = {s.id: s.removals for s in config.sources}
    assert {removals[i] for i in ("us-hhs-hipaa-news", "us-cms-newsroom", "us-onc-news")} == {"window"}
    assert removals["us-hhs-hipaa-resolution-agreements"] == ""  # the listing default: "alert"
