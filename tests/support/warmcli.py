"""A warm `python -m watcher` for the tests: one helper process imports the command line once,
then forks a fresh child process for every run. Each run is still its own process (its own
pid, exit code, signals, environment, working directory, stdout/stderr files, `os._exit`,
interpreter shutdown); only the import of the command line (~1.5 s, more on a loaded
machine) is paid once per test session instead of once per run.

Run as a script, this file is that helper (the "zygote"): it reads one JSON request a line on
stdin, forks, answers the child's pid, and answers its exit code when it ends. Imported, it
is the client: `run` (what `clirun.run_cli` and `run_remind` use) and `start` (a Popen-like
handle, what `servicerun.Service` uses). The variables the interpreter reads before any of our
code (PYTHON*, locale) are those the helper started with: a run that sets them differently gets
a helper of its own (`run_remind`'s bare environment has one).
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG")  # read by the interpreter before any of our code


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_PREFIXES)}


def _startup_key(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_startup_env(env).items()))


# ---- the client (imported by clirun and servicerun) ---------------------------------------


class _Zygote:
    """The helper process of this test session (one per pytest process, so one per xdist
    worker), with a thread reading its answers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        # the helper's own stderr: why it died, if it does
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (open for the helper's whole life)
        self.proc = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            cwd=ROOT,
        )
        self.changed = threading.Condition()
        self.asking = threading.Lock()
        self.forked: dict[int, int] = {}  # request number -> pid
        self.exits: dict[int, int] = {}  # pid -> exit code (as Popen.returncode)
        self.requests = 0
        self.dead = False
        threading.Thread(target=self._read, daemon=True, name="warmcli").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            answer = json.loads(line)
            with self.changed:
                if "returncode" in answer:
                    self.exits[answer["pid"]] = answer["returncode"]
                else:
                    self.forked[answer["request"]] = answer["pid"]
                self.changed.notify_all()
        with self.changed:
            self.dead = True
            self.changed.notify_all()

    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None

    def failure(self, what: str) -> RuntimeError:
        self.log.seek(0)
        said = self.log.read().decode("utf-8", "replace")
        return RuntimeError(f"the warm regwatch helper process {what}:\n{said}")

    def spawn(self, request: dict[str, Any]) -> int:
        """Fork a child for `request`; its pid."""
        assert self.proc.stdin is not None
        with self.asking:
            self.requests += 1
            number = self.requests
            self.proc.stdin.write(json.dumps({**request, "request": number}).encode() + b"\n")
            self.proc.stdin.flush()
        with self.changed:
            if not self.changed.wait_for(lambda: number in self.forked or self.dead, 60) or self.dead:
                raise self.failure("did not fork")
            return self.forked.pop(number)

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The child's exit code once it ended; None if `timeout` passes first."""
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or self.dead, timeout)
            if pid not in self.exits and self.dead:
                raise self.failure("died")
            return self.exits.get(pid)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


_zygotes: dict[tuple[tuple[str, str], ...], _Zygote] = {}  # by the start-up variables they run with
_starting = threading.Lock()


def _helper(env: dict[str, str]) -> _Zygote:
    """The helper whose interpreter started with `env`'s start-up variables."""
    key = _startup_key(env)
    with _starting:
        helper = _zygotes.get(key)
        if helper is None or not helper.alive():
            rest = {k: v for k, v in os.environ.items() if not k.startswith(STARTUP_PREFIXES)}
            helper = _zygotes[key] = _Zygote({**rest, **dict(key)})
        return helper


