"""`slack_webhook`: post alerts through a Slack incoming webhook (no bot token needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alerts.slack import Slack


@dataclass(frozen=True)
class SlackWebhookOptions:
    """Options of the `slack_webhook` channel."""

    webhook_url_env: str = "SLACK_WEBHOOK_URL"
    timeout: float = 30.0
    unfurl: bool = False

    # Not configurable for webhooks: the webhook is bound to its channel.
    slack_channel: ClassVar[str] = ""
    token_env: ClassVar[str] = ""
    api_url: ClassVar[str] = "https://hooks.slack.com/"
    reply_broadcast: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.webhook_url_env:
            raise ValueError("webhook_url_env must name the variable holding the webhook URL")
        if self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")


class SlackWebhook(Slack):
    """Post each alert through a Slack incoming webhook: the same Block Kit message as
    `slack`, for workspaces where installing a bot is not an option.

    Keys: `webhook_url_env` (the variable holding the webhook URL, default
    SLACK_WEBHOOK_URL; the URL is a secret and never written anywhere), `timeout`,
    `unfurl`, plus the common `match`, `digest` and `health`. The same as `slack` with
    `webhook_url_env` set. Limits: a webhook returns no message id, so there are no threads,
    no permalinks and no reconcile after a crash (an in-doubt alert is posted again).
    """

    kind = "slack_webhook"
    Options = SlackWebhookOptions  # type: ignore[assignment]
    supports_threads = False
