"""Alert latency with the service running: from a change stored to Slack receiving it.

Run by hand (never a test):

    python bench/alert_latency.py                     # 10 sources every 1s, 40 changes
    python bench/alert_latency.py --sources 50 --changes 100 --gap 0.2

It starts the strict Slack-compatible server of tests/support/slackapi.py and a local listing site
(tests/support/localsite.py) on 127.0.0.1, writes a config with N listing sources checked
`every` second(s) and one Slack channel, runs the real `regwatch run` service in a
subprocess, then adds one item to a page every `gap` seconds (round-robin over the
sources) and measures, per change:

- stored -> received: `changes.detected_at` in the database (the moment the change is
  recorded, in the same transaction as its outbox row) to the moment the Slack server
  accepted the `chat.postMessage` carrying that change's idempotency key;
- published -> received: the page edit to Slack, which adds up to one check interval.

`--channels K` routes every change to K Slack channels, `--slack-delay S` makes the
server answer each call S seconds late (as slack.com over the internet; the message is
timed on arrival), `--burst B` edits B pages at once.

Target (issue 9): stored -> received median <= 1 s. Prints median, p95 and max; exits 1
when the target is missed or an alert never arrived.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from clirun import write_config  # noqa: E402
from localsite import LISTING_SOURCE, Site, listing_page  # noqa: E402
from slackapi import TOKEN, SlackServer  # noqa: E402

from watcher.config import parse_interval  # noqa: E402

OLD = [
    ("2024-10-01", "Settlement with Acme Health", "/news/acme.html"),
    ("2024-09-15", "Guidance on online tracking", "/news/tracking.html"),
]


class SlowSlack(SlackServer):
    """The test server, answering every API call `delay` seconds late (as slack.com over
    the internet would); the message is recorded, and timed, on arrival."""

    delay = 0.0

    def handle(self, method: str, params: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        answer = super().handle(method, params, auth)
        if self.delay:
            time.sleep(self.delay)
        return answer


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:7.0f} ms   p95 {percentile(values, 95) * 1000:7.0f} ms"
        f"   max {max(values) * 1000:7.0f} ms   min {min(values) * 1000:5.0f} ms"
    )


def interval(every: str) -> float:
    return parse_interval(every, "--every")


def stored(db: Path) -> dict[str, tuple[int, str, float]]:
    """idempotency key -> (change id, source id, detected_at as a Unix time)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute(
            "SELECT o.subject, o.channel, c.id, c.source_id, c.detected_at FROM outbox o"
            " JOIN changes c ON c.id = o.change_id"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    return {
        f"regwatch:{subject}:{channel}": (cid, sid, datetime.fromisoformat(detected).timestamp())
        for subject, channel, cid, sid, detected in rows
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10, help="listing sources (default 10)")
    parser.add_argument("--changes", type=int, default=40, help="changes to make (default 40, at least 30)")
    parser.add_argument("--every", default="1s", help="check interval of each source (default 1s)")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between edits (default 0.5)")
    parser.add_argument("--burst", type=int, default=1, help="pages edited at once per edit (default 1)")
    parser.add_argument(
        "--slack-delay", type=float, default=0.0, help="seconds Slack takes to answer each call (default 0)"
    )
    parser.add_argument("--channels", type=int, default=1, help="Slack channels hearing every change")
    parser.add_argument("--deliver-every", type=float, default=5.0, help="[service] deliver_every")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and service log")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="regwatch-latency-"))
    slack = SlowSlack()
    slack.delay = args.slack_delay
    for k in range(args.channels):
        slack.add_channel(f"C0BENCH{k:03d}", f"bench-{k}")
    received: dict[str, float] = {}
    lock = threading.Lock()

    def on_post(message: dict[str, Any]) -> None:
        key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        with lock:
            received.setdefault(key, time.time())

    slack.on_post = on_post
    site = Site()
    ids = [f"src-{i:03d}" for i in range(args.sources)]
    items = {sid: list(OLD) for sid in ids}
    for sid in ids:
        site.set(f"/{sid}", listing_page(items[sid]))
    config = write_config(
        work / "regwatch.toml",
        sources=[
            {"id": sid, "url": site.url(f"/{sid}"), "every": args.every, **LISTING_SOURCE} for sid in ids
        ],
        channels=[
            {
                "id": f"alerts-{k}",
                "kind": "slack",
                "slack_channel": f"C0BENCH{k:03d}",
                "api_url": slack.api_url,
            }
            for k in range(args.channels)
        ],
        limits={"per_host": 16, "concurrency": 16},
        service={"deliver_every": args.deliver_every},
    )
    db = work / "regwatch.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": TOKEN}
    env.pop("REGWATCH_CONFIG", None)
    env.pop("REGWATCH_DB", None)
    log = open(work / "service.log", "w")  # noqa: SIM115
    service = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(config), "run"],
        stdout=log,
        stderr=log,
        env=env,
        cwd=work,
    )
    published: dict[tuple[str, int], float] = {}
    try:
        wait = 60 + 0.25 * len(ids)  # first checks are staggered at start-up (watcher.service.scheduling)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            conn = sqlite3.connect(db, timeout=10) if db.exists() else None
            try:
                ready = conn and conn.execute(
                    "SELECT count(*) FROM sources WHERE latest IS NOT NULL"
                ).fetchone()[0] == len(ids)
            except sqlite3.OperationalError:
                ready = False
            finally:
                if conn:
                    conn.close()
            if ready:
                break
            if service.poll() is not None:
                raise SystemExit(f"the service exited: see {work / 'service.log'}")
            time.sleep(0.2)
        else:
            raise SystemExit(f"the sources' baselines were not stored within {wait:g} s")
        print(
            f"regwatch run: {len(ids)} sources every {args.every}, {args.changes} changes "
            f"{args.gap:g}s apart ({args.burst} page(s) at once), {args.channels} Slack channel(s) "
            f"answering in {args.slack_delay * 1000:.0f} ms, deliver_every {args.deliver_every:g}s",
            flush=True,
        )
        for n in range(args.changes):
            sid = ids[n % len(ids)]
            items[sid].insert(0, (f"2024-11-{n % 28 + 1:02d}", f"{sid} notice {n}", f"/{sid}/{n}.html"))
            site.set(f"/{sid}", listing_page(items[sid]))
            published[(sid, n)] = time.time()
            if (n + 1) % args.burst == 0:
                time.sleep(args.gap)
        # Wait for every edit to be stored as a change (edits of one page within one check
        # interval would merge; then give up waiting after a quiet while) and to arrive.
        expected = len(published) * args.channels
        last = time.monotonic()
        deadline = last + 120
        while time.monotonic() < deadline:
            keys = stored(db)
            with lock:
                arrived = all(key in received for key in keys)
            if arrived and (len(keys) == expected or time.monotonic() > last + 10 * interval(args.every)):
                break
            time.sleep(0.2)
    finally:
        service.terminate()
        service.wait(30)
        log.close()
        slack.close()
        site.close()

    keys = stored(db)
    latencies = [received[key] - detected for key, (_, _, detected) in keys.items() if key in received]
    missing = [key for key in keys if key not in received]
    # published -> received: the latest edit of that source made before the change was detected.
    end_to_end = []
    for key, (_, sid, detected) in keys.items():
        edits = [t for (s, _), t in published.items() if s == sid and t <= detected]
        if edits and key in received:
            end_to_end.append(received[key] - max(edits))
    counts = {sid: sum(1 for s, _ in published if s == sid) for sid in ids}
    changes = len({cid for cid, _, _ in keys.values()})
    print(
        f"changes made {sum(counts.values())}, stored {changes}; "
        f"alerts expected {len(keys)}, received {len(received)}"
    )
    if missing:
        print(f"NOT RECEIVED: {len(missing)} alert(s), e.g. {missing[:3]}")
    if latencies:
        print(f"stored -> Slack received   ({len(latencies)}): {summary(latencies)}")
    if end_to_end:
        print(f"page edit -> Slack received ({len(end_to_end)}): {summary(end_to_end)}")
    verdict = latencies and statistics.median(latencies) <= 1.0 and not missing
    print("target median <= 1 s:", "met" if verdict else "NOT met")
    if args.keep:
        print(f"work directory kept: {work}")
    else:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())
