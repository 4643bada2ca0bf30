"""One deadline per check: its message, and the follows that run on what is left of it.

`watcher.check.pipeline.check` runs each check inside `asyncio.timeout(check_timeout)`.
Cancelling a check is safe at any await: the store's writes are synchronous (never
interrupted half-way), an extraction in a worker is killed with its task, and an
enrichment releases its alerts in a `finally`. Once the change is saved, the follows
get what is left of the deadline and running out of it ends them without failing the
check (the change and its alerts stand).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

logger = logging.getLogger(__name__)


def past_deadline(budget: float | None, expired: bool, exc: BaseException) -> str:
    """The error message of a check that ran out of time."""
    if expired:
        return (
            f"the check took longer than its check_timeout of {budget:g}s (robots.txt, pages,"
            " extraction and follows together; raise check_timeout for a slow source)"
        )
    return str(exc) or "timed out"


@contextlib.asynccontextmanager
async def within_rest_of(scope: asyncio.Timeout, source_id: str) -> AsyncIterator[None]:
    """Move the check's remaining deadline onto this block, and swallow its expiry."""
    when = scope.when()
    scope.reschedule(None)  # the check itself can no longer time out: its result is saved
    try:
        async with asyncio.timeout_at(when):
            yield
    except TimeoutError:
        logger.warning("%s: following stopped at the check deadline; alerting with what was read", source_id)
