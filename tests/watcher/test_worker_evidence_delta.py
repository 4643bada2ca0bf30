"""A changed body read in a worker comes back with its evidence delta made there, against the
base the store sent with it (watcher/blobs.py `send_delta_base`); the store writes those bytes,
the bytes the inline path writes, and the main process neither unpacks the base nor compresses."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from localsite import LISTING_SOURCE, Site, listing_page
from passes import db_rows, make_config, stored_pass

import watcher.blobs
import watcher.db.evidence
from sources.registry import kind_for
from watcher.blobs import DeltaBase, delta, delta_body, expect_delta, send_delta_base
from watcher.check.pipeline import extract_inline
from watcher.check.workers import MIN_BYTES, ProcessExtractor
from watcher.db.store import Store
from watcher.model import FetchResult

# Titles as regulators write them: accents, section signs, typographic quotes.
TITLES = ("Délibération n° {n}/2024 portant avis sur un projet de décret", "Guidance on § {n} “minimum necessary”",
          "Circular {n}/2024 on health data sharing")  # fmt: skip
BODIES = "SELECT sha256, size, codec, base, depth, data FROM evidence_bodies ORDER BY sha256"


def serve(site: Site, shift: int) -> list[dict[str, object]]:
    sources = []
    for index in range(3):
        items = [(f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", TITLES[n % 3].format(n=n), f"/notice/{n}")
                 for n in range(index * 1000 + shift, index * 1000 + shift + 120)]  # fmt: skip
        site.set(f"/news/{index}", listing_page(items))
        sources.append({**LISTING_SOURCE, "id": f"fr-test-news-{index}", "url": f"{site.base}/news/{index}"})
    return sources


def run_passes(site: Site, db: Path, extractor: object, shifts: tuple[int, ...]) -> None:
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    for shift in shifts:  # a baseline, then items in and out on every page at each pass
        stored_pass(make_config(db.parent, serve(site, shift), database=str(db)), db, moment, extractor)
        moment += timedelta(minutes=1)


def test_deltas_made_in_the_worker_are_the_bytes_the_inline_path_stores(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def not_here(*args: object) -> bytes:
        raise AssertionError("a delta made in the main process")

    shifts = (0, 3, 6, 9)
    (tmp_path / "worker").mkdir()
    with ProcessExtractor(1) as extractor:
        with monkeypatch.context() as patched:
            patched.setattr(watcher.blobs, "delta", not_here)  # in this process only
            patched.setattr(watcher.db.evidence.EvidenceRows, "evidence_body", not_here)
            run_passes(site, tmp_path / "worker" / "regwatch.db", extractor, shifts)
        assert extractor._pool
    (tmp_path / "inline").mkdir()
    run_passes(site, tmp_path / "inline" / "regwatch.db", extract_inline, shifts)
    worker, inline = (
        db_rows(tmp_path / "worker" / "regwatch.db", BODIES),
        db_rows(tmp_path / "inline" / "regwatch.db", BODIES),
    )
    assert worker == inline
    assert sorted(row[2] for row in worker) == ["zstd"] * 3 + ["zstd-delta"] * 9
    assert len(db_rows(tmp_path / "worker" / "regwatch.db", "SELECT 1 FROM changes")) == 9
    store = Store(tmp_path / "worker" / "regwatch.db")
    try:  # and each reads back as the body served
        for sha, size, *_ in worker:
            assert len(store.evidence_body(sha)) == size
    finally:
        store.close()


def test_the_base_sent_is_the_one_the_store_makes_the_delta_against(site: Site, tmp_path: Path):
    db = tmp_path / "regwatch.db"
    run_passes(site, db, extract_inline, (0, 3))
    store = Store(db)
    try:
        base = store.delta_base("fr-test-news-1")
        assert isinstance(base, DeltaBase) and base.size >= MIN_BYTES
        [(codec, depth)] = db_rows(
            db, f"SELECT codec, depth FROM evidence_bodies WHERE sha256 = '{base.sha256}'"
        )
        assert (codec, depth) == ("zstd", 0)  # the whole first body, which the second is a delta against
        [(second,)] = db_rows(db, f"SELECT data FROM evidence_bodies WHERE base = '{base.sha256}'")
        [(body_sha,)] = db_rows(db, f"SELECT sha256 FROM evidence_bodies WHERE base = '{base.sha256}'")
        assert delta(store.evidence_body(body_sha), store.evidence_body(base.sha256)) == second
        assert store.delta_base("no-such-source") is None
    finally:
        store.close()


def test_no_base_is_sent_when_the_next_body_is_kept_whole(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(watcher.db.evidence, "MAX_DEPTH", 1)
    db = tmp_path / "regwatch.db"
    run_passes(site, db, extract_inline, (0, 3))
    store = Store(db)
    try:
        assert store.delta_base("fr-test-news-0") is None  # one delta deep: the next body is whole
    finally:
        store.close()


def test_no_delta_is_made_for_a_page_that_reads_as_the_current_version(site: Site, tmp_path: Path):
    """Other bytes, the same items (a token in the page changed): nothing is kept, so the
    worker makes no delta; against another version it does, the bytes made here."""
    db = tmp_path / "regwatch.db"
    run_passes(site, db, extract_inline, (0,))
    store = Store(db)
    try:
        base = store.delta_base("fr-test-news-0")
    finally:
        store.close()
    assert base is not None
    config = make_config(tmp_path, serve(site, 0), database=str(db))
    source, kind = config.sources[0], kind_for("listing")
    body = site.routes["/news/0"].body.encode().replace(b"</body>", b"<!-- token 81f3 --></body>")

    def read(current: str | None) -> FetchResult:
        fetched = FetchResult(url=source.url, final_url=source.url, status=200,
                              headers={"content-type": "text/html; charset=utf-8"}, body=body)  # fmt: skip
        expect_delta(fetched)
        send_delta_base(fetched, dataclasses.replace(base, current=current))

        async def in_worker() -> None:
            with ProcessExtractor(1) as extractor:
                await extractor(kind, fetched, source)  # type: ignore[misc]

        asyncio.run(in_worker())
        return fetched

    fingerprint = extract_inline(kind, read(None), source).fingerprint
    assert "_packed_delta" not in read(fingerprint).__dict__  # reads as the current version
    other = read("another version")
    whole = zstandard.ZstdDecompressor().decompress(base.data, max_output_size=base.size)
    assert delta_body(other, base.sha256, lambda: b"unused") == delta(body, whole)
    assert "_packed_delta" not in other.__dict__  # taken
