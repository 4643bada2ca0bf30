"""Evidence rows: the response bytes and headers of every fetch that made a baseline or a change.

Bodies are stored once per sha256 (`evidence_bodies`), so a page that comes back to an
earlier version costs one small `evidence` row. A source's first body is kept whole
(zstandard; older databases also hold zlib ones); each later one as a zstandard delta:
a frame read with the source's last whole body as a raw-content dictionary (made with that
body as the frame's prefix since issue 18's round 14: `zstd_delta`), so a changed page
costs about the size of what changed since that body (47 bytes instead of 20 KB for a
one-line edit of a real 78 KB page; bench/README.md), and reading or writing one unpacks a
single whole body. After `MAX_DEPTH` deltas the next body is kept whole again. (Deltas
written before against the previous delta still read: `base` is followed back.)
"""

from __future__ import annotations

import functools
import json
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import zstandard

from watcher.blobs import contexts, packed_body
from watcher.db.compression import ZSTD_LEVEL  # level 3 for deltas (whole bodies: blobs.BODY_LEVEL)
from watcher.db.enrichment import EnrichmentRows
from watcher.db.savepoint import atomic
from watcher.db.values import iso, parse_iso
from watcher.model import FetchResult

MAX_DEPTH = 16


@dataclass(frozen=True)
class Evidence:
    """One kept response, as fetched."""

    id: int
    source_id: str
    fetched_at: datetime
    kind: str
    change_id: int | None
    snapshot: str | None
    method: str
    url: str
    final_url: str
    status: int
    request_headers: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body_sha256: str


