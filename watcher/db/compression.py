"""How stored blobs are compressed: zstandard level 3, one compressor per thread.

Used for snapshots (`snapshots.data`) and whole evidence bodies (watcher/db/evidence.py).
Snapshots written before issue 18's round 5 are zlib (level 6) and still read: `unpack`
tells them apart by the zstandard frame's magic number, so no column says which. A bench
page's snapshot (21 KB of JSON, 50 items) takes 0.06 ms at zstd level 3 where zlib level 6
took 0.33 ms, 2% smaller; reading it back 0.02 ms instead of 0.06 (bench/README.md,
"Round 5 (storage)").
"""

from __future__ import annotations

import threading
import zlib

import zstandard

#: Every zstandard frame starts with these bytes; a zlib stream starts with 0x78.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: For snapshots, whole evidence bodies and their deltas: 0.18 ms for a 62 KB bench page,
#: 5x faster than zlib level 6 and smaller (bench/README.md); level 9 made deltas 3 bytes
#: smaller, level 1 saved 0.02 ms for 3% more bytes.
ZSTD_LEVEL = 3


class _Contexts(threading.local):
    """One compressor and decompressor per thread (they are not thread-safe; making one per
    call costs half as much again as the compression: 0.03 ms)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


_contexts = _Contexts()


def pack(payload: bytes) -> bytes:
    """The stored form of a blob (a snapshot's JSON, a whole evidence body): one zstd frame."""
    return _contexts.compressor.compress(payload)


def unpack(data: bytes) -> bytes:
    """A snapshot's JSON bytes from its stored form: zstandard, or zlib in older rows."""
    if data[:4] == ZSTD_MAGIC:
        return _contexts.decompressor.decompress(data)
    return zlib.decompress(data)
