"""What a check found is stored with the evidence of the response that produced it, or not at
all (watcher/check/pipeline.py `_record`, in the check's unit): when keeping the evidence fails,
neither the first version nor a change is stored, nothing is alerted, the check is recorded
as failed, and the next pass stores and alerts it exactly once. Real passes over the Guardian
RSS capture served on 127.0.0.1, a real SQLite file refusing the evidence row (a trigger)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from passes import Passes, db_rows, make_config

PAGES = Path(__file__).parent.parent / "pages"
COUNTS = (
    "SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM snapshots), (SELECT count(*) FROM items),"
    " (SELECT count(*) FROM changes), (SELECT count(*) FROM outbox), (SELECT count(*) FROM evidence),"
    " (SELECT latest FROM sources)"
)


def feed(entries: slice) -> str:
    text = (PAGES / "feeds-realworld-rss-parser/guardian.rss").read_text("utf-8")
    found = list(re.finditer(r"<item>.*?</item>", text, re.S))
    return text[: found[0].start()] + "".join(m.group(0) for m in found[entries]) + text[found[-1].end() :]


def refuse_evidence(db: Path, refuse: bool) -> None:
    with sqlite3.connect(db) as conn:
        if refuse:
            conn.execute(
                "CREATE TRIGGER no_evidence BEFORE INSERT ON evidence BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            conn.execute("DROP TRIGGER no_evidence")
    conn.close()


def test_a_version_or_change_without_its_evidence_is_not_stored(site, tmp_path):
    db = tmp_path / "r.db"
    site.set("/rss", feed(slice(1, 21)), content_type="application/rss+xml")
    passes = Passes(make_config(tmp_path, [{"id": "g", "url": site.url("/rss"), "kind": "feed"}]), db)
    passes.run()  # creates the schema (a first check then fails below)
    with sqlite3.connect(db) as conn:  # start again from nothing stored
        for table in ("evidence", "evidence_bodies", "checks", "items", "versions"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("UPDATE sources SET latest = NULL, body_hash = NULL, etag = NULL, last_modified = NULL")
    conn.close()
    empty = db_rows(db, COUNTS)

    refuse_evidence(db, True)
    assert passes.one().status == "failed"
    assert db_rows(db, COUNTS) == empty  # no first version, no items
    refuse_evidence(db, False)
    assert passes.one().status == "baseline"
    stored = db_rows(db, COUNTS)
    [(versions, _, items, changes, outbox, evidence, latest)] = stored
    assert (versions, changes, outbox, evidence) == (1, 0, 0, 1) and items == 20 and latest

    site.set("/rss", feed(slice(0, 21)), content_type="application/rss+xml")  # one new entry
    refuse_evidence(db, True)
    failed = passes.one()
    assert failed.status == "failed" and "disk full" in (failed.error or "")
    assert db_rows(db, COUNTS) == stored  # no change, no outbox row, no new version or item
    refuse_evidence(db, False)
    changed = passes.one()
    assert changed.status == "changed"
    [(versions, _, items, changes, outbox, evidence, latest_after)] = db_rows(db, COUNTS)
    assert (versions, items, changes, outbox, evidence) == (2, 21, 1, 1, 2) and latest_after != latest
    [change] = passes.changes()
    assert len(change.added) == 1 and not change.removed
