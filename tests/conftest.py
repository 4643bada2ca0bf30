"""Shared fixtures: a real HTTP site on 127.0.0.1, config files, the real CLI, the local Slack,
SMTP and webhook servers."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli, write_config
from localsite import Site
from presence import require
from slackapi import SlackServer
from smtpbox import Mailbox, serve_mailbox
from webhookreceiver import Receiver

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
PAGES = Path(__file__).resolve().parent / "pages"


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[..., Path]:
    def make(**kwargs: Any) -> Path:
        return write_config(tmp_path / "regwatch.toml", **kwargs)

    return make


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    """A strict Slack-compatible Web API server on 127.0.0.1 (see tests/support/slackapi.py)."""
    server = SlackServer()
    yield server
    server.close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 keeping what it accepts: (box, port)."""
    with serve_mailbox() as served:
        yield served


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 (tests/support/webhookreceiver.py)."""
    server = Receiver()
    yield server
    server.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--crash-points",
        type=int,
        default=None,
        help="how many times the crash-safety tests kill regwatch (default 8, or $REGWATCH_CRASH_POINTS;"
        " the full run is 50)",
    )


@pytest.fixture
def crash_points(request: pytest.FixtureRequest) -> int:
    import os

    chosen = request.config.getoption("--crash-points") or os.environ.get("REGWATCH_CRASH_POINTS") or 8
    return int(chosen)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@needs(reason, extra=...)`: skip, or fail in CI with the extra installed (tests/support/presence.py)."""
    for mark in item.iter_markers("needs"):
        require(mark.kwargs["reason"], extra=mark.kwargs["extra"])
