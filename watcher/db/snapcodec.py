"""How a snapshot's JSON is compressed in `snapshots.data`: zstandard, and zlib read back.

Snapshots written before issue 18's round 5 are zlib (level 6); new ones are zstandard
level 3, told apart by the frame's magic number, so no column says which. On bench pages
(21 KB of JSON for 50 items) zstd level 3 takes 0.06 ms where zlib level 6 took 0.33 ms,
and its output is 2% smaller; reading one back 0.02 ms instead of 0.06 (bench/README.md,
"Round 5 (storage)").
"""

from __future__ import annotations

import threading
import zlib

import zstandard

#: Every zstandard frame starts with these bytes; a zlib stream starts with 0x78.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_LEVEL = 3


class _Contexts(threading.local):
    """One compressor and decompressor per thread (they are not thread-safe; making one per
    call costs half as much again as the compression: 0.03 ms)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


_contexts = _Contexts()


def pack(payload: bytes) -> bytes:
    """The stored form of a snapshot's JSON bytes."""
    return _contexts.compressor.compress(payload)


def unpack(data: bytes) -> bytes:
    """A snapshot's JSON bytes from its stored form, zstandard or (older rows) zlib."""
    if data[:4] == ZSTD_MAGIC:
        return _contexts.decompressor.decompress(data)
    return zlib.decompress(data)
