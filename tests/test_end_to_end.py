"""The core story through the real command line, a real HTTP server and a real SQLite file."""

from __future__ import annotations

import json
import sqlite3

from localsite import LISTING_SOURCE, listing_page

ITEMS = [
    ("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html"),
    ("2024-09-15", "OCR issues guidance on online tracking", "/news/tracking.html"),
]
NEW = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/news/security-rule.html")


def test_listing_gains_item_alerts_exactly_once(site, config_file, cli, tmp_path):
    site.set("/news", listing_page(ITEMS))
    config = config_file(
        sources=[{"id": "us-hhs-news", "name": "HHS news", "url": site.url("/news"), **LISTING_SOURCE}]
    )

    first = cli("--config", str(config), "check")
    assert first.returncode == 0, first.stderr
    assert "baseline stored" in first.stderr
    assert first.stdout == ""  # a baseline never alerts

    site.set("/news", listing_page([NEW, *ITEMS], reviewed="October 21, 2024"))
    second = cli("--config", str(config), "check")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("[regwatch]") == 1
    assert "HHS announces HIPAA Security Rule NPRM" in second.stdout
    assert site.url("/news/security-rule.html") in second.stdout

    third = cli("--config", str(config), "check")
    assert third.returncode == 0
    assert third.stdout == ""

    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 3
    first_seen = dict(db.execute("SELECT title, change_id FROM items").fetchall())
    assert first_seen["HHS announces HIPAA Security Rule NPRM"] == 1
    assert first_seen["OCR issues guidance on online tracking"] is None

    history = cli("--config", str(config), "history", "--jsonl")
    assert history.returncode == 0
    changes = [json.loads(line) for line in history.stdout.splitlines()]
    assert [c["added"][0]["title"] for c in changes] == ["HHS announces HIPAA Security Rule NPRM"]
    shown = cli("--config", str(config), "show", str(changes[0]["id"]))
    assert "Added: HHS announces HIPAA Security Rule NPRM (2024-10-20)" in shown.stdout


def test_noise_and_ignore_patterns_produce_nothing(site, config_file, cli):
    page = (
        "<html><body><main><h1>Breach notification</h1><p>Covered entities must notify.</p>"
        "<p>Page last reviewed: {d}</p><input type=hidden name=csrf value={t}></main>"
        "<script>var x = {t};</script></body></html>"
    )
    site.set("/rule", page.format(d="1 Oct 2024", t="abc123"))
    config = config_file(
        sources=[
            {
                "id": "rule",
                "url": site.url("/rule"),
                "kind": "page",
                "select": "main",
                "ignore": ["Page last reviewed: .*"],
            }
        ]
    )
    assert cli("--config", str(config), "check").returncode == 0
    site.set("/rule", page.format(d="2 Nov 2024", t="zzz999").replace("<p>Covered", "<p>\n   Covered  "))
    again = cli("--config", str(config), "check")
    assert again.returncode == 0
    assert "unchanged" in again.stderr
    assert again.stdout == ""
    site.set("/rule", page.format(d="2 Nov 2024", t="q").replace("must notify", "must notify within 60 days"))
    edited = cli("--config", str(config), "check")
    assert edited.stdout.count("[regwatch]") == 1
    assert "~ Covered entities must notify {+within 60 days+}." in edited.stdout  # the changed words


def test_failures_are_recorded_and_the_pass_goes_on(site, config_file, cli, tmp_path):
    site.set("/ok", listing_page(ITEMS))
    site.set("/broken", "oops", status=500)
    site.set("/slow", listing_page(ITEMS), delay=3)
    site.set("/redesigned", "<html><body><div class='new-layout'>Hello</div></body></html>")
    config = config_file(
        sources=[
            {"id": "ok", "url": site.url("/ok"), **LISTING_SOURCE},
            {"id": "broken", "url": site.url("/broken"), **LISTING_SOURCE},
            {"id": "slow", "url": site.url("/slow"), "timeout": 1, **LISTING_SOURCE},
            {"id": "redesigned", "url": site.url("/redesigned"), **LISTING_SOURCE},
        ],
    )
    result = cli("--config", str(config), "check")
    assert result.returncode == 1
    assert "ok: baseline stored" in result.stderr
    assert "broken: FAILED - http: HTTP 500" in result.stderr
    assert "slow: FAILED - timeout" in result.stderr
    assert "redesigned: FAILED - selector: selector 'ul.news > li' matched nothing" in result.stderr
    db = sqlite3.connect(tmp_path / "regwatch.db")
    reasons = dict(db.execute("SELECT source_id, reason FROM checks WHERE status = 'failed'").fetchall())
    assert reasons == {"broken": "http", "slow": "timeout", "redesigned": "selector"}
    states = dict(db.execute("SELECT id, state FROM sources").fetchall())
    assert states["ok"] == "ok"
    assert states["broken"] == "failing"
    assert states["redesigned"] == "broken"  # a selector that stops matching is broken at once
    listed = cli("--config", str(config), "sources")
    assert "broken" in listed.stdout and "failure" in listed.stdout


