"""Reading a response body under a size cap: gzip/deflate decoded bomb-safely, the cap on the
*decompressed* size, failing as soon as it is passed. Used by the fetcher (`watcher.net.fetch`);
no requests are made here."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from watcher.errors import FetchError, Reason
from watcher.net.failures import too_large

CHUNK = 64 * 1024


class RawBody(Protocol):
    """What is read of a response: its headers and its raw body (an `httpx.Response` is one)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]: ...


async def read_capped(response: RawBody, cap: int) -> bytes:
    """Read and decompress the body, failing as soon as the *decompressed* size passes `cap`."""
    encoding = response.headers.get("content-encoding", "identity").lower().strip()
    decoders = [e.strip() for e in encoding.split(",") if e.strip() and e.strip() != "identity"]
    if len(decoders) > 1 or (decoders and decoders[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(
            f"unsupported Content-Encoding {encoding!r}", reason=Reason.BAD_CONTENT, retryable=False
        )
    inflater = _Inflater(decoders[0]) if decoders else None
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw(CHUNK):
        pieces = inflater.feed(raw, cap - size + 1) if inflater else [raw]
        for piece in pieces:
            size += len(piece)
            if size > cap:
                raise too_large(cap, "the body" + (" (decompressed)" if inflater else ""))
            chunks.append(piece)
    if inflater:
        tail = inflater.flush(cap - size + 1)
        size += len(tail)
        if size > cap:
            raise too_large(cap, "the body (decompressed)")
        chunks.append(tail)
    return b"".join(chunks)


async def read_head(response: RawBody, limit: int = 256 * 1024) -> bytes:
    """The start of an error response's body, as evidence of a bot wall ("" if too big or corrupt)."""
    try:
        return await read_capped(response, limit)
    except FetchError:
        return b""


class _Inflater:
    """gzip/deflate decoding that never produces more than asked for at once (bomb-safe)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.first = True
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self.obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, budget: int) -> list[bytes]:
        out: list[bytes] = []
        try:
            if self.first and self.encoding == "deflate":
                self.first = False
                # Some servers send raw deflate without the zlib header.
                if data and (data[0] & 0x0F) != 8:
                    self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
            self.first = False
            piece = self.obj.decompress(data, max(budget, 1))
            out.append(piece)
            budget -= len(piece)
            while self.obj.unconsumed_tail and budget > 0:
                piece = self.obj.decompress(self.obj.unconsumed_tail, budget)
                out.append(piece)
                budget -= len(piece)
            if self.obj.unconsumed_tail:
                out.append(b"x")  # more than the budget remains: caller sees the cap exceeded
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}", reason=Reason.BAD_CONTENT) from exc
        return out

    def flush(self, budget: int) -> bytes:
        try:
            return self.obj.flush()[: max(budget, 1)]
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}", reason=Reason.BAD_CONTENT) from exc
