"""`regwatch demo`: the whole pipeline against a simulated regulator site on 127.0.0.1.

The site has a circulars listing that gains an item after the first pass and a
policy page whose paragraph is edited after the second, plus realistic noise on
every response (a rotating CSRF token, a "generated at" timestamp, a view counter,
re-ordered whitespace) that must not produce alerts.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

from watcher.config import parse_config
from watcher.db.store import Store
from watcher.service.runner import run_pass

CIRCULARS = [
    ("2024-09-12", "Circular 14/2024: ABHA number creation through Aadhaar OTP", "/circulars/14-2024.pdf"),
    ("2024-10-03", "Circular 15/2024: Health facility registry onboarding", "/circulars/15-2024.pdf"),
]
NEW_CIRCULAR = (
    "2024-11-21",
    "Circular 16/2024: Consent manager guidelines for HIE-CMs",
    "/circulars/16-2024.pdf",
)
POLICY_V1 = "Health data may be retained for 30 days after consent expires."
POLICY_V2 = "Health data must be deleted within 7 days after consent expires."


class DemoSite:
    """A tiny regulator site whose content moves forward one step per `advance()`."""

    def __init__(self) -> None:
        self.step = 0
        self.hits = itertools.count(1000)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> DemoSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def advance(self) -> None:
        self.step += 1

    def page(self, path: str) -> str | None:
        noise = (
            f'<input type="hidden" name="csrf_token" value="{time.time_ns():x}">'
            f"<p class='meta'>Page generated at {time.strftime('%H:%M:%S')} · views {next(self.hits)}</p>"
        )
        if path == "/circulars":
            rows = list(CIRCULARS) + ([NEW_CIRCULAR] if self.step >= 1 else [])
            items = "".join(
                f'<li class="circular"><time datetime="{d}">{d}</time>\n   <a href="{href}">{title}</a></li>'
                for d, title, href in reversed(rows)
            )
            return (
                f"<html><head><title>Circulars</title><script>var t={time.time()}</script></head>"
                f"<body><nav>Home · About</nav><ul id='circulars'>{items}</ul>{noise}</body></html>"
            )
        if path == "/policy":
            text = POLICY_V2 if self.step >= 2 else POLICY_V1
            return (
                f"<html><body><nav>Home</nav><main><h1>Data retention policy</h1>"
                f"<p>{text}</p><p>Contact the grievance officer for questions.</p>"
                f"<p>Page last reviewed: {time.strftime('%d %B %Y %H:%M:%S')}</p></main>{noise}</body></html>"
            )
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


#: Where the demo keeps its history (in the working directory, replaced on each run).
DEMO_DB = "regwatch-demo.db"


def demo_config(base: str, database: str):
    return parse_config(
        {
            "database": database,
            "allow_private": True,
            "sources": [
                {
                    "id": "demo-abdm-circulars",
                    "name": "ABDM circulars (simulated)",
                    "url": f"{base}/circulars",
                    "kind": "listing",
                    "select": "li.circular",
                    "title": "a",
                    "date": "time",
                    "tags": ["abdm"],
                    "jurisdiction": "IN",
                    "every": "1m",
                },
                {
                    "id": "demo-policy",
                    "name": "Data retention policy (simulated)",
                    "url": f"{base}/policy",
                    "kind": "page",
                    "select": "main",
                    "ignore": ["Page last reviewed: .*"],
                    "tags": ["dpdp"],
                    "jurisdiction": "IN",
                    "every": "1m",
                },
            ],
            "channels": [{"id": "console", "kind": "console"}],
        },
        path=None,
    )


def run_demo(*, passes: int = 3, interval: float = 1.0, db_path: str = DEMO_DB) -> None:
    """Run the passes against the simulated site; the history stays in `db_path` (a fresh
    file each run) so the hint printed at the end, and every history command, work after."""
    database = Path(db_path)
    for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    with DemoSite() as site:
        config = demo_config(site.url, str(database))
        store = Store(database)
        try:
            for number in range(1, passes + 1):
                click.echo(f"--- pass {number} (site step {site.step}) ---", err=True)
                result = asyncio.run(run_pass(config, store))
                for outcome in result.outcomes:
                    click.echo(f"    {outcome.source_id}: {outcome.summary or outcome.status}", err=True)
                site.advance()
                if number < passes:
                    time.sleep(interval)
            last = store.db.execute("SELECT max(id) FROM changes").fetchone()[0]
        finally:
            store.close()
    click.echo(f"demo done; its history is in {database}. Look at it again with:", err=True)
    if last is not None:
        click.echo(f"    regwatch --db {database} show {last}", err=True)
    click.echo(f"    regwatch --db {database} history", err=True)
