"""Whole response bodies are stored at zstd level 1 since issue 18's round 15 (perfextract6), snapshots
and deltas still at level 3 (watcher/blobs.py): what a store writes now, and that the bodies written
at level 3 before, and the deltas made against them, read back exactly."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard

from sources.page import PageOptions
from sources.registry import kind_for
from watcher.blobs import (
    BODY_LEVEL,
    ZSTD_LEVEL,
    expect_delta,
    packed_body,
    prepare,
    snapshot_json,
    stored_form,
)
from watcher.db.store import Store
from watcher.model import FetchResult, Source

PAGES = Path(__file__).resolve().parents[1] / "pages"
#: Real pages of different sizes and languages (tests/pages/*/SOURCE.md).
REAL = sorted((PAGES / "html-trafilatura").glob("*.html")) + sorted((PAGES / "catalog-real").glob("*.html"))
START = datetime(2024, 1, 1, tzinfo=UTC)
PAGE = Source(id="s", url="https://example.org/", kind="page", options=PageOptions())


def response(body: bytes) -> FetchResult:
    return FetchResult(url="https://example.org/", final_url="https://example.org/", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, body=body)  # fmt: skip


def whole_rows(store: Store) -> list[tuple[str, str, bytes]]:
    return store.db.execute("SELECT sha256, codec, data FROM evidence_bodies ORDER BY rowid").fetchall()


def test_the_levels():
    assert (BODY_LEVEL, ZSTD_LEVEL) == (1, 3)


def test_a_first_body_is_stored_whole_at_level_1_and_reads_back(tmp_path: Path):
    store = Store(tmp_path / "e.db")
    for n, path in enumerate(REAL):
        body = path.read_bytes()
        store.keep_evidence(f"s{n}", response(body), START, kind="baseline")
        sha, codec, data = whole_rows(store)[-1]
        assert codec == "zstd" and sha == hashlib.sha256(body).hexdigest()
        assert data == zstandard.ZstdCompressor(level=1).compress(body)
        assert data != zstandard.ZstdCompressor(level=3).compress(body)  # what was stored before
        assert store.evidence_body(sha) == body
    store.close()


def test_the_worker_packs_a_body_as_the_store_would(tmp_path: Path):
    """The packed body made beside the snapshot (a first page) is the bytes `packed_body` makes
    here; a body marked `expect_delta` is not packed there, and made here alike."""
    body = REAL[0].read_bytes()
    source = PAGE
    fetched = response(body)
    snapshot = kind_for("page").extract(fetched, source)
    prepare(snapshot, fetched)
    assert snapshot.__dict__["_packed_body"].data == zstandard.ZstdCompressor(level=1).compress(body)
    later = response(body)
    expect_delta(later)
    prepare(kind_for("page").extract(later, source), later)
    assert packed_body(later) == snapshot.__dict__["_packed_body"].data


def test_snapshots_are_still_packed_at_level_3():
    body = REAL[0].read_bytes()
    fetched = response(body)
    snapshot = kind_for("page").extract(fetched, PAGE)
    stored = stored_form(snapshot)
    assert stored.data == zstandard.ZstdCompressor(level=3).compress(snapshot_json(snapshot.to_dict()))


def test_bodies_stored_at_level_3_before_still_read_and_anchor_deltas(tmp_path: Path):
    """A source whose whole body was stored at level 3 (before this round): it reads back, the
    next body's delta is made against it and reads back, and after MAX_DEPTH deltas a new whole
    body is stored at level 1 beside it."""
    from watcher.db.evidence import MAX_DEPTH

    store = Store(tmp_path / "e.db")
    first = REAL[0].read_bytes()
    old_sha = hashlib.sha256(first).hexdigest()
    store.keep_evidence("s", response(first), START, kind="baseline")
    store.db.execute(  # the row as an earlier version wrote it
        "UPDATE evidence_bodies SET data = ? WHERE sha256 = ?",
        [zstandard.ZstdCompressor(level=3).compress(first), old_sha],
    )
    assert store.evidence_body(old_sha) == first
    bodies = [first.replace(b"</body>", b"<p>line %d</p></body>" % n) for n in range(1, MAX_DEPTH + 2)]
    for n, body in enumerate(bodies, start=1):
        store.keep_evidence("s", response(body), START + timedelta(hours=n), kind="change", change_id=n)
    rows = store.db.execute("SELECT codec, base, depth, data FROM evidence_bodies ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == ["zstd", *["zstd-delta"] * MAX_DEPTH, "zstd"]
    assert {r[1] for r in rows[1:-1]} == {old_sha}  # every delta against the level-3 body
    assert rows[-1][3] == zstandard.ZstdCompressor(level=1).compress(bodies[-1])
    for body in (first, *bodies):
        assert store.evidence_body(hashlib.sha256(body).hexdigest()) == body
    store.close()
