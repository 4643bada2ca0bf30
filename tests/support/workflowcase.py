"""A change to act on: a listing on the local site gains an item, alerted to Slack or the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clirun import write_config
from localsite import LISTING_SOURCE, listing_page
from slackapi import APP_TOKEN, TEAM_ID, TOKEN

ITEMS = [
    ("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html"),
    ("2024-09-15", "OCR issues guidance on online tracking", "/news/tracking.html"),
]
NEW = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/news/nprm.html")
ENV = {"SLACK_BOT_TOKEN": TOKEN}
APP_ENV = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}


def make_change(
    site, cli, tmp_path: Path, slack=None, app: dict | None = None, channel: dict | None = None, **top: Any
) -> Path:
    """Baseline, then one change (id 1) alerted once; returns the config file."""
    site.set("/news", listing_page(ITEMS))
    channels = [{"id": "console", "kind": "console"}]
    if slack is not None:
        channels = [
            {
                "id": "compliance",
                "kind": "slack",
                "slack_channel": "C0COMPLY01",
                "api_url": slack.api_url,
                **(channel or {}),
            }
        ]
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {
                "id": "us-hhs-news",
                "name": "HHS news",
                "url": site.url("/news"),
                "every": "1d",
                **LISTING_SOURCE,
            }
        ],
        channels=channels,
        **({"slack": app} if app else {}),
        **top,
    )
    assert cli("--config", str(config), "check", env=ENV).returncode == 0
    site.set("/news", listing_page([NEW, *ITEMS]))
    result = cli("--config", str(config), "check", env=ENV)
    assert result.returncode == 0, result.stderr
    return config


def press(
    ts: str, action: dict[str, Any], *, user: str = "U0DANA01", name: str = "", team: str = TEAM_ID
) -> dict:
    """A `block_actions` payload as Slack sends it for a press on a message's control."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": name, "name": name, "team_id": team},
        "api_app_id": "A0TEST",
        "container": {"type": "message", "message_ts": ts, "channel_id": "C0COMPLY01", "is_ephemeral": False},
        "trigger_id": "1234567890.0987654321.abcdef",
        "channel": {"id": "C0COMPLY01", "name": "compliance-alerts"},
        "message": {"type": "message", "ts": ts},
        "response_url": "https://hooks.slack.invalid/actions/T0TEST/1/abc",
        "actions": [{"action_ts": "1700000000.000001", **action}],
    }


def button(name: str, change_id: int = 1) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"regwatch:{name}",
        "block_id": f"regwatch-actions-{change_id}",
        "value": str(change_id),
    }
