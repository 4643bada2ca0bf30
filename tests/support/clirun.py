"""Run the real `regwatch` command line (and the reminder pass of tests/support/remindrun.py)
and write real config files, for tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import warmcli

ROOT = Path(__file__).resolve().parents[2]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def write_config(
    path: Path, *, sources: list[dict[str, Any]], channels: list[dict[str, Any]] | None = None, **top: Any
) -> Path:
    """Write a real regwatch.toml (allow_private on, since test servers live on 127.0.0.1)."""
    top.setdefault("allow_private", True)
    top.setdefault("database", str(path.parent / "regwatch.db"))
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items() if not isinstance(v, dict)]
    for key, value in top.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {toml_value(v)}" for k, v in value.items())
    for source in sources:
        lines.append("\n[[sources]]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in source.items())
    for channel in channels if channels is not None else [{"id": "console", "kind": "console"}]:
        lines.append("\n[[channels]]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in channel.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `regwatch` command line in a process of its own (forked from a warm helper
    that has imported it already, tests/support/warmcli.py)."""
    # The caller's REGWATCH_* never leak in; a test passes its own through `env`.
    inherited = {k: v for k, v in os.environ.items() if k not in ("REGWATCH_CONFIG", "REGWATCH_DB")}
    full_env = {**inherited, "PYTHONPATH": str(ROOT), **(env or {})}
    return warmcli.run([os.fspath(a) for a in args], cwd=cwd, env=full_env, timeout=timeout)


def run_remind(
    config: Path, moment: str, *more: str, env: Mapping[str, str] | None = None, crash: str = ""
) -> subprocess.CompletedProcess[str]:
    """One reminder-and-delivery pass at `moment` (tests/support/remindrun.py; `more` = "check"
    checks every source too) in its own process, with a bare environment plus `env`. With
    `crash` it runs with REGWATCH_CRASH_AT=crash and must be killed there (exit 137); without,
    it must not be."""
    full_env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})}
    if crash:
        full_env["REGWATCH_CRASH_AT"] = crash
    result = warmcli.run(
        [str(config), moment, *more],
        cwd=None,
        env=full_env,
        timeout=120,
        script=ROOT / "tests/support/remindrun.py",
    )
    assert (result.returncode == 137) == bool(crash), result.stderr
    return result
