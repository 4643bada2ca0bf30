"""The command line loads only the module of the command it runs, and still knows every command."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from watcher.cli import main
from watcher.cli.commands import COMMANDS, MODULES

ROOT = Path(__file__).resolve().parent.parent


def test_every_registered_command_is_in_the_lazy_list():
    for module in MODULES:
        importlib.import_module(module)
    ctx = click.Context(main)
    registered = {name: command.callback.__module__ for name, command in main.commands.items()}
    assert registered == COMMANDS
    assert main.list_commands(ctx) == sorted(COMMANDS)


def _modules_loaded_by(args: list[str], tmp_path: Path) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules `python -m watcher ARGS` has imported when it exits (written by an atexit hook)."""
    probe = tmp_path / "probe.py"
    out = tmp_path / "modules.json"
    probe.write_text(
        "import atexit, json, runpy, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['regwatch', *{args!r}]\n"
        "runpy.run_module('watcher', run_name='__main__')\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in ("REGWATCH_CONFIG", "REGWATCH_DB"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, str(probe)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    return set(json.loads(out.read_text(encoding="utf-8"))), done


def test_a_command_loads_its_own_module_and_not_the_others(tmp_path):
    loaded, done = _modules_loaded_by(["kinds"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "listing" in done.stdout
    assert "watcher.cli.setup" in loaded
    others = {m for m in MODULES if m != "watcher.cli.setup"}
    assert not others & loaded


def test_help_lists_every_command_with_its_help(tmp_path):
    loaded, done = _modules_loaded_by(["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.split("Commands:", 1)[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)
    assert "One pass over all (or the given) sources" in done.stdout
    assert set(MODULES) <= loaded


def _check_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "regwatch.toml"
    config.write_text(
        f'database = "{tmp_path / "regwatch.db"}"\nallow_private = true\n\n'
        '[[channels]]\nid = "console"\nkind = "console"\n\n'
        '[[sources]]\nid = "refused"\nurl = "http://127.0.0.1:1/"\nkind = "listing"\n'
        f'select = "li"\n{extra}',
        encoding="utf-8",
    )
    return config


def test_a_check_without_cron_schedules_loads_no_scheduler(tmp_path):
    """apscheduler is loaded by the first cron schedule (or a held digest), not by every check."""
    loaded, done = _modules_loaded_by(["--config", str(_check_config(tmp_path)), "check"], tmp_path)
    assert "refused: FAILED" in done.stderr
    assert "watcher.net.transport" in loaded  # it did fetch
    assert not {m for m in loaded if m.startswith("apscheduler")}
    loaded, done = _modules_loaded_by(
        ["--config", str(_check_config(tmp_path, 'cron = "0 9 * * 1-5"\n')), "check"], tmp_path
    )
    assert "refused: FAILED" in done.stderr
    assert "apscheduler.triggers.cron" in loaded


GC_PROBE = """
import atexit, gc, json, sys
seen = []
gc.callbacks.append(lambda phase, info: seen.append(phase))
import watcher.startup
at = {}  # "pause"/"resume": how many collection phases had been seen when first called
def noting(name):
    real = getattr(watcher.startup, name)
    def wrapper():
        at.setdefault(name, len(seen))
        real()
    setattr(watcher.startup, name, wrapper)
noting("pause")
noting("resume")
def done():
    early = at["resume"] - at["pause"] if len(at) == 2 else None
    state = {
        "enabled": gc.isenabled(),
        "frozen": gc.get_freeze_count(),
        "early": early,
        "threshold": gc.get_threshold(),
    }
    open(OUT, "w").write(json.dumps(state))
atexit.register(done)
"""


@pytest.mark.parametrize("entry", ["python -m watcher", "regwatch"])
def test_start_up_runs_without_the_garbage_collector_and_the_command_with_it(tmp_path, entry):
    """The program pauses the collector while it loads, and the command runs with it on,
    start-up's objects frozen (watcher/startup.py): as `python -m watcher` and as the
    `regwatch` console script (a script of that name, as pip writes it)."""
    out = tmp_path / "gc.json"
    args = ["--config", str(_check_config(tmp_path)), "check"]
    if entry == "regwatch":
        script = tmp_path / "bin" / "regwatch"
        script.parent.mkdir()
        run = "from watcher.cli import main\nsys.exit(main())\n"
        command = [sys.executable, str(script), *args]
    else:
        script = tmp_path / "probe.py"
        run = f"sys.argv = ['regwatch', *{args!r}]\nimport runpy\nrunpy.run_module('watcher', run_name='__main__')\n"
        command = [sys.executable, str(script)]
    script.write_text(f"OUT = {str(out)!r}\n" + GC_PROBE + run, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "refused: FAILED" in done.stderr, done.stderr
    state = json.loads(out.read_text(encoding="utf-8"))
    # No collection between the program's pause and the command's module loaded (counted from
    # the pause: the probe's own imports before it may collect, more so without .pyc files).
    assert state["early"] == 0
    assert state["enabled"] and state["frozen"] > 10_000  # then on, with start-up frozen
    # and collecting the youngest generation every 5,000 objects, not CPython's 700
    assert state["threshold"] == [5000, 10, 10]
