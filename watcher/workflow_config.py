"""The `[slack]` (the Slack app behind the buttons) and `[workflow]` config tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from watcher.timespec import parse_duration

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")


@dataclass(frozen=True)
class SlackApp:
    """[slack]: how button presses reach regwatch (README "Connect the Slack app").

    With the app-level token (xapp-...) in `app_token_env`, `regwatch run` connects over
    Socket Mode: no inbound HTTP. Otherwise, with `interactions_port` set, it serves
    Slack's request URL on `interactions_host:interactions_port` (path /slack/interactions)
    and checks each request against the signing secret in `signing_secret_env`.
    `allowed_users` (Slack user ids) and `allowed_usergroups` (user group handles, looked up
    through the API) say who may act; with both empty, anyone in the workspace may.
    `channel`: which configured slack channel's bot token answers (default: the first).
    """

    app_token_env: str = "SLACK_APP_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    interactions_port: int | None = None
    interactions_host: str = "127.0.0.1"
    allowed_users: tuple[str, ...] = ()
    allowed_usergroups: tuple[str, ...] = ()
    channel: str = ""

    def __post_init__(self) -> None:
        for name in (self.app_token_env, self.signing_secret_env):
            if not ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        if self.interactions_port is not None and not 0 <= self.interactions_port <= 65535:
            raise ValueError("interactions_port must be 0-65535")
        object.__setattr__(self, "allowed_usergroups", tuple(g.lstrip("@") for g in self.allowed_usergroups))


@dataclass(frozen=True)
class Workflow:
    """[workflow]: `remind_after` ("2d"): one threaded nudge on an alert still open that long."""

    remind_after: str = ""

    def __post_init__(self) -> None:
        if self.remind_after:
            self.reminder_delay  # noqa: B018  (validates)

    @property
    def reminder_delay(self) -> timedelta | None:
        return parse_duration(self.remind_after) if self.remind_after else None
