"""All doctor checks in order: config, database, channels, robots.txt, Chromium."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from watcher.config import Config
from watcher.db.integrity import check_database
from watcher.doctor.channels import check_channel
from watcher.doctor.report import Row, fail, ok
from watcher.doctor.sources import chromium_rows, robots_rows
from watcher.errors import ConfigError
from watcher.service.runner import build_channels


def run_checks(load: Callable[[], Config], database: Callable[[], str]) -> list[Row]:
    """Every row; a config that does not load is the only row (nothing else can be checked)."""
    try:
        config = load()
        path = database()
    except ConfigError as exc:
        return [fail("config", str(exc), "fix the config as the message says (`regwatch init` writes one)")]
    where = str(config.path) if config.path else "built-in default catalog (no regwatch.toml found)"
    rows = [ok("config", f"{where}: {len(config.sources)} source(s), {len(config.channels)} channel(s)")]
    rows.append(database_row(path))
    rows.extend(channel_rows(config))
    rows.extend(asyncio.run(robots_rows(config)))
    rows.extend(chromium_rows(config.sources))
    return rows


def database_row(path: str) -> Row:
    """Writable and whole (`regwatch db check`), or, before the first check, creatable."""
    name = f"database {os.path.abspath(path)}"
    if not Path(path).exists():
        folder = Path(os.path.abspath(path)).parent
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
        if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
            return ok(name, "not created yet; the first `regwatch check` creates it here")
        return fail(
            name, f"cannot be created: {existing} is not writable", "choose a writable `database` path"
        )
    report = check_database(path)
    if report.ok:
        return ok(
            name,
            "; ".join(f.detail for f in report.findings if f.name in ("integrity", "migrations", "writable")),
        )
    bad = [f for f in report.findings if not f.ok]
    if all(f.name == "writable" for f in bad):
        return fail(
            name, bad[0].detail, "give the user running regwatch write access to the file and its folder"
        )
    return fail(
        name,
        "; ".join(f"{f.name}: {f.detail}" for f in bad),
        "restore it from a backup, or move it aside to start a new history"
        " (`regwatch db check` for the report)",
    )


def channel_rows(config: Config) -> list[Row]:
    channels = build_channels(config)
    rows: list[Row] = []
    try:
        for channel in channels.values():
            rows.extend(check_channel(channel))
    finally:
        for channel in channels.values():
            channel.close()
    return rows
