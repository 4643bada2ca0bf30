"""Run real check passes in-process: a parsed config, a real SQLite file, real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watcher.check.pipeline import extract_inline
from watcher.config import Config, parse_config
from watcher.db.store import Store
from watcher.model import FetchResult, Source
from watcher.service.runner import PassResult, run_pass


def make_config(tmp_path: Path, sources: list[dict[str, Any]], **top: Any) -> Config:
    data = {"allow_private": True, "database": str(tmp_path / "regwatch.db"), "sources": sources, **top}
    data.setdefault("channels", [{"id": "console", "kind": "console"}])
    return parse_config(data, path=None)


class Passes:
    """Successive passes over one config and one database, each a minute after the last."""

    def __init__(self, config: Config, db: Path) -> None:
        self.config = config
        self.db = db
        self.now = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)

    def run(self, *, deliver: bool = False) -> PassResult:
        self.now += timedelta(minutes=1)
        moment = self.now
        store = Store(self.db)
        try:
            return asyncio.run(run_pass(self.config, store, clock=lambda: moment, deliver=deliver))
        finally:
            store.close()

    def one(self, **kwargs: Any):
        """Run a pass over a config with exactly one source and return its outcome."""
        result = self.run(**kwargs)
        assert len(result.outcomes) == 1
        return result.outcomes[0]

    def changes(self) -> list:
        store = Store(self.db)
        try:
            return list(store.changes())
        finally:
            store.close()


def pass_at(config: Config, db: Path, channels: Mapping[str, Any]) -> Callable[[datetime], None]:
    """A function running one whole pass (check, deliver to `channels`) over `config` and the
    SQLite file `db` with the clock stopped at the moment it is given; each call opens and
    closes its own Store, as a restarted service would."""

    def at(moment: datetime) -> None:
        store = Store(db)
        try:
            asyncio.run(
                run_pass(config, store, channels=channels, clock=lambda: moment, extract=extract_inline)
            )
        finally:
            store.close()

    return at


def fetched(body: bytes, url: str = "https://example.gov/x", content_type: str = "text/html") -> FetchResult:
    return FetchResult(url=url, final_url=url, status=200, headers={"content-type": content_type}, body=body)


def source_for(kind: str, url: str = "https://example.gov/x", **options: Any) -> Source:
    from watcher.config import parse_source

    return parse_source({"id": "t", "url": url, "kind": kind, **options}, "test")


def stored_pass(config: Config, db: Path, at: datetime, extract: Any) -> None:
    """One pass at `at` through `extract` (a worker or inline) into `db`, nothing delivered."""
    store = Store(db)
    try:
        asyncio.run(run_pass(config, store, clock=lambda: at, deliver=False, extract=extract))
    finally:
        store.close()


def db_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """What `sql` reads from the SQLite file `db`."""
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()
