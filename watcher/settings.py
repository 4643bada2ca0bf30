"""Where every setting comes from: ONE precedence, command-line flag > environment > config file > default.

`resolve("database", flag=..., file=..., default=...)` is the only place that reads a
setting's environment variable; the CLI, the config loader and the browser launcher all
ask it. Secrets are not settings: channels read them by the variable name the config gives
(`token_env = "SLACK_BOT_TOKEN"`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: Every setting resolved here, and its environment variable (None: it has none).
ENVIRONMENT: dict[str, str | None] = {
    "config": "REGWATCH_CONFIG",  # the config file
    "database": "REGWATCH_DB",  # the SQLite database (overrides `database` in the file)
    "chromium": "REGWATCH_CHROMIUM",  # the browser for `render = "browser"`
    "slack_channel": "REGWATCH_SLACK_CHANNEL",  # the embedded default config's Slack channel
    "slack_api_url": "REGWATCH_SLACK_API_URL",  # ... and its Slack API (GovSlack, a proxy, tests)
    "health_port": None,  # `regwatch run --health-port` > [service] health_port (no variable)
    "health_host": None,  # `regwatch run --health-host` > [service] health_host
}

Origin = Literal["flag", "environment", "file", "default"]


@dataclass(frozen=True)
class Resolved:
    """A setting's value and where it came from (a relative path from the file is relative to it)."""

    value: Any
    origin: Origin


def resolve(
    name: str,
    *,
    flag: Any = None,
    file: Any = None,
    default: Any = None,
    env: Mapping[str, str] | None = None,
) -> Resolved:
    """The value of setting `name`: the flag, else its environment variable, else the file, else the default.

    None and "" mean "not given" at every level.
    """
    if flag not in (None, ""):
        return Resolved(flag, "flag")
    variable = ENVIRONMENT[name]  # a KeyError for a setting nobody declared
    environ = os.environ if env is None else env
    if variable and environ.get(variable):
        return Resolved(environ[variable], "environment")
    if file not in (None, ""):
        return Resolved(file, "file")
    return Resolved(default, "default")
