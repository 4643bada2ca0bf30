"""The extraction worker process: read (kind, fetched, source) frames, answer with snapshots.

Started by `watcher.check.workers` as `python -c BOOTSTRAP` with pipes on stdin and stdout.
It imports only what extraction needs (the kind's module, unpickled by name, and the shared
values): not the command line, the database, the network or the scheduler. Each frame is a
4-byte big-endian length and a pickle. The first frame is the parent's `sys.path`, so the
worker can import whatever the parent can (as multiprocessing's spawn does); every next
frame is one task, answered by `(True, snapshot)` or `(False, exception)`. End of input
(the parent closed the pipe or died) ends the worker.

Why not multiprocessing or pebble: their spawn start also runs multiprocessing's resource
tracker, a third Python process (~14 MB) that regwatch needs for nothing, and the pool's
machinery in each worker (~10 MB); the parent keeps the guarantees itself (deadline, kill,
one retry after a crash) in `watcher.check.workers`.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import IO, Any

from watcher.blobs import prepare
from watcher.dates.carried import attach_dates

HEADER = struct.Struct(">I")

#: What the parent runs: read the path frame before importing anything of regwatch's.
BOOTSTRAP = (
    "import pickle, struct, sys\n"
    "size = struct.unpack('>I', sys.stdin.buffer.read(4))[0]\n"
    "sys.path[:] = pickle.loads(sys.stdin.buffer.read(size))\n"
    "from watcher.check.extractworker import serve\n"
    "serve()\n"
)


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame, or None at the end of the stream (also when it ends inside a frame)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    size = HEADER.unpack(header)[0]
    data = stream.read(size)
    return data if len(data) == size else None


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def run_task(frame: bytes) -> bytes:
    """Extract one page; any exception travels back as itself (or as its text if it cannot)."""
    try:
        kind, fetched, source = pickle.loads(frame)
        snapshot = kind.extract(fetched, source)
        _ = snapshot.fingerprint  # cached on the instance and pickled back with it
        prepare(snapshot, fetched)  # stored forms too (watcher/blobs.py): the store writes them as is
        attach_dates(snapshot, source)  # and the documents' dates (watcher/dates/carried.py)
        answer: tuple[bool, Any] = (True, snapshot)
    except Exception as exc:
        answer = (False, exc)
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that cannot be pickled
        return pickle.dumps((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]} ({exc})")))


def serve(run: Callable[[bytes], bytes] = run_task) -> None:
    """The worker's loop, until the parent closes its end (`run` answers one task frame)."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks = sys.stdin.buffer
    # Answers go to a private copy of stdout; anything a library prints goes to stderr and
    # cannot corrupt a frame.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while (frame := read_frame(tasks)) is not None:
        write_frame(answers, run(frame))
