"""`regwatch run` (the scheduled service) and `regwatch status` (what every source is doing)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from alerts.render import safe
from watcher.cli.app import EXIT_FAILED, Settings, main
from watcher.cli.output import format_options, write_rows
from watcher.cli.waiting import waiting_lines
from watcher.config import load_config
from watcher.db.lock import holder
from watcher.service.runner import utcnow
from watcher.service.status import SourceStatus, source_statuses
from watcher.service.summaries import summary_counts, summary_line


@main.command()
@click.option(
    "--health-port",
    type=click.IntRange(0, 65535),
    default=None,
    envvar="REGWATCH_HEALTH_PORT",
    help="Serve /healthz and /metrics on this port (0: any free port; default: [service] health_port;"
    " env REGWATCH_HEALTH_PORT).",
)
@click.option(
    "--health-host",
    default=None,
    help="Address for the health endpoint (default: [service] health_host, 127.0.0.1).",
)
@click.pass_obj
def run(settings: Settings, health_port: int | None, health_host: str | None) -> None:
    """Keep watching: check each source on its schedule and alert on changes, until stopped.

    SIGHUP reloads the config; SIGTERM or SIGINT stop gracefully (exit 0). Only one
    `regwatch run` (or `check`) may use a database at a time; a second exits with 1.
    Logs one line per check on stderr (INFO; -v for more, --log-format json for JSON lines).
    """
    if settings.verbose == 0:
        logging.getLogger().setLevel(logging.INFO)
    config = settings.config
    warn_browser_sources(config)
    from watcher.service.lifecycle import WatchService  # the scheduler and metrics load only for `run`

    service = WatchService(
        config,
        settings.database,
        load=lambda: load_config(settings.config_path),
        health_port=health_port,
        health_host=health_host,
    )
    sys.exit(asyncio.run(service.run()))


def warn_browser_sources(config) -> None:
    """Say loudly at start when `render = "browser"` sources cannot work on this machine."""
    browser = [s.id for s in config.sources if s.render == "browser"]
    if not browser:
        return
    from watcher.net.browser import unavailable_reason

    reason = unavailable_reason()
    if reason:
        logging.getLogger("watcher.service").warning(
            "%d source(s) need browser rendering but it is unavailable, they will fail until fixed: %s (%s)",
            len(browser),
            ", ".join(browser[:10]) + (" ..." if len(browser) > 10 else ""),
            reason,
        )


@main.command()
@format_options
@click.pass_obj
def status(settings: Settings, fmt: str) -> None:
    """Each source's state, last check, last change and next run; alerts waiting per channel.

    `--json` is one document (the service, every source, waiting alerts); `--jsonl` and
    `--format csv` one row per source.
    States: new, ok, failing, broken, selector-broken, robots-blocked. Exit 0 when every
    source is watched, 1 when any is broken, selector-broken or robots-blocked, 2 on a
    config error. Works with or without a running service.
    """
    config = settings.config
    rows = settings.source_rows()
    running = holder(settings.database)
    service_running = bool(running) and running.get("command") == "run"  # type: ignore[union-attr]
    now = utcnow()
    statuses = source_statuses(config.sources, rows, now, service_running=service_running)
    quiet = quiet_sources(settings)  # sources silent far longer than usual (watcher/service/quiet.py)
    waiting = settings.waiting_alerts(now)
    summaries = summary_counts(settings.database) if config.summary is not None else None
    if fmt in ("jsonl", "csv"):  # one row per source, for scripts and spreadsheets
        per_source = ({**s.to_dict(), "quiet": quiet[s.id][1] if s.id in quiet else None} for s in statuses)
        write_rows(per_source, fmt, sys.stdout)
    elif fmt == "json":
        click.echo(
            json.dumps(
                {
                    "service": {"running": service_running, **(running or {})},
                    "database": settings.database,
                    "sources": [
                        {**s.to_dict(), "quiet": quiet[s.id][1] if s.id in quiet else None} for s in statuses
                    ],
                    "alerts_waiting": [w.to_dict() for w in waiting],
                    "summaries": summaries,
                },
                indent=2,
            )
        )
    else:
        if service_running and running:
            click.echo(f"service: running (pid {running.get('pid')}, since {running.get('since', '?')[:19]})")
        else:
            click.echo("service: not running (next runs are from the last checks and schedules)")
        click.echo(f"{'SOURCE':<34} {'STATE':<15} {'LAST CHECK':<22} {'LAST CHANGE':<22} NEXT RUN")
        for entry in statuses:
            click.echo(
                f"{safe(entry.id, 34):<34} {entry.state:<15} {_when(entry.last_check, now):<22} "
                f"{_when(entry.last_change, now):<22} {_next(entry, now, service_running)}"
            )
            detail = _detail(entry, now)
            if detail:
                click.echo(f"{'':<34} {detail}")
            if entry.warning:
                click.echo(f"{'':<34} warning: {safe(entry.warning, 300)}")
            if entry.id in quiet:
                click.echo(
                    f"{'':<34} quiet since {quiet[entry.id][0]:%Y-%m-%d}: {safe(quiet[entry.id][1], 300)}"
                )
        for line in waiting_lines(waiting, now):
            click.echo(line)
        if summaries is not None and config.summary is not None:
            click.echo(summary_line(summaries, config.summary.model))
    if any(s.is_bad for s in statuses):
        sys.exit(EXIT_FAILED)


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M} ({_ago(now - moment)} ago)"


def _next(entry: SourceStatus, now: datetime, running: bool) -> str:
    if entry.next_run is None:
        return "-"
    if entry.next_run <= now:
        return "now" if running else "at the next start (due)"
    text = f"{entry.next_run:%Y-%m-%d %H:%M} (in {_ago(entry.next_run - now)})"
    return text + (" after Retry-After" if entry.held_until else "")


def quiet_sources(settings: Settings) -> dict[str, tuple[datetime, str]]:
    if not Path(settings.database).exists():
        return {}
    store = settings.store(readonly=True)
    try:
        return store.quiet_sources()
    finally:
        store.close()


def _detail(entry: SourceStatus, now: datetime) -> str:
    if entry.state in ("new", "ok"):
        return ""
    since = f" since {entry.failing_since:%Y-%m-%d %H:%M}" if entry.failing_since else ""
    return safe(f"{entry.failures} failure(s){since}: {entry.reason}: {entry.error or ''}", 300)


def _ago(delta) -> str:  # type: ignore[no-untyped-def]
    seconds = abs(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"
