"""bench/profile.py --by-process: which process of the tree a py-spy sample came from, also when
py-spy recorded a process's command line as empty (it did for the main process, and every
main sample was then counted as the extraction worker's)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_profile():
    """bench/profile.py, loaded by path; the import path and the modules it adds (bench/ first,
    its `pages`, `run`, `server`) are put back after, so no later test imports the bench's
    `profile` for the standard library's."""
    path, modules = list(sys.path), set(sys.modules)
    try:
        spec = importlib.util.spec_from_file_location("bench_profile", ROOT / "bench" / "profile.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
        bench = str(ROOT / "bench")
        for name in set(sys.modules) - modules:
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(bench):
                del sys.modules[name]
    return module


MAIN_STACK = [
    "_run_module_as_main (<frozen runpy>:198)",
    "<module> (watcher/__main__.py:9)",
    "check (watcher/cli/checking.py:80)",
]
EXTRACT_STACK = ["<module> (<string>:5)", "serve (watcher/check/extractworker.py:60)"]
LINK_STACK = ["<module> (<string>:5)", "serve (watcher/check/linkworker.py:70)"]


def test_roles_from_the_command_line():
    role = load_profile().role
    assert role('process 1:"/usr/bin/python -m watcher check --config c.toml"') == "main"
    link = 'process 3:"/usr/bin/python -S -c import pickle\nfrom watcher.check.linkworker import serve"'
    assert role(link) == "linking worker"
    extract = 'process 2:"/usr/bin/python -S -c import pickle\nfrom watcher.check.extractworker import serve"'
    assert role(extract) == "extraction worker"


def test_roles_from_the_stack_when_the_command_is_empty():
    role = load_profile().role
    assert role('process 1:""', MAIN_STACK) == "main"
    assert role('process 2:""', LINK_STACK) == "linking worker"
    assert role('process 2:""', EXTRACT_STACK) == "extraction worker"


def test_summary_counts_main_samples_with_an_empty_command(tmp_path):
    profile = load_profile()
    collapsed = tmp_path / "profile.txt"
    collapsed.write_text(
        'process 1:"";' + ";".join(MAIN_STACK) + " 30\n"
        'process 1:"";process 2:"python -S -c x";' + ";".join(EXTRACT_STACK) + " 10\n",
        encoding="utf-8",
    )
    assert "30 samples of the main" in profile.summarize(collapsed, 5, only="main")
    assert "10 samples of the extraction worker" in profile.summarize(collapsed, 5, only="extraction worker")
