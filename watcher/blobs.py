"""Stored forms of blobs: zstandard compression, a new snapshot's stored JSON, a whole body, made once.

A leaf module (the shared values, orjson and zstandard only), so the extraction worker can
make them beside the snapshot (watcher/check/extractworker.py) and the store writes those
bytes instead of making them again on the event loop's thread (issue 18: the main process,
not the worker, limits the first and the changed passes): a new snapshot's compressed JSON
(watcher/db/snapshots.py) and the compressed response body, which the evidence keeps
whole for a source's first body (watcher/db/evidence.py; a later body is kept as a delta,
so the check says so with `expect_delta` and the worker does not compress it whole, but
makes the delta instead when the store sent the base with the body: `send_delta_base`). The
bytes are the same wherever they are made: the same JSON of the same snapshot, the same
compressor at the same level and with the same dictionary. `watcher/db/compression.py`
reads them back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import zstandard

from watcher.model import FetchResult, Snapshot

#: For snapshots, whole evidence bodies and their deltas: 0.18 ms for a 62 KB bench page,
#: 5x faster than zlib level 6 and smaller (bench/README.md); level 9 made deltas 3 bytes
#: smaller, level 1 saved 0.02 ms for 3% more bytes.
ZSTD_LEVEL = 3
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
#: Set on a `FetchResult` going to a worker: the whole body its evidence delta is made against.
_DELTA_BASE = "_delta_base"
#: Where a body's delta waits, as `_PACKED_BODY` does.
_PACKED_DELTA = "_packed_delta"


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
    """What `snapshots` keeps of a snapshot: the JSON's length and the compressed JSON; and,
    made in a worker, its readable text (`Snapshot.text`, which `version_text` keeps)."""

    size: int
    data: bytes
    text: str | None = field(default=None, compare=False)


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


@dataclass(frozen=True)
class DeltaBase:
    """The whole body a source's next evidence body is kept as a delta against: its sha256,
    its size and its stored form (one zstd frame), as `evidence_bodies` holds them."""

    sha256: str
    size: int
    data: bytes
    #: The fingerprint of the source's current version: a page that reads the same is not
    #: kept as evidence (nothing changed), so the worker makes no delta for it.
    current: str | None = None


@dataclass(frozen=True)
class PackedDelta:
    """A response body as a delta against the whole body `base` (both named by sha256)."""

    sha256: str
    base: str
    data: bytes


def send_delta_base(fetched: FetchResult, base: DeltaBase) -> None:
    """Send the evidence's delta base with a body going to a worker, which makes the delta
    there (`prepare`), so the parent does not unpack the base and compress against it."""
    fetched.__dict__[_DELTA_BASE] = base


def delta(body: bytes, base: bytes) -> bytes:
    """`body` as the evidence keeps a later body: zstd with the whole body `base` as a
    raw-content dictionary (watcher/db/evidence.py), the same bytes in a worker and here."""
    dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary).compress(body)


def prepare(snapshot: Snapshot, fetched: FetchResult | None = None) -> None:
    """In a worker: make the snapshot's stored form and the body's whole compressed form
    (unless `expect_delta` said it is not wanted), or its delta against a base sent with it
    (`send_delta_base`), and keep them on the snapshot, which carries them back to the parent."""
    snapshot.__dict__[_STORED] = _make(snapshot, text=True)
    if fetched is None:
        return
    if not fetched.__dict__.get(_DELTA_EXPECTED):
        snapshot.__dict__[_PACKED_BODY] = PackedBody(fetched.body_hash, pack(fetched.body))
    base = fetched.__dict__.get(_DELTA_BASE)
    if isinstance(base, DeltaBase) and snapshot.fingerprint != base.current:
        whole = contexts.decompressor.decompress(base.data, max_output_size=base.size)
        snapshot.__dict__[_PACKED_DELTA] = PackedDelta(
            fetched.body_hash, base.sha256, delta(fetched.body, whole)
        )


def hand_over_body(snapshot: Snapshot, fetched: FetchResult) -> None:
    """In the parent: move the packed body from the snapshot to the response it is made from."""
    packed = snapshot.__dict__.pop(_PACKED_BODY, None)
    if isinstance(packed, PackedBody) and packed.sha256 == fetched.body_hash:
        fetched.__dict__[_PACKED_BODY] = packed
    fetched.__dict__.pop(_DELTA_BASE, None)  # sent; not kept in the parent any longer
    packed_delta = snapshot.__dict__.pop(_PACKED_DELTA, None)
    if isinstance(packed_delta, PackedDelta) and packed_delta.sha256 == fetched.body_hash:
        fetched.__dict__[_PACKED_DELTA] = packed_delta


def packed_body(fetched: FetchResult) -> bytes:
    """The body compressed whole: the form made in the worker (taken), else made now."""
    packed = fetched.__dict__.pop(_PACKED_BODY, None)
    if isinstance(packed, PackedBody) and packed.sha256 == fetched.body_hash:
        return packed.data
    return pack(fetched.body)


def delta_body(fetched: FetchResult, base: str, whole: Callable[[], bytes]) -> bytes:
    """The body as a delta against the whole body `base`: the one made in the worker against
    that very base (taken), else made now against `whole()`."""
    packed = fetched.__dict__.pop(_PACKED_DELTA, None)
    if isinstance(packed, PackedDelta) and packed.sha256 == fetched.body_hash and packed.base == base:
        return packed.data
    return delta(fetched.body, whole())


def _make(snapshot: Snapshot, *, text: bool = False) -> StoredSnapshot:
    payload = snapshot_json(snapshot.to_dict())
    return StoredSnapshot(len(payload), pack(payload), snapshot.text if text else None)


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
