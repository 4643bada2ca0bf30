"""Secrets never leak, the database is private, and the network guard holds.

- Tokens and webhook secrets live in environment variables named by the config; a
  test runs every command with failures on purpose (sources failing, a Slack/webhook
  endpoint that answers errors *echoing the request headers back*), then greps all
  the program wrote: stdout, stderr (debug and JSON logs), the database and its -wal/-shm.
- The database, its WAL and shared-memory files are created 0600, even under umask 000.
- `allow_private = false` refuses private, loopback and link-local addresses on the first
  hop and on every redirect hop.
- The health endpoint binds to 127.0.0.1 by default.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpserve
import httpx
import pytest
from clirun import ROOT, run_cli, write_config
from httpserve import LocalServer, Reply, json_reply
from localsite import LISTING_SOURCE, listing_page

from alerts.registry import CHANNELS
from watcher.config import Service, load_config
from watcher.errors import FetchError
from watcher.net.addresses import check_public
from watcher.net.fetch import Fetcher, FetchPolicy, Request

TOKEN = "xoxb-SECRET-1234567890-abcdefABCDEF"
WEBHOOK_SECRET = "whsec-SECRET-0987654321-zyxwvu"
HOOK_URL_SECRET = "T000/B000/SECRETHOOKPATH123"
SECRETS = (TOKEN, WEBHOOK_SECRET, HOOK_URL_SECRET)
ENV = {"SLACK_BOT_TOKEN": TOKEN, "REGWATCH_WEBHOOK_SECRET": WEBHOOK_SECRET}


class Echo:
    """A hostile or broken endpoint: answers 500 with the request's headers, path and body."""

    def __init__(self) -> None:
        self.http = LocalServer(self._respond)

    def url(self, path: str = "/") -> str:
        return self.http.url(path)

    def close(self) -> None:
        self.http.close()

    def _respond(self, request: httpserve.Request) -> Reply:
        error = f"internal_error echo {request.path} {request.headers} {request.body[:500]!r}"
        return json_reply(json.dumps({"ok": False, "error": error}), status=500)


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = Echo()
    yield server
    server.close()


def secret_channels(echo: Echo) -> list[dict[str, Any]]:
    """Every channel kind that takes a secret, pointed at the echoing endpoint."""
    channels: list[dict[str, Any]] = [{"id": "console", "kind": "console"}]
    if "slack" in CHANNELS:
        fields = {f.name for f in dataclasses.fields(CHANNELS["slack"].Options)}
        channels.append(
            {
                "id": "slack",
                "kind": "slack",
                "slack_channel": "#compliance",
                "token_env": "SLACK_BOT_TOKEN",
                "api_url": echo.url("/api/"),
            }
        )
        if "webhook_url_env" in fields:
            channels.append(
                {
                    "id": "slack-hook",
                    "kind": "slack",
                    "slack_channel": "#compliance",
                    "webhook_url_env": "REGWATCH_SLACK_HOOK",
                }
            )
    if "webhook" in CHANNELS:
        channels.append(
            {
                "id": "hook",
                "kind": "webhook",
                "url": echo.url("/hook"),
                "secret_env": "REGWATCH_WEBHOOK_SECRET",
            }
        )
    return channels


