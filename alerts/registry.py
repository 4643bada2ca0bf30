"""The one place alert channels are registered: add a class here and it is configurable."""

from __future__ import annotations

from alerts.base import Channel
from alerts.console import Console
from alerts.email import Email
from alerts.slack import Slack
from alerts.slack_webhook import SlackWebhook
from alerts.teams import Teams
from alerts.webhook import Webhook

CHANNELS: dict[str, type[Channel]] = {
    cls.kind: cls for cls in (Console, Slack, SlackWebhook, Webhook, Email, Teams)
}
