"""The one Retry-After parser, shared by fetching (watcher/net) and delivery (alerts/).

A shared value like watcher/model.py: it imports nothing of regwatch, so every family may use it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

#: Longer waits are read as one day: a hold never outlasts a day on a server's word.
MAX_WAIT = 86400.0


def parse_retry_after(value: Any, now: float | None = None) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP date, in [0, MAX_WAIT].

    None when absent or unreadable.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    with contextlib.suppress(ValueError, OverflowError):
        seconds = float(text)
        if seconds == seconds:  # not NaN
            return max(0.0, min(seconds, MAX_WAIT))
        return None
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        moment = parsedate_to_datetime(text)
        if moment.tzinfo is not None:
            remaining = moment.timestamp() - (time.time() if now is None else now)
            return max(0.0, min(remaining, MAX_WAIT))
    return None


def retry_after_in(headers: Mapping[str, Any] | None, now: float | None = None) -> float | None:
    """The Retry-After of a header mapping (any case; a list value's first entry)."""
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            return parse_retry_after(value, now)
    return None
