"""The alert headline (alerts/headline.py) measured on real capture pairs.

    python bench/headline_eval.py            # test half (report this), beside the baseline
    python bench/headline_eval.py --half dev # the half the builder was fixed on
    python bench/headline_eval.py --half late # added after the builder was final
    python bench/headline_eval.py --half all --misses

Each pair is an edit that the alert-fidelity tests (or we) make to a real capture, run
through the real source kind and diff (tests/support/headlinecases.py); the expected line
was written by hand from the diff (tests/alerts/headline_cases.toml). "Exact" counts lines
equal to the expected one. The baseline is the line the change carried before, the diff
stage's `Change.summary` ("text edited (+1 / -1 lines)", "1 new item: …"), scored the same,
and, read from git, the first version of this builder (watcher/summary/extractive.py at
PREVIOUS, before it was measured here).
tests/alerts/test_headline_eval.py asserts every case.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from headlinecases import cases, change_of, pairs  # noqa: E402

from alerts.headline import headline_of  # noqa: E402

PREVIOUS = "cd8676f"


def previous_builder() -> Callable | None:
    """`extractive_summary` as first written (commit PREVIOUS), or None outside a git checkout."""
    try:
        code = subprocess.run(
            ["git", "show", f"{PREVIOUS}:watcher/summary/extractive.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    namespace: dict = {"__name__": "previous_extractive"}
    exec(compile(code, "previous_extractive.py", "exec"), namespace)
    return namespace["extractive_summary"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["test", "dev", "late", "all"], default="test")
    parser.add_argument("--misses", action="store_true", help="print each wrong line")
    args = parser.parse_args()
    chosen = [
        c
        for c in cases()
        if args.half == "all" or (c.late if args.half == "late" else c.half == args.half and not c.late)
    ]
    built = pairs()
    exact = baseline = first = 0
    previous = previous_builder()
    for case in chosen:
        change, facts = change_of(built[case.id]())
        line = headline_of(change, facts)
        exact += line == case.expected
        baseline += change.summary == case.expected
        first += previous is not None and previous(change) == case.expected
        if args.misses and line != case.expected:
            print(f"{case.id} [{case.half}]\n  expected: {case.expected}\n  produced: {line}")
    n = len(chosen)
    print(f"{args.half} half: {n} capture pairs")
    print(f"  headline (alerts/headline.py): {exact}/{n} exactly right")
    print(f"  baseline (Change.summary):     {baseline}/{n} exactly right")
    if previous is not None:
        print(f"  first builder ({PREVIOUS}):     {first}/{n} exactly right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
