"""The `[summary]` config table (the team's model for change summaries) and the per-channel
`summary = true|false` and `important_when` keys. Parsing only: `watcher/summary` does the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watcher.config_tables import build_dataclass, expect
from watcher.errors import ConfigError
from watcher.summary.settings import SummaryPolicy
from watcher.workflow_config import ENV_NAME

MAX_CRITERIA = 1000


def parse_summary(raw: Any, where: str) -> SummaryPolicy | None:
    """[summary] as a `SummaryPolicy`; None when the table is absent (no model, nothing changes)."""
    if raw is None:
        return None
    policy: SummaryPolicy = build_dataclass(SummaryPolicy, raw, where)
    if policy.api_key_env and not ENV_NAME.match(policy.api_key_env):
        raise ConfigError(
            f"{where}: api_key_env must name an environment variable (like OPENAI_API_KEY),"
            " not hold the key itself"
        )
    return policy


def channel_important_when(raw: Mapping[str, Any], entry: str) -> str:
    """A channel's `important_when = "..."`: the team's words the model judges changes against."""
    value = " ".join(str(expect(raw.get("important_when", ""), str, f"{entry}: important_when")).split())
    if len(value) > MAX_CRITERIA:
        raise ConfigError(f"{entry}: important_when is longer than {MAX_CRITERIA} characters")
    return value
