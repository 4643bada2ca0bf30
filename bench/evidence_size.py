"""Evidence storage: what keeping each changed response costs, measured on real pages.

    python bench/evidence_size.py [CORPUS_DIR]     # default: /work/shared/corpus/html-trafilatura

Stores every page of the corpus through the real `Store.keep_evidence`, each page as its
own source: as it is (a whole body, zstd), with one line added near the top (a change: a
zstd delta against the first), and reverted (deduplicated). Prints bytes per kept
response and what a year of the `storage_growth.py` scenario (87,600 changes) would add.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from watcher.db.store import Store  # noqa: E402
from watcher.model import FetchResult  # noqa: E402

CHANGES_PER_YEAR = 87_600  # storage_growth.py: 1,000 sources, 1% changing each hour


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus/html-trafilatura")
    pages = sorted(p for p in corpus.rglob("*.htm*") if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "evidence.db")
        now = datetime(2024, 1, 1, tzinfo=UTC)
        raw = []
        for index, page in enumerate(pages):
            body = page.read_bytes()
            changed = body.replace(b"<body", b"<p>Updated 2 March</p><body", 1)
            for version in (body, changed, body):  # the third is a revert: deduplicated
                fetched = FetchResult(
                    url="https://example.org/",
                    final_url="https://example.org/",
                    status=200,
                    headers={"content-type": "text/html"},
                    body=version,
                )
                store.keep_evidence(f"s{index}", fetched, now, kind="change", change_id=1)
            raw.append(len(body))
        store.db.execute("VACUUM")
        stored = store.db.execute("SELECT sum(length(data)), count(*) FROM evidence_bodies").fetchone()
        by_codec = dict(
            store.db.execute("SELECT codec, avg(length(data)) FROM evidence_bodies GROUP BY codec").fetchall()
        )
        rows = store.db.execute("SELECT count(*) FROM evidence").fetchone()[0]
        store.close()
        size = (Path(tmp) / "evidence.db").stat().st_size
    print(f"{len(pages)} real pages, median {statistics.median(raw) / 1000:.0f} KB as served")
    print(f"{rows} evidence rows, {stored[1]} distinct bodies (reverts deduplicated)")
    print(f"whole body (zstd): {by_codec['zstd'] / 1000:.1f} KB on average")
    print(f"changed body (zstd delta): {by_codec['zstd-delta']:.0f} bytes on average")
    print(f"database file: {size / 1e6:.1f} MB")
    overhead = (size - stored[0]) / rows  # the evidence row, its headers, indexes and pages
    print(f"per evidence row beyond its body: {overhead:.0f} bytes")
    per_change = by_codec["zstd-delta"] + overhead
    print(f"a year of storage_growth.py (87,600 changes): +{per_change * CHANGES_PER_YEAR / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
