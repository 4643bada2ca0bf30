"""A changed body's evidence delta is a zstd frame made with the source's last whole body as its
prefix (issue 18, round 14): every body reads back byte for byte through the unchanged reader
(a raw-content dictionary), beside rows written the way earlier versions wrote them, and costs
about what the dictionary-made delta cost. Real pages: the shared corpus and tests/pages."""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard

from watcher.db.compression import ZSTD_LEVEL
from watcher.db.evidence import MAX_DEPTH, zstd_delta
from watcher.db.store import Store
from watcher.model import FetchResult

if sys.version_info >= (3, 14):
    from compression import zstd as prefix_zstd
else:
    from backports import zstd as prefix_zstd

PAGES = Path(__file__).resolve().parents[1] / "pages"
CORPUS = next(
    (
        p / "html-trafilatura"
        for p in (PAGES.parents[2] / "shared" / "corpus", Path("/work/shared/corpus"))
        if p.is_dir()
    ),
    PAGES / "html-trafilatura",
)
START = datetime(2024, 1, 1, tzinfo=UTC)


def real_pages(limit: int = 40) -> list[bytes]:
    """Real HTML pages: the shared corpus when this machine has it, and the repository's own."""
    found = sorted(PAGES.rglob("*.htm*"))[:limit]
    if CORPUS.is_dir():
        found += sorted(CORPUS.rglob("*.htm*"))[:limit]
    bodies = [p.read_bytes() for p in found if p.is_file()]
    return [b for b in bodies if len(b) > 2_000]


def edits(body: bytes) -> list[bytes]:
    """Three later versions of a page: a line added near the top, one in the middle, the end cut."""
    middle = len(body) // 2
    return [
        body.replace(b"<body", b"<p>Updated 2 March</p><body", 1),
        body[:middle] + b"<li><a href='/new'>A new notice on reporting</a></li>" + body[middle:],
        body[: len(body) * 9 // 10],
    ]


def dictionary_delta(body: bytes, base: bytes) -> bytes:
    """The delta as d63b21a and earlier wrote it: a raw-content dictionary, zstandard level 3."""
    dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=3, dict_data=dictionary).compress(body)


def keep(store: Store, source: str, body: bytes, n: int) -> str:
    fetched = FetchResult(url="https://example.org/", final_url="https://example.org/", status=200, body=body)
    store.keep_evidence(source, fetched, START + timedelta(hours=n), kind="change", change_id=n)
    return hashlib.sha256(body).hexdigest()


