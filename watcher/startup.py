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
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

_paused = False


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
    """Turn it back on after start-up, if `pause` turned it off; start-up's objects stay frozen."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
