"""The main process's storing CPU in a first and an all-changed pass, in-process, for two checkouts.

    python bench/store_cpu.py                                   # this checkout, N = 300, 3 runs
    python bench/store_cpu.py --base /work/base --rounds 3      # alternated with another checkout
    python bench/store_cpu.py --dump /tmp/a.sql                 # also write every stored row

Stores what the main process stores in a pass, the way the pipeline stores it, for N bench
pages (bench/pages.py, read by the real `listing` kind before the clock starts, stored forms
made as the extraction worker makes them): a batch of first versions (`Store.unit()` and
the pipeline's block around `save_baseline` and the evidence), then one new item on every
page (the state and previous version read back, `decide`, `save_change` held for linking
and its evidence), then the release of each change with 10 related links, as the linking
stage writes them (`replace_related`, `finish_enrichment`). Fixed clock, one order: two
checkouts store the very same rows, so `--dump` files can be compared byte for byte.
Prints CPU ms per page (user + system; `--system` for system only) of each phase: medians
and minima of the runs, each checkout in a process of its own, taking turns.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import sys
import tempfile
from pathlib import Path

from inprocess import alternate, related_rows

PHASES = ("first", "changed", "release")


def cpu(system_only: bool) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_stime if system_only else usage.ru_utime + usage.ru_stime


def measure(n: int, runs: int, system_only: bool, dump: str | None) -> dict[str, list[float]]:
    """In the checkout on sys.path: CPU seconds of each phase of each run."""
    from datetime import UTC, datetime, timedelta

    from batch_store import prepared

    from watcher.blobs import expect_delta, hand_over_body, prepare
    from watcher.check.decide import Changed, decide
    from watcher.check.evidence import capture
    from watcher.check.sourcehealth import HealthPolicy
    from watcher.db.store import Store

    now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    later = now + timedelta(hours=1)
    cache = Path(tempfile.gettempdir()) / f"regwatch-store-cpu-{n}.pickle"
    if cache.exists():
        checks, after = pickle.loads(cache.read_bytes())
    else:
        checks, after = prepared(n), prepared(n, changed=True)
        cache.write_bytes(pickle.dumps((checks, after)))
    health = HealthPolicy()
    try:  # the pipeline's block around a check's writes, as the checkout has it
        from watcher.db.savepoint import atomic
    except ImportError:  # before watcher/db/savepoint.py: sqlite-utils' own
        atomic = None
    try:  # the release's own savepoint, as watcher/check/linkstage.py opened it until round 16
        from watcher.db.savepoint import own_block
    except ImportError:  # before round 15: a plain block
        own_block = None
    try:  # the release as watcher/check/linkstage.py writes it (round 16: one unit, no block of its own)
        from watcher.check.linkstage import release
    except ImportError:
        release = None
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for _ in range(runs):
        for _source, fetched, snapshot in checks:  # as the worker hands them over
            prepare(snapshot, fetched)
            hand_over_body(snapshot, fetched)
        for _source, fetched, snapshot in after:
            expect_delta(fetched)
            prepare(snapshot, fetched)
            hand_over_body(snapshot, fetched)
            _ = snapshot.fingerprint
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "regwatch.db"
            store = Store(path)
            db = store.db
            block = (lambda: atomic(db)) if atomic else db.atomic  # noqa: B023 (called in this run only)
            own = (lambda: own_block(db)) if own_block else block  # noqa: B023
            store.sync_sources([s for s, _, _ in checks], now)
            started = cpu(system_only)
            with store.batching(50, 3600):
                for source, fetched, snapshot in checks:
                    store.state(source.id)
                    with store.unit(), block():
                        store.save_baseline(
                            source, fetched, snapshot, now, duration=0.1, body_hash=fetched.body_hash,
                            config_hash="c", health=health,
                        )  # fmt: skip
                        capture(store, source, fetched, now, user_agent="ua", snapshot=snapshot.fingerprint)
            times["first"].append(cpu(system_only) - started)
            started = cpu(system_only)
            saved = []
            with store.batching(50, 3600):
                for source, fetched, snapshot in after:
                    state = store.state(source.id)
                    previous = store.snapshot(state.latest)
                    decision = decide(state, fetched, snapshot, source, config_hash="c", previous=previous)
                    assert isinstance(decision, Changed)
                    with store.unit(), block():
                        outcome = store.save_change(
                            source, fetched, snapshot, decision.change, ["console"], later, duration=0.1,
                            body_hash=fetched.body_hash, config_hash="c", health=health, hold=True,
                            fingerprint=snapshot.fingerprint,
                        )  # fmt: skip
                        capture(
                            store, source, fetched, later, user_agent="ua", snapshot=snapshot.fingerprint,
                            change_id=outcome.change_id,
                        )  # fmt: skip
                    saved.append((outcome.change_id, source.id))
            times["changed"].append(cpu(system_only) - started)
            started = cpu(system_only)
            with store.batching(50, 3600):
                for k, (change_id, source_id) in enumerate(saved):
                    links = related_rows(f"k{change_id}", source_id, k, n)
                    if release is not None:
                        assert release(store, change_id, links, lambda: later) is None
                        continue
                    with store.unit():
                        with own():  # the release's block: caught errors roll it back alone
                            store.replace_related(change_id, links, later)
                        store.finish_enrichment(change_id, later)
            times["release"].append(cpu(system_only) - started)
            store.close()
            if dump:
                import sqlite3

                with sqlite3.connect(path) as conn:
                    rows = [
                        line
                        for line in conn.iterdump()
                        if line.startswith("INSERT") and "_sqlite_migrations" not in line
                    ]
                conn.close()
                Path(dump).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="runs per process")
    parser.add_argument("--rounds", type=int, default=1, help="processes per checkout, taking turns")
    parser.add_argument("--base", type=Path, help="another checkout to alternate with")
    parser.add_argument("--system", action="store_true", help="system CPU only")
    parser.add_argument("--dump", help="write the stored rows (INSERT lines) of the last run here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # one checkout, in this process
        sys.path[:0] = [str(args.child), str(args.child / "bench")]
        times = measure(args.n, args.runs, args.system, args.dump)
        print(repr({phase: [t * 1000 / args.n for t in values] for phase, values in times.items()}))
        return

    def args_for(name: str) -> list[str]:
        extra = ["--n", str(args.n), "--runs", str(args.runs)] + (["--system"] if args.system else [])
        if args.dump:
            extra += ["--dump", f"{args.dump}.{name}" if args.base else args.dump]
        return extra

    alternate(__file__, args.base, args.rounds, PHASES, args_for)


if __name__ == "__main__":
    main()
