"""One page of 5,000 records, some sharing a key and some very long, stored through the
multi-row statements (watcher/db/multirow.py) in a worker and inline: every record is an
item, the shared keys kept apart, the full-text index equal to one rebuilt from the table,
and both paths store the same rows. Real Federal Register records (repeated under numbered
document numbers), served on 127.0.0.1, read into real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from frfacts import FR
from ftsindex import assert_index_whole
from localsite import Site
from passes import make_config, stored_pass

from watcher.check.pipeline import extract_inline
from watcher.check.workers import ProcessExtractor

COUNT = 5000


def records(version: int) -> list[dict[str, Any]]:
    """COUNT records; every 500th shares one document number; a seventh retitled per version."""
    docs = FR["results"]
    out = []
    for index in range(COUNT):
        record = dict(docs[index % len(docs)])
        record["document_number"] = f"2024-{index:05d}" if index % 500 else "2024-00000"
        record["html_url"] = f"https://www.federalregister.gov/d/2024-{index:05d}"
        if index % 7 == version:
            record["title"] = f"{record['title']} (corrected {version})"
        out.append(record)
    out[42]["abstract"] = "Comments on the proposed rule. " * 3000  # ~90 KB of one value
    out[43]["title"] = "Notice of " + "amended " * 20_000 + "rule"  # ~160 KB
    return out


def stored(site: Site, db: Path, extract: Any) -> dict[str, list[tuple]]:
    source = {"id": "us-fr-many", "url": site.url("/documents.json"), "kind": "json", "next": ""}
    config = make_config(db.parent, [source], database=str(db), limits={"max_bytes": 100_000_000})
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    for version in (0, 1):
        site.set(
            "/documents.json", json.dumps({"results": records(version)}), content_type="application/json"
        )
        stored_pass(config, db, moment, extract)
        moment += timedelta(minutes=1)
    assert_index_whole(db, fts="items_fts", table="items")
    with sqlite3.connect(db) as conn:
        return {
            "checks": conn.execute("SELECT status, error, warnings FROM checks ORDER BY id").fetchall(),
            "items": conn.execute("SELECT * FROM items ORDER BY id").fetchall(),
            "changes": conn.execute("SELECT added, removed, changed FROM changes ORDER BY id").fetchall(),
        }


def test_five_thousand_records_in_one_page(site: Site, tmp_path: Path):
    (tmp_path / "inline").mkdir()
    (tmp_path / "worker").mkdir()
    inline = stored(site, tmp_path / "inline" / "regwatch.db", extract_inline)
    with ProcessExtractor(1) as worker:
        in_worker = stored(site, tmp_path / "worker" / "regwatch.db", worker)
        assert worker._pool
    assert [row[:2] for row in inline["checks"]] == [("baseline", None), ("changed", None)]
    assert "share a key" in inline["checks"][0][2]  # the shared document numbers, kept apart
    assert len(inline["items"]) == COUNT
    added, removed, changed = (json.loads(column) for column in inline["changes"][0])
    assert (len(added), len(removed)) == (0, 0) and len(changed) > 1000
    assert in_worker == inline
