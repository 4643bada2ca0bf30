"""One deadline per check: `check_timeout` bounds robots.txt, every page and extraction together.

Measured before: a `json` source with `timeout = 3` and 10 slow pages took 25.7 s, since
each request had its own time limit and nothing bounded the whole check.
"""

from __future__ import annotations

import json
import time

from servicerun import db_rows

PAGES = 10
DELAY = 1.5  # each page: well under the per-request `timeout`, 15 s for the ten


def _serve_slow_pages(site) -> None:
    for number in range(1, PAGES + 1):
        path = "/api/docs.json" + (f"?page={number}" if number > 1 else "")
        data = {
            "results": [{"document_number": f"2024-{number:05d}", "title": f"Rule {number}"}],
            "next_page_url": site.url(f"/api/docs.json?page={number + 1}") if number < PAGES else None,
        }
        site.set(path, json.dumps(data), content_type="application/json", delay=DELAY)
    site.set("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain", delay=DELAY)


def test_ten_slow_pages_end_at_the_check_deadline_with_a_clear_reason(site, config_file, cli, tmp_path):
    _serve_slow_pages(site)
    config = config_file(
        sources=[{"id": "us-fr-slow", "url": site.url("/api/docs.json"), "kind": "json", "timeout": 3}],
        limits={"check_timeout": 4, "max_pages": PAGES},
    )
    started = time.monotonic()
    result = cli("--config", str(config), "check")
    took = time.monotonic() - started
    # The check ends at its 4 s deadline, not after 10 pages x 1.5 s (+ robots.txt).
    assert took < 4 + 8, (took, result.stderr)  # the margin is start-up of the command itself
    reason, error, duration = db_rows(
        tmp_path / "regwatch.db",
        "SELECT reason, error, duration_ms FROM checks WHERE source_id = 'us-fr-slow'",
    )[0]
    assert reason == "timeout"
    assert "check_timeout of 4s" in error and "robots.txt, pages" in error
    assert 3500 <= duration < 6000
    assert len(site.hits("/api/docs.json?page=5")) == 0  # stopped on the way


def test_a_source_may_set_its_own_check_timeout(site, config_file, cli, tmp_path):
    _serve_slow_pages(site)
    config = config_file(
        sources=[{"id": "us-fr-slow", "url": site.url("/api/docs.json"), "kind": "json", "check_timeout": 2}],
        limits={"check_timeout": 600, "max_pages": PAGES},
    )
    cli("--config", str(config), "check")
    reason, error = db_rows(
        tmp_path / "regwatch.db", "SELECT reason, error FROM checks WHERE source_id = 'us-fr-slow'"
    )[0]
    assert reason == "timeout" and "check_timeout of 2s" in error


def test_check_timeout_must_be_a_sane_duration(tmp_path):
    import pytest

    from watcher.config import parse_config
    from watcher.errors import ConfigError

    source = {"id": "a", "url": "https://example.gov/", "kind": "page"}
    for bad in (0, -5, float("nan"), float("inf"), 1e300):
        with pytest.raises(ConfigError, match="check_timeout must be a number of seconds from 1 to 86400"):
            parse_config({"limits": {"check_timeout": bad}, "sources": [source]}, path=None)
        with pytest.raises(ConfigError, match="check_timeout must be"):
            parse_config({"sources": [{**source, "check_timeout": bad}]}, path=None)
    config = parse_config(
        {"limits": {"check_timeout": 90}, "sources": [{**source, "check_timeout": 20}]}, path=None
    )
    assert config.limits.check_timeout == 90 and config.sources[0].check_timeout == 20


def test_follows_end_at_the_deadline_and_the_change_still_alerts(site, tmp_path):
    """A saved change is never failed by its follows: they get what is left of the deadline,
    then its alerts are released (not left 'enriching')."""
    from localsite import LISTING_SOURCE, listing_page
    from passes import Passes, make_config

    old = [("2024-10-01", "First notice", "/n/0.html")]
    new = [(f"2024-10-0{d}", f"Notice {d}", f"/n/{d}.html") for d in range(2, 7)]
    site.set("/news", listing_page(old))
    for _, _, link in new:
        site.set(link, "<html><body><main><p>Slow document</p></main></body></html>", delay=3.0)
    source = {"id": "news", "url": site.url("/news"), "follow": True, "check_timeout": 4, **LISTING_SOURCE}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    site.set("/news", listing_page(new + old))
    started = time.monotonic()
    outcome = passes.one()
    took = time.monotonic() - started
    assert outcome.status == "changed", outcome.error
    assert took < 4 + 3, took  # not 5 documents x 3 s (follows run two at a time per host)
    rows = db_rows(tmp_path / "regwatch.db", "SELECT status FROM outbox")
    assert rows and {status for (status,) in rows} == {"pending"}