class WarmProcess:
    """What tests use of `subprocess.Popen` (pid, returncode, poll, wait, send_signal, kill,
    terminate), for a child of the helper."""

    def __init__(self, helper: _Zygote, pid: int, args: list[str]) -> None:
        self.helper = helper
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.helper.exit_code(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.helper.exit_code(self.pid, timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start(
    args: list[str],
    *,
    cwd: Path | None,
    env: dict[str, str],
    stdout: Path,
    stderr: Path,
    script: Path | None = None,
) -> WarmProcess:
    """Start `python -m watcher *args` (or `python script *args`) with its output going to the
    files `stdout` and `stderr`."""
    helper = _helper(env)
    request = {
        "args": args,
        "script": None if script is None else str(script),
        "cwd": str(cwd if cwd is not None else Path.cwd()),
        "env": env,
        "stdout": str(stdout),
        "stderr": str(stderr),
    }
    command = [sys.executable, *(["-m", "watcher"] if script is None else [str(script)]), *args]
    return WarmProcess(helper, helper.spawn(request), command)


def _decode(data: bytes) -> str:
    # as subprocess.run(text=True) does: the locale's encoding, universal newlines
    import locale

    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def run(
    args: list[str],
    *,
    cwd: Path | None,
    env: dict[str, str],
    timeout: float | None,
    script: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m watcher *args` (or `python script *args`) as subprocess.run(capture_output=True,
    text=True, timeout=...) returns it."""
    with tempfile.TemporaryDirectory(prefix="warmcli-") as scratch:
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        out.touch()
        err.touch()
        process = start(args, cwd=cwd, env=env, stdout=out, stderr=err, script=script)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:  # as subprocess.run does: kill, wait, raise
            process.kill()
            process.wait()
            raise subprocess.TimeoutExpired(
                process.args, timeout or 0, out.read_bytes(), err.read_bytes()
            ) from None
        return subprocess.CompletedProcess(
            process.args, code, _decode(out.read_bytes()), _decode(err.read_bytes())
        )


# ---- the helper (run as a script) ----------------------------------------------------------


def _serve() -> dict[str, Any]:
    """Fork a child per request and report on it; returns only in a child, with its request."""
    import importlib

    import watcher.cli  # noqa: F401  (the expensive import, done once, before any fork)
    from watcher.cli.commands import COMMANDS

    # The command line loads a command's module only when it runs (watcher/cli/lazy.py); the
    # helper loads them all once, so no child pays for the module of the command it runs.
    for module in sorted(set(COMMANDS.values())):
        importlib.import_module(module)

    assert threading.active_count() == 1, "no threads may run in the helper when it forks"
    gc.freeze()  # the imported modules stay shared with the children, not copied by the collector
    children: dict[int, int] = {}  # pidfd -> pid
    pending = b""

    def answer(message: dict[str, Any]) -> None:
        os.write(1, json.dumps(message).encode() + b"\n")

    while True:
        ready, _, _ = select.select([0, *children], [], [])
        for fd in ready:
            if fd != 0:
                pid = children.pop(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                answer({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)})
                continue
            chunk = os.read(0, 65536)
            if not chunk:  # the test session ended
                sys.exit(0)
            pending += chunk
            while b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    for other in children:
                        os.close(other)
                    return request
                children[os.pidfd_open(pid)] = pid
                answer({"request": request["request"], "pid": pid})


def _become(request: dict[str, Any]) -> None:
    """In the forked child: take the run's directory, environment and output files, then run
    `python -m watcher` as the interpreter would (SystemExit ends it with a normal shutdown)."""
    import importlib
    import runpy

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    for fd, path, flags in (
        (0, os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(path, flags, 0o644)
        os.dup2(opened, fd)
        os.close(opened)
    # the one module that reads the environment when it is imported (the tests' crash points)
    from watcher.db import crashpoints

    importlib.reload(crashpoints)
    script = request["script"]
    if script is None:
        sys.path[0] = os.getcwd()  # what `python -m` puts first on the path
        sys.argv = ["-m", *request["args"]]
        runpy.run_module("watcher", run_name="__main__", alter_sys=True)
    else:
        sys.path[0] = os.path.dirname(script)  # what `python script` puts first
        sys.argv = [script, *request["args"]]
        runpy.run_path(script, run_name="__main__")
    sys.exit(0)


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # not tests/support: the command line must not see the test helpers
    _become(_serve())
