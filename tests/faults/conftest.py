"""Fixtures of the fault suite: hostile servers, a healthy neighbour source, and `Watch`,
which runs real passes (config file -> run_pass -> SQLite -> console channel) and checks,
on every pass, that the healthy source was not disturbed."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clirun import write_config
from faultsite import FaultSite
from localsite import LISTING_SOURCE, Site, listing_page

from alerts.console import Console
from watcher.config import load_config
from watcher.db.store import Store
from watcher.model import Outcome
from watcher.service.runner import run_pass

HEALTHY = "healthy"


@pytest.fixture
def faults() -> Iterator[FaultSite]:
    server = FaultSite()
    yield server
    server.close()


@pytest.fixture
def tls_faults() -> Iterator[FaultSite]:
    server = FaultSite(tls=True)
    yield server
    server.close()


class Healthy:
    """A listing on another server that gains one item per pass: it must baseline, then change."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.items: list[tuple[str, str, str]] = [("2024-10-01", "Existing guidance", "/n/0.html")]
        self.passes = 0

    @property
    def source(self) -> dict[str, Any]:
        return {
            "id": HEALTHY,
            "name": "Healthy neighbour",
            "url": self.site.url("/healthy"),
            **LISTING_SOURCE,
        }

    def advance(self) -> str | None:
        self.passes += 1
        title = None
        if self.passes > 1:
            title = f"Healthy notice number {self.passes}"
            self.items.insert(0, ("2024-11-01", title, f"/n/{self.passes}.html"))
        self.site.set("/healthy", listing_page(self.items))
        return title


class Watch:
    """Real passes over real servers: config file, run_pass, SQLite file, console channel."""

    def __init__(self, tmp_path: Path, healthy: Healthy, sources: list[dict[str, Any]], **top: Any) -> None:
        top.setdefault("health", {"after_failures": 2})
        top.setdefault("limits", {"timeout": 5, "connect_timeout": 2})
        path = write_config(tmp_path / "regwatch.toml", sources=[healthy.source, *sources], **top)
        self.config = load_config(path)
        self.db_path = tmp_path / "regwatch.db"
        self.store = Store(self.db_path)
        self.healthy = healthy
        self.out = io.StringIO()
        self.channels = {"console": Console("console", stream=self.out)}

    def run(self) -> dict[str, Outcome]:
        """One pass; asserts the healthy neighbour got its baseline or its one change."""
        added = self.healthy.advance()
        result = asyncio.run(run_pass(self.config, self.store, channels=self.channels))
        outcomes = {o.source_id: o for o in result.outcomes}
        neighbour = outcomes[HEALTHY]
        if added is None:
            assert neighbour.status == "baseline", neighbour
        else:
            assert neighbour.status == "changed", neighbour
            assert self.out.getvalue().count(f"New: {added} ") == 1
        return outcomes

    def close(self) -> None:
        self.store.close()

    # -- what the database says ------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        db = sqlite3.connect(self.db_path)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def source_row(self, source_id: str) -> dict[str, Any]:
        db = sqlite3.connect(self.db_path)
        db.row_factory = sqlite3.Row
        try:
            return dict(db.execute("SELECT * FROM sources WHERE id = ?", [source_id]).fetchone())
        finally:
            db.close()

    def events(self, source_id: str) -> list[str]:
        return [
            r[0] for r in self.query("SELECT state FROM events WHERE source_id = ? ORDER BY id", source_id)
        ]

    def health_rows(self, source_id: str) -> list[tuple[str, str]]:
        """(event state, outbox status) of every health alert queued for the source."""
        return self.query(
            "SELECT e.state, o.status FROM outbox o JOIN events e ON e.id = o.event_id"
            " WHERE o.kind = 'health' AND o.source_id = ? ORDER BY o.id",
            source_id,
        )

    def versions(self, source_id: str) -> list[str]:
        return [
            r[0]
            for r in self.query("SELECT snapshot FROM versions WHERE source_id = ? ORDER BY id", source_id)
        ]

    def printed(self, text: str) -> int:
        return self.out.getvalue().count(text)


@pytest.fixture
def healthy(site: Site) -> Healthy:
    return Healthy(site)


@pytest.fixture
def watch(tmp_path: Path, healthy: Healthy) -> Iterator[Any]:
    made: list[Watch] = []

    def make(sources: list[dict[str, Any]], **top: Any) -> Watch:
        made.append(Watch(tmp_path, healthy, sources, **top))
        return made[-1]

    yield make
    for w in made:
        w.close()
