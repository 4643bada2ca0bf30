"""The one error tree of regwatch.

```
WatchError
├── ConfigError      bad config or catalog entry; the message names the file, the entry and the fix
├── UnknownName      a command named a source (or change) that does not exist; close names suggested
├── SourceError      one check of one source failed; the pass goes on
│   ├── FetchError   network or HTTP failure (.reason, .status, .retryable, .retry_after)
│   └── ExtractError fetched, but not what the kind expects (selector matched nothing, not a feed)
├── DeliveryError    a channel could not send (.channel, .retryable, .retry_after, .in_doubt)
└── DatabaseError    the database file is unusable (.path, .problem, .fix): damaged, not SQLite, a directory
```

"Not modified" and "unchanged" are results, not exceptions. Errors are caught in
exactly three places: per source (recorded, the pass goes on), per delivery (retried
or marked permanent) and in the CLI (a message and an exit code, no traceback).
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why one check of one source failed: the category the CLI, metrics and health rules share.

    Stored as its text in `checks.reason` and `sources.last_reason`; a StrEnum, so it
    compares equal to that text.
    """

    # fetching (FetchError)
    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    HTTP = "http"
    TOO_LARGE = "too_large"
    REDIRECT = "redirect"
    BLOCKED = "blocked"
    TLS = "tls"
    ROBOTS = "robots"
    BOT_WALL = "bot_wall"
    BOT_WALL_PERSISTENT = "bot_wall_persistent"
    BROWSER = "browser"
    BAD_CONTENT = "bad_content"
    NETWORK = "network"
    DEFERRED = "deferred"
    # reading (ExtractError)
    SELECTOR = "selector"
    PARSE = "parse"
    NOT_FEED = "not_feed"
    NO_FEED = "no_feed"
    NOT_JSON = "not_json"
    NOT_PDF = "not_pdf"
    EMPTY = "empty"
    TOO_DEEP = "too_deep"
    CRASH = "crash"
    # neither
    ERROR = "error"
    BUG = "bug"


class WatchError(Exception):
    """Base of every error regwatch raises on purpose."""


class ConfigError(WatchError):
    """The configuration or a catalog entry is invalid; the message says how to fix it."""


class UnknownName(WatchError):
    """A command named a source that the database does not know; the message suggests close ids."""


class SourceError(WatchError):
    """One check of one source failed. `reason` is a short machine-readable category."""

    reason: Reason = Reason.ERROR

    def __init__(self, message: str, *, reason: Reason | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = Reason(reason)


class FetchError(SourceError):
    """The source could not be fetched: DNS, connection, timeout, HTTP status, size, policy.

    `reason` is one of: dns, connect, timeout, http, too_large, redirect, blocked,
    tls, robots, bot_wall (a challenge, "Access Denied" or soft-404 page: not content),
    browser (headless Chromium unavailable or failed), bad_content, network, deferred
    (the host asked for a pause, Retry-After, that outlasts this fetch).
    """

    reason = Reason.NETWORK

    def __init__(
        self,
        message: str,
        *,
        reason: Reason | None = None,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class ExtractError(SourceError):
    """The body was fetched but is not what the source kind expects.

    `reason` is one of: selector (selector matched nothing), parse (malformed
    document), not_feed, no_feed (discover_feed found no declared feed), not_json,
    not_pdf, empty, too_deep (nested too deep to read), crash (the extraction worker died
    twice on it).
    """

    reason = Reason.PARSE


class DeliveryError(WatchError):
    """A channel could not deliver one alert.

    `in_doubt` means the request may have reached the far end before it failed (a timeout
    or a dropped connection after sending): the outbox reconciles before sending again.
    """

    def __init__(
        self,
        message: str,
        *,
        channel: str = "",
        retryable: bool = True,
        retry_after: float | None = None,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.retryable = retryable
        self.retry_after = retry_after
        self.in_doubt = in_doubt


class DatabaseError(WatchError):
    """The database cannot be opened or used: the path, what is wrong and how to recover."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        super().__init__(f"{path} {problem}; {fix}")
        self.path = path
        self.problem = problem
        self.fix = fix
