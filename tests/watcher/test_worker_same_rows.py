"""A page read in an extraction worker stores exactly the rows the inline reading stores, for
the kinds whose reading carries extras back on the snapshot (stored JSON, packed body,
documents' dates: watcher/blobs.py, watcher/dates/carried.py): real feeds with broken
encodings (UOL's Latin-1 feed without a declaration, and served under a lying UTF-8 header;
the FDA's feed with stray bytes), the Federal Register's documents with their dates, and
PDFs (one mapping a glyph to half a UTF-16 pair). Three passes over one SQLite file per
path (a baseline, a change, no change), one source at a time so rows come in one order;
every table compared but durations and the Date header a server sent."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from frfacts import FIELDS, FR
from localsite import Site
from passes import make_config, stored_pass
from pdfgen import ACT_V1, make_mapped_pdf, make_pdf

from watcher.check.pipeline import extract_inline
from watcher.check.workers import ProcessExtractor

PAGES = Path(__file__).resolve().parents[1] / "pages"
UOL = (PAGES / "feeds-realworld-rss-parser/uolNoticias.rss").read_bytes()
FDA = (PAGES / "fda-rss/press-releases-http.xml").read_bytes()
#: Columns that differ between any two runs: time taken, and the Date of the response headers.
VARYING = {"duration_ms", "headers"}


def bodies(version: int) -> dict[str, tuple[str, bytes, str]]:
    """Each source's (kind, body, content type) in pass `version` (0, then 1 twice)."""
    uol = UOL
    if version:
        start, end = uol.index(b"<item>"), uol.index(b"</item>") + len(b"</item>")
        uol = uol[:start] + uol[end:]  # the newest item gone, the rest as served
    results = FR["results"][:12] if version == 0 else FR["results"][2:14]
    fda = FDA.replace(b"Semaglutide", b"Semaglutide \xff\xfe") if version else FDA
    return {
        "br-uol-news": ("feed", uol, "application/rss+xml"),
        "br-uol-lying": ("feed", uol, "application/rss+xml; charset=utf-8"),
        "us-fda-press": ("feed", fda, "application/rss+xml; charset=utf-8"),
        "us-fr-documents": ("json", json.dumps({"results": results}).encode(), "application/json"),
        "in-meity-act": ("pdf", make_pdf(ACT_V1 if version == 0 else ACT_V1[:1]), "application/pdf"),
        "in-test-mapped": (
            "pdf",
            make_mapped_pdf(
                ["Circular B of 2024.", f"Version {version} XY"], {"B": "D800", "X": "D83D", "Y": "DE80"}
            ),
            "application/pdf",
        ),
    }


def sources(site: Site, version: int) -> list[dict[str, Any]]:
    entries = []
    for source_id, (kind, body, content_type) in bodies(version).items():
        site.set(f"/{source_id}", body, content_type=content_type)
        entry: dict[str, Any] = {"id": source_id, "url": site.url(f"/{source_id}"), "kind": kind}
        entry["jurisdiction"] = source_id[:2].upper()
        if kind == "json":
            entry.update(fields=FIELDS, next="")
        entries.append(entry)
    return entries


def stored_rows(site: Site, db: Path, extract: Any) -> dict[str, list[tuple]]:
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    for version in (0, 1, 1):
        config = make_config(db.parent, sources(site, version), database=str(db), limits={"concurrency": 1})
        stored_pass(config, db, moment, extract)
        moment += timedelta(minutes=1)
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(("sqlite_", "_sqlite")) and "fts" not in name
        ]
        rows = {}
        for table in tables:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[1] not in VARYING]
            rows[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    return rows


def test_worker_and_inline_readings_store_the_same_rows(site: Site, tmp_path: Path):
    (tmp_path / "inline").mkdir()
    (tmp_path / "worker").mkdir()
    inline = stored_rows(site, tmp_path / "inline" / "regwatch.db", extract_inline)
    with ProcessExtractor(1, min_bytes=0) as worker:
        in_worker = stored_rows(site, tmp_path / "worker" / "regwatch.db", worker)
        assert worker._pool  # every page went to the worker
    statuses = [row[3:4] for row in inline["checks"]]
    assert statuses == [("baseline",)] * 6 + [("changed",)] * 6 + [("unchanged",)] * 6, inline["checks"]
    assert len(inline["document_dates"]) >= 3  # the Federal Register's documents have dates
    assert any("ã" in str(row) for row in inline["items"])  # UOL's Latin-1 read as Portuguese
    for table, rows in inline.items():
        assert in_worker[table] == rows, table