def test_deltas_are_prefix_frames_and_read_back_byte_for_byte(tmp_path):
    pages = real_pages()
    assert len(pages) >= 10
    store = Store(tmp_path / "e.db")
    new_sizes, old_sizes = [], []
    for index, page in enumerate(pages):
        source = f"page-{index}"
        keep(store, source, page, 0)
        for n, body in enumerate(edits(page), start=1):
            sha = keep(store, source, body, n)
            codec, base, size, data = store.db.execute(
                "SELECT codec, base, size, data FROM evidence_bodies WHERE sha256 = ?", [sha]
            ).fetchone()
            assert (codec, base, size) == ("zstd-delta", hashlib.sha256(page).hexdigest(), len(body))
            # The stored frame is the prefix-made one (the dictionary-made one before this change).
            options = {
                prefix_zstd.CompressionParameter.compression_level: ZSTD_LEVEL,
                prefix_zstd.CompressionParameter.window_log: max(10, (len(page) + len(body)).bit_length()),
            }
            made = prefix_zstd.compress(
                body, options=options, zstd_dict=prefix_zstd.ZstdDict(page, is_raw=True).as_prefix
            )
            assert bytes(data) == made
            # Read by the unchanged reader (zstandard, the base as a raw-content dictionary).
            assert store.evidence_body(sha) == body
            reader = zstandard.ZstdDecompressor(
                dict_data=zstandard.ZstdCompressionDict(page, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            )
            assert reader.decompress(bytes(data), max_output_size=len(body)) == body
            new_sizes.append(len(data))
            old_sizes.append(len(dictionary_delta(body, page)))
    # About what the dictionary-made deltas cost (bench/evidence_size.py: 49 against 48 bytes).
    assert sum(new_sizes) <= sum(old_sizes) * 1.15 + 16 * len(new_sizes)
    store.close()


def test_rows_written_before_still_read_beside_new_ones(tmp_path):
    """A source whose evidence holds dictionary-made deltas (as written before) gets prefix-made
    ones against the same whole body; every body of the chain reads back."""
    page = real_pages()[0]
    first, second, third = edits(page)
    store = Store(tmp_path / "e.db")
    base_sha = keep(store, "s", page, 0)
    sha = [hashlib.sha256(b).hexdigest() for b in (first, second)]
    store.db.conn.executemany(
        "INSERT INTO evidence_bodies (sha256, size, codec, base, depth, data) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (sha[0], len(first), "zstd-delta", base_sha, 1, dictionary_delta(first, page)),
            (sha[1], len(second), "zstd-delta", base_sha, 2, dictionary_delta(second, page)),
        ],
    )
    store.db.conn.executemany(
        "INSERT INTO evidence (source_id, fetched_at, kind, change_id, snapshot, method, url, final_url,"
        " status, request_headers, headers, body_sha256) VALUES ('s', ?, 'change', ?, NULL, 'GET',"
        " 'https://example.org/', 'https://example.org/', 200, '[]', '[]', ?)",
        [((START + timedelta(hours=n)).isoformat(), n, s) for n, s in ((1, sha[0]), (2, sha[1]))],
    )
    third_sha = keep(store, "s", third, 3)
    assert store.db.execute(
        "SELECT base, depth FROM evidence_bodies WHERE sha256 = ?", [third_sha]
    ).fetchone() == (
        base_sha,
        3,
    )
    for body in (page, first, second, third):
        assert store.evidence_body(hashlib.sha256(body).hexdigest()) == body
    store.close()


def test_a_chain_past_max_depth_reads_back_and_starts_whole_again(tmp_path):
    page = real_pages()[1]
    store = Store(tmp_path / "e.db")
    bodies = [page[: len(page) - 97 * n] + b"<!-- version %d -->" % n for n in range(MAX_DEPTH + 4)]
    for n, body in enumerate(bodies):
        keep(store, "s", body, n)
    rows = store.db.execute("SELECT codec, depth FROM evidence_bodies ORDER BY rowid").fetchall()
    assert rows == [
        ("zstd", 0),
        *[("zstd-delta", d) for d in range(1, MAX_DEPTH + 1)],
        ("zstd", 0),
        ("zstd-delta", 1),
        ("zstd-delta", 2),
    ]
    for body in bodies:
        assert store.evidence_body(hashlib.sha256(body).hexdigest()) == body
    store.close()


def test_a_body_past_the_levels_window_keeps_the_start_of_its_base_in_reach():
    """Past 2 MB (level 3's own window) the frame's window covers the whole base: a line added
    near the top of a 3 MB page of real pages costs at least a fifth less than with the level's
    window (and than the dictionary-made delta), and reads back."""
    blob = b"".join(real_pages(200))
    while len(blob) < 3_000_000:
        blob += blob
    base = blob[:3_000_000]
    body = base[:5000] + b"<p>Updated 2 March</p>" + base[5000:]
    delta = zstd_delta(body, base)
    reader = zstandard.ZstdDecompressor(
        dict_data=zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    )
    assert reader.decompress(delta, max_output_size=len(body)) == body
    levels_window = prefix_zstd.compress(
        body, level=ZSTD_LEVEL, zstd_dict=prefix_zstd.ZstdDict(base, is_raw=True).as_prefix
    )
    assert len(delta) < 0.8 * len(levels_window)
    assert len(delta) < 0.8 * len(dictionary_delta(body, base))
