"""A snapshot read in a worker comes back with its stored form (compressed JSON) made there; the
store writes those bytes, and they are the bytes the inline path writes (watcher/blobs.py)."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from localsite import LISTING_SOURCE, Site, listing_page
from passes import db_rows, make_config, stored_pass

import watcher.blobs
import watcher.db.evidence
import watcher.model
from sources.registry import kind_for
from watcher.blobs import PackedBody, expect_delta, packed_body, stored_form
from watcher.check.extractworker import run_task
from watcher.check.pipeline import extract_inline
from watcher.check.workers import MIN_BYTES, ProcessExtractor, extract, task_payload
from watcher.model import FetchResult

# Titles as regulators write them (accents, section signs, typographic quotes): the stored JSON
# keeps them as UTF-8, not escapes, on both paths.
TITLES = ("Décision n° {n}/2024 relative à l’hébergement de données de santé",
          "Guidance on § {n} “minimum necessary” requirements", "Circular {n}/2024 on data sharing")  # fmt: skip


def notices(start: int, count: int) -> str:
    items = [(f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", TITLES[n % 3].format(n=n), f"/notice/{n}")
             for n in range(start, start + count)]  # fmt: skip
    return listing_page(items)


def serve(site: Site, shift: int) -> list[dict[str, object]]:
    sources = []
    for index in range(3):
        site.set(f"/news/{index}", notices(index * 1000 + shift, 120))
        sources.append({**LISTING_SOURCE, "id": f"us-test-news-{index}", "url": f"{site.base}/news/{index}"})
    return sources


def run_passes(site: Site, db: Path, extractor, shifts: tuple[int, ...] = (0, 3)) -> None:
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    for shift in shifts:  # a baseline, then three items in and three out on every page
        config = make_config(db.parent, serve(site, shift), database=str(db))
        stored_pass(config, db, moment, extractor)
        moment += timedelta(minutes=1)


rows = db_rows


def test_the_worker_path_stores_the_bytes_the_inline_path_stores(site: Site, tmp_path: Path):
    (tmp_path / "worker").mkdir()
    (tmp_path / "inline").mkdir()
    assert len(notices(0, 120).encode()) >= MIN_BYTES  # these pages go to a worker
    with ProcessExtractor(1) as extractor:
        run_passes(site, tmp_path / "worker" / "regwatch.db", extractor)
        assert extractor._pool  # it really went to a worker
    run_passes(site, tmp_path / "inline" / "regwatch.db", extract_inline)
    for sql in (
        "SELECT hash, size, data FROM snapshots ORDER BY hash",
        "SELECT snapshot, text FROM version_text ORDER BY snapshot",
        "SELECT sha256, size, codec, base, depth, data FROM evidence_bodies ORDER BY sha256",
        "SELECT source_id, before, after, added, removed FROM changes ORDER BY source_id, id",
    ):
        worker, inline = (
            rows(tmp_path / "worker" / "regwatch.db", sql),
            rows(tmp_path / "inline" / "regwatch.db", sql),
        )
        assert worker == inline and worker, sql
    assert len(rows(tmp_path / "worker" / "regwatch.db", "SELECT 1 FROM snapshots")) == 6


def test_the_main_process_compresses_neither_a_new_snapshot_nor_a_first_body_read_in_a_worker(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def not_here(*args: object) -> None:
        raise AssertionError("compressed in the main process")

    with ProcessExtractor(1) as extractor:
        monkeypatch.setattr(watcher.blobs, "_make", not_here)  # in this process only
        monkeypatch.setattr(watcher.blobs, "pack", not_here)
        run_passes(site, tmp_path / "regwatch.db", extractor)
    db = tmp_path / "regwatch.db"
    assert len(rows(db, "SELECT 1 FROM changes")) == 3
    # The first bodies are whole (made in the worker), the second ones deltas against them.
    assert (
        sorted(codec for (codec,) in rows(db, "SELECT codec FROM evidence_bodies"))
        == ["zstd"] * 3 + ["zstd-delta"] * 3
    )


def test_a_stored_form_is_taken_once_then_made_again_the_same():
    body = notices(0, 120).encode()
    fetched = FetchResult(url="https://example.gov/news", final_url="https://example.gov/news", status=200,
                          headers={"content-type": "text/html; charset=utf-8"}, body=body)  # fmt: skip
    source = make_config(Path("/nonexistent"), [{**LISTING_SOURCE, "id": "t", "url": fetched.url}]).sources[0]

    async def in_worker():
        with ProcessExtractor(1, min_bytes=0) as extractor:
            return await extractor(kind_for("listing"), fetched, source)  # type: ignore[misc]

    from_worker = asyncio.run(in_worker())
    inline = extract(kind_for("listing"), fetched, source)
    assert from_worker == inline
    first, again, made_here = stored_form(from_worker), stored_form(from_worker), stored_form(inline)
    assert first == again == made_here and first is not again  # taken, then made again
    assert "Décision n° 0/2024".encode() in zstandard.ZstdDecompressor().decompress(first.data)
    # The body's whole compressed form came back too, handed to the response it was read from.
    assert "_packed_body" in fetched.__dict__
    assert packed_body(fetched) == packed_body(fetched) == zstandard.ZstdCompressor(level=1).compress(body)


def test_a_body_kept_as_a_delta_is_not_compressed_whole_in_the_worker():
    body = notices(0, 120).encode()
    fetched = FetchResult(url="https://example.gov/news", final_url="https://example.gov/news", status=200,
                          headers={"content-type": "text/html; charset=utf-8"}, body=body)  # fmt: skip
    source = make_config(Path("/nonexistent"), [{**LISTING_SOURCE, "id": "t", "url": fetched.url}]).sources[0]
    expect_delta(fetched)  # what the check says when the source has stored a version before

    async def in_worker():
        with ProcessExtractor(1, min_bytes=0) as extractor:
            return await extractor(kind_for("listing"), fetched, source)  # type: ignore[misc]

    snapshot = asyncio.run(in_worker())
    assert "_packed_body" not in fetched.__dict__ and "_packed_body" not in snapshot.__dict__
    assert stored_form(snapshot) == stored_form(extract(kind_for("listing"), fetched, source))
    # Wanted whole after all: made here, the same bytes.
    assert packed_body(fetched) == zstandard.ZstdCompressor(level=1).compress(body)


def test_a_body_wanted_whole_after_deltas_is_stored_as_the_inline_path_stores_it(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """After MAX_DEPTH deltas a body is kept whole although the check expected a delta: the
    main process compresses it then, into the bytes the inline path stores."""
    monkeypatch.setattr(watcher.db.evidence, "MAX_DEPTH", 1)
    for name, extractor in (("worker", ProcessExtractor(1)), ("inline", extract_inline)):
        (tmp_path / name).mkdir()
        db = tmp_path / name / "regwatch.db"
        run_passes(site, db, extractor, shifts=(0, 3, 6, 9))
        if isinstance(extractor, ProcessExtractor):
            assert extractor._pool
            extractor.close()
    sql = "SELECT sha256, size, codec, base, depth, data FROM evidence_bodies ORDER BY sha256"
    worker, inline = (
        rows(tmp_path / "worker" / "regwatch.db", sql),
        rows(tmp_path / "inline" / "regwatch.db", sql),
    )
    assert worker == inline
    # whole, delta, whole (depth 1 reached), delta for each of the three sources
    assert sorted(row[2] for row in worker) == ["zstd"] * 6 + ["zstd-delta"] * 6


def test_the_parent_hashes_a_body_the_worker_compresses_whole_so_the_worker_hashes_it_not_again(
    monkeypatch: pytest.MonkeyPatch,
):
    """The store needs the body's sha256 anyway: made before the task is pickled, it travels
    with the response, and the worker labels the packed body with it instead of hashing again."""
    body = notices(0, 120).encode()
    source = make_config(Path("/nonexistent"), [{**LISTING_SOURCE, "id": "t", "url": "https://example.gov/news"}]).sources[0]  # fmt: skip

    def response() -> FetchResult:
        return FetchResult(url=source.url, final_url=source.url, status=200,
                           headers={"content-type": "text/html; charset=utf-8"}, body=body)  # fmt: skip

    whole, delta = response(), response()
    expect_delta(delta)
    _, sent, _ = pickle.loads(task_payload(kind_for("listing"), whole, source))
    assert sent.__dict__["body_hash"] == whole.body_hash == hashlib.sha256(body).hexdigest()
    _, sent_delta, _ = pickle.loads(task_payload(kind_for("listing"), delta, source))
    assert "body_hash" not in sent_delta.__dict__ and "body_hash" not in delta.__dict__  # nobody wants it yet

    task = task_payload(kind_for("listing"), response(), source)
    hashed: list[int] = []  # what the worker hashes: the bodies (the fingerprint hashes its JSON too)
    real = hashlib.sha256

    def counting(data: bytes = b"") -> object:
        hashed.append(len(data))
        return real(data)

    monkeypatch.setattr(watcher.model.hashlib, "sha256", counting)
    ok, snapshot = pickle.loads(run_task(task))
    assert ok and len(body) not in hashed
    assert snapshot.__dict__["_packed_body"] == PackedBody(hashlib.sha256(body).hexdigest(), zstandard.ZstdCompressor(level=1).compress(body))  # fmt: skip
