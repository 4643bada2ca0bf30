"""One extraction worker process seen from the event loop: its pipes, the tasks in them, their deadlines.

A worker reads task frames from its input pipe one after the other, so the parent keeps
the next task (or two) already written behind the one it is reading: when it answers, it
goes straight on, and never waits for the event loop to hand over a page while the loop
stores the check it just answered (issue 18: the two processes took turns). The pipes are
non-blocking and read and written by event-loop callbacks (`add_reader`/`add_writer`), so
nothing waits on a pipe and every state change below happens on the event loop's thread.

The tasks in a worker's pipe are in order; the first one is the one it is reading. Its
deadline (`Task.limit` seconds) runs from the moment it became the first, which is when
the worker answered the one before (or it was sent to an idle worker): time spent queued
behind another page does not count. When a task's worker ends without answering, only
that first task is to blame; the tasks behind it never started and go back to the
extractor's queue (`requeue`) for another worker, as if never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pickle
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from watcher.check.extractworker import BOOTSTRAP, FLAGS
from watcher.check.frames import HEADER, write_frame

#: What a worker answers: (True, snapshot) or (False, the exception the extraction raised).
Answer = tuple[bool, Any]
#: The pipes' capacity: a few tasks and answers (60 KB pages) fit, so neither side waits
#: for the other to read (Linux's default is 64 KB; 1 MB is the unprivileged maximum).
PIPE_BYTES = 1 << 20
READ_BYTES = 1 << 18


class WorkerDied(Exception):
    """The worker process ended before it answered (a crash in a parser, the OOM killer, a kill)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the extraction worker ended (exit code {exitcode})")
        self.exitcode = exitcode


class TimedOut(Exception):
    """The worker read one page for longer than the task's deadline; it was killed."""


class Task:
    """One extraction: the pickled (kind, fetched, source), its deadline, and the future its check awaits."""

    __slots__ = ("abandoned", "future", "limit", "payload", "timer", "written")

    def __init__(self, payload: bytes, limit: float, future: asyncio.Future[Answer]) -> None:
        self.payload = payload
        self.limit = limit
        self.future = future
        self.abandoned = False  # its check was cancelled; nobody waits for the answer
        self.written = False  # some of its frame is in the pipe: it cannot be taken back
        self.timer: asyncio.TimerHandle | None = None


