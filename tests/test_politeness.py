"""Politeness toward sites: robots.txt (RFC 9309), per-host limits, User-Agent, the database lock.

Real HTTP servers on 127.0.0.1 and the real Fetcher; no mocks.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest
from localsite import LISTING_SOURCE, listing_page

from watcher.config import parse_config
from watcher.db.lock import DatabaseLock, holder
from watcher.db.store import Store
from watcher.errors import FetchError, WatchError
from watcher.net.fetch import Fetcher, FetchPolicy, Request
from watcher.net.robots import Robots, product_token
from watcher.service.runner import fetch_policy, run_pass

UA = "regwatch/0.1.0 (regulatory change monitor)"


def allowed(robots: Robots, url: str) -> bool:
    """Ask `robots` through a real Fetcher (a new one per call: robots caches by itself)."""

    async def go() -> bool:
        async with Fetcher(FetchPolicy(user_agent=UA)) as fetcher:
            try:
                await robots.ensure_allowed(url, fetcher, allow_private=True)
            except FetchError as exc:
                if exc.reason == "robots":
                    return False
                raise
            return True

    return asyncio.run(go())


def test_product_token():
    assert product_token(UA) == "regwatch"
    assert product_token("AcmeCompliance/2.1 (+https://acme.example)") == "acmecompliance"


def test_robots_groups_wildcards_and_cache(site):
    site.set(
        "/robots.txt",
        "User-agent: *\nDisallow: /\n\nUser-agent: regwatch\nDisallow: /private/\nAllow: /private/press*\n",
        content_type="text/plain",
    )
    robots = Robots(UA)
    assert allowed(robots, site.url("/news"))  # our own group, not '*'
    assert not allowed(robots, site.url("/private/memo"))
    assert allowed(robots, site.url("/private/press-release"))
    assert len(site.hits("/robots.txt")) == 1  # cached per origin
    assert site.hits("/robots.txt")[0]["user-agent"] == UA


def test_robots_is_read_again_after_the_ttl(site):
    site.set("/robots.txt", "User-agent: *\nDisallow: /a\n", content_type="text/plain")
    clock = [1000.0]
    robots = Robots(UA, ttl=3600, clock=lambda: clock[0])
    assert not allowed(robots, site.url("/a"))
    site.set("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    clock[0] += 3599
    assert not allowed(robots, site.url("/a"))
    clock[0] += 2
    assert allowed(robots, site.url("/a"))
    assert len(site.hits("/robots.txt")) == 2


@pytest.mark.parametrize("status", [404, 410, 401, 403])
def test_unavailable_robots_allows_everything(site, status):
    site.set("/robots.txt", "nope", status=status)
    assert allowed(Robots(UA), site.url("/anything"))


def test_unreachable_robots_keeps_the_rules_read_before(site):
    site.set("/robots.txt", "User-agent: *\nDisallow: /a\n", content_type="text/plain")
    clock = [0.0]
    robots = Robots(UA, ttl=10, clock=lambda: clock[0])
    assert allowed(robots, site.url("/b")) and not allowed(robots, site.url("/a"))
    site.set("/robots.txt", "down", status=503)
    clock[0] += 11
    assert not allowed(robots, site.url("/a"))  # stale rules, not "allow all"
    assert allowed(robots, site.url("/b"))
    assert len(site.hits("/robots.txt")) == 2


def test_unreachable_robots_with_nothing_cached_fetches_nothing(site, tmp_path):
    site.set("/robots.txt", "down", status=503, headers={"Retry-After": "120"})
    site.set("/news", listing_page([("2024-10-01", "A", "/a")]))
    config = parse_config(
        {
            "allow_private": True,
            "sources": [{"id": "news", "url": site.url("/news"), **LISTING_SOURCE}],
            "channels": [{"id": "console", "kind": "console"}],
        },
        path=None,
    )
    store = Store(tmp_path / "r.db")
    result = asyncio.run(run_pass(config, store, deliver=False))
    outcome = result.outcomes[0]
    assert outcome.failed and outcome.http_status == 503
    assert "robots.txt unreachable" in (outcome.error or "")
    assert site.hits("/news") == []
    assert store.state("news").retry_after_until is not None  # the service waits for Retry-After
    store.close()


def test_robots_false_opts_out_and_disallow_is_recorded(site, tmp_path):
    site.set("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    site.set("/news", listing_page([("2024-10-01", "A", "/a")]))
    site.set("/other", listing_page([("2024-10-01", "A", "/a")]))
    config = parse_config(
        {
            "allow_private": True,
            "sources": [
                {"id": "polite", "url": site.url("/news"), **LISTING_SOURCE},
                {"id": "permitted", "url": site.url("/other"), "robots": False, **LISTING_SOURCE},
            ],
            "channels": [{"id": "console", "kind": "console"}],
        },
        path=None,
    )
    store = Store(tmp_path / "r.db")
    outcomes = {o.source_id: o for o in asyncio.run(run_pass(config, store, deliver=False)).outcomes}
    assert outcomes["polite"].reason == "robots"
    assert outcomes["permitted"].status == "baseline"
    assert site.hits("/news") == [] and len(site.hits("/other")) == 1
    row = {r["id"]: r for r in store.source_rows()}["polite"]
    assert row["last_reason"] == "robots"
    store.close()


def test_crawl_delay_spaces_requests_to_that_host(site):
    site.set("/robots.txt", "User-agent: regwatch\nCrawl-delay: 0.4\n", content_type="text/plain")
    times: list[float] = []
    site.set("/p", lambda headers: times.append(time.monotonic()) or "ok")
    robots = Robots(UA)

    async def go() -> None:
        async with Fetcher(FetchPolicy(user_agent=UA)) as fetcher:
            await robots.ensure_allowed(site.url("/p"), fetcher, allow_private=True)
            await asyncio.gather(
                *(fetcher.fetch(Request(site.url("/p"), allow_private=True)) for _ in range(3))
            )

    asyncio.run(go())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 3 and min(gaps) >= 0.35


def test_per_host_concurrency_and_delay(site):
    active = [0]
    peak = [0]
    times: list[float] = []
    lock = threading.Lock()

    def slow(headers):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            times.append(time.monotonic())
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return "ok"

    site.set("/slow", slow)

    async def burst(policy: FetchPolicy) -> None:
        async with Fetcher(policy) as fetcher:
            await asyncio.gather(
                *(fetcher.fetch(Request(site.url("/slow"), allow_private=True)) for _ in range(4))
            )

    asyncio.run(burst(FetchPolicy(per_host=1)))
    assert peak[0] == 1
    peak[0] = 0
    asyncio.run(burst(FetchPolicy(per_host=2)))
    assert peak[0] == 2
    times.clear()
    asyncio.run(burst(FetchPolicy(per_host=4, host_delay=0.3)))
    starts = sorted(times)
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(starts))


def test_user_agent_carries_the_contact():
    config = parse_config({"contact": "mailto:compliance@example.com", "sources": []}, path=None)
    agent = fetch_policy(config).user_agent
    assert agent.startswith("regwatch/") and "mailto:compliance@example.com" in agent


def test_one_writer_per_database(tmp_path):
    db = tmp_path / "regwatch.db"
    assert holder(db) is None
    with DatabaseLock(db, "run"):
        info = holder(db)
        assert info is not None and info["command"] == "run"
        with pytest.raises(WatchError, match=r"in use by `regwatch run` \(pid \d+"):
            DatabaseLock(db, "check").acquire(wait=0.1)
    assert holder(db) is None  # released on exit
    with DatabaseLock(db, "check"):
        pass
    assert oct((tmp_path / "regwatch.db.lock").stat().st_mode & 0o777) == "0o600"
