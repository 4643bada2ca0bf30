"""`regwatch run` stays responsive while a page is built to be slow to read.

A real service subprocess checks a page whose extraction never ends (an `ignore` regex
with nested repeats, run on 20,000 "x": exponential in Python's engine; the built-in
patterns are linear now, see tests/sources/test_regex_bounds.py, but an operator's own
pattern can still run away). Extraction runs in a worker process with a hard deadline, so
meanwhile /healthz answers within a second, another source is still checked, the runaway
check fails with reason `timeout`, and SIGTERM ends the service within `shutdown_grace`.
Before, extraction ran inline on the event loop: /healthz went unanswered and SIGTERM
waited for the page.
"""

from __future__ import annotations

import signal
import time
import urllib.request

import pytest
from localsite import LISTING_SOURCE, listing_page
from servicerun import Service, check_count, db_rows, wait_for

HOSTILE = "<html><body><main><p>" + "x" * 20_000 + "</p></main></body></html>"
ITEMS = [("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html")]
GRACE = 2.0
DEADLINE = 6


@pytest.fixture
def service_factory():
    started: list[Service] = []

    def start(config) -> Service:
        service = Service(config, "--health-port", "0")
        started.append(service)
        return service

    yield start
    for service in started:
        service.kill()


def healthz_latency(port: int) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        response.read()
        assert response.status == 200
    return time.monotonic() - started


def test_a_runaway_extraction_never_blocks_health_other_sources_or_sigterm(
    site, config_file, service_factory, tmp_path
):
    site.set("/hostile", HOSTILE)
    site.set("/news", listing_page(ITEMS))
    config = config_file(
        sources=[
            {
                "id": "hostile",
                "url": site.url("/hostile"),
                "kind": "page",
                "select": "main",
                "every": "2s",
                "ignore": ["(x+x+)+y"],
                "check_timeout": DEADLINE,
            },
            {"id": "news", "url": site.url("/news"), "every": "1s", **LISTING_SOURCE},
        ],
        service={"shutdown_grace": GRACE},
    )
    db = tmp_path / "regwatch.db"
    service = service_factory(config).wait_started()
    port = service.health_port
    wait_for(lambda: site.hits("/hostile"), 15, "the hostile page to be fetched")
    news_before = check_count(db, "news")

    # While the hostile page is being read: /healthz answers within a second, every time.
    latencies = []
    for _ in range(8):
        time.sleep(0.4)
        latencies.append(healthz_latency(port))
    assert max(latencies) < 1.0, latencies
    assert check_count(db, "hostile") == 0  # still being read, not finished
    # Other sources go on being checked meanwhile.
    wait_for(lambda: check_count(db, "news") > news_before, 10, "another check of news")

    # Past its deadline the worker is killed and the check fails with reason `timeout`.
    wait_for(
        lambda: check_count(db, "hostile", "failed") >= 1, DEADLINE + 15, "the hostile check to time out"
    )
    reason, error = db_rows(db, "SELECT reason, error FROM checks WHERE source_id = 'hostile'")[0]
    assert reason == "timeout"
    assert f"check_timeout of {DEADLINE}s" in error

    # SIGTERM while the next hostile check is being read: out within the grace.
    hits = len(site.hits("/hostile"))
    wait_for(lambda: len(site.hits("/hostile")) > hits, 15, "the next hostile check")
    time.sleep(0.5)
    assert check_count(db, "hostile") == 1  # the second check is still in its worker
    sent = time.monotonic()
    service.send(signal.SIGTERM)
    assert service.proc.wait(GRACE + 10) == 0
    took = time.monotonic() - sent
    print(f"healthz latencies during extraction: {[round(x, 3) for x in latencies]}; SIGTERM {took:.2f}s")
    assert took < GRACE + 0.25, took  # the grace bounds the whole stop (0.25 s: signal and wait overhead)
    assert "cancelling 1 check(s) still running after 1s (shutdown_grace 2s)" in service.stderr
