"""The interface every alert channel implements.

A channel renders an `Alert` for its medium and sends it, returning a `Receipt`
once the far end accepted it, or raising `DeliveryError` (retryable or not). To add
a channel: one module with a subclass of `Channel`, one line in `alerts/registry.py`,
a section in the README (a test checks both).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from watcher.errors import DeliveryError
from watcher.model import Alert, Receipt


@dataclass(frozen=True)
class NoOptions:
    """A channel with no options of its own."""


class Channel:
    """Base of every channel. `thread` and `digest` are the delivery settings of the
    `[[channels]]` entry (the outbox reads them); `supports_threads` says whether the
    medium can reply to an earlier message (`Alert.thread`); `sends_locally` whether its
    `send` may run on the event loop (the console)."""

    kind: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions
    supports_threads: ClassVar[bool] = False
    #: Its `send` only writes to a local stream (never the network, never a sleep): the
    #: deliverer calls it on the event loop instead of in a thread (a hop cost ~0.1 ms an alert).
    sends_locally: ClassVar[bool] = False

    def __init__(
        self,
        id: str,
        options: Any = None,
        *,
        env: Mapping[str, str] | None = None,
        thread: bool = False,
        digest: str | None = None,
    ) -> None:
        self.id = id
        self.options = options if options is not None else self.Options()
        self.env = os.environ if env is None else env
        self.thread = thread and self.supports_threads
        self.digest = digest

    def send(self, alert: Alert) -> Receipt:
        raise NotImplementedError

    def reconcile(self, alert: Alert, *, since: datetime | None = None) -> Receipt | None:
        """After a crash between sending and recording: was `alert` already accepted?

        `since` is when the in-doubt send began. Channels that can look (Slack reads its
        channel history) return the receipt; the default cannot tell, so the alert is sent
        again (at-least-once; webhook receivers deduplicate by the idempotency key header,
        mail clients by Message-ID).
        """
        return None

    def probe(self) -> bool | None:
        """Does the far end work again? A cheap call that sends nothing (Slack: `auth.test`).

        Asked while this channel's alerts wait after a transient failure (`alerts.recovery`);
        True makes them due at once. The default, None, cannot tell without sending.
        """
        return None

    def secret(self, variable: str, what: str) -> str:
        """Read a secret from the environment by name; the value is never logged."""
        value = self.env.get(variable, "")
        if not value:
            raise DeliveryError(
                f"channel {self.id!r}: environment variable {variable} is not set; export it with the {what}",
                channel=self.id,
                retryable=False,
            )
        return value

    def close(self) -> None:
        """Release connections; called once when the process is done delivering."""
