"""The extraction workers are slim child processes: no resource tracker, no application modules,
a crash retried once in a fresh worker, then reported as the source's failure."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from workerkinds import Crashing, Introspecting

from watcher.check.workers import ProcessExtractor
from watcher.errors import ExtractError
from watcher.model import FetchResult, Source

SUPPORT = Path(__file__).resolve().parent.parent / "support"
ROOT = SUPPORT.parent.parent


def page() -> FetchResult:
    body = b"<html><body>" + b"<p>x</p>" * 4000 + b"</body></html>"
    return FetchResult(url="https://example.gov/", final_url="https://example.gov/", status=200, body=body)


def source(kind: str) -> Source:
    return Source(id="t", url="https://example.gov/", kind=kind)


def test_a_worker_that_dies_twice_fails_the_source_and_the_next_page_gets_a_fresh_worker():
    async def go():
        with ProcessExtractor(1) as extractor:
            with pytest.raises(ExtractError) as caught:
                await extractor(Crashing(), page(), source("crashing"))
            assert caught.value.reason == "crash" and "exit code 70" in str(caught.value)
            snapshot = await extractor(Introspecting(), page(), source("introspecting"))
            assert snapshot.blocks[0] != str(os.getpid())

    asyncio.run(go())


def test_a_worker_outlives_an_event_loop():
    with ProcessExtractor(1) as extractor:
        first = asyncio.run(extractor(Introspecting(), page(), source("introspecting")))
        second = asyncio.run(extractor(Introspecting(), page(), source("introspecting")))
    assert first.blocks[0] == second.blocks[0]  # the same worker served both


SCRIPT = """
import asyncio, json, os, sys
from workerkinds import Introspecting
from watcher.check.workers import ProcessExtractor
from watcher.model import FetchResult, Source

def children():
    return [int(p) for t in os.listdir(f"/proc/{os.getpid()}/task")
            for p in open(f"/proc/{os.getpid()}/task/{t}/children").read().split()]

body = b"<html><body>" + b"<p>x</p>" * 4000 + b"</body></html>"
fetched = FetchResult(url="https://e.gov/", final_url="https://e.gov/", status=200, body=body)
with ProcessExtractor(1) as extractor:
    snapshot = asyncio.run(extractor(Introspecting(), fetched, Source(id="t", url="https://e.gov/", kind="x")))
    commands = [open(f"/proc/{pid}/cmdline").read() for pid in children()]
print(json.dumps({"modules": snapshot.blocks[1:], "children": commands}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads the process tree from /proc")
def test_one_child_per_worker_and_the_worker_loads_only_extraction():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SUPPORT)])}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["children"]) == 1  # the worker: no resource tracker beside it
    assert "extractworker" in report["children"][0]
    modules = set(report["modules"])
    assert "watcher.check.extractworker" in modules
    heavy = ("watcher.cli", "watcher.db", "watcher.net", "watcher.service", "watcher.config", "alerts",
             "sqlite_utils", "aiohttp", "httpx", "multiprocessing", "pebble", "asyncio")  # fmt: skip
    assert not sorted(m for m in modules if m.startswith(heavy))
    # It starts without `site` (`-S`): the parent's path comes in the first frame, and the
    # `.pth` files' imports (~20-30 ms of CPU at each start) are not its business.
    assert "\0-S\0" in report["children"][0]
    assert "site" not in modules
