"""Profile `regwatch check` with py-spy on one kind of pass, and print where the time goes.

    python bench/profile.py --n 1000 --pass no-change
    python bench/profile.py --n 1000 --pass all-changed
    python bench/profile.py --n 1000 --pass first --by-process   # one summary per process

Generates N pages, serves them (nginx or the Python fallback), runs the passes needed to
reach the wanted state unprofiled, then runs the wanted pass under `py-spy record`
(subprocesses included) and prints the functions with the most samples, by own time
and by inclusive time, grouped by module. Needs `pip install py-spy`. The raw collapsed
stacks stay in bench/work/profile-<pass>.txt (feed them to any flame-graph tool).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import pages  # noqa: E402
from run import ROOT, Regwatch  # noqa: E402
from server import Server  # noqa: E402

STEPS = {"first": [], "no-change": ["first"], "some-changed": ["first"], "all-changed": ["first"]}
MUTATION = {"first": None, "no-change": None, "some-changed": 0.1, "all-changed": 1.0}


def records(collapsed: Path) -> list[str]:
    """The raw file's 'stack count' records: a worker's process frame holds its `python -c`
    bootstrap, newlines and all, so one record can span several lines."""
    found: list[str] = []
    pending = ""
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        pending = f"{pending}\n{line}" if pending else line
        _, _, count_text = line.rpartition(" ")
        if count_text.isdigit() and ";" in line:
            found.append(pending)
            pending = ""
    return found


def role(process_frame: str, frames: list[str] | tuple[str, ...] = ()) -> str:
    """Which process of regwatch's tree a py-spy 'process N:"command"' frame names; when
    py-spy could not read the command (it sometimes records the main's as ""), the process's
    own stack `frames` tell."""
    command = process_frame.partition(":")[2]
    if " -m watcher" in command:
        return "main"
    if "linkworker" in command:  # `python -S -c "...from watcher.check.linkworker import serve..."`
        return "linking worker"
    if "extractworker" in command:  # watcher/check/extractworker.py, under `python -S` too
        return "extraction worker"
    stack = ";".join(frames)
    if "watcher/__main__.py" in stack:
        return "main"
    if "linkworker" in stack:
        return "linking worker"
    return "extraction worker"


def summarize(collapsed: Path, top: int, only: str | None = None) -> str:
    """Own and inclusive time of the functions with the most samples; `only` keeps the
    samples of one process role (main, extraction worker, linking worker)."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in records(collapsed):
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        raw = [f for f in stack.split(";") if f]
        processes = 0  # a worker's stacks start with its parent's process frame, then its own
        while processes < len(raw) and raw[processes].startswith("process "):
            processes += 1
        if only is not None and (not processes or role(raw[processes - 1], raw[processes:]) != only):
            continue
        raw = raw[processes:]
        frames = [_short(f) for f in raw]
        total += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return f"no samples{f' of the {only}' if only else ''}"
    lines = [f"{total} samples{f' of the {only}' if only else ''}"]
    lines.append("\nby own time:")
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in own.most_common(top)]
    lines.append("\nby inclusive time:")
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in inclusive.most_common(top)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    """'fetch (watcher/net/fetch.py:123)' -> 'fetch (watcher/net/fetch.py)'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "python3.11/", str(ROOT) + "/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--pass", dest="pass_name", choices=sorted(STEPS), default="no-change")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument(
        "--by-process",
        action="store_true",
        help="one summary per process: main, extraction and linking workers",
    )
    args = parser.parse_args()
    if not shutil.which("py-spy"):
        sys.exit("bench: py-spy is not installed (pip install py-spy)")
    work = args.work.resolve()
    site = work / f"profile-site-{args.n}"
    shutil.rmtree(site, ignore_errors=True)
    pages.generate(site, args.n)
    with Server(site, work) as server:
        tool = Regwatch(work / "profile", server.base, args.n, args.concurrency)
        for _ in STEPS[args.pass_name]:
            subprocess.run(tool.command(), env=tool.env, cwd=ROOT, capture_output=True, check=False)
        fraction = MUTATION[args.pass_name]
        if fraction:
            pages.mutate(site, fraction, 1)
            time.sleep(1.1)
        out = work / f"profile-{args.pass_name}.txt"
        started = time.perf_counter()
        subprocess.run(
            ["py-spy", "record", "--subprocesses", "--rate", str(args.rate), "--format", "raw",
             "--output", str(out), "--", *tool.command()],
            env=tool.env, cwd=ROOT, capture_output=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
    print(f"{args.pass_name} pass of {args.n} pages under py-spy: {wall:.2f}s wall (sampling slows it)")
    if args.by_process:
        for name in ("main", "extraction worker", "linking worker"):
            print(f"\n== {name}")
            print(summarize(out, args.top, only=name))
    else:
        print(summarize(out, args.top))


if __name__ == "__main__":
    main()
