"""Run regwatch and urlwatch side by side on the same N pages, and print one table.

    python bench/run.py                         # N = 1,000, both tools
    python bench/run.py --n 10000               # the scale run
    python bench/run.py --tools regwatch        # one tool only
    python bench/run.py --passes no-change      # measure one pass (the passes before it run unmeasured)

Steps: generate N listing pages (bench/pages.py), serve them on 127.0.0.1 (nginx, or a
Python fallback), then for each pass run every tool on the same pages in the same state:

    first        every page is new (regwatch stores baselines, urlwatch reports NEW)
    no-change    nothing changed (conditional GET: every page answers 304)
    10% changed  one item added to 10% of the pages
    all changed  one item added to every page (every body is new: the parse/diff path)

Each tool runs as its real command in a child process; wall time is spawn to exit, CPU is
user+system of the child and its descendants (os.wait4), peak RSS is the largest sum of
RSS over the child's process tree (sampled from /proc every 20 ms; ru_maxrss would
inherit the RSS of this script, which forks the child). Changes detected are
read from each tool's own output and compared, by page id, with the pages mutated.
urlwatch 2.29 is installed from PyPI into bench/.venv-urlwatch on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import pages  # noqa: E402
from server import Server  # noqa: E402

URLWATCH_VERSION = "2.29"
URLWATCH_VENV = BENCH / ".venv-urlwatch"
PASSES = (("first", None), ("no-change", 0.0), ("10% changed", 0.1), ("all changed", 1.0))


@dataclass
class Measure:
    tool: str
    n: int
    pass_name: str
    wall: float
    cpu: float
    peak_rss_mb: float
    exit_code: int
    detected: int
    expected: int
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    errors: int = 0
    #: 1-minute load average of the machine just before and just after the run.
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu * 1000 / self.n

    @property
    def exact(self) -> bool:
        return not self.missed and not self.spurious and self.errors == 0


# -- measuring a child process -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return found


def _tree_rss(pid: int) -> int:
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(current))
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_and_role(pid: int, root: int) -> tuple[float, str] | None:
    """(user+system CPU s so far, role) of one process of the tree, from /proc; None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return None
    cpu = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15 of stat
    if pid == root:
        role = "main"
    elif any(b"linkworker" in arg for arg in argv):  # the bootstrap names the worker's module
        role = "linking worker"
    elif b"-c" in argv:  # watcher/check/extractworker.py (both workers run under `python -S`)
        role = "extraction worker"
    else:
        role = "other"
    return cpu, role


