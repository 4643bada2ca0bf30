"""The one place alert channels are registered: add a class here and it is configurable."""

from __future__ import annotations

from alerts.base import Channel
from alerts.console import Console

CHANNELS: dict[str, type[Channel]] = {cls.kind: cls for cls in (Console,)}
