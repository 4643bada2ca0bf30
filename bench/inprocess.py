"""Alternating two checkouts for the in-process CPU benches (`store_cpu.py`, `main_cpu.py`,
`fts_cpu.py`): each round runs the bench once per checkout, in a child process whose import
path starts with that checkout (and its `bench/`), and reads back the figures the child
prints as the `repr` of a dict on its last line."""

from __future__ import annotations

import ast
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def checkouts(base: Path | None) -> dict[str, Path]:
    """ "this" checkout, and "base" when another was named."""
    found = {"this": BENCH.parent}
    if base is not None:
        found["base"] = base.resolve()
    return found


def run_child(script: str, root: Path, args: list[str]) -> Any:
    """`script --child root *args` run with `root` first on the path, in `root`: the value
    its last line of output holds (our own child's repr)."""
    command = [sys.executable, str(Path(script).resolve()), "--child", str(root), *args]
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])


def alternate(
    script: str,
    base: Path | None,
    rounds: int,
    phases: Sequence[str],
    args_for: Callable[[str], list[str]],
    *,
    unit: str = "ms/page",
    digits: int = 3,
    extra: Callable[[dict[str, Any]], str] = lambda got: "",
) -> dict[str, dict[str, list[float]]]:
    """Run `script`'s child once per checkout per round, taking turns, printing each round's
    medians (and `extra`'s words on what the child returned) and, at the end, each checkout's
    median and minimum of every phase. A child's phase is a list of figures (one per run in
    that process) or one figure. What each checkout measured, phase by phase."""
    roots = checkouts(base)
    figures: dict[str, dict[str, list[float]]] = {name: {p: [] for p in phases} for name in roots}
    for round_ in range(rounds):
        for name, root in roots.items():
            got = run_child(script, root, args_for(name))
            for phase in phases:
                value = got[phase]
                figures[name][phase] += value if isinstance(value, list) else [value]
            shown = ", ".join(f"{p} {statistics.median(_as_list(got[p])):.{digits}f}" for p in phases)
            print(
                f"{name:5} round {round_ + 1}: {shown} {unit}{extra(got)}, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for name, measured in figures.items():
        shown = ", ".join(
            f"{p} {statistics.median(v):.{digits}f} (min {min(v):.{digits}f})"
            for p, v in measured.items()
            if v
        )
        print(f"{name:5} median: {shown} CPU {unit.replace('/', ' per ')}")
    return figures


def _as_list(value: Any) -> list[float]:
    return value if isinstance(value, list) else [value]


def related_rows(item_key: str, source_id: int, k: int, n: int) -> list[dict[str, Any]]:
    """Ten made-up related links for the `k`-th change of a bench of `n` pages (50 items a
    page), as the linker hands them to `Store.replace_related`: the same rows in every
    checkout, so the storing is what is compared."""
    return [
        {
            "item_key": item_key,
            "related_item_id": 1 + (k * 37 + j * 101) % (n * 50),
            "source_id": source_id,
            "title": "t" * 40,
            "link": f"http://x/{j}",
            "date": "2025-01-01",
            "score": 0.5 - j / 100,
            "terms": ("a", "b"),
            "rank": j + 1,
            "shown": j < 3,
            "reason": "",
        }
        for j in range(10)
    ]
