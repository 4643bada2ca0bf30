"""Stored forms of blobs: zstandard compression, a new snapshot's stored JSON, a whole body, made once.

A leaf module (the shared values and zstandard only), so the extraction worker can make
them beside the snapshot (watcher/check/extractworker.py) and the store writes those bytes
instead of making them again on the event loop's thread (issue 18: the main process, not
the worker, limits the first and the changed passes): a new snapshot's compressed JSON
(watcher/db/snapshots.py) and the compressed response body, which the evidence keeps
whole for a source's first body (watcher/db/evidence.py; a later body is kept as a delta,
and its whole form made in the worker is dropped). The bytes are the same wherever they
are made: the same JSON of the same snapshot, the same compressor at the same level.
`watcher/db/compression.py` reads them back.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import zstandard

from watcher.model import FetchResult, Snapshot

#: For snapshots, whole evidence bodies and their deltas: 0.18 ms for a 62 KB bench page,
#: 5x faster than zlib level 6 and smaller (bench/README.md); level 9 made deltas 3 bytes
#: smaller, level 1 saved 0.02 ms for 3% more bytes.
ZSTD_LEVEL = 3
#: Where a worker leaves a snapshot's stored form: in the instance's `__dict__`, like its
#: cached fingerprint, so it travels with the snapshot when pickled back (not a field:
#: equality and `dataclasses.replace` ignore it, and a replaced snapshot makes its own).
_STORED = "_stored_form"
#: Where a whole body's compressed form waits: on the snapshot coming back from a worker,
#: then on the parent's `FetchResult` it was read from (beside its cached `body_hash`).
_PACKED_BODY = "_packed_body"


class _Contexts(threading.local):
    """One compressor and decompressor per thread (they are not thread-safe; making one per
    call costs half as much again as the compression: 0.03 ms)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


contexts = _Contexts()


def pack(payload: bytes) -> bytes:
    """The stored form of a blob (a snapshot's JSON, a whole evidence body): one zstd frame."""
    return contexts.compressor.compress(payload)


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


def prepare(snapshot: Snapshot, fetched: FetchResult | None = None) -> None:
    """In a worker: make the snapshot's stored form and the body's whole compressed form,
    and keep them on the snapshot, which carries them back to the parent."""
    snapshot.__dict__[_STORED] = _make(snapshot)
    if fetched is not None:
        snapshot.__dict__[_PACKED_BODY] = PackedBody(fetched.body_hash, pack(fetched.body))


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
    return pack(fetched.body)


def _make(snapshot: Snapshot) -> StoredSnapshot:
    payload = json.dumps(snapshot.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    return StoredSnapshot(len(payload), pack(payload))
