"""Source kinds that report on the extraction worker they run in (tests of watcher.check.workers).

They must live in an importable module: a worker unpickles a kind by its module and name.
"""

from __future__ import annotations

import os
import sys
import time

from sources.base import SourceKind
from watcher.model import FetchResult, Snapshot, Source


class Crashing(SourceKind):
    """Ends its process at once, as a crash in a C parser or the OOM killer would."""

    kind = "crashing"

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        os._exit(70)


class Introspecting(SourceKind):
    """Answers with the modules loaded in the process that extracted, and its pid."""

    kind = "introspecting"

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        return Snapshot(blocks=(str(os.getpid()), *sorted(sys.modules)))


class Scripted(SourceKind):
    """Does what its body says, `sleep=<seconds>;touch=<path>` (touch first), and answers with its pid.

    Lets a test hold a worker busy for a known time, or see from outside that a worker
    started a page, without timing anything in the parent.
    """

    kind = "scripted"

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        steps = dict(part.split("=", 1) for part in fetched.body.decode().split(";") if "=" in part)
        if "touch" in steps:
            with open(steps["touch"], "w"):
                pass
        if "sleep" in steps:
            time.sleep(float(steps["sleep"]))
        return Snapshot(blocks=(str(os.getpid()),))
