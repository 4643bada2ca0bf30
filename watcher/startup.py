"""Start-up without the cyclic garbage collector (`python -m watcher` only).

Importing regwatch allocates a few hundred thousand objects that live for the whole run
(modules, classes, functions, dataclass and enum machinery) and almost no garbage cycles,
yet the collector walks them ~120 times while they are made: ~40 ms of CPU in every
`regwatch check`, 3-4% of a no-change pass over 1,000 sources (bench/README.md, round 5).
`python -m watcher` pauses it before importing the command line, and so does the command
line's package when the program is the `regwatch` console script; the command group resumes
it once the command's module is loaded, freezing what start-up made (`gc.freeze`: later
collections skip those objects). Nothing is paused when regwatch is imported as a library
(tests, `docs/generate.py`): `resume` then does nothing.

The command then runs with a youngest generation of `YOUNG_THRESHOLD` objects instead of
CPython's 700. A changed page leaves a few dozen containers alive for a while (its items,
their dicts, the decoded previous version, the task's objects) and no garbage cycles to
speak of: at 700, an all-changed pass over 1,000 sources ran ~100 young and ~8 middle
collections (~50 ms of the main's CPU, walking the same in-flight pages' objects again and
again); at 5,000, ~9 young ones and no middle one (~10 ms), as those objects are mostly
freed by their reference counts before a collection comes (bench/README.md, round 17).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

_paused = False

#: The youngest generation's threshold while the program runs (`resume` sets it).
YOUNG_THRESHOLD = 5000


def pause() -> None:
    """Turn the collector off for start-up (the program's entry point calls this first)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def pause_for(program: str) -> None:
    """`pause` when this process is `program` (the console script's name in `sys.argv[0]`)."""
    if sys.argv and Path(sys.argv[0]).name == program:
        pause()


def resume() -> None:
    """Turn it back on after start-up, if `pause` turned it off; start-up's objects stay frozen,
    and the youngest generation is collected every `YOUNG_THRESHOLD` objects."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        gc.enable()
