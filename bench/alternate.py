"""Compare two regwatch checkouts on the same pass, runs taking turns (the machine is shared).

    python bench/alternate.py --base /tmp/regwatch-main --runs 5            # no-change, N = 1,000
    python bench/alternate.py --base /tmp/regwatch-main --pass some-changed
    python bench/alternate.py --base /tmp/regwatch-main --pass first --runs 3

Generates N pages, serves them (nginx or the Python fallback), stores their baselines once
with this checkout, then runs `regwatch check` of the wanted pass alternately from the base
checkout and from this one against copies of the same database (each run starts from the
same state). Prints CPU-s per 1,000 pages and pages/s of every run and the medians, with
the machine's load; figures as in `bench/run.py` (wall from spawn to exit, CPU of the child
and its descendants), with each run's CPU split by process (main, extraction worker, linking
worker: read from /proc every 20 ms) and the main's event loop thread apart (part of main's
figure). Both checkouts must read the same database schema: a branch that adds a migration
is compared after its database is migrated (the first run of each does it). With
`--own-baselines` each checkout stores the baselines itself (from the same pages) and its
runs start from its own copy: for a change of how the file is laid out (its page size), which
a database made by one checkout would hide.

The two take turns going first (base, this; this, base; ...): on this machine the second run
of a pair cost ~0.5 CPU-s per 1,000 pages less than the first whichever checkout it was
(a first pass at N = 1,000, 2026-12-07: +0.56 with one order, -0.51 with the other), so a
fixed order reads that as a difference between the checkouts. Use an even number of runs;
the last line gives the median of the pairs' differences and how many pairs went each way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import pages  # noqa: E402
from run import Regwatch, measure  # noqa: E402
from server import Server  # noqa: E402

MUTATION = {"first": None, "no-change": 0.0, "some-changed": 0.1, "all-changed": 1.0}


def compile_tree(root: Path) -> None:
    packages = [str(root / name) for name in ("watcher", "sources", "alerts")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. main)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--pass", dest="pass_name", choices=sorted(MUTATION), default="no-change")
    parser.add_argument("--runs", type=int, default=5, help="runs of each checkout")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument(
        "--own-baselines",
        action="store_true",
        help="each checkout stores the baselines of a changed pass itself (for a change of file layout)",
    )
    args = parser.parse_args()
    work = args.work.resolve()
    site = work / f"alternate-site-{args.n}"
    shutil.rmtree(site, ignore_errors=True)
    pages.generate(site, args.n)
    checkouts = {"base": args.base.resolve(), "this": ROOT}
    for root in checkouts.values():
        compile_tree(root)
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in checkouts}
    with Server(site, work) as server:
        tool = Regwatch(work / "alternate", server.base, args.n, args.concurrency)
        fraction = MUTATION[args.pass_name]
        database = tool.dir / "regwatch.db"
        pristine = {name: tool.dir / f"pristine-{name}.db" for name in checkouts}
        if fraction is not None:  # every pass but the first starts from stored baselines
            for name, root in checkouts.items() if args.own_baselines else [("this", ROOT)]:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
                env = {**tool.env, "PYTHONPATH": str(root)}
                subprocess.run(tool.command(), env=env, cwd=root, capture_output=True, check=True)
                for other in checkouts if not args.own_baselines else [name]:
                    shutil.copyfile(database, pristine[other])
        if fraction:
            pages.mutate(site, fraction, 1)
            time.sleep(1.1)
        if fraction is None:
            database.unlink(missing_ok=True)
            for path in pristine.values():
                path.write_bytes(b"")  # the first pass starts from an empty database file
        for run in range(args.runs):
            order = list(checkouts.items())
            for name, root in order if run % 2 == 0 else reversed(order):
                for suffix in ("-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(pristine[name], database)
                env = {**tool.env, "PYTHONPATH": str(root)}
                load = os.getloadavg()[0]
                out = work / f"alternate-{name}-{run}"
                split: dict[str, float] = {}
                wall, cpu, peak, code = measure(tool.command(), env=env, cwd=root, out=out, split=split)
                figures[name].append((wall, cpu, load))
                roles = ", ".join(
                    f"{role} {seconds * 1000 / args.n:.2f}" for role, seconds in sorted(split.items())
                )
                print(
                    f"{name:5} run {run + 1}: {wall:6.2f} s wall, {args.n / wall:5.0f} pages/s,"
                    f" {cpu * 1000 / args.n:5.2f} CPU-s per 1,000 ({roles}), peak RSS {peak:.0f} MB,"
                    f" exit {code}, load {load:.1f}",
                    flush=True,
                )
    for name, rows in figures.items():
        walls = [w for w, _, _ in rows]
        cpus = [c * 1000 / args.n for _, c, _ in rows]
        print(
            f"{name:5} median: {args.n / statistics.median(walls):5.0f} pages/s,"
            f" {statistics.median(cpus):5.2f} CPU-s per 1,000 (min {min(cpus):.2f})"
        )
    if len(figures) == 2:
        pairs = [(b[1] - t[1]) * 1000 / args.n for b, t in zip(figures["base"], figures["this"], strict=True)]
        print(
            f"pairs: this - base {-statistics.median(pairs):+.2f} CPU-s per 1,000 (median of {len(pairs)}),"
            f" this lower in {sum(d > 0 for d in pairs)} of {len(pairs)}"
        )


if __name__ == "__main__":
    main()
