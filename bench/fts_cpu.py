"""The CPU of the bulk full-text index in a first pass, in-process, for two checkouts.

    python bench/fts_cpu.py                                  # this checkout, N = 1,000, 2 runs
    python bench/fts_cpu.py --base /work/base --rounds 4     # alternated with another checkout

Stores N bench pages' first versions (bench/pages.py, read by the real `listing` kind
before the clock starts, stored forms made as the extraction worker makes them) through
the real `Store` in batches of 50 checks, as a first pass does, into a fresh database, and
times every `ftspending.index_pending` (the items' and version text's `INSERT INTO ..._fts
... SELECT` before each commit) with `time.process_time()`. Prints CPU ms per page of the
index and of the whole storing (the index included): medians and minima of the runs, each
checkout in a process of its own, taking turns. `--segments` also prints how many segments
each bulk index holds at the end (FTS5's own layout: fewer segments, cheaper queries).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

from inprocess import alternate

PHASES = ("index", "storing")


def measure(n: int, runs: int) -> dict[str, list[float]]:
    """In the checkout on sys.path: CPU seconds of the index and of the storing, per run."""
    from datetime import UTC, datetime

    from batch_store import prepared

    from watcher.blobs import hand_over_body, prepare
    from watcher.check.evidence import capture
    from watcher.check.sourcehealth import HealthPolicy
    from watcher.db import ftspending
    from watcher.db.savepoint import atomic
    from watcher.db.store import Store

    now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    cache = Path(tempfile.gettempdir()) / f"regwatch-store-cpu-{n}.pickle"  # shared with store_cpu.py
    if cache.exists():
        checks, _after = pickle.loads(cache.read_bytes())
    else:
        checks, _after = prepared(n), prepared(n, changed=True)
        cache.write_bytes(pickle.dumps((checks, _after)))
    health = HealthPolicy()
    index_pending = ftspending.index_pending
    spent = [0.0]

    def timed(conn):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            return index_pending(conn)
        finally:
            spent[0] += time.process_time() - started

    ftspending.index_pending = timed  # watcher/db/batch.py calls it through the module
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    times["segments"] = []
    for _ in range(runs):
        for _source, fetched, snapshot in checks:  # as the worker hands them over
            prepare(snapshot, fetched)
            hand_over_body(snapshot, fetched)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "regwatch.db"
            store = Store(path)
            db = store.db
            store.sync_sources([s for s, _, _ in checks], now)
            spent[0] = 0.0
            started = time.process_time()
            with store.batching(50, 3600):
                for source, fetched, snapshot in checks:
                    store.state(source.id)
                    with store.unit(), atomic(db):
                        store.save_baseline(
                            source, fetched, snapshot, now, duration=0.1, body_hash=fetched.body_hash,
                            config_hash="c", health=health,
                        )  # fmt: skip
                        capture(store, source, fetched, now, user_agent="ua", snapshot=snapshot.fingerprint)
            times["storing"].append(time.process_time() - started)
            times["index"].append(spent[0])
            times["segments"].append(
                [  # a segment's pages are rows of %_data whose rowid holds its id from bit 37 on
                    db.execute(f"SELECT count(DISTINCT id >> 37) FROM {table}_data WHERE id > 10").fetchone()[
                        0
                    ]
                    for table in ("items_fts", "version_text_fts")
                ]
            )
            store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2, help="runs per process")
    parser.add_argument("--rounds", type=int, default=1, help="processes per checkout, taking turns")
    parser.add_argument("--base", type=Path, help="another checkout to alternate with")
    parser.add_argument("--segments", action="store_true", help="also print the indexes' segment counts")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # one checkout, in this process
        sys.path[:0] = [str(args.child), str(args.child / "bench")]
        times = measure(args.n, args.runs)
        shown = {p: [t * 1000 / args.n for t in times[p]] for p in PHASES}
        print(repr({**shown, "segments": times["segments"]}))
        return
    segments = (
        (lambda got: f", segments (items, version text) {got['segments'][-1]}") if args.segments else None
    )
    alternate(
        __file__,
        args.base,
        args.rounds,
        PHASES,
        lambda name: ["--n", str(args.n), "--runs", str(args.runs)],
        extra=segments or (lambda got: ""),
    )


if __name__ == "__main__":
    main()
