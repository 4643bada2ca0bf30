"""CPU per page of the extraction worker's task (`run_task`), and of the parent's unpickling of its answer.

    python bench/extract_cpu.py [--n 1000] [--rounds 5] [--changed]
    python bench/extract_cpu.py --base /work/base --runs 5      # two checkouts, taking turns

Generates N bench pages (bench/pages.py) in memory and hands each to
`watcher.check.extractworker.run_task` as the parent does (the pickled `(kind, fetched,
source)` of a `listing` source configured as `bench/run.py` configures it), `--rounds`
times, printing the process CPU (user + system, `time.process_time`) per 1,000 pages of
the least round (the one least disturbed on a shared machine): the worker's task, and
`pickle.loads` of its answer (what the parent then pays). `--changed` is the all-changed
pass: one item added to every page, and the body marked `expect_delta` (its source kept
a body before). The digest covers everything the answer carries (items, fingerprint,
stored JSON bytes and compressed bytes, the packed body, the items' carried dates), so
two checkouts can show they answer alike.

With `--base`, this script runs itself under the base checkout and this one in turn
(`--runs` each, each run a fresh process) and prints both medians: the machine is shared,
so runs taking turns see the same load.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import pages  # noqa: E402


def bodies(n: int, changed: bool, seed: int = 7) -> list[bytes]:
    """The pages as `pages.generate` writes them (and `pages.mutate` for every page, round 1)."""
    result = []
    for index in range(n):
        items = pages.initial_items(index, seed)
        if changed:
            rng = random.Random(f"{seed}:{index}:new:1")
            newest = date.fromisoformat(items[0]["date"]) + timedelta(days=1)
            items.insert(0, pages._item(rng, index, 1001, newest))
        result.append(pages.render(index, items, seed).encode("utf-8"))
    return result


def tasks(n: int, changed: bool) -> list[bytes]:
    from sources.listing import ListingOptions
    from sources.registry import kind_for
    from watcher.blobs import expect_delta
    from watcher.model import FetchResult, Source

    try:  # as the parent makes it (a checkout before task_payload pickled it as is)
        from watcher.check.workers import task_payload as payload
    except ImportError:

        def payload(*task: object) -> bytes:
            return pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)

    kind = kind_for("listing")
    options = ListingOptions(
        select=pages.SELECT, title="h3 a", link="h3 a", date="time[datetime]", summary="p.summary"
    )
    frames = []
    for index, body in enumerate(bodies(n, changed)):
        url = f"http://127.0.0.1:8080{pages.url_path(index)}"
        source = Source(id=pages.page_id(index), url=url, kind="listing", options=options, allow_private=True)
        fetched = FetchResult(
            url, url, 200, {"content-type": "text/html", "etag": f'"{index:x}"'}, body, etag=f'"{index:x}"'
        )
        if changed:  # the parent hashed the body (`must_read`) and knows its evidence is a delta
            _ = fetched.body_hash
            expect_delta(fetched)
        frames.append(payload(kind, fetched, source))
    return frames


def digest(answers: list[bytes]) -> str:
    """What every answer carries, hashed: the snapshot's items, fingerprint and stored forms,
    the packed body and each item's carried dates."""
    from watcher.blobs import stored_form

    sha = hashlib.sha256()
    for frame in answers:
        ok, snapshot = pickle.loads(frame)
        assert ok, snapshot
        stored = stored_form(snapshot)
        packed = snapshot.__dict__.get("_packed_body")
        rest = {k: v for k, v in snapshot.__dict__.items() if k not in ("_packed_body",)}
        sha.update(repr((snapshot, sorted(rest), snapshot.fingerprint, stored.size)).encode())
        sha.update(stored.data)
        sha.update(repr((packed.sha256, packed.data) if packed is not None else None).encode())
        for item in snapshot.items:
            sha.update(repr(sorted(item.__dict__.items())).encode())
    return sha.hexdigest()[:16]


def measure(n: int, rounds: int, changed: bool) -> None:
    from watcher.check.extractworker import run_task

    frames = tasks(n, changed)
    run_task(frames[0])  # imports and caches warm, as in a worker after its first page
    worker, parent = [], []
    answers: list[bytes] = []
    for _ in range(rounds):
        started = time.process_time()
        answers = [run_task(frame) for frame in frames]
        worker.append((time.process_time() - started) * 1000 / n)
        started = time.process_time()
        for answer in answers:
            pickle.loads(answer)
        parent.append((time.process_time() - started) * 1000 / n)
    size = sum(map(len, answers)) / n
    print(
        f"worker {min(worker):.3f} CPU-s/1k  parent unpickle {min(parent):.3f}"
        f" CPU-s/1k  answer {size / 1024:.1f} KB  digest {digest(answers)}"
    )


def alternate(base: Path, runs: int, argv: list[str]) -> None:
    results: dict[str, list[tuple[float, float]]] = {"base": [], "this": []}
    digests: dict[str, set[str]] = {"base": set(), "this": set()}
    for run in range(runs):
        for name, root in (("base", base), ("this", ROOT)):
            env = {**os.environ, "PYTHONPATH": str(root)}
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), *argv],
                env=env,
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results[name].append((float(out[1]), float(out[5])))
            digests[name].add(out[-1])
            print(f"run {run + 1} {name}: {' '.join(out)}", flush=True)
    print(f"load {os.getloadavg()[0]:.2f}")
    for name, figures in results.items():
        worker = statistics.median(f[0] for f in figures)
        parent = statistics.median(f[1] for f in figures)
        print(
            f"{name}: worker {worker:.3f}  parent unpickle {parent:.3f} CPU-s/1k"
            f"  digests {sorted(digests[name])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changed", action="store_true", help="the all-changed pass")
    parser.add_argument("--base", type=Path, help="another checkout to take turns with")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.base is not None:
        argv = ["--n", str(args.n), "--rounds", str(args.rounds)] + (["--changed"] if args.changed else [])
        alternate(args.base.resolve(), args.runs, argv)
        return
    sys.path.insert(0, str(Path(os.environ.get("PYTHONPATH", ROOT)).resolve()))
    measure(args.n, args.rounds, args.changed)


if __name__ == "__main__":
    main()