class EvidenceRows(EnrichmentRows):
    def keep_evidence(
        self,
        source_id: str,
        fetched: FetchResult,
        at: datetime,
        *,
        kind: str,
        change_id: int | None = None,
        snapshot: str | None = None,
        request_headers: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Store the response (body deduplicated by sha256); the evidence row id."""
        sha = fetched.body_hash
        with atomic(self.db):
            if self.db.execute("SELECT 1 FROM evidence_bodies WHERE sha256 = ?", [sha]).fetchone() is None:
                self._put_body(source_id, fetched)
            cursor = self.db.execute(
                "INSERT INTO evidence (source_id, fetched_at, kind, change_id, snapshot, method, url,"
                " final_url, status, request_headers, headers, body_sha256)"
                " VALUES (?, ?, ?, ?, ?, 'GET', ?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    iso(at),
                    kind,
                    change_id,
                    snapshot,
                    fetched.url,
                    fetched.final_url or fetched.url,
                    fetched.status,
                    json.dumps([list(h) for h in request_headers]),
                    json.dumps([[k, str(v)] for k, v in fetched.headers.items()]),
                    sha,
                ],
            )
        return int(cursor.lastrowid or 0)

    def _put_body(self, source_id: str, fetched: FetchResult) -> None:
        """Whole for a source's first body or after MAX_DEPTH deltas, else a zstd delta
        against the last whole body (the previous body's base, or that body when whole).
        A whole body's compressed form may come made by the extraction worker (watcher/blobs.py)."""
        sha, body = fetched.body_hash, fetched.body
        # The source's last body and, when the next one is a delta, the whole body it is made
        # against (that body's base, or that body when whole), in one statement. The last
        # evidence row is `max(id)` of the source's entries in `evidence_source_at` (the index
        # holds the rowid: no row read but that one); `ORDER BY id DESC LIMIT 1` read every
        # row of the source and sorted them (bench/README.md, "Round 18: perfmain9").
        previous = self.db.execute(
            "SELECT b.sha256, b.depth, b.codec, b.base, w.codec, w.base, w.size, w.data"
            " FROM evidence e JOIN evidence_bodies b ON b.sha256 = e.body_sha256"
            " LEFT JOIN evidence_bodies w ON b.depth < ?"
            " AND w.sha256 = CASE b.codec WHEN 'zstd-delta' THEN b.base ELSE b.sha256 END"
            " WHERE e.id = (SELECT max(id) FROM evidence WHERE source_id = ?)",
            [MAX_DEPTH, source_id],
        ).fetchone()
        if previous is None or previous[1] >= MAX_DEPTH:
            values = [
                sha,
                len(body),
                "zstd",
                None,
                0,
                packed_body(fetched),
            ]
        else:
            base = previous[3] if previous[2] == "zstd-delta" else previous[0]
            if previous[4] is None:
                raise KeyError(base)
            delta = zstd_delta(body, self._unpacked(*previous[4:]))
            values = [sha, len(body), "zstd-delta", base, previous[1] + 1, delta]
        self.db.execute(
            "INSERT INTO evidence_bodies (sha256, size, codec, base, depth, data) VALUES (?, ?, ?, ?, ?, ?)",
            values,
        )

    def evidence_body(self, sha256: str) -> bytes:
        """The body as received (following its deltas back to a whole body)."""
        row = self.db.execute(
            "SELECT codec, base, size, data FROM evidence_bodies WHERE sha256 = ?", [sha256]
        ).fetchone()
        if row is None:
            raise KeyError(sha256)
        return self._unpacked(*row)

    def _unpacked(self, codec: str, base: str | None, size: int, data: bytes) -> bytes:
        """A stored body's bytes as received, from its row's codec, base, size and data."""
        if codec == "zlib":
            return zlib.decompress(data)
        if codec == "zstd":  # the thread's decompressor (watcher/blobs.py): not one made per body
            return contexts.decompressor.decompress(data, max_output_size=size)
        if base is None:  # a delta names its base: the database is damaged
            raise KeyError(base)
        dictionary = zstandard.ZstdCompressionDict(
            self.evidence_body(base), dict_type=zstandard.DICT_TYPE_RAWCONTENT
        )
        return zstandard.ZstdDecompressor(dict_data=dictionary).decompress(data, max_output_size=size)

    def evidence_for_change(self, change_id: int) -> list[Evidence]:
        """The response that produced the change, and the one the change compares against."""
        rows = list(self.db.query("SELECT * FROM evidence WHERE change_id = ? ORDER BY id", [change_id]))
        before = self.db.execute("SELECT before, source_id FROM changes WHERE id = ?", [change_id]).fetchone()
        if before is not None and before[0]:
            rows[:0] = self.db.query(
                "SELECT * FROM evidence WHERE source_id = ? AND snapshot = ? AND id < coalesce(?, 1e18)"
                " ORDER BY id DESC LIMIT 1",
                [before[1], before[0], rows[0]["id"] if rows else None],
            )
        return [evidence_from_row(r) for r in rows]

    def evidence_at(self, source_id: str, at: datetime) -> list[Evidence]:
        """The response of the version current at `at` (the last kept one fetched by then)."""
        rows = self.db.query(
            "SELECT * FROM evidence WHERE source_id = ? AND fetched_at <= ? ORDER BY fetched_at DESC, id DESC"
            " LIMIT 1",
            [source_id, iso(at)],
        )
        return [evidence_from_row(r) for r in rows]


def zstd_delta(body: bytes, base: bytes) -> bytes:
    """`body` as one zstandard frame (level `ZSTD_LEVEL`) that reads back with `base` as its
    raw-content dictionary, as `evidence_body` reads every `zstd-delta` row.

    Made with `base` as the frame's prefix (`ZSTD_CCtx_refPrefix`, which the `zstandard`
    package does not offer; the stdlib's `compression.zstd`, from Python 3.14, and its
    backport do): zstd then indexes every third position of `base` once, where a raw-content
    dictionary is first built into a digested dictionary indexing every position (~0.15 ms
    of the ~0.19 a 64 KB bench page's delta took). A prefix and a raw-content dictionary read
    the same way (the bytes that come before the frame's own), so rows written either way read
    alike. The window covers `base` and `body` (at most 2**27, what a decompressor accepts by
    default): past 2 MB the level's own window would leave the start of `base` out of reach.
    """
    zstd = _prefix_zstd()
    window = min(max((len(base) + len(body)).bit_length(), 10), 27)
    options = {
        zstd.CompressionParameter.compression_level: ZSTD_LEVEL,
        zstd.CompressionParameter.window_log: window,
    }
    return zstd.compress(body, options=options, zstd_dict=zstd.ZstdDict(base, is_raw=True).as_prefix)


@functools.cache
def _prefix_zstd() -> Any:
    """The module with `ZstdDict.as_prefix`, imported at the first delta (a first pass makes none)."""
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return zstd


def evidence_from_row(row: dict[str, Any]) -> Evidence:
    fetched_at = parse_iso(row["fetched_at"])
    assert fetched_at is not None
    return Evidence(
        id=row["id"],
        source_id=row["source_id"],
        fetched_at=fetched_at,
        kind=row["kind"],
        change_id=row["change_id"],
        snapshot=row["snapshot"],
        method=row["method"],
        url=row["url"],
        final_url=row["final_url"],
        status=row["status"],
        request_headers=tuple((str(k), str(v)) for k, v in json.loads(row["request_headers"])),
        headers=tuple((str(k), str(v)) for k, v in json.loads(row["headers"])),
        body_sha256=row["body_sha256"],
    )
