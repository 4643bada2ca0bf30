"""Declarative bounds for the config's numbers and header text, checked when the config loads.

Each table of `regwatch.toml` maps its bounded keys to a rule (`Count`, `Seconds`, `Port`,
`HeaderText`, `Headers`); `watcher.config` calls `check_top`, `check_source` and
`check_channel` on the raw TOML before building its objects, so `regwatch check` and
`regwatch run` accept exactly the same configs. A value outside its rule is a `ConfigError`
naming the key, the value and the allowed range. A value of the wrong type is left to the
type checks of `watcher.config`, which name the expected type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from watcher.errors import ConfigError

DAY = 86400.0
HOUR = 3600.0
#: Characters never allowed in an HTTP header value (CR and LF split headers; NUL and other
#: controls are refused by servers); a horizontal tab is allowed, as RFC 9110 allows it.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: An HTTP header name is a token (RFC 9110 section 5.6.2).
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")


class Rule(Protocol):
    def check(self, value: Any, where: str) -> None: ...


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def span(seconds: float) -> str:
    """1.5 -> '1.5s', 3600 -> '1h', 31622400 -> '366d'."""
    for unit, size in (("d", DAY), ("h", HOUR), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True)
class Count:
    """A whole number from `low` to `high` (both included)."""

    low: int
    high: int
    what: str = "a whole number"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            return  # the type check names the expected type
        if not self.low <= value <= self.high:
            raise ConfigError(
                f"{where} = {value!r} is out of range: {self.what} from {self.low} to {self.high}"
            )


@dataclass(frozen=True)
class Seconds:
    """A finite duration in seconds from `low` to `high` (both included)."""

    low: float
    high: float

    def check(self, value: Any, where: str) -> None:
        if not is_number(value):
            return
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ConfigError(
                f"{where} = {value!r} is out of range: a number of seconds"
                f" from {self.low:g} to {self.high:g} ({span(self.high)})"
            )


@dataclass(frozen=True)
class Fraction:
    """A finite number from 0 to 1."""

    def check(self, value: Any, where: str) -> None:
        if is_number(value) and not (math.isfinite(value) and 0 <= value <= 1):
            raise ConfigError(f"{where} = {value!r} is out of range: a fraction from 0 to 1 (0.1 = 10%)")


PORT = Count(1, 65535, "a TCP port")


@dataclass(frozen=True)
class HeaderText:
    """Text sent in an HTTP header (the user agent): no control characters such as CR or LF,
    and ASCII only (httpx writes header text as ASCII: an accent failed every request)."""

    def check(self, value: Any, where: str) -> None:
        if isinstance(value, str) and CONTROL.search(value):
            raise ConfigError(
                f"{where} contains a control character ({_first_control(value)}); "
                "header text must be one line without CR, LF or other control characters"
            )
        if isinstance(value, str) and not value.isascii():
            other = next(c for c in value if not c.isascii())
            raise ConfigError(
                f"{where} contains {other!r} (U+{ord(other):04X}), which an HTTP header cannot"
                " carry; header text must be ASCII (write it without accents)"
            )


@dataclass(frozen=True)
class Headers:
    """A table of HTTP headers: names are tokens, values are `HeaderText`."""

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            return
        for name, text in value.items():
            if not TOKEN.match(str(name)):
                raise ConfigError(
                    f"{where}: header name {name!r} is not valid; use letters, digits and '-' (like 'Accept')"
                )
            HeaderText().check(text, f"{where}.{name}")


#: One rule per bounded key of each top-level table.
SECTIONS: dict[str, dict[str, Rule]] = {
    "limits": {
        "timeout": Seconds(0.1, HOUR),
        "connect_timeout": Seconds(0.1, HOUR),
        "max_bytes": Count(1, 2_000_000_000, "a number of bytes"),
        "max_redirects": Count(0, 30, "a number of redirects"),
        "concurrency": Count(1, 1000, "a number of checks at once"),
        "per_host": Count(1, 100, "a number of requests at once per host"),
        "host_delay": Seconds(0, HOUR),
        "pdf_max_pages": Count(1, 100_000, "a number of pages"),
        "max_pages": Count(1, 1000, "a number of pages"),
        "batch_checks": Count(1, 1000, "a number of checks per commit"),
        "batch_seconds": Seconds(0.001, 10),
    },
    "health": {"after_failures": Count(1, 1000, "a number of failed checks")},
    "service": {
        "jitter": Fraction(),
        "health_port": PORT,
        "shutdown_grace": Seconds(0, HOUR),
        "deliver_every": Seconds(0.1, HOUR),
    },
    "delivery": {  # base_delay: RetryPolicy checks it (positive, at most max_delay)
        "max_delay": Seconds(1, DAY),
        "probe_every": Seconds(1, HOUR),
    },
}
TOP: dict[str, Rule] = {"user_agent": HeaderText(), "contact": HeaderText()}
SOURCE: dict[str, Rule] = {
    "timeout": Seconds(0.1, HOUR),
    "max_bytes": Count(1, 2_000_000_000, "a number of bytes"),
    "headers": Headers(),
}
CHANNEL: dict[str, Rule] = {"timeout": Seconds(0.1, HOUR), "port": PORT, "headers": Headers()}
#: `every` of a source, after '1h30m' is read as seconds.
INTERVAL = Seconds(1, 366 * DAY)


def check_keys(rules: Mapping[str, Rule], data: Any, where: str) -> None:
    if isinstance(data, Mapping):
        for key, rule in rules.items():
            if key in data:
                rule.check(data[key], f"{where}: {key}")


def check_top(data: Mapping[str, Any], where: str) -> None:
    """The top-level keys and the `[limits]`, `[health]`, `[service]`, `[delivery]` tables."""
    check_keys(TOP, data, where)
    for section, rules in SECTIONS.items():
        check_keys(rules, data.get(section), f"{where}: [{section}]")


def check_source(raw: Mapping[str, Any], entry: str) -> None:
    """A `[[sources]]` table (or catalog entry); `every` is checked once read (`check_interval`)."""
    check_keys(SOURCE, raw, entry)


def check_channel(raw: Mapping[str, Any], entry: str) -> None:
    check_keys(CHANNEL, raw, entry)


def check_interval(seconds: float, value: Any, where: str) -> float:
    """`every` as seconds: finite, from 1s to 366 days (the message shows what was written)."""
    if not math.isfinite(seconds) or not INTERVAL.low <= seconds <= INTERVAL.high:
        raise ConfigError(
            f"{where} = {value!r} is out of range: an interval must be at least 1s and at most 366d "
            "(like '15m', '1h' or '1d'), or use cron"
        )
    return seconds


def _first_control(text: str) -> str:
    match = CONTROL.search(text)
    return f"U+{ord(match.group()):04X}" if match else ""
