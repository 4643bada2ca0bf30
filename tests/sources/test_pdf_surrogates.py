"""A PDF whose font maps a glyph to half a UTF-16 pair (ToUnicode `<D800>`; pypdf decodes the
map with "surrogatepass") is watched with U+FFFD in its place, and an emoji mapped glyph by
glyph is its character: storing such a text failed as a bug (UnicodeEncodeError) on every
pass. Served on 127.0.0.1, checked into a real SQLite file, inline and in a worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from passes import db_rows, make_config, stored_pass
from pdfgen import ACT_V1, make_mapped_pdf, make_pdf

from watcher.check.pipeline import extract_inline
from watcher.check.workers import ProcessExtractor
from watcher.db.store import Store

LINES = ["Notification BN of the Authority.", "Comments are due in thirty days: XY"]
MAP = {"B": "D800", "X": "D83D", "Y": "DE80"}  # a lone half; a pair (U+1F680) over two glyphs


@pytest.mark.parametrize("in_worker", [False, True], ids=["inline", "worker"])
def test_a_glyph_mapped_to_half_a_pair_is_a_replacement_character(site, tmp_path: Path, in_worker):
    db = tmp_path / "regwatch.db"
    config = make_config(tmp_path, [{"id": "in-test-circular", "url": site.url("/c.pdf"), "kind": "pdf"}])
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    with ProcessExtractor(1, min_bytes=0) as worker:
        extract = worker if in_worker else extract_inline
        for body in (make_pdf(ACT_V1), make_mapped_pdf(LINES, MAP), make_mapped_pdf(LINES, MAP)):
            site.set("/c.pdf", body, content_type="application/pdf")
            stored_pass(config, db, moment, extract)
            moment += timedelta(minutes=1)
        assert bool(worker._pool) is in_worker
    statuses = db_rows(db, "SELECT status, error FROM checks ORDER BY id")
    assert statuses == [("baseline", None), ("changed", None), ("unchanged", None)]
    store = Store(db)
    try:
        stored = store.latest_snapshot("in-test-circular")
    finally:
        store.close()
    assert stored is not None
    assert stored.blocks == (
        "Notification \ufffdN of the Authority.",
        "Comments are due in thirty days: \U0001f680",
    )
