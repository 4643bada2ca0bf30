"""Config edits re-baseline (issue #13, point 8): changing a source's extraction settings on
identical page bytes stores a new baseline, records "configuration changed" in history and
alerts nothing. Through the real `regwatch` command, a real page (tests/pages/html-trafilatura)
on 127.0.0.1 and a real SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from clirun import run_cli, write_config

PAGE = (
    Path(__file__).parent.parent / "pages/html-trafilatura/brandenburg.de.homo-brandenburgensis.html"
).read_bytes()


def test_changing_select_on_identical_bytes_alerts_nothing(site, tmp_path):
    site.set("/article", PAGE)
    source = {"id": "bb", "url": site.url("/article"), "kind": "page", "select": "article h1"}
    config = write_config(tmp_path / "regwatch.toml", sources=[source])
    first = run_cli("--config", str(config), "check")
    assert first.returncode == 0, first.stderr

    # The operator widens the watched region; the page itself has not changed.
    write_config(tmp_path / "regwatch.toml", sources=[{**source, "select": "article"}])
    second = run_cli("--config", str(config), "check")
    assert second.returncode == 0, second.stderr
    assert "[regwatch]" not in second.stdout  # the console channel printed no alert
    with sqlite3.connect(tmp_path / "regwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM changes").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM versions WHERE source_id = 'bb'").fetchone() == (2,)

    exported = run_cli("--config", str(config), "export", "--what", "checks", "--format", "jsonl")
    checks = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(c["status"], c["reason"]) for c in checks] == [
        ("baseline", None),
        ("baseline", "configuration changed"),
    ]

    # From the new baseline on, a real edit of the wider region alerts as usual.
    site.set("/article", PAGE.replace(b"</article>", b"<p>Neuer Absatz.</p></article>", 1))
    third = run_cli("--config", str(config), "check")
    assert "[regwatch] bb: 1 paragraph added" in third.stdout  # the alert leads with what changed
