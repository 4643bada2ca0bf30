"""History end to end: `regwatch check` subprocesses against a live local site, then the
history commands; retention (`regwatch vacuum`); the version-text backfill of m005."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import zlib
from datetime import UTC, datetime, timedelta

from analyst_history import invoke
from localsite import LISTING_SOURCE, listing_page

from watcher.config import load_config
from watcher.db.compression import unpack
from watcher.db.migrations.m005_history_views import _backfill_version_text
from watcher.db.store import Store
from watcher.service.runner import run_pass

PAGE = "<html><body><main><h1>Enforcement notice</h1>{body}</main></body></html>"


def test_search_and_snapshot_find_text_of_a_since_removed_version(site, config_file, cli, tmp_path):
    site.set("/notice", PAGE.format(body="<p>OCR will exercise interim enforcement discretion.</p>"))
    config = config_file(sources=[{"id": "us-hhs-notice", "url": site.url("/notice"), "kind": "page"}])
    assert cli("--config", str(config), "check").returncode == 0
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    site.set("/notice", PAGE.format(body="<p>The notice of enforcement discretion has expired.</p>"))
    second = cli("--config", str(config), "check")
    assert second.returncode == 0 and "CHANGED" in second.stderr

    found = cli("--config", str(config), "search", "interim", "--in", "versions", "--format", "json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert len(hits) == 1 and hits[0]["at"] < between and "**interim**" in hits[0]["snippet"]
    old = cli("--config", str(config), "snapshot", "us-hhs-notice", "--at", between)
    assert old.stdout.splitlines() == [
        "Enforcement notice",
        "OCR will exercise interim enforcement discretion.",
    ]
    current = cli("--config", str(config), "snapshot", "us-hhs-notice")
    assert "interim" not in current.stdout and "has expired" in current.stdout

    today = cli("--config", str(config), "history", "--since", "today", "--format", "csv")
    assert today.returncode == 0 and today.stdout.count("us-hhs-notice") == 1
    exported = cli("--config", str(config), "export", "--what", "checks", "--format", "jsonl")
    assert [json.loads(line)["status"] for line in exported.stdout.splitlines()] == ["baseline", "changed"]


def _pass(config, store, when):
    asyncio.run(run_pass(config, store, clock=lambda: when, deliver=False))


def test_vacuum_prunes_and_compacts_checks_but_keeps_every_change_and_version(site, config_file, tmp_path):
    now = datetime.now(UTC)
    items = [("2024-01-01", "Old circular", "/c/1")]
    site.set("/list", listing_page(items))
    site.set("/page", PAGE.format(body="<p>Version one.</p>"))
    path = config_file(
        sources=[
            {**LISTING_SOURCE, "id": "in-abdm-circulars", "url": site.url("/list")},
            {"id": "in-abdm-page", "url": site.url("/page"), "kind": "page"},
        ]
    )
    config = load_config(path)
    db_path = tmp_path / "regwatch.db"
    store = Store(db_path)
    start = now - timedelta(days=400)
    baseline_at = start
    for hour in range(6):  # baseline + 5 unchanged, all older than a year
        _pass(config, store, start + timedelta(hours=hour))
    mid = now - timedelta(days=200)
    site.set("/list", listing_page([("2025-05-01", "New circular", "/c/2"), *items]))
    _pass(config, store, mid)  # a change of the listing
    for hour in range(1, 11):
        _pass(config, store, mid + timedelta(hours=hour))  # 10 unchanged x 2 sources
    site.set("/page", PAGE.format(body="<p>Version one.</p>"), status=500)
    _pass(config, store, mid + timedelta(hours=11))  # the page fails once: breaks the run
    site.set("/page", PAGE.format(body="<p>Version one.</p>"))
    for hour in range(12, 15):
        _pass(config, store, mid + timedelta(hours=hour))
    for hour in range(3):
        _pass(config, store, now - timedelta(days=5, hours=-hour))  # recent: never compacted
    store.close()

    db = sqlite3.connect(db_path)
    db.execute(
        "INSERT INTO snapshots (hash, created_at, size, data) VALUES ('orphan', '2020-01-01', 1, x'00')"
    )
    db.commit()
    before = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("checks", "changes", "versions")
    }
    unchanged_mid = db.execute(
        "SELECT count(*) FROM checks WHERE status IN ('unchanged', 'not_modified') AND at >= ? AND at < ?",
        [(mid - timedelta(days=1)).isoformat(), (now - timedelta(days=30)).isoformat()],
    ).fetchone()[0]
    db.close()

    dry = invoke("--db", str(db_path), "vacuum", "--keep", "365d", "--compact-after", "30d", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 12 check(s)" in dry.stderr and "would delete 1 unreferenced snapshot" in dry.stderr
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == before["checks"]
    db.close()

    done = invoke("--db", str(db_path), "vacuum", "--keep", "365d", "--compact-after", "30d")
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(db_path)
    cutoff = (now - timedelta(days=365)).isoformat()
    assert db.execute("SELECT count(*) FROM checks WHERE at < ?", [cutoff]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == before["changes"]
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == before["versions"]
    assert db.execute("SELECT count(*) FROM snapshots WHERE hash = 'orphan'").fetchone()[0] == 0
    referenced = db.execute(
        "SELECT count(*) FROM versions v LEFT JOIN snapshots s ON s.hash = v.snapshot WHERE s.hash IS NULL"
    ).fetchone()[0]
    assert referenced == 0  # every version's snapshot survives, old baselines included
    runs = db.execute(
        "SELECT source_id, status, n_checks, at, last_at FROM checks"
        " WHERE n_checks > 1 ORDER BY source_id, at"
    ).fetchall()
    assert sum(r[2] for r in runs) == unchanged_mid  # every unchanged check is still counted
    # The listing's run starts after its change (14 checks); the page's failure splits its
    # checks into two runs (11, then 3).
    expected = [("in-abdm-circulars", 14), ("in-abdm-page", 11), ("in-abdm-page", 3)]
    assert [(r[0], r[2]) for r in runs] == expected
    assert all(r[4] > r[3] for r in runs)
    statuses = [r[0] for r in db.execute("SELECT status FROM checks ORDER BY at, id")]
    assert statuses.count("changed") == 1 and statuses.count("failed") == 1
    recent = db.execute("SELECT n_checks FROM checks WHERE at > ?", [(now - timedelta(days=6)).isoformat()])
    assert [r[0] for r in recent] == [1] * 6
    after = db.execute("SELECT count(*) FROM checks").fetchone()[0]
    db.close()

    # The baseline is still there to read, though its checks are gone.
    old = invoke(
        "--db",
        str(db_path),
        "snapshot",
        "in-abdm-circulars",
        "--at",
        (baseline_at + timedelta(hours=1)).isoformat(),
    )
    assert old.returncode == 0 and old.stdout.splitlines() == [
        "2024-01-01 | Old circular | " + site.url("/c/1")
    ]

    again = invoke("--db", str(db_path), "vacuum", "--keep", "365d", "--compact-after", "30d")
    assert again.returncode == 0 and "deleted 0 check(s)" in again.stderr and "merged 0" in again.stderr
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == after
    db.close()


def test_vacuum_rejects_bad_durations(tmp_path):
    Store(tmp_path / "r.db").close()
    bad = invoke("--db", str(tmp_path / "r.db"), "vacuum", "--keep", "a year")
    assert bad.returncode == 2 and "--keep" in bad.stderr and "duration" in bad.stderr


def test_backfill_of_version_text_matches_what_the_store_writes(tmp_path):
    """Databases from before m005 get their version text from the migration's backfill."""
    from analyst_history import build_history
    from localsite import Site

    site = Site()
    try:
        history = build_history(tmp_path, site)
    finally:
        site.close()
    store = Store(history.db)
    written = sorted(store.db.execute("SELECT snapshot, text FROM version_text").fetchall())
    store.db.execute("DELETE FROM version_text")
    # Before m005 every snapshot was zlib-compressed (zstandard since issue 18's round 5).
    for fingerprint, data in store.db.execute("SELECT hash, data FROM snapshots").fetchall():
        store.db.execute(
            "UPDATE snapshots SET data = ? WHERE hash = ?", [zlib.compress(unpack(data), 6), fingerprint]
        )
    _backfill_version_text(store.db)
    assert sorted(store.db.execute("SELECT snapshot, text FROM version_text").fetchall()) == written
    store.db.conn.commit()
    store.close()
    store = Store(history.db)  # rows written outside the store are indexed when it opens (m016)
    hits = store.db.execute(
        "SELECT count(*) FROM version_text_fts WHERE version_text_fts MATCH 'addressable'"
    ).fetchone()[0]
    assert hits == 1
    store.close()
