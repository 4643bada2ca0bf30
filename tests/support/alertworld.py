"""The channels and the source the end-to-end alert tests share: the console, Slack
(#compliance-alerts on the local Slack-compatible server), email (the local SMTP box), a
webhook receiver, and the real EUR-Lex GDPR capture (tests/pages/eurlex) as a page source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slackapi import SlackServer
from webhookreceiver import Receiver

GDPR_PAGE = Path(__file__).resolve().parent.parent / "pages" / "eurlex" / "gdpr-articles-5-32-34.html"


def gdpr_source(url: str, **extra: Any) -> dict[str, Any]:
    """The GDPR capture served at `url`, read from its `div.eli-container`."""
    return {
        "id": "eu-eurlex-gdpr",
        "name": "GDPR",
        "url": url,
        "kind": "page",
        "select": "div.eli-container",
        **extra,
    }


def console_channel() -> dict[str, Any]:
    return {"id": "console", "kind": "console"}


def slack_channel(slack: SlackServer, **extra: Any) -> dict[str, Any]:
    """Channel `compliance`: #compliance-alerts on the local Slack server."""
    return {
        "id": "compliance",
        "kind": "slack",
        "slack_channel": "#compliance-alerts",
        "api_url": slack.api_url,
        **extra,
    }


def webhook_channel(receiver: Receiver) -> dict[str, Any]:
    return {"id": "hook", "kind": "webhook", "url": receiver.url()}


def email_channel(port: int, to: str = "dpo@example.com") -> dict[str, Any]:
    """Channel `mail`: plain SMTP (no STARTTLS) to the local box on `port`."""
    return {
        "id": "mail",
        "kind": "email",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "from": "regwatch@example.com",
        "to": [to],
    }
