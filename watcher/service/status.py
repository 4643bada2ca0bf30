"""The state of every configured source, read from the database: for `regwatch status` and /healthz
(`health_report` builds the /healthz body).

States: `new` (never checked), `ok`, `failing` (failed lately, not yet broken), `broken`
(failed `[health] after_failures` times in a row), `selector-broken` (the page no longer has
the watched region), `robots-blocked` (robots.txt disallows the URL). The next run is what
the running service scheduled, else the last check plus the schedule, so it is right
without a service too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watcher import __version__
from watcher.check.sourcehealth import display_state
from watcher.config import Config
from watcher.db.store import Store, parse_iso
from watcher.model import Source
from watcher.service.metrics import Metrics
from watcher.service.scheduling import next_due

STUCK_OUTBOX = 300.0  # alerts waiting longer than this (or 10 delivery rounds) degrade /healthz
STATES = ("new", "ok", "failing", "broken", "selector-broken", "robots-blocked")
BAD_STATES = ("broken", "selector-broken", "robots-blocked")


@dataclass(frozen=True)
class SourceStatus:
    id: str
    name: str
    kind: str
    url: str
    state: str
    failures: int = 0
    failing_since: datetime | None = None
    reason: str | None = None
    error: str | None = None
    last_check: datetime | None = None
    last_ok: datetime | None = None
    last_change: datetime | None = None
    next_run: datetime | None = None
    held_until: datetime | None = None
    #: A problem met reading the content that did not stop the check (repeated keys, ill-formed feed).
    warning: str | None = None

    @property
    def is_bad(self) -> bool:
        """Not being watched until someone acts: broken, selector broken or robots-blocked."""
        return self.state in BAD_STATES

    def to_dict(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "state": self.state,
            "failures": self.failures,
            "failing_since": when(self.failing_since),
            "reason": self.reason,
            "error": self.error,
            "last_check": when(self.last_check),
            "last_ok": when(self.last_ok),
            "last_change": when(self.last_change),
            "next_run": when(self.next_run),
            "held_until": when(self.held_until),
            "warning": self.warning,
        }


def state_of(row: Mapping[str, Any]) -> str:
    return display_state(row.get("state"), row.get("last_reason"))


def source_statuses(
    sources: Sequence[Source],
    rows: Mapping[str, Mapping[str, Any]],
    now: datetime,
    *,
    service_running: bool = False,
) -> list[SourceStatus]:
    """One status per configured source, in config order."""
    result = []
    for source in sources:
        row = rows.get(source.id) or {}
        last_check = parse_iso(row.get("last_check_at"))
        held = parse_iso(row.get("retry_after_until"))
        held = held if held and held > now else None
        scheduled = parse_iso(row.get("next_run_at")) if service_running else None
        next_run = scheduled or next_due(source, last_check, now)
        if held and held > next_run:
            next_run = held
        result.append(
            SourceStatus(
                id=source.id,
                name=source.title,
                kind=source.kind,
                url=source.url,
                state=state_of(row) if last_check else "new",
                failures=row.get("failures") or 0,
                failing_since=parse_iso(row.get("failing_since")),
                reason=row.get("last_reason"),
                error=row.get("last_error"),
                last_check=last_check,
                last_ok=parse_iso(row.get("last_ok_at")),
                last_change=parse_iso(row.get("last_change_at")),
                next_run=next_run,
                held_until=held,
                warning=row.get("last_warning"),
            )
        )
    return result


def count_states(statuses: Sequence[SourceStatus]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.state] = counts.get(status.state, 0) + 1
    return counts


def health_report(
    config: Config,
    store: Store,
    now: datetime,
    *,
    started_at: datetime,
    in_flight: int,
    stopping: bool,
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for /healthz: 200 while running (ok or degraded), 503 when stopping."""
    rows = {row["id"]: row for row in store.source_rows()}
    statuses = source_statuses(config.sources, rows, now, service_running=True)
    counts = count_states(statuses)
    outbox = store.outbox_summary(now)
    oldest = outbox["oldest_pending_at"]
    age = (now - oldest).total_seconds() if oldest else 0.0
    problems = []
    bad = [s for s in statuses if s.is_bad]
    if bad:
        problems.append(
            f"{len(bad)} source(s) not watched until fixed: "
            + ", ".join(f"{s.id} ({s.state})" for s in bad[:10])
        )
    if age > max(STUCK_OUTBOX, 10 * config.service.deliver_every):
        problems.append(f"{outbox['pending']} alert(s) waiting, the oldest for {age:.0f}s")
    if outbox["failed_recently"]:
        problems.append(f"{outbox['failed_recently']} alert(s) failed for good in the last 24 hours")
    checks = [s.last_check for s in statuses if s.last_check]
    status = "stopping" if stopping else ("degraded" if problems else "ok")
    body = {
        "status": status,
        "problems": problems,
        "version": __version__,
        "pid": os.getpid(),
        "started_at": started_at.isoformat(),
        "uptime_seconds": round((now - started_at).total_seconds(), 1),
        "sources": {"total": len(statuses), **{k: counts.get(k, 0) for k in STATES}},
        "last_check_at": max(checks).isoformat() if checks else None,
        "checks_in_flight": in_flight,
        "outbox": {
            "pending": outbox["pending"],
            "oldest_pending_age_seconds": round(age, 1),
            "failed_last_24h": outbox["failed_recently"],
        },
    }
    return (503 if stopping else 200), body


def render_metrics(metrics: Metrics, config: Config, store: Store, now: datetime) -> bytes:
    """/metrics: the counters, with the source states and outbox gauges read now."""
    rows = {row["id"]: row for row in store.source_rows()}
    counts = count_states(source_statuses(config.sources, rows, now, service_running=True))
    outbox = store.outbox_summary(now)
    metrics.set_state(counts, outbox["pending"], outbox["failed_recently"])
    for result, count in store.summary_counts().items():  # [summary]: the model's answers
        metrics.summaries.labels(result).set(count)
    return metrics.render()
