"""Every value is validated when the config loads (issue 14, point 5).

Each bad value below used to hang `check` (concurrency/per_host 0), end in a traceback
(`concurrency = -1`, `health_port = 70000`, `every = nan` under `run`), busy-loop
(`deliver_every = 0`) or be accepted and break every check later (CR/LF in headers, an
accent in the contact, user agent or a header).
Now `regwatch check` and `regwatch run` both refuse it the same way: exit 2 and a message
naming the key and the allowed range. The real command runs in a subprocess with a real file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli, write_config

from watcher.config import parse_config
from watcher.errors import ConfigError

SOURCE = {"id": "a", "url": "http://127.0.0.1:9/news", "kind": "listing", "select": "li"}
CRLF = "@CRLF@"  # written into the TOML file as the escape \r\n

BAD: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    # (name, top-level tables, source keys, what the message must say)
    ("concurrency-0", {"limits": {"concurrency": 0}}, {}, "[limits]: concurrency = 0 is out of range"),
    ("per-host-0", {"limits": {"per_host": 0}}, {}, "[limits]: per_host = 0 is out of range"),
    ("concurrency-negative", {"limits": {"concurrency": -1}}, {}, "concurrency = -1 is out of range"),
    ("timeout-negative", {"limits": {"timeout": -1}}, {}, "[limits]: timeout = -1 is out of range"),
    ("max-bytes-negative", {"limits": {"max_bytes": -1}}, {}, "[limits]: max_bytes = -1 is out of range"),
    ("max-redirects-negative", {"limits": {"max_redirects": -1}}, {}, "max_redirects = -1 is out of range"),
    ("batch-checks-0", {"limits": {"batch_checks": 0}}, {}, "[limits]: batch_checks = 0 is out of range"),
    ("batch-seconds-0", {"limits": {"batch_seconds": 0}}, {}, "[limits]: batch_seconds = 0 is out of range"),
    ("batch-seconds-hour", {"limits": {"batch_seconds": 3600}}, {}, "batch_seconds = 3600 is out of range"),
    ("jitter-negative", {"service": {"jitter": -0.5}}, {}, "[service]: jitter = -0.5 is out of range"),
    ("after-failures-0", {"health": {"after_failures": 0}}, {}, "after_failures = 0 is out of range"),
    ("every-nan", {}, {"every": math.nan}, "every = nan is out of range"),
    ("every-inf", {}, {"every": math.inf}, "every = inf is out of range"),
    ("every-1e300", {}, {"every": 1e300}, "every = 1e+300 is out of range"),
    ("every-huge-days", {}, {"every": "99999999999999999999d"}, "every = '99999999999999999999d' is out"),
    ("health-port-70000", {"service": {"health_port": 70000}}, {}, "health_port = 70000 is out of range"),
    (
        "deliver-every-0",
        {"service": {"deliver_every": 0}},
        {},
        "[service]: deliver_every = 0 is out of range",
    ),
    ("source-timeout-nan", {}, {"timeout": math.nan}, "timeout = nan is out of range"),
    ("source-max-bytes-negative", {}, {"max_bytes": -5}, "max_bytes = -5 is out of range"),
    ("user-agent-crlf", {"user_agent": f"regwatch{CRLF}X-Evil: 1"}, {}, "user_agent contains a control"),
    ("header-crlf", {}, {"headers": {"Accept": f"text/html{CRLF}Cookie: a=b"}}, "headers.Accept contains"),
    # An accent in header text failed every check as a bug (httpx writes headers as ASCII).
    ("contact-accent", {"contact": "Zoë Müller <zoe@example.org>"}, {}, "contact contains 'ë' (U+00EB)"),
    ("user-agent-accent", {"user_agent": "regwatch-für-datenschutz"}, {}, "user_agent contains 'ü'"),
    ("header-accent", {}, {"headers": {"X-Team": "Équipe conformité"}}, "headers.X-Team contains 'É'"),
]


def write(tmp_path: Path, top: dict[str, Any], source: dict[str, Any]) -> Path:
    path = write_config(tmp_path / "regwatch.toml", sources=[{**SOURCE, **source}], **top)
    text = path.read_text(encoding="utf-8").replace(CRLF, "\\r\\n")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("top", "source", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_check_and_run_refuse_the_same_bad_value_with_exit_2(tmp_path, top, source, message):
    config = write(tmp_path, top, source)
    for command in ("check", "run"):
        result = run_cli("--config", str(config), command, timeout=60)
        assert result.returncode == 2, (command, result.returncode, result.stderr[-2000:])
        assert "configuration error" in result.stderr and message in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "regwatch.db").exists()  # refused before anything was opened


@pytest.mark.parametrize(
    ("top", "source"),
    [
        ({"limits": {"concurrency": 1, "per_host": 1, "max_redirects": 0, "timeout": 0.5}}, {}),
        ({"service": {"jitter": 0, "health_port": 65535, "shutdown_grace": 0}}, {}),
        ({"service": {"jitter": 1, "health_port": 1}, "health": {"after_failures": 1}}, {}),
        ({}, {"every": "366d"}),
        ({}, {"every": 1, "headers": {"Accept": "text/html;\tq=0.9"}}),
    ],
)
def test_values_at_the_edges_of_their_ranges_are_accepted(top, source):
    config = parse_config({**top, "sources": [{**SOURCE, **source}]}, path=None)
    assert config.sources[0].id == "a"


def test_the_message_states_the_allowed_range():
    with pytest.raises(ConfigError) as info:
        parse_config({"limits": {"concurrency": 0}, "sources": [SOURCE]}, path=None)
    assert "a number of checks at once from 1 to 1000" in str(info.value)
    with pytest.raises(ConfigError) as info:
        parse_config({"sources": [{**SOURCE, "every": math.inf}]}, path=None)
    assert "at least 1s and at most 366d" in str(info.value)
    with pytest.raises(ConfigError) as info:
        parse_config({"service": {"health_port": 0}, "sources": [SOURCE]}, path=None)
    assert "a TCP port from 1 to 65535" in str(info.value)
