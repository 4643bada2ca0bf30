"""CPU of keeping a changed page's evidence (`Store.keep_evidence`: the body's delta against the
source's last whole body), this checkout's `_put_body` against another checkout's, in one process,
taking turns page by page (the machine's speed drifts between processes and rounds).

    python bench/evidence_cpu.py --base /work/base --n 300 --rounds 5

N bench pages (bench/pages.py) stored whole as a first pass stores them, then each page with one
new item kept as a change: one store per checkout, the other checkout's `EvidenceRows._put_body`
loaded from its file and bound to its store. Prints ms per change of each round (user + system)
and the medians; checks that both stores read every body back the same.

    valgrind --tool=callgrind python bench/evidence_cpu.py --base /work/base --n 100 --only this

`--only base|this|none`: one store, the baselines then (unless `none`) the N changes kept by
that checkout's `_put_body`, untimed: instructions per change are the difference between a run
and the `none` run, divided by N (the machine's load does not move them).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from batch_store import prepared  # noqa: E402

from watcher.db.store import Store  # noqa: E402


def base_put_body(base: Path):
    spec = importlib.util.spec_from_file_location("base_evidence", base / "watcher" / "db" / "evidence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.EvidenceRows._put_body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("base", "this", "none"))
    args = parser.parse_args()
    other = base_put_body(args.base)
    first, changed = prepared(args.n), prepared(args.n, changed=True)
    now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    if args.only:
        _ = [fetched.body_hash for _, fetched, _ in changed]
        only(args.only, Store(Path(tempfile.mkdtemp()) / "only.db"), other, first, changed, now)
        return
    figures: dict[str, list[float]] = {"base": [], "this": []}
    for round_ in range(args.rounds):
        tmp = Path(tempfile.mkdtemp())
        stores = {"base": Store(tmp / "base.db"), "this": Store(tmp / "this.db")}
        stores["base"]._put_body = types.MethodType(other, stores["base"])  # type: ignore[method-assign]
        spent = dict.fromkeys(stores, 0.0)
        for store in stores.values():
            for source, fetched, _ in first:
                store.keep_evidence(source.id, fetched, now, kind="baseline")
        for k, (source, fetched, _) in enumerate(changed):
            order = ("base", "this") if (k + round_) % 2 else ("this", "base")
            for name in order:
                fetched.__dict__.pop("body_hash", None)  # each store hashes as a check does
                started = time.process_time()
                stores[name].keep_evidence(
                    source.id, fetched, now + timedelta(hours=1), kind="change", change_id=k + 1
                )
                spent[name] += time.process_time() - started
        for _, fetched, _ in changed:
            bodies = {name: store.evidence_body(fetched.body_hash) for name, store in stores.items()}
            assert bodies["base"] == bodies["this"] == fetched.body
        for name in stores:
            figures[name].append(spent[name] * 1000 / args.n)
            stores[name].close()
        print(
            f"round {round_ + 1}: base {figures['base'][-1]:.3f}, this {figures['this'][-1]:.3f} ms a change"
        )
    for name, values in figures.items():
        print(f"{name} median {statistics.median(values):.3f} (min {min(values):.3f}) ms a change")


def only(which: str, store: Store, other, first, changed, now: datetime) -> None:
    """The baselines, then the changes kept by `which` checkout's `_put_body` (none for `none`)."""
    _ = zstd_modules()
    if which == "base":
        store._put_body = types.MethodType(other, store)  # type: ignore[method-assign]
    for source, fetched, _ in first:
        store.keep_evidence(source.id, fetched, now, kind="baseline")
    if which != "none":
        with store.unit():
            for k, (source, fetched, _) in enumerate(changed):
                store.keep_evidence(
                    source.id, fetched, now + timedelta(hours=1), kind="change", change_id=k + 1
                )
    store.close()


def zstd_modules() -> list[object]:
    """Both checkouts' compression modules imported before any run counts (the same in each)."""
    import zstandard

    try:
        from backports import zstd
    except ImportError:
        return [zstandard]
    return [zstandard, zstd]


if __name__ == "__main__":
    main()
