"""`regwatch run` as a real subprocess against real HTTP servers on 127.0.0.1 and a real SQLite file.

Short intervals (every = "2s") keep each story within seconds; every wait polls with a timeout.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import time
from datetime import datetime

import pytest
from localsite import LISTING_SOURCE, listing_page
from servicerun import Service, check_count, db_rows, wait_for

ITEMS = [
    ("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html"),
    ("2024-09-15", "OCR issues guidance on online tracking", "/news/tracking.html"),
]
NEW = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/news/security-rule.html")
RULE = (
    "<html><body><main><h1>Breach notification</h1><p>Covered entities must notify.</p></main></body></html>"
)


@pytest.fixture
def start_service():
    started: list[Service] = []

    def start(config, *args: str, name: str = "service", options: tuple[str, ...] = ()) -> Service:
        service = Service(config, *args, name=name, options=options)
        started.append(service)
        return service

    yield start
    for service in started:
        service.kill()


def integrity(db) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def sent_changes(db) -> int:
    rows = db_rows(db, "SELECT count(*) FROM outbox WHERE kind = 'change' AND status = 'sent'")
    return rows[0][0] if rows else 0


def test_service_checks_on_schedule_alerts_once_and_stops_cleanly(
    site, config_file, cli, start_service, tmp_path
):
    site.set("/news", listing_page(ITEMS))
    site.set("/rule", RULE)
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.set("/private/memo", "<html><body><main>internal memo</main></body></html>")
    config = config_file(
        sources=[
            {"id": "news", "url": site.url("/news"), "every": "2s", **LISTING_SOURCE},
            {"id": "rule", "url": site.url("/rule"), "kind": "page", "select": "main", "every": "2s"},
            {"id": "memo", "url": site.url("/private/memo"), "kind": "page", "select": "main", "every": "2s"},
        ],
        service={"deliver_every": 60},  # only the post-check kick can deliver quickly
    )
    db = tmp_path / "regwatch.db"
    service = start_service(config, "--health-port", "0").wait_started()

    # Every source is checked at start-up, then again on its schedule.
    wait_for(
        lambda: check_count(db, "news") >= 2 and check_count(db, "rule") >= 2,
        20,
        "two checks of each source",
    )
    assert check_count(db, "news", "baseline") == 1
    assert "checked news: baseline" in service.stderr

    # robots.txt disallows /private/: never requested, recorded as a robots failure.
    assert site.hits("/private/memo") == []
    assert {r[0] for r in db_rows(db, "SELECT reason FROM checks WHERE source_id = 'memo'")} == {"robots"}
    assert site.hits("/robots.txt")  # read once and cached, not per check
    assert len(site.hits("/robots.txt")) == 1

    # One writer per database: a second service and a one-off check both refuse.
    second = cli("--config", str(config), "run")
    assert second.returncode == 1
    assert f"in use by `regwatch run` (pid {service.proc.pid}" in second.stderr
    one_off = cli("--config", str(config), "check")
    assert one_off.returncode == 1 and "in use by `regwatch run`" in one_off.stderr

    # A new item: one change, one alert, sent right after the check (not at the 60 s round).
    site.set("/news", listing_page([NEW, *ITEMS]))
    wait_for(lambda: sent_changes(db) == 1, 15, "the change alert to be sent")
    detected, sent = db_rows(
        db, "SELECT c.detected_at, o.sent_at FROM outbox o JOIN changes c ON c.id = o.change_id"
    )[0]
    assert (datetime.fromisoformat(sent) - datetime.fromisoformat(detected)).total_seconds() < 10
    checks = check_count(db, "news")
    wait_for(lambda: check_count(db, "news") >= checks + 1, 15, "one more check")
    assert service.stdout.count("New: HHS announces HIPAA Security Rule NPRM") == 1
    assert service.stdout.count("[regwatch] news:") == 1
    assert db_rows(db, "SELECT count(*) FROM changes")[0][0] == 1

    # /healthz and /metrics on 127.0.0.1.
    health = service.healthz()
    assert health["status"] == "degraded"  # memo is robots-blocked
    assert health["sources"]["total"] == 3 and health["sources"]["ok"] == 2
    assert health["sources"]["robots-blocked"] == 1
    assert health["outbox"]["pending"] == 0
    assert any("memo (robots-blocked)" in p for p in health["problems"])
    status, headers, body = service.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    metrics = body.decode()
    assert 'regwatch_checks_total{status="changed"} 1.0' in metrics
    assert 'regwatch_check_failures_total{reason="robots"}' in metrics
    assert 'regwatch_alerts_sent_total{channel="console"}' in metrics
    assert "regwatch_fetch_duration_seconds_count" in metrics
    assert 'regwatch_sources{state="ok"} 2.0' in metrics
    assert service.get("/nope")[0] == 404

    # `regwatch status` tells the truth while the service runs.
    shown = cli("--config", str(config), "status")
    assert shown.returncode == 1  # a robots-blocked source is not watched
    assert f"service: running (pid {service.proc.pid}" in shown.stdout
    lines = {line.split()[0]: line for line in shown.stdout.splitlines() if line.strip()}
    assert "robots-blocked" in lines["memo"]
    assert " ok " in lines["news"] and "never" not in lines["news"].split("ok", 1)[1][:30]

    # SIGTERM: a clean, prompt exit with the database intact.
    assert service.stop(timeout=10) == 0
    assert "regwatch service stopped" in service.stderr
    assert "Traceback" not in service.stderr
    assert integrity(db) == "ok"


def test_sighup_adds_and_removes_sources_and_keeps_running_on_a_bad_config(
    site, config_file, start_service, tmp_path
):
    site.set("/news", listing_page(ITEMS))
    site.set("/rule", RULE)
    news = {"id": "news", "url": site.url("/news"), "every": "2s", **LISTING_SOURCE}
    rule = {"id": "rule", "url": site.url("/rule"), "kind": "page", "select": "main", "every": "2s"}
    config = config_file(sources=[news])
    db = tmp_path / "regwatch.db"
    service = start_service(config).wait_started()
    wait_for(lambda: check_count(db, "news") >= 1, 10, "the first check")
    assert check_count(db, "rule") == 0

    config_file(sources=[news, rule])
    service.send(signal.SIGHUP)
    wait_for(lambda: check_count(db, "rule") >= 1, 10, "the added source to be checked")
    service.wait_log("1 added, 0 removed, 0 changed")

    good = config.read_text()
    config.write_text(good + "\n[[sources]]\nid = 'broken'\nurl = 'not a url'\nkind = 'page'\n")
    service.send(signal.SIGHUP)
    service.wait_log("config reload failed, still running the previous config")
    assert "not an http(s) URL" in service.stderr
    before = check_count(db, "rule")
    wait_for(lambda: check_count(db, "rule") >= before + 1, 10, "checks to go on with the old config")

    config_file(sources=[rule])
    service.send(signal.SIGHUP)
    service.wait_log("0 added, 1 removed, 0 changed")
    news_checks = check_count(db, "news")
    rule_checks = check_count(db, "rule")
    wait_for(lambda: check_count(db, "rule") >= rule_checks + 2, 15, "two more checks of rule")
    assert check_count(db, "news") == news_checks  # removed: no longer checked
    assert service.proc.poll() is None
    assert service.stop(timeout=10) == 0
    assert integrity(db) == "ok"


def test_restart_resumes_cadence_catches_up_and_never_realerts(
    site, config_file, cli, start_service, tmp_path
):
    site.set("/news", listing_page(ITEMS))
    site.set("/rule", RULE)
    config = config_file(
        sources=[
            {"id": "fast", "url": site.url("/news"), "every": "2s", **LISTING_SOURCE},
            {"id": "slow", "url": site.url("/rule"), "kind": "page", "select": "main", "every": "1h"},
        ]
    )
    db = tmp_path / "regwatch.db"
    first = start_service(config, name="first").wait_started()
    wait_for(lambda: check_count(db, "fast") >= 1 and check_count(db, "slow") >= 1, 10, "baselines")
    site.set("/news", listing_page([NEW, *ITEMS]))
    wait_for(lambda: sent_changes(db) == 1, 15, "the change alert")
    assert first.stop(timeout=10) == 0
    assert first.stdout.count("[regwatch] fast:") == 1

    # Down long enough for `fast` (every 2s) to fall due; `slow` (every 1h) is not due.
    last_fast = db_rows(db, "SELECT last_check_at FROM sources WHERE id = 'fast'")[0][0]
    wait_for(
        lambda: (datetime.now().astimezone() - datetime.fromisoformat(last_fast)).total_seconds() > 2.5,
        10,
        "fast to fall due",
    )
    shown = cli("--config", str(config), "status")
    assert shown.returncode == 0, shown.stdout
    assert "service: not running" in shown.stdout
    lines = {line.split()[0]: line for line in shown.stdout.splitlines() if line.strip()}
    assert "at the next start (due)" in lines["fast"]
    assert re.search(r"\(in (59|60)m\)", lines["slow"]), lines["slow"]  # 1h after its last check

    fast_before = check_count(db, "fast")
    slow_before = check_count(db, "slow")
    second = start_service(config, name="second").wait_started()
    wait_for(lambda: check_count(db, "fast") >= fast_before + 2, 15, "fast to be caught up and go on")
    assert check_count(db, "slow") == slow_before  # not due: keeps its cadence
    assert "1 due now" in second.stderr
    assert second.stop(timeout=10) == 0
    assert "[regwatch]" not in second.stdout  # the old change is not alerted again
    assert sent_changes(db) == 1
    assert db_rows(db, "SELECT count(*) FROM changes")[0][0] == 1
    assert integrity(db) == "ok"


def test_retry_after_holds_the_next_check_even_across_a_restart(site, config_file, start_service, tmp_path):
    requests: list[float] = []

    def news(headers):
        requests.append(time.monotonic())
        if len(requests) == 1:
            return 429, {"Retry-After": "5"}, "slow down"
        return listing_page(ITEMS)

    site.set("/news", news)
    config = config_file(sources=[{"id": "news", "url": site.url("/news"), "every": "1s", **LISTING_SOURCE}])
    db = tmp_path / "regwatch.db"
    first = start_service(config, name="first").wait_started()
    wait_for(lambda: check_count(db, "news", "failed") == 1, 10, "the 429")
    # The check's row (with the hold) commits first, the service's planned next run just
    # after it; wait until the plan is written after the hold, then check the plan honours it.
    held, planned = wait_for(
        lambda: [
            r
            for r in db_rows(db, "SELECT retry_after_until, next_run_at, last_check_at FROM sources")
            if r[0] and r[1] and r[2] and r[1] > r[2]
        ],
        5,
        "the hold and the next run after it to be recorded",
    )[0][:2]
    assert planned >= held  # the next run waits for Retry-After, not for `every = 1s`
    assert first.stop(timeout=10) == 0

    second = start_service(config, name="second").wait_started()  # memory is gone; the database holds
    wait_for(lambda: check_count(db, "news", "baseline") == 1, 15, "the check after the hold")
    assert requests[1] - requests[0] >= 4.9
    assert second.stop(timeout=10) == 0


def test_sigterm_lets_a_check_in_flight_finish_or_abandons_it_after_the_grace(
    site, config_file, start_service, tmp_path
):
    site.set("/slow", listing_page(ITEMS), delay=2.0)
    patient = config_file(
        sources=[{"id": "slow", "url": site.url("/slow"), "every": "1h", **LISTING_SOURCE}],
        service={"shutdown_grace": 10},
    )
    db = tmp_path / "regwatch.db"
    service = start_service(patient, name="patient", options=("--log-format", "json")).wait_started()
    wait_for(lambda: site.hits("/slow"), 10, "the slow request")
    service.send(signal.SIGTERM)
    assert service.proc.wait(10) == 0
    assert "waiting up to 9s for 1 check(s) in flight (shutdown_grace 10s)" in service.stderr
    assert check_count(db, "slow", "baseline") == 1  # finished and recorded
    logs = [json.loads(line) for line in service.stderr.splitlines()]  # JSON lines, nothing else
    checked = [entry for entry in logs if entry.get("source_id") == "slow"]
    assert checked and checked[0]["status"] == "baseline" and checked[0]["level"] == "info"
    assert integrity(db) == "ok"

    site.set("/stuck", listing_page(ITEMS), delay=8.0)
    (tmp_path / "b").mkdir()
    hasty = config_file(
        sources=[{"id": "stuck", "url": site.url("/stuck"), "every": "1h", "timeout": 20, **LISTING_SOURCE}],
        service={"shutdown_grace": 0.5},
        database=str(tmp_path / "b" / "regwatch.db"),
    )
    service = start_service(hasty, name="hasty").wait_started()
    wait_for(lambda: site.hits("/stuck"), 10, "the stuck request")
    service.send(signal.SIGTERM)
    assert service.proc.wait(5) == 0
    assert "cancelling 1 check(s) still running after 0.25s (shutdown_grace 0.5s)" in service.stderr
    assert check_count(tmp_path / "b" / "regwatch.db", "stuck") == 0  # abandoned: nothing half-written
    assert integrity(tmp_path / "b" / "regwatch.db") == "ok"
