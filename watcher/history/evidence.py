"""Evidence of what a regulator published, exported as WARC with warcio.

The check keeps the responses (watcher/check/evidence.py). `write_warc` writes, per kept
response, a `response` record (status line, headers and the body exactly as kept, dated
with the fetch time, `WARC-Payload-Digest` the sha256 regwatch stores), a `request` record
concurrent to it, and a `metadata` record tying it to the source, the change and the
version. The body is kept as regwatch read it, i.e. after the transfer's gzip/deflate was
decoded, so the response headers in the WARC drop `Content-Encoding`/`Transfer-Encoding`
and give the real `Content-Length` (the originals are kept as `X-Regwatch-Original-*`).
Request headers are the ones regwatch sends (user agent, accept, the source's own
headers), reconstructed, not captured off the wire.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from watcher import __version__
from watcher.db.evidence import Evidence
from watcher.db.store import Store

DROPPED = {"content-encoding", "transfer-encoding", "content-length"}


def sha256_b32(hex_digest: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_digest)).decode("ascii")


def write_warc(store: Store, evidence: Sequence[Evidence], out: BinaryIO, *, filename: str) -> int:
    """Write the records of each kept response to `out` (gzipped WARC 1.1); the record count."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = writer.create_warcinfo_record(
        filename,
        {
            "software": f"regwatch {__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "description": "Responses regwatch kept as evidence of what a regulator published",
        },
    )
    writer.write_record(info)
    count = 1
    for item in evidence:
        count += write_exchange(writer, store, item)
    return count


def write_exchange(writer: WARCWriter, store: Store, item: Evidence) -> int:
    body = store.evidence_body(item.body_sha256)
    date = datetime_to_iso_date(item.fetched_at, use_micros=True)
    target = item.final_url or item.url
    headers = [(k, v) for k, v in item.headers if k.lower() not in DROPPED]
    headers += [
        ("X-Regwatch-Original-" + "-".join(p.capitalize() for p in k.split("-")), v)
        for k, v in item.headers
        if k.lower() in DROPPED - {"content-length"}
    ]
    headers.append(("Content-Length", str(len(body))))
    reason = HTTPStatus(item.status).phrase if item.status in HTTPStatus._value2member_map_ else "Unknown"
    response = writer.create_warc_record(
        target,
        "response",
        payload=io.BytesIO(body),
        length=None,
        http_headers=StatusAndHeaders(f"{item.status} {reason}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": sha256_b32(item.body_sha256)},
    )
    record_id = response.rec_headers.get_header("WARC-Record-ID")
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = writer.create_warc_record(
        target,
        "request",
        payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(
            f"{item.method} {path} HTTP/1.1",
            [("Host", parts.netloc), *item.request_headers],
            is_http_request=True,
        ),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
    )
    about = {
        "source_id": item.source_id,
        "kind": item.kind,
        "change_id": item.change_id,
        "snapshot": item.snapshot,
        "requested_url": item.url,
        "final_url": target,
        "fetched_at": item.fetched_at.isoformat(),
        "body_sha256": item.body_sha256,
        "request_headers": "reconstructed: the headers regwatch sends, not captured off the wire",
    }
    metadata = writer.create_warc_record(
        target,
        "metadata",
        payload=io.BytesIO(json.dumps(about, indent=1).encode()),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": record_id},
    )
    for record in (response, request, metadata):
        writer.write_record(record)
    return 3


def export(store: Store, evidence: Sequence[Evidence], path: Path) -> int:
    with open(path, "wb") as out:
        return write_warc(store, evidence, out, filename=path.name)