def written_by_the_program(results: list[subprocess.CompletedProcess[str]], tmp_path: Path) -> str:
    """Everything regwatch wrote: its outputs and every file in its directory (DB, WAL, logs)."""
    parts = [r.stdout + r.stderr for r in results]
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "regwatch.toml":
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def run_everything(
    config: Path, tmp_path: Path, env: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    base = ["--config", str(config)]
    results = []
    for args in (
        ["-vv", "check"],
        ["--log-format", "json", "-vv", "check"],
        ["-vv", "deliver"],
        ["history"],
        ["history", "--json"],
        ["show", "1"],
        ["show", "1", "--json"],
        ["show", "999"],
        ["sources"],
    ):
        results.append(run_cli(*base, *args, env=env))
    return results


def test_secrets_never_reach_output_logs_or_database(site, echo, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    site.set("/broken", "oops", status=500)
    sources = [
        {"id": "news", "name": "News", "url": site.url("/news"), **LISTING_SOURCE},
        {"id": "broken", "url": site.url("/broken"), **LISTING_SOURCE},
        {"id": "redesigned", "url": site.url("/news"), "kind": "page", "select": "main.gone"},
    ]
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=sources,
        channels=secret_channels(echo),
        health={"after_failures": 1},
    )
    env = {**ENV, "REGWATCH_SLACK_HOOK": echo.url("/services/" + HOOK_URL_SECRET)}
    results = [run_cli("--config", str(config), "-vv", "check", env=env)]
    site.set(
        "/news",
        listing_page(
            [("2024-10-02", "Second notice", "/n/2.html"), ("2024-10-01", "First notice", "/n/1.html")]
        ),
    )
    results += run_everything(config, tmp_path, env)

    assert results[0].returncode == 1  # sources failed on purpose
    assert any("Second notice" in r.stdout for r in results), "a change was alerted"
    everything = written_by_the_program(results, tmp_path)
    assert "HTTP 500" in everything and "matched nothing" in everything  # failures were written
    for secret in SECRETS:
        assert secret not in everything
        assert secret.split("-SECRET-")[-1] not in everything


@pytest.mark.skipif(
    not {"slack", "webhook"} & set(CHANNELS), reason="needs a channel kind that takes a secret (issue #4)"
)
def test_channel_errors_are_recorded_without_the_secret(site, echo, tmp_path):
    """The echoing endpoint puts the Authorization header in its error body: what regwatch
    records of that error (outbox last_error) must still not contain the secret."""
    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[{"id": "news", "url": site.url("/news"), **LISTING_SOURCE}],
        channels=secret_channels(echo),
    )
    env = {**ENV, "REGWATCH_SLACK_HOOK": echo.url("/services/" + HOOK_URL_SECRET)}
    run_cli("--config", str(config), "check", env=env)
    site.set(
        "/news",
        listing_page([("2024-10-02", "New", "/n/2.html"), ("2024-10-01", "First notice", "/n/1.html")]),
    )
    result = run_cli("--config", str(config), "-vv", "check", env=env)
    errors = [
        e for (e,) in sqlite3.connect(tmp_path / "regwatch.db").execute("SELECT last_error FROM outbox")
    ]
    assert any(errors), "the failing channels recorded their errors"
    for secret in SECRETS:
        assert all(secret not in (e or "") for e in errors)
        assert secret not in result.stdout + result.stderr


# -- the database is private --------------------------------------------------------------


def test_database_wal_and_shm_are_created_0600_even_under_umask_000(tmp_path):
    script = (
        "import os, stat, sys\n"
        "os.umask(0)\n"
        "from watcher.db.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "store.db.execute('CREATE TABLE t (x)')\n"
        "store.db.execute('INSERT INTO t VALUES (1)')\n"
        "store.db.conn.commit()\n"
        "for suffix in ('', '-wal', '-shm'):\n"
        "    print(suffix or 'db', oct(stat.S_IMODE(os.stat(sys.argv[1] + suffix).st_mode)))\n"
        "store.close()\n"
    )
    db = tmp_path / "private" / "regwatch.db"
    out = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["db", "0o600", "-wal", "0o600", "-shm", "0o600"]


def test_the_cli_creates_a_private_database(site, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    config = write_config(
        tmp_path / "regwatch.toml", sources=[{"id": "n", "url": site.url("/news"), **LISTING_SOURCE}]
    )
    assert run_cli("--config", str(config), "check").returncode == 0
    assert stat.S_IMODE((tmp_path / "regwatch.db").stat().st_mode) == 0o600


# -- private addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "127.0.0.1",
        "127.1",
        "0x7f000001",
        "0.0.0.0",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "fe80::1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "fc00::1",
    ],
)
def test_the_guard_refuses_non_public_addresses(host):
    with pytest.raises(FetchError) as info:
        asyncio.run(check_public(host, 80))
    assert info.value.reason == "blocked" and "allow_private" in str(info.value)