class Worker:
    """A worker process and the tasks in its pipe (at most `depth`; the first is being read).

    It runs `python <flags> -c <bootstrap>` (the extraction worker's by default, without `site`).

    `requeue` takes back tasks that never started when the worker ends; `retire` hears
    that the worker ended (killed, timed out or died) and must leave the pool; `ready`
    hears that it answered and has room for another task.
    """

    def __init__(
        self,
        depth: int,
        *,
        requeue: Callable[[list[Task]], None],
        retire: Callable[[Worker], None],
        ready: Callable[[], None],
        bootstrap: str = BOOTSTRAP,
        flags: tuple[str, ...] = FLAGS,
    ) -> None:
        self.depth = depth
        self._requeue, self._retire, self._ready = requeue, retire, ready
        self.process = subprocess.Popen(
            [sys.executable, *flags, "-c", bootstrap], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin, self._stdout = self.process.stdin, self.process.stdout
        write_frame(self._stdin, pickle.dumps(sys.path))
        self._in, self._out = self._stdin.fileno(), self._stdout.fileno()
        for fd in (self._in, self._out):
            os.set_blocking(fd, False)
            _widen(fd)
        self.tasks: deque[Task] = deque()  # in the pipe, in order; tasks[0] is being read
        self._unsent: deque[tuple[Task, memoryview]] = deque()  # frames (or their rest) to write
        self._received = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.alive = True

    @property
    def load(self) -> int:
        """Tasks in its pipe, the one being read included."""
        return len(self.tasks)

    def submit(self, task: Task) -> None:
        """Queue a task behind those in the pipe (the caller checked `load < depth`)."""
        assert self.alive and len(self.tasks) < self.depth
        self._attach(asyncio.get_running_loop())
        self.tasks.append(task)
        frame = HEADER.pack(len(task.payload)) + task.payload
        self._unsent.append((task, memoryview(frame)))
        if len(self.tasks) == 1:
            self._begin(task)
        self._write()

    def abandon(self, task: Task) -> None:
        """Its check was cancelled: kill the worker if it is reading this page (a fresh one
        takes its place), forget it if none of it was written, else kill the worker when it
        reaches it (see `_begin`)."""
        task.abandoned = True
        if not self.alive or task not in self.tasks:
            return
        if task is self.tasks[0]:
            self.end(cause=None)
        elif not task.written:
            self.tasks.remove(task)
            self._unsent = deque(entry for entry in self._unsent if entry[0] is not task)

    def end(self, cause: BaseException | None) -> None:
        """Kill the worker; the task it was reading fails with `cause` (if any and still
        awaited), the tasks behind it go back to the queue."""
        if not self.alive:
            return
        self._shut()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self._settle(cause)
        self._reap_later()

    def stop(self) -> None:
        """Close its input (it exits at end of input), wait briefly, kill if it lingers."""
        self._shut()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Kill it and wait for it, outside any event loop (closing the extractor)."""
        self._shut()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()

    # -- event-loop callbacks ---------------------------------------------------------

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is loop:
            return
        self._detach()
        self._loop = loop
        loop.add_reader(self._out, self._on_readable)

    def _detach(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self._out)
            loop.remove_writer(self._in)

    def _write(self) -> None:
        while self._unsent:
            task, rest = self._unsent[0]
            try:
                sent = os.write(self._in, rest)
            except BlockingIOError:
                break
            except OSError:  # a broken pipe: the worker is gone; its end of output says so
                self._unsent.clear()
                break
            task.written = True
            if sent == len(rest):
                self._unsent.popleft()
            else:
                self._unsent[0] = (task, rest[sent:])
        if self._loop is not None:
            if self._unsent:
                self._loop.add_writer(self._in, self._write)
            else:
                self._loop.remove_writer(self._in)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._out, READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died()
            return
        self._received += data
        answered = False
        while self.alive and len(self._received) >= HEADER.size:
            size = HEADER.unpack_from(self._received)[0]
            end = HEADER.size + size
            if len(self._received) < end:
                break
            frame = bytes(self._received[HEADER.size : end])
            del self._received[:end]
            self._answer(frame)
            answered = True
        if answered and self.alive:
            self._ready()

    def _answer(self, frame: bytes) -> None:
        task = self.tasks.popleft()
        if task.timer is not None:
            task.timer.cancel()
        if self.tasks:
            self._begin(self.tasks[0])  # the worker went straight on to it
        if task.future.done():
            return
        try:
            answer: Answer = pickle.loads(frame)
        except Exception as exc:  # an exception class the parent cannot rebuild
            answer = (False, RuntimeError(f"unreadable answer from the extraction worker: {exc}"))
        task.future.set_result(answer)

    def _begin(self, task: Task) -> None:
        """The worker starts reading `task` now: its deadline starts."""
        if task.abandoned:  # nobody waits for it, and it may be the page that was too slow
            self.end(cause=None)
            return
        assert self._loop is not None
        task.timer = self._loop.call_later(task.limit, self._expire, task)

    def _expire(self, task: Task) -> None:
        if self.alive and self.tasks and self.tasks[0] is task:
            self.end(cause=TimedOut())

    def _died(self) -> None:
        """End of its output: it exited (or was killed by someone else) without answering."""
        self._shut()
        code = self.process.poll()
        if code is not None or not self.tasks:
            self._settle(WorkerDied(code))
            self._reap_later()
            return
        # It closed its output but has not been reaped yet: learn its exit code off the loop.
        head = self.tasks[0]
        self._settle(None, keep=head)
        assert self._loop is not None
        reaped = self._loop.run_in_executor(None, _wait, self.process)
        reaped.add_done_callback(lambda done: _fail(head, WorkerDied(done.result())))

    # -- ending -----------------------------------------------------------------------

    def _shut(self) -> None:
        self.alive = False
        self._detach()
        self._unsent.clear()
        for pipe in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                pipe.close()

    def _settle(self, cause: BaseException | None, *, keep: Task | None = None) -> None:
        """The worker is gone: fail the task it was reading, requeue the rest, leave the pool."""
        tasks, self.tasks = list(self.tasks), deque()
        for task in tasks:
            if task.timer is not None:
                task.timer.cancel()
                task.timer = None
        if tasks and tasks[0] is not keep:
            head = tasks[0]
            if cause is not None:
                _fail(head, cause)
        waiting = [task for task in tasks[1:] if not task.future.done()]
        for task in waiting:
            task.written = False
        self._retire(self)
        if waiting:
            self._requeue(waiting)

    def _reap_later(self) -> None:
        if self.process.poll() is not None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.run_in_executor(None, _wait, self.process)
        else:
            _wait(self.process)


def _fail(task: Task, cause: BaseException) -> None:
    if not task.future.done() and not task.future.get_loop().is_closed():
        task.future.set_exception(cause)


def _wait(process: subprocess.Popen[bytes]) -> int | None:
    try:
        return process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def _widen(fd: int) -> None:
    """Let the pipe hold `PIPE_BYTES` (best effort: the system may refuse)."""
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
