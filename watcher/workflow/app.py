"""Start the Slack app receiver `regwatch run` uses: Socket Mode, an HTTP request URL, or none."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from alerts.base import Channel
from alerts.slack_app import HttpReceiver, SocketModeReceiver
from watcher.config import Config
from watcher.db.store import Store
from watcher.errors import ConfigError
from watcher.workflow.actions import slack_of
from watcher.workflow.interactions import Interactions

logger = logging.getLogger(__name__)


class Receiver(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...


def choose_receiver(
    config: Config,
    store: Store,
    channels: Callable[[], Mapping[str, Channel]],
    clock: Callable[[], datetime],
    env: Mapping[str, str] | None = None,
) -> Receiver | None:
    """Socket Mode when the app-level token is set, else the request URL when a port is set."""
    env = os.environ if env is None else env
    settings = config.slack
    slacks = {cid: slack_of(ch) for cid, ch in channels().items()}
    chosen = settings.channel or next((cid for cid, s in slacks.items() if s is not None), "")
    slack = slacks.get(chosen)
    app_token = env.get(settings.app_token_env, "")
    if slack is None:
        if app_token or settings.interactions_port is not None:
            logger.warning(
                "[slack]: no slack channel with buttons is configured; button presses are not received"
            )
        return None
    handler = Interactions(store, channels, settings, clock)
    if app_token:
        if not app_token.startswith("xapp-"):
            raise ConfigError(f"{settings.app_token_env} must hold an app-level token (xapp-...)")
        return SocketModeReceiver(app_token, slack.options.api_url, handler.handle)
    if settings.interactions_port is not None:
        secret = env.get(settings.signing_secret_env, "")
        if not secret:
            raise ConfigError(
                f"[slack] interactions_port is set but {settings.signing_secret_env} is not: export the "
                "app's signing secret (Basic Information > App Credentials)"
            )
        return HttpReceiver(settings.interactions_host, settings.interactions_port, secret, handler.handle)
    return None