def _loop_thread_cpu(pid: int) -> float | None:
    """CPU s so far of a process's first thread (regwatch's event loop); None once gone. The
    process's figure (`main`) includes it and any other thread's."""
    try:
        with open(f"/proc/{pid}/task/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def measure(
    cmd: list[str], *, env: dict[str, str], cwd: Path, out: Path, split: dict[str, float] | None = None
) -> tuple[float, float, float, int]:
    """Run cmd; return (wall s, CPU s, peak tree RSS MB, exit code). Output goes to `out`.*

    With `split`, it also receives the CPU seconds of each role in the tree (main, extraction
    worker, linking worker), as last seen in /proc every 20 ms (each within ~20 ms), and of
    the main's first thread, its event loop ("main's loop thread", part of "main").
    """
    peak = 0
    last: dict[int, tuple[float, str]] = {}
    with open(out.with_suffix(".out"), "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(process.pid))
                if split is not None:
                    stack = [process.pid]
                    while stack:
                        pid = stack.pop()
                        seen = _cpu_and_role(pid, process.pid)
                        if pid == process.pid:
                            loop = _loop_thread_cpu(pid)
                            if loop is not None:
                                last[-pid] = (loop, "main's loop thread")
                        if seen is not None:
                            # a worker that has exited (a zombie) shows no command line: keep its role
                            role = last[pid][1] if pid in last and seen[1] == "other" else seen[1]
                            last[pid] = (seen[0], role)
                            stack.extend(_children(pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    if split is not None:
        for cpu, role in last.values():
            split[role] = split.get(role, 0.0) + cpu
    # ru_maxrss is not used: on Linux it inherits the RSS of the forking parent (this script).
    return wall, usage.ru_utime + usage.ru_stime, peak / 1e6, process.returncode


# -- the tools -----------------------------------------------------------------------------


class Regwatch:
    name = "regwatch"

    def __init__(self, work: Path, base: str, n: int, concurrency: int) -> None:
        self.dir = work / "regwatch"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.config = self.dir / "regwatch.toml"
        lines = [
            f'database = "{self.dir / "regwatch.db"}"',
            "allow_private = true",
            "",
            "[limits]",
            f"concurrency = {concurrency}",
            f"per_host = {concurrency}",  # one loopback host serves every page
            "",
            "[[channels]]",
            'id = "console"',
            'kind = "console"',
        ]
        for index in range(n):
            lines += [
                "",
                "[[sources]]",
                f'id = "{pages.page_id(index)}"',
                f'url = "{base}{pages.url_path(index)}"',
                'kind = "listing"',
                f'select = "{pages.SELECT}"',
                'title = "h3 a"',
                'link = "h3 a"',
                'date = "time[datetime]"',
                'summary = "p.summary"',
            ]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        compile_checkout()
        for key in ("REGWATCH_CONFIG", "REGWATCH_DB", "SLACK_BOT_TOKEN"):
            self.env.pop(key, None)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "watcher", "--config", str(self.config), "check"]

    @staticmethod
    def read(out: Path) -> tuple[set[str], set[str], int]:
        """(changed ids, baseline ids, failures) from the per-source lines of `regwatch check`."""
        changed, baseline, failed = set(), set(), 0
        for line in out.with_suffix(".err").read_text(encoding="utf-8", errors="replace").splitlines():
            source_id, _, rest = line.partition(": ")
            if rest.startswith("CHANGED"):
                changed.add(source_id)
            elif rest.startswith("baseline stored"):
                baseline.add(source_id)
            elif rest.startswith("FAILED"):
                failed += 1
        return changed, baseline, failed


class Urlwatch:
    name = "urlwatch"

    def __init__(self, work: Path, base: str, n: int, concurrency: int) -> None:
        ensure_urlwatch()
        self.dir = work / "urlwatch"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        jobs = [
            f"name: {pages.page_id(index)}\nurl: {base}{pages.url_path(index)}\n"
            f"filter:\n  - css: '{pages.SELECT}'\n  - html2text\n"
            for index in range(n)
        ]
        (self.dir / "urls.yaml").write_text("---\n".join(jobs), encoding="utf-8")
        (self.dir / "urlwatch.yaml").write_text(
            "report:\n  stdout:\n    enabled: true\n    color: false\n", encoding="utf-8"
        )
        self.env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(self.dir / "xdg"),
            "XDG_CACHE_HOME": str(self.dir / "xdg"),
            "HOME": str(self.dir),
        }

    def command(self) -> list[str]:
        return [
            str(URLWATCH_VENV / "bin" / "urlwatch"),
            "--urls",
            str(self.dir / "urls.yaml"),
            "--config",
            str(self.dir / "urlwatch.yaml"),
            "--cache",
            str(self.dir / "cache.db"),
            "--hooks",
            str(self.dir / "hooks.py"),
        ]

    @staticmethod
    def read(out: Path) -> tuple[set[str], set[str], int]:
        changed, new, failed = set(), set(), 0
        for line in out.with_suffix(".out").read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"^(CHANGED|NEW|ERROR): (\S+)", line)
            if not match:
                continue
            kind, name = match.groups()
            if kind == "CHANGED":
                changed.add(name)
            elif kind == "NEW":
                new.add(name)
            else:
                failed += 1
        return changed, new, failed


TOOLS = {"regwatch": Regwatch, "urlwatch": Urlwatch}


def compile_checkout() -> None:
    """Byte-compile regwatch's packages in the checkout, as `pip install` does for an installed
    package (and did for urlwatch in its virtualenv). Without it, a machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) compiles ~160 modules from source on every run:
    ~0.15 s of CPU that no installed regwatch spends. Stale files are never used: Python
    checks each source file's size and time against its bytecode."""
    packages = [str(ROOT / name) for name in ("watcher", "sources", "alerts")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True, capture_output=True)


def ensure_urlwatch() -> None:
    """urlwatch 2.29 from PyPI in its own virtualenv (bench/.venv-urlwatch), made once."""
    exe = URLWATCH_VENV / "bin" / "urlwatch"
    if exe.exists():
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout
        if URLWATCH_VERSION in version:
            return
    print(
        f"bench: installing urlwatch {URLWATCH_VERSION} into {URLWATCH_VENV} (pip, from PyPI)",
        file=sys.stderr,
    )
    subprocess.run([sys.executable, "-m", "venv", str(URLWATCH_VENV)], check=True)
    subprocess.run(
        [str(URLWATCH_VENV / "bin" / "pip"), "install", "-q", f"urlwatch=={URLWATCH_VERSION}"], check=True
    )


# -- the run -------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU(s), {model}, Python {platform.python_version()}, {platform.system()}"


