"""Evidence: the Federal Register's own response bytes are kept for each version and export
as a WARC file that warcio accepts, whose payload hashes to the sha256 regwatch stored."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from clirun import write_config
from warcio.archiveiterator import ArchiveIterator

PAGES = Path(__file__).resolve().parents[1] / "pages"
SAMPLE = json.loads(
    (PAGES / "federal-register-api-json" / "documents-sample.json").read_text(encoding="utf-8")
)


def versions() -> tuple[bytes, bytes]:
    """Before: the real response without its first document; after: the real response."""
    before = copy.deepcopy(SAMPLE)
    before["results"] = before["results"][1:]
    return json.dumps(before).encode(), json.dumps(SAMPLE).encode()


def serve(site, body: bytes) -> None:
    site.set(
        "/api/v1/documents.json",
        gzip.compress(body),
        headers={"Content-Encoding": "gzip", "X-Request-Id": "fr-1"},
        content_type="application/json; charset=utf-8",
    )


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from warcio.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def responses(path: Path) -> list[tuple[str, str, bytes, dict]]:
    found = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                payload = record.content_stream().read()
                headers = {k.lower(): v for k, v in record.http_headers.headers}
                found.append(
                    (
                        record.rec_headers.get_header("WARC-Date"),
                        record.rec_headers.get_header("WARC-Target-URI"),
                        payload,
                        headers,
                    )
                )
    return found


def test_a_change_exports_as_a_valid_warc_with_the_stored_sha256(site, cli, tmp_path):
    before, after = versions()
    serve(site, before)
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {
                "id": "us-fr-hhs-rules",
                "url": site.url("/api/v1/documents.json"),
                "kind": "json",
                "fields": ["type", "effective_on", "comments_close_on", "pdf_url"],
                "next": "",
            }
        ],
        channels=[{"id": "console", "kind": "console"}],
    )
    run = lambda *args: cli("--config", str(config), *args)  # noqa: E731
    assert run("check").returncode == 0
    serve(site, after)
    changed = run("check")
    assert changed.returncode == 0 and "[regwatch]" in changed.stdout

    db = sqlite3.connect(tmp_path / "regwatch.db")
    stored = dict(db.execute("SELECT kind, body_sha256 FROM evidence").fetchall())
    assert stored == {
        "baseline": hashlib.sha256(before).hexdigest(),
        "change": hashlib.sha256(after).hexdigest(),
    }
    assert db.execute("SELECT body_hash FROM sources").fetchone()[0] == stored["change"]  # what history shows
    shown = run("show", "1")
    assert f"sha256 {stored['change']}" in shown.stdout

    out = tmp_path / "change-1.warc.gz"
    exported = run("evidence", "1", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "wrote 7 WARC records" in exported.stdout  # warcinfo + 2 x (response, request, metadata)

    checked = warcio("check", "-v", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout
    index = [
        json.loads(line)
        for line in warcio(
            "index", "-f", "warc-type,warc-target-uri,http:status", str(out)
        ).stdout.splitlines()
    ]
    assert [i["warc-type"] for i in index] == ["warcinfo", *["response", "request", "metadata"] * 2]
    assert {i.get("http:status") for i in index if i["warc-type"] == "response"} == {"200"}

    (old_date, _, old_body, _), (new_date, uri, new_body, headers) = responses(out)
    assert hashlib.sha256(new_body).hexdigest() == stored["change"]
    assert hashlib.sha256(old_body).hexdigest() == stored["baseline"]
    assert new_body == after and uri == site.url("/api/v1/documents.json")
    assert old_date < new_date
    assert "content-encoding" not in headers and headers["x-regwatch-original-content-encoding"] == "gzip"
    assert headers["content-length"] == str(len(after)) and headers["x-request-id"] == "fr-1"

    codecs = dict(db.execute("SELECT sha256, codec FROM evidence_bodies").fetchall())
    assert codecs == {stored["baseline"]: "zstd", stored["change"]: "zstd-delta"}
    delta_size = db.execute("SELECT length(data) FROM evidence_bodies WHERE codec = 'zstd-delta'").fetchone()[
        0
    ]
    assert delta_size < len(gzip.compress(after)) / 4  # one more document costs about its own size

    # The same bytes again make a change but no second copy of the body.
    serve(site, before)
    assert run("check").returncode == 0
    assert db.execute("SELECT count(*) FROM evidence").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM evidence_bodies").fetchone()[0] == 2

    # A source at a date: the version current then.
    at = db.execute("SELECT fetched_at FROM evidence WHERE kind = 'baseline'").fetchone()[0]
    baseline = tmp_path / "baseline.warc.gz"
    assert run("evidence", "us-fr-hhs-rules", "--at", at, "-o", str(baseline)).returncode == 0
    assert [hashlib.sha256(r[2]).hexdigest() for r in responses(baseline)] == [stored["baseline"]]

    # vacuum keeps the evidence of every change.
    assert run("vacuum", "--keep", "1s").returncode == 0
    assert db.execute("SELECT count(*) FROM evidence").fetchone()[0] == 3
    assert run("evidence", "1", "-o", str(tmp_path / "again.warc.gz")).returncode == 0


def test_delta_chains_are_cut_and_every_body_reads_back(tmp_path):
    from datetime import UTC, datetime, timedelta

    from watcher.db.evidence import MAX_DEPTH
    from watcher.db.store import Store
    from watcher.model import FetchResult

    store = Store(tmp_path / "e.db")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    bodies = []
    for n in range(MAX_DEPTH + 5):
        sample = copy.deepcopy(SAMPLE)
        sample["results"] = sample["results"][n % 20 :] + sample["results"][: n % 20]
        sample["count"] = n
        body = json.dumps(sample).encode()
        bodies.append(body)
        fetched = FetchResult(
            url="https://example.org/", final_url="https://example.org/", status=200, body=body
        )
        store.keep_evidence(
            "us-fr-hhs-rules", fetched, start + timedelta(hours=n), kind="change", change_id=n
        )
    depths = [r[0] for r in store.db.execute("SELECT depth FROM evidence_bodies ORDER BY rowid")]
    assert depths == [*range(MAX_DEPTH + 1), 0, 1, 2, 3]
    # Every delta is against a whole body, so reading one unpacks one whole body only.
    bases = store.db.execute(
        "SELECT b.codec FROM evidence_bodies d JOIN evidence_bodies b ON b.sha256 = d.base"
    ).fetchall()
    assert len(bases) == MAX_DEPTH + 3 and {codec for (codec,) in bases} == {"zstd"}
    for body in bodies:
        assert store.evidence_body(hashlib.sha256(body).hexdigest()) == body
    store.close()


def test_bodies_stored_by_earlier_versions_still_read(tmp_path):
    """zlib whole bodies and deltas chained on the previous delta (as written before)."""
    import zlib

    import zstandard

    from watcher.db.store import Store

    store = Store(tmp_path / "e.db")
    first, second, third = (json.dumps({**SAMPLE, "count": n}).encode() for n in range(3))
    sha = [hashlib.sha256(b).hexdigest() for b in (first, second, third)]

    def delta(body: bytes, on: bytes) -> bytes:
        dictionary = zstandard.ZstdCompressionDict(on, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        return zstandard.ZstdCompressor(level=9, dict_data=dictionary).compress(body)

    store.db.conn.executemany(
        "INSERT INTO evidence_bodies (sha256, size, codec, base, depth, data) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (sha[0], len(first), "zlib", None, 0, zlib.compress(first, 6)),
            (sha[1], len(second), "zstd-delta", sha[0], 1, delta(second, first)),
            (sha[2], len(third), "zstd-delta", sha[1], 2, delta(third, second)),
        ],
    )
    assert [store.evidence_body(s) for s in sha] == [first, second, third]
    store.close()


def test_a_delta_reads_its_base_in_the_statement_that_finds_it(tmp_path):
    """Storing a changed body reads the source's last body and the whole body its delta is
    made against in one statement (two before round 16), also when that base is itself a
    delta chained on the previous one (as written before): the new delta is made against the
    same base, and every body reads back."""
    import zlib

    import zstandard

    from watcher.db.store import Store
    from watcher.model import FetchResult

    store = Store(tmp_path / "e.db")
    bodies = [json.dumps({**SAMPLE, "count": n}).encode() for n in range(4)]
    sha = [hashlib.sha256(b).hexdigest() for b in bodies]

    def delta(body: bytes, on: bytes) -> bytes:
        dictionary = zstandard.ZstdCompressionDict(on, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        return zstandard.ZstdCompressor(level=9, dict_data=dictionary).compress(body)

    store.db.conn.executemany(  # a zlib whole body, then deltas each on the previous one
        "INSERT INTO evidence_bodies (sha256, size, codec, base, depth, data) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (sha[0], len(bodies[0]), "zlib", None, 0, zlib.compress(bodies[0], 6)),
            (sha[1], len(bodies[1]), "zstd-delta", sha[0], 1, delta(bodies[1], bodies[0])),
            (sha[2], len(bodies[2]), "zstd-delta", sha[1], 2, delta(bodies[2], bodies[1])),
        ],
    )
    store.db.conn.executemany(
        "INSERT INTO evidence (source_id, fetched_at, kind, change_id, snapshot, method, url, final_url,"
        " status, request_headers, headers, body_sha256) VALUES ('s', ?, 'change', NULL, NULL, 'GET',"
        " 'https://example.org/', 'https://example.org/', 200, '[]', '[]', ?)",
        [(f"2024-01-0{n + 1}T00:00:00+00:00", sha[n]) for n in range(3)],
    )
    from datetime import UTC, datetime

    def keep(source_id: str, body: bytes) -> list[str]:
        """Keep a body; the SELECTs it ran."""
        seen: list[str] = []
        store.db.conn.set_trace_callback(seen.append)
        fetched = FetchResult(
            url="https://example.org/", final_url="https://example.org/", status=200, body=body
        )
        store.keep_evidence(source_id, fetched, datetime(2024, 1, 4, tzinfo=UTC), kind="change")
        store.db.conn.set_trace_callback(None)
        return [sql for sql in seen if sql.startswith("SELECT")]

    # Is it stored already? / the source's last body (none: kept whole), then the same with
    # the whole body the next delta is made against (three reads before round 16).
    assert len(keep("t", bodies[1] + b" ")) == 2 and len(keep("t", bodies[2] + b" ")) == 2
    # The chain written before: that base is a delta, read through its own base (one more).
    assert len(keep("s", bodies[3])) == 3
    row = store.db.execute(
        "SELECT codec, base, depth FROM evidence_bodies WHERE sha256 = ?", [sha[3]]
    ).fetchone()
    assert row == ("zstd-delta", sha[1], 3)  # against the previous body's base, as before
    assert [store.evidence_body(s) for s in sha] == bodies
    assert store.evidence_body(hashlib.sha256(bodies[2] + b" ").hexdigest()) == bodies[2] + b" "
    store.close()


def test_the_last_body_is_the_last_row_by_id_read_without_a_sort(tmp_path):
    """The source's last body is its evidence row of the highest id, as `ORDER BY id DESC LIMIT
    1` found it, also where `fetched_at` runs backwards (a clock set back): `max(id)` of the
    source's entries in `evidence_source_at`, which hold the rowid, so no other row is read and
    nothing is sorted (round 18; before, every row of the source was read and sorted)."""
    from datetime import UTC, datetime

    from watcher.db.store import Store
    from watcher.model import FetchResult

    store = Store(tmp_path / "e.db")
    bodies = [json.dumps({**SAMPLE, "count": n}).encode() for n in range(6)]
    sha = [hashlib.sha256(b).hexdigest() for b in bodies]

    def keep(source_id: str, body: bytes, day: int) -> list[str]:
        seen: list[str] = []
        store.db.conn.set_trace_callback(seen.append)
        fetched = FetchResult(
            url="https://example.org/", final_url="https://example.org/", status=200, body=body
        )
        store.keep_evidence(source_id, fetched, datetime(2024, 1, day, tzinfo=UTC), kind="change")
        store.db.conn.set_trace_callback(None)
        return [sql for sql in seen if "evidence_bodies w" in sql]

    keep("other", bodies[5], 9)  # another source's rows are not its own
    keep("s", bodies[0], 9)  # whole
    keep("s", bodies[1], 5)  # a delta on it, fetched "earlier" by the clock
    keep("other", bodies[4], 1)
    (statement,) = keep("s", bodies[2], 3)  # the last by id is bodies[1]: its base is bodies[0]
    rows = store.db.execute(
        "SELECT sha256, codec, base, depth FROM evidence_bodies WHERE sha256 IN (?, ?) ORDER BY depth",
        [sha[1], sha[2]],
    ).fetchall()
    plan = [r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {statement}")]
    assert rows == [(sha[1], "zstd-delta", sha[0], 1), (sha[2], "zstd-delta", sha[0], 2)]
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any("COVERING INDEX evidence_source_at (source_id=?)" in step for step in plan), plan
    assert [store.evidence_body(s) for s in sha[:3]] == bodies[:3]
    store.close()
