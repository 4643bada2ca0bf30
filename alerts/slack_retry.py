"""slack-sdk retry handlers of the Slack channel: what is retried in a send, what goes back to the outbox."""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from watcher.retry_after import retry_after_in

MAX_INLINE_WAIT = 5.0  # a 429 asking for longer goes back to the outbox instead of sleeping here


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, but only for short waits: a longer Retry-After is handed
    back to the outbox, which reschedules the row instead of blocking a thread."""

    def __init__(self, max_wait: float = MAX_INLINE_WAIT, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:  # type: ignore[override]
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_in(response.headers)
        return wait is not None and wait <= self.max_wait


def unsent_connection_errors(max_retry_count: int = 2) -> RetryHandler:
    """Retry only errors raised while connecting or sending (urllib's URLError): the request
    never reached Slack, so trying again cannot post twice. A timeout or a dropped
    connection while waiting for the answer is *not* retried here: the outbox treats it as
    in doubt and reconciles first."""
    return ConnectionErrorRetryHandler(max_retry_count=max_retry_count, error_types=[URLError])
