"""Stored forms of blobs: zstandard compression, a new snapshot's stored JSON, a whole body, made once.

A leaf module (the shared values, orjson and zstandard only), so the extraction worker can
make them beside the snapshot (watcher/check/extractworker.py) and the store writes those
bytes instead of making them again on the event loop's thread (issue 18: the main process,
not the worker, limits the first and the changed passes): a new snapshot's compressed JSON
(watcher/db/snapshots.py) and the compressed response body, which the evidence keeps
whole for a source's first body (watcher/db/evidence.py; a later body is kept as a delta,
so the check says so with `expect_delta` and the worker does not compress it whole). The
bytes are the same wherever they are made: the same JSON of the same snapshot, the same
compressor at the same level. `watcher/db/compression.py` reads them back.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

from watcher.model import FetchResult, Snapshot

#: For snapshots and evidence deltas: 0.18 ms for a 62 KB bench page, 5x faster than zlib
#: level 6 and smaller (bench/README.md); level 9 made deltas 3 bytes smaller. A snapshot's
#: JSON (~20 KB) costs level 1 as many instructions for 1.3% more bytes.
ZSTD_LEVEL = 3
#: For a whole response body (a source's first, every 17th after): level 1 compresses a bench
#: page with 2.4% fewer instructions of the worker's whole task (~20-25% of the compression)
#: for 3-5% more bytes (~1 KB of a 20 KB body, bench/README.md "Round 15 (perfextract6)").
#: Bodies packed at level 3 before read back alike: zstd frames decompress at any level.
BODY_LEVEL = 1
#: Values `json` cannot write are not written by orjson either (it would: dataclasses,
#: datetimes, subclasses of str and dict), so the fallback meets them and raises as before.
_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
)
#: Where a worker leaves a snapshot's stored form: in the instance's `__dict__`, like its
#: cached fingerprint, so it travels with the snapshot when pickled back (not a field:
#: equality and `dataclasses.replace` ignore it, and a replaced snapshot makes its own).
_STORED = "_stored_form"
#: Set on a `FetchResult` (in its `__dict__`, so it travels to the worker with it) whose
#: body the evidence will keep as a delta: see `expect_delta`.
_DELTA_EXPECTED = "_delta_expected"
#: Where a whole body's compressed form waits: on the snapshot coming back from a worker,
#: then on the parent's `FetchResult` it was read from (beside its cached `body_hash`).
_PACKED_BODY = "_packed_body"


class _Contexts(threading.local):
    """One compressor and decompressor per thread (they are not thread-safe; making one per
    call costs half as much again as the compression: 0.03 ms)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.body_compressor = zstandard.ZstdCompressor(level=BODY_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


contexts = _Contexts()


def pack(payload: bytes) -> bytes:
    """The stored form of a snapshot's JSON: one zstd frame (level `ZSTD_LEVEL`)."""
    return contexts.compressor.compress(payload)


def pack_body(body: bytes) -> bytes:
    """The stored form of a whole response body: one zstd frame (level `BODY_LEVEL`)."""
    return contexts.body_compressor.compress(body)


@dataclass(frozen=True)
class StoredSnapshot:
    """What `snapshots` keeps of a snapshot: the JSON's length and the compressed JSON."""

    size: int
    data: bytes


def stored_form(snapshot: Snapshot) -> StoredSnapshot:
    """The snapshot's stored form: the one made in the worker (taken, so the instance does
    not hold it any longer), else made now."""
    made = snapshot.__dict__.pop(_STORED, None)
    if isinstance(made, StoredSnapshot):
        return made
    return _make(snapshot)


@dataclass(frozen=True)
class PackedBody:
    """A response body compressed whole, and the sha256 of the body it is made from."""

    sha256: str
    data: bytes


def expect_delta(fetched: FetchResult) -> None:
    """Say that the evidence will keep this body as a delta, not whole (its source kept a
    body before), so a worker does not compress it whole for nothing (~0.2 ms and 12 KB
    through the pipe for a 62 KB page). A hint only: a body wanted whole after all (a
    source's 17th delta) is compressed by `packed_body`, into the same bytes."""
    fetched.__dict__[_DELTA_EXPECTED] = True


def delta_expected(fetched: FetchResult) -> bool:
    """Did `expect_delta` say so: its source has a stored version (a diff will follow)?"""
    return bool(fetched.__dict__.get(_DELTA_EXPECTED))


def hash_for_worker(fetched: FetchResult) -> None:
    """In the parent, before a response goes to a worker that will compress its body whole:
    hash the body here, where the store needs the hash anyway (`body_hash` is cached on the
    instance and pickled with it), so the worker labels the packed body with that hash
    instead of hashing the body a second time (0.06 ms for a 62 KB page, a first pass's
    every page). A body the evidence keeps as a delta (`expect_delta`) is left alone."""
    if not fetched.__dict__.get(_DELTA_EXPECTED):
        _ = fetched.body_hash


def prepare(snapshot: Snapshot, fetched: FetchResult | None = None) -> None:
    """In a worker: make the snapshot's stored form and the body's whole compressed form
    (unless `expect_delta` said it is not wanted), and keep them on the snapshot, which
    carries them back to the parent."""
    snapshot.__dict__[_STORED] = _make(snapshot)
    if fetched is not None and not fetched.__dict__.get(_DELTA_EXPECTED):
        snapshot.__dict__[_PACKED_BODY] = PackedBody(fetched.body_hash, pack_body(fetched.body))


def hand_over_body(snapshot: Snapshot, fetched: FetchResult) -> None:
    """In the parent: move the packed body from the snapshot to the response it is made from."""
    packed = snapshot.__dict__.pop(_PACKED_BODY, None)
    if isinstance(packed, PackedBody) and packed.sha256 == fetched.body_hash:
        fetched.__dict__[_PACKED_BODY] = packed


def packed_body(fetched: FetchResult) -> bytes:
    """The body compressed whole: the form made in the worker (taken), else made now."""
    packed = fetched.__dict__.pop(_PACKED_BODY, None)
    if isinstance(packed, PackedBody) and packed.sha256 == fetched.body_hash:
        return packed.data
    return pack_body(fetched.body)


def _make(snapshot: Snapshot) -> StoredSnapshot:
    payload = snapshot_json(snapshot.to_dict())
    return StoredSnapshot(len(payload), pack(payload))


def snapshot_json(data: dict[str, Any]) -> bytes:
    """`json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()`, the stored JSON
    of a snapshot, written by orjson (a fifth of the time: 0.05 ms for 50 items).

    For what a snapshot holds (dicts with string keys, lists, strings, None) orjson writes
    those very bytes: the same escapes (`\\"`, `\\\\`, `\\n`, `\\u001f`), every other character
    as UTF-8, keys in insertion order (tests/watcher/test_snapshot_json.py compares them on
    every code point and on generated values). Anything orjson refuses (a lone surrogate, an
    integer past 64 bits) goes through `json`, which then answers as it always did.
    """
    try:
        return orjson.dumps(data, option=_PASSTHROUGH)
    except TypeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
