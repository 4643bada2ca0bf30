"""The worker processes' frames and loop: a 4-byte big-endian length and a pickle, one task
answered after the other, over stdin and stdout (`watcher.check.extractworker`,
`watcher.check.linkworker`; the parent's side is `watcher.check.workerpipe`).

It imports nothing of regwatch's, so each worker loads only what its own tasks need.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import IO, Any

HEADER = struct.Struct(">I")


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


def answer(work: Callable[[Any], Any], frame: bytes) -> bytes:
    """`work` done on one task frame (unpickled), answered as `(True, result)` or
    `(False, the exception it raised)`; an exception that cannot be pickled travels as its text."""
    try:
        result: tuple[bool, Any] = (True, work(pickle.loads(frame)))
    except Exception as exc:
        result = (False, exc)
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that cannot be pickled
        return pickle.dumps((False, RuntimeError(f"{type(result[1]).__name__}: {result[1]} ({exc})")))


def serve_frames(run: Callable[[bytes], bytes]) -> None:
    """A worker's loop, until the parent closes its end: `run` answers each task frame."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks = sys.stdin.buffer
    # Answers go to a private copy of stdout; anything a library prints goes to stderr and
    # cannot corrupt a frame.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while (frame := read_frame(tasks)) is not None:
        write_frame(answers, run(frame))