def table(results: list[Measure]) -> str:
    speed = {(m.tool, m.pass_name): m.rate for m in results}
    header = (
        f"{'tool':<9} {'N':>6}  {'pass':<12} {'wall s':>7} {'pages/s':>8} {'CPU s/1k':>8} "
        f"{'peak MB':>7}  {'changes (detected/expected)':<28} {'regwatch/urlwatch':>17} {'load':>9}"
    )
    lines = [header, "-" * len(header)]
    for m in results:
        verdict = f"{m.detected}/{m.expected}" + ("" if m.exact else " MISMATCH")
        if m.errors:
            verdict += f" ({m.errors} errors)"
        ratio = ""
        other = speed.get(("urlwatch", m.pass_name))
        if m.tool == "regwatch" and other:
            ratio = f"{m.rate / other:.1f}x"
        lines.append(
            f"{m.tool:<9} {m.n:>6}  {m.pass_name:<12} {m.wall:>7.2f} {m.rate:>8.0f} {m.cpu_per_1000:>8.2f} "
            f"{m.peak_rss_mb:>7.0f}  {verdict:<28} {ratio:>17} {m.load[0]:>4.1f}-{m.load[1]:<4.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="number of pages (default 1000)")
    parser.add_argument("--tools", default="regwatch,urlwatch", help="comma-separated: regwatch,urlwatch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--concurrency", type=int, default=16, help="regwatch [limits] concurrency and per_host"
    )
    parser.add_argument(
        "--passes", default=",".join(p for p, _ in PASSES), help="which passes to run (comma-separated)"
    )
    parser.add_argument("--python-server", action="store_true", help="use the Python server even with nginx")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    args = parser.parse_args()

    names = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in names if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tool(s) {unknown}; choose from {sorted(TOOLS)}")
    wanted = {p.strip() for p in args.passes.split(",")}
    work = args.work.resolve()
    site = work / f"site-{args.n}"
    shutil.rmtree(site, ignore_errors=True)
    print(f"bench: {machine()}", file=sys.stderr)
    print(f"bench: generating {args.n} pages in {site}", file=sys.stderr)
    pages.generate(site, args.n, args.seed)

    results: list[Measure] = []
    with Server(site, work, prefer_nginx=not args.python_server) as server:
        print(f"bench: serving with {server.name} at {server.base}", file=sys.stderr)
        tools = [TOOLS[name](work, server.base, args.n, args.concurrency) for name in names]
        all_ids = {pages.page_id(i) for i in range(args.n)}
        for round_, (pass_name, fraction) in enumerate(PASSES):
            if fraction:
                mutated = set(pages.mutate(site, fraction, round_))
                time.sleep(1.1)  # a new second, so Last-Modified moves too
            else:
                mutated = set()
            if pass_name not in wanted:
                # Not measured, but run when a later pass is wanted: each pass starts from the
                # state the ones before it left (a no-change pass needs the first pass's baselines).
                if any(later in wanted for later, _ in PASSES[round_ + 1 :]):
                    print(f"bench: {pass_name} pass (to reach the state, not measured) ...", file=sys.stderr)
                    for tool in tools:
                        subprocess.run(
                            tool.command(), env=tool.env, cwd=ROOT, capture_output=True, check=False
                        )
                continue
            for tool in tools:
                out = work / f"{tool.name}-{args.n}-{round_}"
                print(f"bench: {tool.name}: {pass_name} pass ...", file=sys.stderr, flush=True)
                load_before = os.getloadavg()[0]
                wall, cpu, peak, code = measure(tool.command(), env=tool.env, cwd=ROOT, out=out)
                changed, baseline, failed = tool.read(out)
                expected = all_ids if fraction is None else mutated
                detected = baseline if fraction is None else changed
                m = Measure(
                    tool=tool.name,
                    n=args.n,
                    pass_name=pass_name,
                    wall=wall,
                    cpu=cpu,
                    peak_rss_mb=peak,
                    exit_code=code,
                    detected=len(detected),
                    expected=len(expected),
                    missed=sorted(expected - detected)[:20],
                    spurious=sorted((changed | baseline) - expected)[:20],
                    errors=failed,
                    load=(load_before, os.getloadavg()[0]),
                )
                results.append(m)
                print(
                    f"bench: {tool.name}: {pass_name}: {wall:.2f}s, {m.rate:.0f} pages/s, exit {code}",
                    file=sys.stderr,
                )

    print(f"\nmachine: {machine()}; server: {server.name}")
    print("load: the machine's 1-minute load average before-after each run (2 cores, shared)")
    print("first pass: detected = baselines stored (regwatch) / NEW jobs (urlwatch)\n")
    print(table(results))
    record = work / f"results-{args.n}.json"
    record.write_text(
        json.dumps(
            {"machine": machine(), "server": server.name, "results": [asdict(m) for m in results]}, indent=1
        ),
        encoding="utf-8",
    )
    print(f"\nraw figures: {record}")
    if any(not m.exact for m in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
