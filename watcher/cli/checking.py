"""`regwatch check`, `regwatch deliver` and `regwatch demo`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator

import click

from alerts.outbox import deliver_due
from alerts.render import safe
from watcher.cli.app import EXIT_FAILED, EXIT_UNDELIVERED, Settings, main, select_sources
from watcher.cli.waiting import waiting_lines
from watcher.db.lock import DatabaseLock
from watcher.model import Outcome
from watcher.service.notices import enqueue_due_notices
from watcher.service.runner import build_channels, run_pass, utcnow
from watcher.workflow.reminders import schedule_notices

STATUS_WORDS = {
    "baseline": "baseline stored",
    "unchanged": "unchanged",
    "not_modified": "unchanged (304)",
    "changed": "CHANGED",
    "pending": "change awaiting confirmation",
    "failed": "FAILED",
}


def outcome_line(outcome: Outcome) -> str:
    """One line per checked source: how its check ended, with the change or the failure."""
    line = f"{outcome.source_id}: {STATUS_WORDS[outcome.status]}"
    if outcome.summary and outcome.status in ("changed", "baseline", "pending"):
        line += f" - {outcome.summary}"
    if outcome.change_id is not None:
        line += f" [change {outcome.change_id}]"
    if outcome.failed:
        line += f" - {outcome.reason}: {outcome.error}"
    for warning in outcome.warnings:
        line += f" (warning: {safe(warning, 300)})"
    return safe(line, 2000)


#: Seconds a piped run holds its finished sources' lines before writing them together.
PIPED_EVERY = 0.2


class PipedLines:
    """Outcome lines for a piped stderr, written together at most every `PIPED_EVERY` seconds.

    One write per line was ~2% of a first pass's CPU at 1,000 sources (a system call and
    click's checks each time); what is held is written when the pass ends, however it ends.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: list[str] = []
        self._written = clock()

    def __call__(self, outcome: Outcome) -> None:
        self._held.append(outcome_line(outcome))
        if self._clock() - self._written >= PIPED_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._held:
            click.echo("\n".join(self._held), err=True)
            self._held.clear()
        self._written = self._clock()


@contextlib.contextmanager
def progress_for(total: int) -> Iterator[Callable[[Outcome], None]]:
    """Per-source progress as checks end: a live bar on a terminal, lines when piped."""
    if not sys.stderr.isatty():
        lines = PipedLines()
        try:
            yield lines
        finally:
            lines.flush()
        return
    # rich only for a live bar on a terminal: a piped or scheduled run never loads it.
    from rich.console import Console as RichConsole
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = RichConsole(stderr=True, highlight=False, markup=False, emoji=False)
    with Progress(
        SpinnerColumn(),
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("check", total=total)

        def report(outcome: Outcome) -> None:
            progress.console.print(outcome_line(outcome))
            progress.advance(task)

        yield report


@main.command()
@click.option(
    "--source", "-s", "source_ids", multiple=True, metavar="ID", help="Check only this source (repeatable)."
)
@click.option("--no-deliver", is_flag=True, help="Store changes and queue alerts, but do not send them.")
@click.pass_obj
def check(settings: Settings, source_ids: tuple[str, ...], no_deliver: bool) -> None:
    """One pass over all (or the given) sources: fetch, diff, store, alert.

    Exit 0 when every source was checked, 1 when any source failed (or a running
    `regwatch run` holds the database), 2 on a config error, 3 when changes were stored but
    some of their alerts failed permanently (`regwatch alerts --failed` says why).
    """
    config = settings.config
    sources = select_sources(config, source_ids)
    if settings.verbose == 0:
        # Each source's line below says how its check ended: the pipeline's own log line would
        # say a failure a second time.
        logging.getLogger("watcher.check.pipeline").setLevel(logging.ERROR)
    with DatabaseLock(settings.database, "check"), progress_for(len(sources)) as report:
        store = settings.store()
        try:
            result = asyncio.run(
                run_pass(config, store, sources=sources, deliver=not no_deliver, on_outcome=report)
            )
        finally:
            store.close()
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    totals = ", ".join(f"{n} {STATUS_WORDS[s].lower()}" for s, n in sorted(counts.items()))
    delivery = result.delivery
    click.echo(
        f"checked {len(result.outcomes)} source(s): {totals or 'nothing'}; "
        f"alerts sent {delivery.sent}, retrying {delivery.retried}, failed {delivery.failed}",
        err=True,
    )
    if delivery.failed:
        sys.exit(EXIT_UNDELIVERED)  # changes are stored, but some alerts failed for good
    if result.failed:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option(
    "--due-only",
    is_flag=True,
    help="Send only what is due; leave alerts waiting for a retry to their scheduled time.",
)
@click.pass_obj
def deliver(settings: Settings, due_only: bool) -> None:
    """Send the waiting alerts now (those waiting for a retry too, never before a Retry-After).

    Says what is still waiting afterwards, per channel, and until when. With --due-only,
    only what is due (pending, or whose retry time has come). Exit 3 when an alert failed
    permanently (`regwatch alerts --failed`).
    """
    config = settings.config
    with DatabaseLock(settings.database, "deliver"):
        store = settings.store()
        channels = build_channels(config)
        try:
            enqueue_due_notices(store, config, utcnow())  # reminders, quiet sources
            schedule_notices(store, channels, utcnow(), remind_after=config.workflow.reminder_delay)
            if not due_only:
                store.release(utcnow(), channels=list(channels))
            report = asyncio.run(deliver_due(store, channels, utcnow, retry=config.delivery))
            waiting = store.waiting_channels(utcnow())
        finally:
            for channel in channels.values():
                channel.close()
            store.close()
    click.echo(
        f"sent {report.sent}, reconciled {report.reconciled}, retrying {report.retried}, "
        f"failed {report.failed}",
        err=True,
    )
    for line in waiting_lines(waiting, utcnow()):
        click.echo(line, err=True)
    if report.failed:
        sys.exit(EXIT_UNDELIVERED)


@main.command()
@click.option("--passes", default=3, show_default=True, help="How many passes to run.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes.")
@click.option(
    "--keep-db",
    type=click.Path(dir_okay=False),
    default="regwatch-demo.db",
    show_default=True,
    help="Where the demo keeps its history (replaced on each run).",
)
def demo(passes: int, interval: float, keep_db: str) -> None:
    """Run the whole pipeline against a simulated regulator site on 127.0.0.1.

    No internet or Slack needed: a listing gains an item and a page's paragraph is
    edited between passes (with noise that must not alert), and alerts print here.
    """
    from watcher.cli.demo import run_demo

    run_demo(passes=passes, interval=interval, db_path=keep_db)