def test_conditional_get_uses_etag_and_304(site, config_file, cli, tmp_path):
    site.set("/feed", listing_page(ITEMS), etag=True)
    config = config_file(sources=[{"id": "etag", "url": site.url("/feed"), **LISTING_SOURCE}])
    assert cli("--config", str(config), "check").returncode == 0
    again = cli("--config", str(config), "check")
    assert again.returncode == 0
    assert "unchanged (304)" in again.stderr
    hits = site.hits("/feed")
    assert "if-none-match" not in hits[0]
    assert hits[1]["if-none-match"].startswith('"')
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert [r[0] for r in db.execute("SELECT status FROM checks ORDER BY id")] == ["baseline", "not_modified"]


def test_config_errors_exit_2_and_name_the_fix(config_file, cli, tmp_path):
    config = config_file(
        sources=[{"id": "x", "url": "https://example.gov/", "kind": "listng", "select": "li"}]
    )
    result = cli("--config", str(config), "check")
    assert result.returncode == 2
    assert "unknown kind 'listng'" in result.stderr and "did you mean 'listing'" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_writes_a_valid_starter_config(cli, tmp_path):
    result = cli("init", cwd=tmp_path)
    assert result.returncode == 0
    listed = cli("sources", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "us-hhs-hipaa-news" in listed.stdout


def test_demo_shows_real_alerts_and_its_last_hint_works(cli, tmp_path):
    result = cli("demo", "--passes", "3", "--interval", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Circular 16/2024" in result.stdout
    assert "Health data [-may-]{+must+} be [-retained for 30-]{+deleted within 7+} days" in result.stdout
    assert result.stdout.count("[regwatch]") == 2
    assert "baseline baseline" not in result.stderr
    hint = result.stderr.strip().splitlines()[-2].split()  # regwatch --db regwatch-demo.db show N
    assert hint[:3] == ["regwatch", "--db", "regwatch-demo.db"] and hint[3] == "show"
    shown = cli(*hint[1:], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "+Health data must be deleted within 7 days" in shown.stdout
    again = cli("demo", "--passes", "2", "--interval", "0", cwd=tmp_path)  # a fresh history each run
    assert again.returncode == 0 and again.stdout.count("[regwatch]") == 1


def test_a_selector_edit_rebaselines_instead_of_alerting(site, config_file, cli, tmp_path):
    page = (
        "<html><body><main><h1>Breach notification</h1><p>Covered entities must notify.</p></main>"
        "<aside><p>Contact the privacy office.</p></aside></body></html>"
    )
    site.set("/rule", page)
    source = {"id": "us-hhs-rule", "url": site.url("/rule"), "kind": "page", "select": "main"}
    first = cli("--config", str(config_file(sources=[source])), "check")
    assert first.returncode == 0, first.stderr

    # Same bytes, another region watched: a config edit, not the regulator's change.
    edited = cli("--config", str(config_file(sources=[{**source, "select": "body"}])), "check")
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout == ""
    assert "configuration changed" in edited.stderr

    site.set("/rule", page.replace("must notify", "must notify within 60 days"))
    changed = cli("--config", str(config_file(sources=[{**source, "select": "body"}])), "check")
    assert changed.stdout.count("[regwatch]") == 1
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == 1
    assert [r[0] for r in db.execute("SELECT status FROM checks ORDER BY id")] == [
        "baseline",
        "baseline",
        "changed",
    ]
