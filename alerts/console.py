"""`console`: print each alert to standard output (the default channel)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

from alerts.base import Channel
from alerts.render import render_text
from watcher.model import Alert, Receipt


@dataclass(frozen=True)
class ConsoleOptions:
    """Options of the `console` channel: none needed."""


class Console(Channel):
    """Print a readable summary of each change: source, what changed, new items with links,
    the changed words of edited text (`[-old-]{+new+}`, red and green on a terminal) with a
    little context. Page text is stripped of control characters and escape sequences."""

    kind = "console"
    Options = ConsoleOptions
    sends_locally = True  # a write to standard output, as a log line is: no thread of its own

    def __init__(
        self, id: str, options: Any = None, *, stream: TextIO | None = None, **settings: Any
    ) -> None:
        super().__init__(id, options, **settings)
        self.stream = stream

    def send(self, alert: Alert) -> Receipt:
        stream = self.stream or sys.stdout
        color = bool(getattr(stream, "isatty", None)) and stream.isatty()
        stream.write(render_text(alert, color=color) + "\n\n")
        stream.flush()
        return Receipt(ref="console")
