"""The one place alert channels are registered: add a line here and the channel is configurable.

`CHANNELS` maps each kind to its class, importing a channel's module the first time its kind
is looked up: a run that alerts to the console never loads slack-sdk or smtplib (~30 ms and
several MB per process). Iterating (`items()`, `values()`) imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from alerts.base import Channel

#: kind -> "module:Class"
WHERE = {
    "console": "alerts.console:Console",
    "slack": "alerts.slack:Slack",
    "slack_webhook": "alerts.slack_webhook:SlackWebhook",
    "webhook": "alerts.webhook:Webhook",
    "email": "alerts.email:Email",
    "teams": "alerts.teams:Teams",
}


class Channels(Mapping[str, type[Channel]]):
    """Channel classes by kind, each imported when first looked up."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, type[Channel]] = {}

    def __getitem__(self, kind: str) -> type[Channel]:
        if kind not in self._loaded:
            module, _, name = self._where[kind].partition(":")
            self._loaded[kind] = getattr(importlib.import_module(module), name)
        return self._loaded[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


CHANNELS: Mapping[str, type[Channel]] = Channels(WHERE)
