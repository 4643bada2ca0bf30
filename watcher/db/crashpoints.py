"""Named crash points, for the crash-safety tests only.

`REGWATCH_CRASH_AT="<point>:<n>"` makes the process die with `os._exit(137)` (no cleanup,
no flushing, no rollback: what SIGKILL does) at the n-th time it reaches `<point>`;
`"any:<n>"` dies at the n-th crash point reached, whatever its name. The variable is
read once, here and nowhere else; when it is unset (always, outside the tests) `reached`
is a function that returns at once.

Points, in pipeline order:

- `after_fetch`     a body was fetched, nothing recorded yet
- `after_extract`   the snapshot was extracted, nothing recorded yet
- `before_commit`   inside the transaction that saves a change and its outbox rows, just
                    before its commit (once per change in it: a pass commits whole checks
                    in batches, watcher/db/batch.py)
- `after_commit`    the change is committed, its alerts not yet delivered (once per change)
- `after_summary`   the model's summary is stored, the change's alerts still wait ('enriching')
- `after_claim`     an outbox row is marked 'sending', the channel not yet called
- `after_send`      the channel accepted the alert, the row is not yet marked 'sent'
"""

from __future__ import annotations

import os
import sys

POINTS = (
    "after_fetch",
    "after_extract",
    "before_commit",
    "after_commit",
    "after_summary",
    "after_claim",
    "after_send",
)
VARIABLE = "REGWATCH_CRASH_AT"
EXIT_CODE = 137  # what a shell reports for a SIGKILLed process


def parse(spec: str) -> tuple[str, int]:
    """'after_send:2' -> ('after_send', 2); raises ValueError naming the problem."""
    point, _, count = spec.strip().rpartition(":")
    if point not in (*POINTS, "any") or not count.isdigit() or int(count) < 1:
        raise ValueError(
            f"{VARIABLE}={spec!r}: expected '<point>:<n>' with point one of {', '.join(POINTS)}, any"
        )
    return point, int(count)


def _never(point: str) -> None:
    """No crash requested: nothing to do."""


def _armed(target: str, count: int):
    hits = 0

    def reached(point: str) -> None:
        nonlocal hits
        if target in (point, "any"):
            hits += 1
            if hits == count:
                sys.stderr.write(f"regwatch: simulated crash at {point} (hit {hits})\n")
                sys.stderr.flush()
                os._exit(EXIT_CODE)

    return reached


_spec = os.environ.get(VARIABLE, "")
reached = _armed(*parse(_spec)) if _spec else _never
