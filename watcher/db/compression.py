"""How stored blobs are compressed: zstandard, one compressor per thread (watcher/blobs.py).

Used for snapshots (`snapshots.data`, level 3) and whole evidence bodies (watcher/db/evidence.py,
level 1 since issue 18's round 15; those stored at level 3 before read back alike).
Snapshots written before issue 18's round 5 are zlib (level 6) and still read: `unpack`
tells them apart by the zstandard frame's magic number, so no column says which. A bench
page's snapshot (21 KB of JSON, 50 items) takes 0.06 ms at zstd level 3 where zlib level 6
took 0.33 ms, 2% smaller; reading it back 0.02 ms instead of 0.06 (bench/README.md,
"Round 5 (storage)").
"""

from __future__ import annotations

import zlib

from watcher.blobs import ZSTD_LEVEL, contexts, pack

__all__ = ["ZSTD_LEVEL", "ZSTD_MAGIC", "pack", "unpack"]

#: Every zstandard frame starts with these bytes; a zlib stream starts with 0x78.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def unpack(data: bytes) -> bytes:
    """A snapshot's JSON bytes from its stored form: zstandard, or zlib in older rows."""
    if data[:4] == ZSTD_MAGIC:
        return contexts.decompressor.decompress(data)
    return zlib.decompress(data)
