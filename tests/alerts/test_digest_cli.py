"""Held digests through the real command line: when they go out, a preview, and sending now."""

from __future__ import annotations

import json
import sqlite3

from localsite import LISTING_SOURCE, listing_page

OLD = [("2024-10-01", "HHS settles HIPAA investigation", "/a.html")]
NEW = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/nprm.html")


def test_held_digest_when_preview_and_now(site, config_file, cli, tmp_path):
    site.set("/news", listing_page(OLD))
    config = config_file(
        sources=[{"id": "us-hhs-news", "name": "HHS news", "url": site.url("/news"), **LISTING_SOURCE}],
        channels=[{"id": "daily", "kind": "console", "digest": "daily"}],
    )
    assert cli("check", "--config", str(config)).returncode == 0
    site.set("/news", listing_page([NEW, *OLD]))
    held = cli("check", "--config", str(config))
    assert held.returncode == 0 and "[regwatch]" not in held.stdout  # held for the digest

    pending = json.loads(cli("alerts", "--pending", "--json", "--config", str(config)).stdout)
    [row] = pending
    assert row["status"] == "held" and row["detail"].startswith("held for the digest, goes out ")
    assert row["detail"].endswith(" 09:00 UTC")  # "daily" = 09:00 UTC

    when = cli("digest", "--config", str(config))
    assert "daily: 1 held alert(s); the daily digest goes out" in when.stdout

    preview = cli("digest", "daily", "--preview", "--config", str(config))
    assert preview.returncode == 0, preview.stderr
    assert "preview of the daily digest" in preview.stdout and NEW[1] in preview.stdout
    db = tmp_path / "regwatch.db"
    assert sqlite3.connect(db).execute("SELECT status FROM outbox").fetchall() == [("held",)]  # nothing sent

    now = cli("digest", "daily", "--now", "--config", str(config))
    assert now.returncode == 0, now.stderr
    assert "[regwatch] digest: 1 alert(s)" in now.stdout and NEW[1] in now.stdout
    statuses = sorted(r[0] for r in sqlite3.connect(db).execute("SELECT status FROM outbox"))
    assert statuses == ["sent", "sent"]  # the digest row and its member
    assert "nothing held" in cli("digest", "daily", "--config", str(config)).stdout

    typo = cli("digest", "daly", "--config", str(config))
    assert typo.returncode == 2 and "no digest channel 'daly'" in typo.stderr
