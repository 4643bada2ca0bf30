"""The extraction worker process: read (kind, fetched, source) frames, answer with snapshots.

Started by `watcher.check.workers` as `python -c BOOTSTRAP` with pipes on stdin and stdout.
It imports only what extraction needs (the kind's module, unpickled by name, and the shared
values): not the command line, the database, the network or the scheduler. Each frame is a
4-byte big-endian length and a pickle. The first frame is the parent's `sys.path`, so the
worker can import whatever the parent can (as multiprocessing's spawn does); Python starts
without `site` (`-S`: ~28 ms of CPU less at each start, the `.pth` files' imports), the
folder holding the `watcher` package put first for an editable install whose import hook
`site` would have set up (as the linking worker starts, watcher/check/linkstage.py). Every next
frame is one task, answered by `(True, snapshot)` or `(False, exception)`. End of input
(the parent closed the pipe or died) ends the worker.

Why not multiprocessing or pebble: their spawn start also runs multiprocessing's resource
tracker, a third Python process (~14 MB) that regwatch needs for nothing, and the pool's
machinery in each worker (~10 MB); the parent keeps the guarantees itself (deadline, kill,
one retry after a crash) in `watcher.check.workers`.
"""

from __future__ import annotations

import os
from typing import Any

import watcher
from sources.links import forget_identities, known_identities
from watcher.blobs import delta_expected, prepare
from watcher.check.frames import answer, serve_frames
from watcher.dates.carried import attach_dates

#: The folder holding the `watcher` package (the worker's first import path).
ROOT = os.path.dirname(os.path.dirname(os.path.realpath(watcher.__file__)))
#: What the parent runs: read the path frame before importing anything of regwatch's.
BOOTSTRAP = (
    "import pickle, struct, sys\n"
    "size = struct.unpack('>I', sys.stdin.buffer.read(4))[0]\n"
    f"sys.path[:] = [{ROOT!r}, *pickle.loads(sys.stdin.buffer.read(size))]\n"
    "from watcher.check.extractworker import serve\n"
    "serve()\n"
)
#: The interpreter's flags: no `site` (see above).
FLAGS = ("-S",)


def run_task(frame: bytes) -> bytes:
    """Extract one page; any exception travels back as itself (or as its text if it cannot)."""
    return answer(_extract, frame)


def _extract(task: tuple[Any, Any, Any]) -> Any:
    kind, fetched, source = task
    snapshot = kind.extract(fetched, source)
    _ = snapshot.fingerprint  # cached on the instance and pickled back with it
    prepare(snapshot, fetched)  # stored forms too (watcher/blobs.py): the store writes them as is
    attach_dates(snapshot, source)  # and the documents' dates (watcher/dates/carried.py)
    if delta_expected(fetched):  # a diff follows: the identities the kind knew go back worked out
        _ = known_identities(snapshot)
    else:  # a source's first version: no diff asks for its keys' identities (not worked out)
        forget_identities(snapshot)
    return snapshot


def serve() -> None:
    """The worker's loop, until the parent closes its end."""
    serve_frames(run_task)
