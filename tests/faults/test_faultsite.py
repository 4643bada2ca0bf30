"""The fault server's nasty bodies are what they claim to be (a test of the test tools)."""

from __future__ import annotations

import struct
import zlib

from faultsite import MiB, gzip_bomb


def inflate(data: bytes, limit: int) -> tuple[int, bool]:
    """Inflate up to `limit` bytes, 1 MiB at a time; (size, reached the end of the stream)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    size = 0
    while data and size < limit:
        out = inflater.decompress(data, MiB)
        assert out.count(0) == len(out)
        size += len(out)
        data = inflater.unconsumed_tail
    return size, inflater.eof


def test_the_bomb_is_a_valid_gzip_stream_of_zeros():
    assert inflate(gzip_bomb(16 * MiB), 10**12) == (16 * MiB, True)


def test_the_1gb_bomb_is_about_1mb_and_says_1gb():
    bomb = gzip_bomb()
    assert len(bomb) < 1_100_000
    crc, size = struct.unpack("<II", bomb[-8:])
    assert size == 1024 * MiB % 2**32 == 2**30
    zeros = bytes(MiB)
    expected = 0
    for _ in range(1024):
        expected = zlib.crc32(zeros, expected)
    assert crc == expected
    assert inflate(bomb, 32 * MiB)[0] >= 32 * MiB  # and it keeps going
