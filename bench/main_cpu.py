"""The main process's per-page CPU in the steps of a check that do not wait on a worker, in-process,
for two checkouts taking turns.

    python bench/main_cpu.py --base /work/base --rounds 5      # N = 300 bench pages

Steps, each timed with `time.process_time()` over N bench pages (bench/pages.py, read from
memory; fixed clock): `botwall` (the bot-wall check of a fetched 200 page), `snapshot` (a
stored version read back from its row, as the diff reads the previous one), `text` (the
searchable text a change stores: the lines its snapshot introduced), `alert` (the alert a
change's outbox row carries, built from the stored change, links and summary), `deliver` (every
due alert of those changes delivered by `alerts.outbox.deliver_due` to a console channel writing
to /dev/null, as `regwatch check` delivers a pass's alerts to `bench/run.py`'s console channel:
the due rows read and their alerts assembled, each row claimed, rendered, written and
acknowledged; per delivered alert, each run on a fresh copy of the database) and `schema`
(creating a new database's schema; per store, not per page). The rows are those of a first
and an all-changed pass stored by the checkout under test as bench/store_cpu.py stores
them (one new item per page, 10 related links per change). Prints each round's medians
and, at the end, the medians of all rounds per checkout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from inprocess import alternate, related_rows

STEPS = ("botwall", "snapshot", "text", "alert", "deliver", "schema")


def clock(step, items, repeat: int = 5) -> float:
    """Median ms per item of `step(item)` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        for item in items:
            step(item)
        times.append((time.process_time() - started) * 1000 / len(items))
    return statistics.median(times)


def measure(n: int) -> dict[str, float]:
    """In the checkout first on sys.path: ms per page (per store for `schema`) of each step."""
    from datetime import UTC, datetime, timedelta

    from batch_store import prepared

    from watcher.blobs import expect_delta, hand_over_body, prepare
    from watcher.check.decide import Changed, decide
    from watcher.check.evidence import capture
    from watcher.check.sourcehealth import HealthPolicy
    from watcher.db.store import Store
    from watcher.db.versiontext import introduced_text
    from watcher.net import botwall

    now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    later = now + timedelta(hours=1)
    checks, after = prepared(n), prepared(n, changed=True)
    figures = {"botwall": clock(lambda check: botwall.detect(200, check[1].headers, check[1].body), after)}
    health = HealthPolicy()
    store = Store(Path(tempfile.mkdtemp()) / "regwatch.db")
    store.sync_sources([s for s, _, _ in checks], now)
    for source, fetched, snapshot in checks:  # as a first pass stores them
        prepare(snapshot, fetched)
        hand_over_body(snapshot, fetched)
        with store.unit():
            store.save_baseline(
                source, fetched, snapshot, now, duration=0.1, body_hash=fetched.body_hash,
                config_hash="c", health=health,
            )  # fmt: skip
            capture(store, source, fetched, now, user_agent="ua", snapshot=snapshot.fingerprint)
    for k, (source, fetched, snapshot) in enumerate(after):  # as an all-changed pass stores them
        expect_delta(fetched)
        prepare(snapshot, fetched)
        hand_over_body(snapshot, fetched)
        state = store.state(source.id)
        decision = decide(
            state, fetched, snapshot, source, config_hash="c", previous=store.snapshot(state.latest)
        )
        assert isinstance(decision, Changed)
        with store.unit():
            outcome = store.save_change(
                source, fetched, snapshot, decision.change, ["console"], later, duration=0.1,
                body_hash=fetched.body_hash, config_hash="c", health=health, hold=True,
                fingerprint=snapshot.fingerprint,
            )  # fmt: skip
            capture(
                store, source, fetched, later, user_agent="ua", snapshot=snapshot.fingerprint,
                change_id=outcome.change_id,
            )  # fmt: skip
        assert outcome.change_id is not None
        links = related_rows(decision.change.added[0].key, source.id, k, n)
        with store.unit():
            store.replace_related(outcome.change_id, links, later)
            store.finish_enrichment(outcome.change_id, later)
    previous = [snapshot.fingerprint for _, _, snapshot in checks]

    def read(fingerprint: str) -> None:
        store.__dict__.pop("_recent_snapshots", None)  # from its row, as a pass reads it
        store.snapshot(fingerprint)

    figures["snapshot"] = clock(read, previous)
    pairs = [(a[2], b[2]) for a, b in zip(after, checks, strict=True)]
    figures["text"] = clock(lambda pair: introduced_text(pair[0].text, pair[1].text), pairs)
    outbox = list(store.db.query("SELECT * FROM outbox WHERE kind = 'change' ORDER BY id"))
    assert len(outbox) == n
    figures["alert"] = clock(store.alert_for, outbox)
    store.close()
    figures["deliver"] = deliver(store.path, n, later + timedelta(hours=1))
    paths = [Path(tempfile.mkdtemp()) / "schema.db" for _ in range(10)]
    figures["schema"] = clock(lambda path: Store(path).close(), paths, 1)
    return figures


def deliver(database: Path, n: int, now, repeat: int = 5) -> float:
    """Median CPU ms per alert of delivering every due alert of `database` (each run on a copy)."""
    import asyncio
    import os
    import shutil

    from alerts.console import Console
    from alerts.outbox import deliver_due
    from watcher.db.store import Store

    times = []
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        for run in range(repeat):
            copy = database.with_name(f"deliver-{run}.db")
            shutil.copyfile(database, copy)
            store = Store(copy)
            channels = {"console": Console("console", stream=devnull)}
            started = time.process_time()
            report = asyncio.run(deliver_due(store, channels, lambda: now))
            times.append((time.process_time() - started) * 1000 / n)
            assert report.sent == n, report
            store.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout to alternate with")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        sys.path[:0] = [str(args.child), str(args.child / "bench")]  # its own batch_store, pages
        print(repr(measure(args.n)))
        return
    alternate(__file__, args.base, args.rounds, STEPS, lambda name: ["--n", str(args.n)], unit="ms", digits=4)


if __name__ == "__main__":
    main()