def test_the_guard_lets_public_addresses_through():
    asyncio.run(check_public("8.8.8.8", 443))
    asyncio.run(check_public("2606:4700:4700::1111", 443))


PUBLIC = "93.184.215.14"


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names for the redirect tests: `public.example` resolves to a public address, and
    `rebind.example` to a public *and* a private one.

    Mocking DNS is acceptable here and only here: a test cannot make a real public name
    resolve to a local server without DNS, and the property under test is what the guard
    does with the addresses a name resolves to. The HTTP side is an `httpx.MockTransport`,
    so no request leaves the process; other names resolve for real.
    """
    table = {
        "public.example": [PUBLIC],
        "rebind.example": [PUBLIC, "10.1.2.3"],
        "internal.example": ["10.0.0.5"],
    }
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 80)) for ip in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def redirecting_to(target: str) -> tuple[httpx.AsyncClient, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, stream=httpx.ByteStream(b"<p>internal secrets</p>"))

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=False), seen


async def fetch_through(client: httpx.AsyncClient, allow_private: bool) -> Any:
    async with Fetcher(FetchPolicy(timeout=5), client=client) as fetcher:
        try:
            return await fetcher.fetch(
                Request(url="http://public.example/start", allow_private=allow_private)
            )
        finally:
            await client.aclose()


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[::1]/",
        "http://localhost/",
        "http://internal.example/",
        "http://rebind.example/",
        "http://0x7f000001/",
    ],
)
def test_a_redirect_hop_to_a_private_address_is_refused(fake_dns, target):
    client, seen = redirecting_to(target)
    with pytest.raises(FetchError) as info:
        asyncio.run(fetch_through(client, allow_private=False))
    assert info.value.reason == "blocked"
    assert seen == ["http://public.example/start"], "the private hop must never be requested"


def test_allow_private_lets_the_hop_through(fake_dns):
    client, seen = redirecting_to("http://127.0.0.1:8080/admin")
    result = asyncio.run(fetch_through(client, allow_private=True))
    assert result.final_url == "http://127.0.0.1:8080/admin"
    assert seen == ["http://public.example/start", "http://127.0.0.1:8080/admin"]


def test_allow_private_is_off_unless_configured(tmp_path):
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {"id": "a", "url": "https://example.gov/", "kind": "page"},
            {"id": "b", "url": "https://example.gov/b", "kind": "page", "allow_private": True},
        ],
        allow_private=False,
    )
    loaded = load_config(config)
    assert [s.allow_private for s in loaded.sources] == [False, True]


def test_a_source_on_a_private_address_is_refused_end_to_end(site, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[{"id": "n", "url": site.url("/news"), **LISTING_SOURCE}],
        allow_private=False,
    )
    result = run_cli("--config", str(config), "check")
    assert result.returncode == 1
    assert "n: FAILED - blocked: refusing to fetch 127.0.0.1" in result.stderr
    assert site.hits("/news") == []


# -- local endpoints ----------------------------------------------------------------------


def test_health_endpoint_defaults_to_loopback():
    assert Service().health_host == "127.0.0.1"


def listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hexport = local.split(":")
                if state == "0A" and int(hexport, 16) == port:
                    found.add(address)
    return found


def has_run_command() -> bool:
    import click

    from watcher.cli import main

    run = main.get_command(click.Context(main), "run")
    return run is not None and any("--health-port" in p.opts for p in run.params)


@pytest.mark.skipif(not has_run_command(), reason="`regwatch run --health-port` is not there yet (issue #5)")
def test_the_service_health_endpoint_listens_on_loopback_only(site, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    config = write_config(
        tmp_path / "regwatch.toml", sources=[{"id": "n", "url": site.url("/news"), **LISTING_SOURCE}]
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(config), "run", "--health-port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the health endpoint never answered on 127.0.0.1")
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        process.terminate()
        process.wait(20)
