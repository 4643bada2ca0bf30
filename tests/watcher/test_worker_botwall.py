"""A page read in an extraction worker is checked for a bot wall there, not in the fetch
(watcher/net/wallcheck.py), and the check ends exactly as when the fetch checks it: the same
failure, reason, error, HTTP status and Retry-After, the same rows in every table, the same
verdict told to the fetcher's hooks; the main process does not run the check for it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from localsite import LISTING_SOURCE, Site, listing_page
from passes import make_config
from wallpages import AKAMAI, CAPTCHA, CLOUDFLARE, INCAPSULA, SOFT_404

import watcher.net.botwall
import watcher.net.wallcheck
from watcher.check.pipeline import extract_inline
from watcher.check.workers import MIN_BYTES, ProcessExtractor
from watcher.db.store import Store
from watcher.net.fetch import Fetcher, FetchEvent
from watcher.service.runner import fetch_policy, run_pass

PAGES = Path(__file__).resolve().parent.parent / "pages"
#: A real 23 KB page the check takes for a challenge (a reCAPTCHA form, little text): big
#: enough to be read in a worker with the extractor's usual threshold.
RECAPTCHA = (PAGES / "botwall" / "womencantalksports.com.top10.html").read_bytes()
#: A real 54 KB public-sector page, watched with a configured marker it contains.
BRANDENBURG = (PAGES / "html-trafilatura" / "brandenburg.de.homo-brandenburgensis.html").read_bytes()


def notices(count: int, start: int = 0) -> str:
    items = [(f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", f"Notice {n} on the minimum necessary standard",
              f"/notice/{n}") for n in range(start, start + count)]  # fmt: skip
    return listing_page(items)


LISTING = {**LISTING_SOURCE, "id": "us-test-news"}
PAGE = {"id": "de-bb-page", "kind": "page", "select": "main"}
# (what, source, [(body, status, headers) served before each pass]): a baseline, the wall
# twice (the second one counts against the source's health), then the page back.
CASES: list[tuple[str, dict[str, Any], list[tuple[bytes, int, dict[str, str]]]]] = [
    (what, LISTING, [(notices(120).encode(), 200, {}), (wall, status, headers), (wall, status, headers),
                     (notices(120).encode(), 200, {})])
    for what, wall, status, headers in [
        ("akamai", AKAMAI, 200, {}),
        ("cloudflare", CLOUDFLARE, 200, {"retry-after": "120"}),
        ("captcha", CAPTCHA, 200, {}),
        ("incapsula", INCAPSULA, 200, {}),
        ("soft-404", SOFT_404, 200, {}),
        ("real-recaptcha-page", RECAPTCHA, 200, {}),
        ("akamai-403", AKAMAI, 403, {}),  # an error answer: checked in the fetch either way
    ]
] + [
    ("configured-marker", {**PAGE, "bot_markers": ["Homo Brandenburgensis"]},
     [(BRANDENBURG.replace(b"Homo Brandenburgensis", b"Homo sapiens"), 200, {}), (BRANDENBURG, 200, {}),
      (BRANDENBURG, 200, {}), (BRANDENBURG.replace(b"Homo Brandenburgensis", b"Homo sapiens"), 200, {})]),
]  # fmt: skip


def run(site: Site, tmp: Path, source: dict[str, Any], served: list, extract: Any) -> tuple[list, list, dict]:
    """The passes over `served` through `extract`: each pass's outcome, the fetcher's events,
    and every table's rows (less check durations)."""
    tmp.mkdir()
    db = tmp / "regwatch.db"
    config = make_config(tmp, [{**source, "url": site.url("/news")}], database=str(db))
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    outcomes: list[tuple[Any, ...]] = []
    events: list[FetchEvent] = []
    for body, status, headers in served:
        site.set("/news", body, status=status, headers=headers)
        store = Store(db)
        try:

            async def one_pass(store: Store, at: datetime) -> Any:
                async with Fetcher(fetch_policy(config), on_fetch=[events.append]) as fetcher:
                    return await run_pass(
                        config, store, clock=lambda: at, deliver=False, extract=extract, fetcher=fetcher
                    )

            [outcome] = asyncio.run(one_pass(store, moment)).outcomes
        finally:
            store.close()
        outcomes.append((outcome.status, outcome.reason, outcome.error, outcome.http_status))
        moment += timedelta(minutes=1)
    return outcomes, [(e.url, e.ok, e.reason) for e in events], tables(db)


def tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dumped = {}
        for name in names:
            if name == "_sqlite_migrations":  # when each migration ran
                continue
            columns = [
                r[1] for r in connection.execute(f"PRAGMA table_info('{name}')") if r[1] != "duration_ms"
            ]
            if columns:
                quoted = ", ".join(f'"{c}"' for c in columns)
                rows = connection.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
                if name == "evidence":  # the test server's Date header: when the pass ran
                    at = columns.index("headers")
                    rows = [(*r[:at], undated(r[at]), *r[at + 1 :]) for r in rows]
                dumped[name] = sorted(rows, key=repr)
    return dumped


def undated(headers: str) -> str:
    return json.dumps([[k, v] for k, v in json.loads(headers) if k.lower() != "date"])


@pytest.mark.parametrize(("what", "source", "served"), CASES, ids=[c[0] for c in CASES])
def test_a_wall_read_in_a_worker_fails_the_check_as_one_the_fetch_checks(
    site, tmp_path, what, source, served
):
    with ProcessExtractor(1, min_bytes=0 if len(served[1][0]) < MIN_BYTES else MIN_BYTES) as extractor:
        worker = run(site, tmp_path / "worker", source, served, extractor)
        assert extractor._pool  # the pages went to a worker
    inline = run(site, tmp_path / "inline", source, served, extract_inline)
    assert worker[0] == inline[0]
    assert [o[:2] for o in worker[0]] == [("baseline", None), ("failed", "bot_wall"), ("failed", "bot_wall"),
                                         ("unchanged", None)]  # fmt: skip
    assert worker[1] == inline[1]  # the hooks heard the same verdicts
    assert sum(not ok and reason == "bot_wall" for _, ok, reason in worker[1]) == 2
    assert worker[2] == inline[2]
    assert worker[2]["checks"] and worker[2]["sources"]


def test_the_main_process_leaves_the_check_of_a_worker_page_to_the_worker(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A page big enough for a worker is checked there; a small one is checked in the main
    process, as are error answers, before anything reads them."""
    seen: list[int] = []
    real = watcher.net.botwall.detect

    def counted(status: int, headers: Any, body: bytes, markers: Any = ()) -> Any:
        seen.append(len(body))
        return real(status, headers, body, markers)

    monkeypatch.setattr(watcher.net.botwall, "detect", counted)
    monkeypatch.setattr(watcher.net.wallcheck, "detect", counted)
    served = [(notices(120).encode(), 200, {}), (RECAPTCHA, 200, {}), (notices(3).encode(), 200, {}),
              (AKAMAI, 403, {})]  # fmt: skip
    assert len(served[0][0]) >= MIN_BYTES and len(RECAPTCHA) >= MIN_BYTES and len(served[2][0]) < MIN_BYTES
    with ProcessExtractor(1) as extractor:
        outcomes = run(site, tmp_path / "worker", LISTING, served, extractor)[0]
    assert [o[:2] for o in outcomes] == [("baseline", None), ("failed", "bot_wall"), ("changed", None),
                                        ("failed", "bot_wall")]  # fmt: skip
    # (robots.txt answers 404 here: checked with no body, as every error answer is)
    assert sorted(n for n in seen if n) == sorted([len(served[2][0]), len(AKAMAI)])  # not the big pages
