"""What is wrong with a database file that SQLite or the OS refused, said once, with the way out.

`explain(path, exc)` turns a `sqlite3.Error` or `OSError` met while opening or using the
database into a `watcher.errors.DatabaseError`: the path, what is wrong (not a SQLite file,
damaged or truncated, a directory, unreadable, read-only, on a filesystem that cannot hold
it) and how to recover (restore from a backup, or check it with `regwatch db check`). The
CLI prints it as one line and exits 2; no command shows a traceback for a bad database.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from watcher.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"

#: The oldest SQLite the store's statements run on: `UPDATE ... RETURNING` (3.35, March 2021;
#: watcher/db/documents.py), upserts (3.24), FTS5 and JSON. Python 3.11 carries the SQLite of
#: its build: Debian 12, Ubuntu 22.04 and python.org's builds have 3.37 or newer.
MIN_SQLITE = (3, 35, 0)

RESTORE = (
    "restore it from a backup (or move it aside to start a new history); "
    "`regwatch db check` reports what is wrong"
)


def explain(path: str | os.PathLike[str], exc: BaseException) -> DatabaseError:
    """The one message for `exc`, raised while opening or using the database at `path`."""
    where = Path(os.path.abspath(path))
    problem, fix = diagnose(where, exc)
    return DatabaseError(str(where), problem, fix)


def diagnose(path: Path, exc: BaseException) -> tuple[str, str]:
    """(what is wrong, how to recover) for an error met on the database at `path`."""
    text = str(exc).lower()
    if path.is_dir():
        return "is a directory, not a database file", "set `database` in the config (or --db) to a file path"
    if isinstance(exc, OSError):
        return _os_problem(path, exc)
    if "file is not a database" in text:
        return "is not a SQLite database (another kind of file, or its header is damaged)", RESTORE
    if "no such table" in text:
        return (
            "is not a regwatch database (it has none of regwatch's tables: empty, or another program's)",
            "point `database` (or --db) at the regwatch database; `regwatch db check` reports what it holds",
        )
    if "malformed" in text or "corrupt" in text:
        return "is damaged (truncated or corrupted)", RESTORE
    if "readonly" in text or "read-only" in text:
        return (
            "is read-only for this user",
            "give the user running regwatch write access to the file and its folder (chmod 600)",
        )
    if "locked" in text or "busy" in text:
        return (
            "is locked by another program",
            "close the program holding it (a SQLite shell, a backup) and retry",
        )
    if "full" in text:
        return "cannot grow: the disk is full", "free disk space (`regwatch vacuum` shrinks the history)"
    if "disk i/o" in text or "unable to open" in text:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            return (
                f"cannot be opened: the folder {folder} does not exist",
                "create the folder or fix the path",
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot be opened: the folder {folder} is not writable", "fix the folder's permissions"
        return (
            "cannot be read or written here (a special or read-only filesystem such as /proc,"
            " or a disk error)",
            "put the database on an ordinary local disk; " + RESTORE,
        )
    if isinstance(exc, sqlite3.Error):
        return f"cannot be used: {exc}", RESTORE
    return f"cannot be used: {type(exc).__name__}", RESTORE


def _os_problem(path: Path, exc: OSError) -> tuple[str, str]:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            "cannot be opened: permission denied",
            "give the user running regwatch access to the file and its folder",
        )
    if exc.errno == errno.EISDIR:
        return "is a directory, not a database file", "set `database` in the config (or --db) to a file path"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR) and path.exists():
        return (
            "is in a folder that cannot hold regwatch's files (such as /proc)",
            "set `database` in the config (or --db) to a file on an ordinary disk",
        )
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return (
            "cannot be created: its folder does not exist or cannot hold files (such as /proc)",
            "set `database` in the config (or --db) to a file on an ordinary disk",
        )
    if exc.errno == errno.ENOSPC:
        return "cannot grow: the disk is full", "free disk space (`regwatch vacuum` shrinks the history)"
    if exc.errno == errno.EROFS:
        return "is on a read-only filesystem", "put the database on a writable disk"
    return f"cannot be opened: {exc.strerror or type(exc).__name__}", RESTORE


def expected_size(head: bytes) -> int | None:
    """The size the header records (page size x page count), when that count is valid."""
    if len(head) < 100:
        return None
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if pages == 0 or head[24:28] != head[92:96]:  # "version-valid-for" must match the change counter
        return None
    return page_size * pages


def ensure_readable(path: str | os.PathLike[str]) -> None:
    """Raise the one clear DatabaseError unless `path` looks like a whole SQLite file, cheaply:
    for readers that hand the file to another program (`regwatch ui`)."""
    where = Path(path)
    try:
        with where.open("rb") as handle:
            head = handle.read(100)
        size = where.stat().st_size
    except OSError as exc:
        raise explain(where, exc) from exc
    if head[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise explain(where, sqlite3.DatabaseError("file is not a database"))
    expected = expected_size(head)
    if expected is not None and size < expected:
        raise explain(where, sqlite3.DatabaseError("database disk image is malformed"))


def check_sqlite(path: str | os.PathLike[str], version: tuple[int, ...] | None = None) -> None:
    """Refuse, with one clear message, a SQLite older than `MIN_SQLITE` (`version`, or that of
    this Python's sqlite3 module) before any statement fails on it halfway through a check."""
    version = sqlite3.sqlite_version_info if version is None else version
    if tuple(version) < MIN_SQLITE:
        have = ".".join(str(part) for part in version)
        need = ".".join(str(part) for part in MIN_SQLITE)
        raise DatabaseError(
            str(Path(os.path.abspath(path))),
            f"cannot be used with SQLite {have} (this Python's sqlite3 module); regwatch needs {need}"
            " or newer",
            "run regwatch with a Python built against a newer SQLite"
            " (python.org's, Debian 12, Ubuntu 22.04 or newer)",
        )
