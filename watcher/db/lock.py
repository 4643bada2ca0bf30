"""One writer per database: an exclusive `flock` on `<database>.lock`, held for the process's life.

`regwatch run` holds it while the service runs; `regwatch check` and `regwatch deliver`
hold it for their pass. Two writers at once could detect the same change twice or send
one outbox row twice, so the second one refuses with a message naming the holder. The
kernel drops the lock when its process dies (even by SIGKILL), so no stale lock survives
a crash; the file's text (pid, command, start time) is only for messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from watcher.db.trouble import explain
from watcher.errors import WatchError

ACQUIRE_WAIT = 1.0  # a brief wait covers `regwatch status` probing the lock at the same moment


def lock_path(database: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(database)}.lock")


class DatabaseLock:
    """An exclusive lock on a database, for one command of this process."""

    def __init__(self, database: str | os.PathLike[str], command: str) -> None:
        self.path = lock_path(database)
        self.database = os.fspath(database)
        self.command = command
        self._fd: int | None = None

    def acquire(self, *, wait: float = ACQUIRE_WAIT) -> None:
        """Take the lock or raise WatchError saying which process has it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:  # the database's folder is missing, read-only or not a real disk
            raise explain(self.database, exc) from exc
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WatchError(busy_message(self.database, holder(self.database))) from None
                time.sleep(0.05)
        info = {"pid": os.getpid(), "command": self.command, "since": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(database: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Who holds the database's lock right now ({pid, command, since}), or None if nobody."""
    path = lock_path(database)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                data = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
            except (ValueError, UnicodeDecodeError):
                data = {}
            return data if isinstance(data, dict) else {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def busy_message(database: str, info: dict[str, Any] | None) -> str:
    who = "another regwatch process"
    if info and info.get("pid"):
        who = f"`regwatch {info.get('command', '?')}` (pid {info['pid']}, since {info.get('since', '?')})"
    advice = (
        "the service already checks every source on its schedule and delivers alerts; "
        "stop it first (SIGTERM) to run this command"
        if info and info.get("command") == "run"
        else "wait for it to finish"
    )
    return f"the database {database} is in use by {who}; {advice}"
