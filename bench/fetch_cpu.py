"""CPU per fetched page in the main process: the fetcher alone, and its bot-wall check.

Serves N bench pages (bench/pages.py, 40-80 KB) from nginx on 127.0.0.1 (bench/server.py)
and fetches them all with a `Fetcher` as a pass does (16 at a time, its own client: the
direct path over aiohttp), five rounds after a warm-up, printing process CPU (user + system)
per fetch; then `botwall.detect` alone on the same pages (200, text/html). Run it for two
checkouts alternately to compare them (a shared machine's load moves every figure):

    PYTHONPATH=. python bench/fetch_cpu.py [--n 1000] [--rounds 5] [--no-wall]

`--no-wall` replaces the bot-wall check with nothing, to see what the fetch itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
from server import Server  # noqa: E402

from watcher.net import botwall  # noqa: E402
from watcher.net import fetch as fetch_module  # noqa: E402
from watcher.net.fetch import Fetcher, FetchPolicy, Request  # noqa: E402


async def fetch_rounds(base: str, n: int, rounds: int) -> list[float]:
    urls = [f"{base}{pages.url_path(i)}" for i in range(n)]
    async with Fetcher(FetchPolicy(concurrency=16, per_host=16)) as fetcher:

        async def one(url: str) -> None:
            result = await fetcher.fetch(Request(url, allow_private=True))
            assert result.status == 200 and len(result.body) > 30_000

        await asyncio.gather(*(one(u) for u in urls[:50]))  # connections and imports
        per_fetch = []
        for _ in range(rounds):
            started = time.process_time()
            await asyncio.gather(*(one(u) for u in urls))
            per_fetch.append((time.process_time() - started) / n * 1e6)
    return per_fetch


def detect_rounds(site: Path, count: int, rounds: int) -> list[float]:
    bodies = [pages.page_path(site, i).read_bytes() for i in range(count)]
    headers = {"content-type": "text/html; charset=utf-8"}
    per_page = []
    for _ in range(rounds):
        started = time.process_time()
        for body in bodies:
            botwall.detect(200, headers, body)
        per_page.append((time.process_time() - started) / count * 1e6)
    return per_page


def show(what: str, figures: list[float]) -> None:
    print(f"{what}: min {min(figures):.0f} median {statistics.median(figures):.0f} µs CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-wall", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "fetch_cpu")
    args = parser.parse_args()
    site = args.work / "site"
    if not (site / "state.json").exists() or len(list(site.rglob("*.html"))) < args.n:
        pages.generate(site, args.n, 7)
    if args.no_wall:
        fetch_module.bot_wall_error = lambda *a, **k: None  # type: ignore[assignment]
    with Server(site, args.work, prefer_nginx=True) as server:
        show(
            f"fetch{'' if args.no_wall else ' + bot-wall check'} per page",
            asyncio.run(fetch_rounds(server.base, args.n, args.rounds)),
        )
    show("bot-wall check per page", detect_rounds(site, min(args.n, 100), args.rounds))


if __name__ == "__main__":
    main()
