"""The service's metrics observe the fetcher and the deliverer through hooks; nothing is wrapped."""

from __future__ import annotations

import asyncio
import logging

import pytest

from watcher.errors import FetchError, Reason
from watcher.net.fetch import Fetcher, FetchEvent, FetchPolicy, Request
from watcher.service.metrics import Metrics


def fetch_all(fetcher: Fetcher, *urls: str) -> list[object]:
    async def go() -> list[object]:
        async with fetcher:
            out: list[object] = []
            for url in urls:
                try:
                    out.append(await fetcher.fetch(Request(url=url, allow_private=True)))
                except FetchError as exc:
                    out.append(exc)
            return out

    return asyncio.run(go())


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_the_fetcher_tells_its_hooks_of_each_fetch_and_the_metrics_time_them(site):
    site.set("/ok", "<p>fine</p>")
    site.set("/gone", "not here", status=404)
    metrics = Metrics()
    events: list[FetchEvent] = []
    fetcher = Fetcher(FetchPolicy(timeout=5), on_fetch=[events.append, metrics.observe_fetch])
    ok, gone = fetch_all(fetcher, site.url("/ok"), site.url("/gone"))
    assert getattr(ok, "body", None) == b"<p>fine</p>"
    assert isinstance(gone, FetchError) and gone.status == 404  # the hooks change no result
    assert [(e.url, e.ok, e.reason) for e in events] == [
        (site.url("/ok"), True, None),
        (site.url("/gone"), False, Reason.HTTP),
    ]
    assert all(e.seconds >= 0 for e in events)
    assert sample(metrics, "regwatch_fetch_duration_seconds_count", result="ok") == 1
    assert sample(metrics, "regwatch_fetch_duration_seconds_count", result="error") == 1


def test_a_hook_that_fails_never_changes_the_fetch(site, caplog: pytest.LogCaptureFixture):
    site.set("/ok", "<p>fine</p>")

    def broken(event: FetchEvent) -> None:
        raise RuntimeError("observer bug")

    seen: list[FetchEvent] = []
    (result,) = fetch_all(Fetcher(FetchPolicy(timeout=5), on_fetch=[broken, seen.append]), site.url("/ok"))
    assert getattr(result, "body", None) == b"<p>fine</p>"
    assert [e.ok for e in seen] == [True]  # the next hook still hears of it
    assert any(r.levelno == logging.ERROR and "fetch hook" in r.getMessage() for r in caplog.records)


def test_metrics_text_has_no_created_series():
    metrics = Metrics()
    metrics.checks.labels(status="ok").inc()
    text = metrics.render().decode()
    assert "regwatch_checks_total" in text
    assert "_created" not in text
