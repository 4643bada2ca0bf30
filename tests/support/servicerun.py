"""Run the real `regwatch run` service as a subprocess in tests, and poll what it did."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import warmcli

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


class Service:
    """`python -m watcher --config X run` with stdout/stderr captured to files."""

    def __init__(
        self,
        config: Path,
        *args: str,
        name: str = "service",
        env: dict[str, str] | None = None,
        options: tuple[str, ...] = (),
    ):
        self.config = config
        self.out_path = config.parent / f"{name}.out"
        self.err_path = config.parent / f"{name}.err"
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        full_env.pop("REGWATCH_CONFIG", None)
        full_env.pop("REGWATCH_DB", None)
        command = ["--config", str(config), *options, "run", *args]
        self.out_path.write_text("")
        self.err_path.write_text("")
        # forked from the warm helper that has the command line imported (tests/support/warmcli.py)
        self.proc = warmcli.start(
            command, cwd=config.parent, env=full_env, stdout=self.out_path, stderr=self.err_path
        )

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def wait_started(self, timeout: float = 20.0) -> Service:
        wait_for(
            lambda: "service started" in self.stderr or self.proc.poll() is not None,
            timeout,
            "the service to start",
        )
        assert self.proc.poll() is None, f"service exited early:\n{self.stderr}"
        return self

    def wait_log(self, text: str, timeout: float = 15.0) -> None:
        wait_for(lambda: text in self.stderr, timeout, f"{text!r} in the service log:\n{self.stderr}")

    @property
    def health_port(self) -> int:
        match = wait_for(
            lambda: re.search(r"health endpoint on http://127\.0\.0\.1:(\d+)/", self.stderr),
            10,
            "health port",
        )
        return int(match.group(1))

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        url = f"http://127.0.0.1:{self.health_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def healthz(self) -> dict[str, Any]:
        status, _, body = self.get("/healthz")
        assert status == 200, body
        return json.loads(body)

    def send(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def db_rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet
    finally:
        conn.close()


def check_count(db: Path, source_id: str, status: str | None = None) -> int:
    sql = "SELECT count(*) FROM checks WHERE source_id = ?"
    params: tuple[Any, ...] = (source_id,)
    if status:
        sql += " AND status = ?"
        params += (status,)
    rows = db_rows(db, sql, params)
    return rows[0][0] if rows else 0
