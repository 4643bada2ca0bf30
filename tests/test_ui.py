"""The browsing UI: Datasette over a history built by real checks, read-only, with our metadata."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from analyst_history import BASELINE_PARAS, FINAL_RULE, build_history
from localsite import Site
from presence import require

pytestmark = pytest.mark.ui

try:
    from watcher.history import ui as datasette_ui
except ImportError as exc:
    require(f"the ui extra (datasette) is not installed or does not import: {exc}", extra="ui")

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    site = Site()
    try:
        yield build_history(tmp_path_factory.mktemp("ui"), site)
    finally:
        site.close()


def get(history, *paths: str) -> list[httpx.Response]:
    """GET pages from a fresh Datasette app over the history database (its own test client)."""

    async def fetch():
        ds = datasette_ui.build(history.db)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


def rows(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text[:500]
    return response.json()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_canned_queries_answer_the_analyst_questions(history):
    timeline, by_regulator, as_it_was, failing, week = get(
        history,
        "/regwatch/change_timeline.json?source=us-hhs-security-rule&_shape=array",
        "/regwatch/new_documents_by_regulator.json?since=2024-07-01&until=2024-09-30&words=AI&_shape=array",
        "/regwatch/source_as_it_was.json?source=us-hhs-security-rule&at=2024-02-20&_shape=array",
        "/regwatch/sources_failing_now.json?_shape=array",
        "/regwatch/changes_this_week.json?_shape=array",
    )
    assert [(r["kinds"], r["summary"]) for r in rows(timeline)] == [("edited", "text edited (+1 / -1 lines)")]
    assert [(r["regulator"], r["documents"]) for r in rows(by_regulator)] == [("EDPB", 2), ("HHS", 1)]
    page = rows(as_it_was)
    assert page[0]["first_seen"].startswith("2024-01-10") and BASELINE_PARAS[1] in page[0]["text"]
    assert [r["id"] for r in rows(failing)] == ["in-meity-dpdp"]
    assert [r["summary"] for r in rows(week)] == [f"1 new item: \u201c{FINAL_RULE}\u201d"]


def test_tables_have_titles_facets_and_full_text_search(history):
    index, changes, searched, documents = get(
        history,
        "/regwatch",
        "/regwatch/changes_view.json?_shape=objects&_facet=source_id",
        "/regwatch/changes_view.json?_search=addressable&_shape=array",
        "/regwatch/items_view",
    )
    assert index.status_code == 200
    for title in (
        "Changes this week",
        "New documents by regulator",
        "Sources failing now",
        "Change timeline for a source",
    ):
        assert title in index.text
    data = changes.json()
    facets = data["facet_results"]
    facets = facets.get("results", facets)  # datasette 0.65 and 1.x shapes
    assert {"source_id", "tags", "jurisdiction"} <= set(facets)
    tags = {f["value"] for f in facets["tags"]["results"]}
    assert {"hipaa", "gdpr", "ai", "security"} <= tags
    assert [r["source_id"] for r in rows(searched)] == ["us-hhs-security-rule"]
    assert documents.status_code == 200 and "Documents" in documents.text and "jurisdiction" in documents.text


def test_the_ui_is_read_only(history):
    before = digest(history.db)
    write, pragma = get(
        history,
        "/regwatch.json?sql=DELETE+FROM+changes",
        "/regwatch.json?sql=select+count(*)+as+n+from+changes&_shape=array",
    )
    assert write.status_code == 400
    assert pragma.json() == [{"n": 7}]
    assert digest(history.db) == before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"regwatch ui exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout}s")


@pytest.fixture
def ui_server(history):
    """`regwatch ui` as a real process on a free port on 127.0.0.1."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--db", str(history.db), "ui", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_regwatch_ui_serves_the_history(ui_server):
    page = httpx.get(ui_server + "/regwatch/change_timeline?source=us-hhs-security-rule")
    assert page.status_code == 200 and "text edited (+1 / -1 lines)" in page.text


@pytest.mark.browser
def test_a_real_browser_finds_a_known_change_on_a_canned_query_page(ui_server):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        require(
            f"Chromium not installed at {CHROMIUM} (Debian package 'chromium'; .ci/install-chromium)",
            extra="browser",
        )
    try:
        from playwright import sync_api
    except ImportError:
        require("playwright not installed (the browser extra)", extra="browser")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(ui_server + "/regwatch/change_timeline?source=us-hhs-security-rule")
            cell = page.get_by_text("text edited (+1 / -1 lines)")
            cell.first.wait_for(timeout=15_000)
            assert (
                "Change timeline for a source" in page.title()
                or page.get_by_text("Change timeline for a source").count()
            )
            page.goto(ui_server + "/regwatch/changes_view?_search=addressable")
            assert page.get_by_text("us-hhs-security-rule").count() >= 1
        finally:
            browser.close()
