"""Source health as a pure state machine: ok → failing → broken → recovered, and what status shows.

```
new/ok ──failure──► failing ──N failures in a row, or a reason the kind breaks on──► broken
  ▲                                                                                   │
  └──────────────────────────── success ("recovered", said once) ◄────────────────────┘
```
`after_success` and `after_failure` take the stored `HealthState` and return a
`HealthTransition`: the new state and the health event to alert (None: say nothing).
`display_state` names what `regwatch status` and /healthz show: a broken selector
(`selector-broken`) and a robots.txt refusal (`robots-blocked`) are told apart from
plain `broken` because the fix differs. No I/O here; the store writes what comes out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from watcher.db.values import HealthState, HealthTransition
from watcher.errors import Reason
from watcher.model import HealthEvent


@dataclass(frozen=True)
class HealthPolicy:
    """[health]: a source is broken after `after_failures` failures in a row; `channels`
    names the channels that hear about it (None: every channel with `health = true`).

    The engine hands the store this policy with `channels` routed (alerts/routing.py); the
    store applies it inside the check's transaction (`watcher.db.values.HealthRules`).
    """

    after_failures: int = 3
    channels: tuple[str, ...] | None = None
    #: A source is "quiet" after quiet_factor × its usual gap between changes (and quiet_min_days).
    quiet_factor: float = 4.0
    quiet_min_days: float = 30.0

    def after_success(self, source_id: str, current: HealthState) -> HealthTransition:
        return after_success(source_id, current)

    def after_failure(
        self,
        source_id: str,
        current: HealthState,
        *,
        reason: str,
        error: str,
        now: datetime,
        breaks_on: frozenset[str],
    ) -> HealthTransition:
        return after_failure(
            source_id,
            current,
            reason=reason,
            error=error,
            now=now,
            after_failures=self.after_failures,
            breaks_on=breaks_on,
        )


def after_success(source_id: str, current: HealthState) -> HealthTransition:
    """A check worked: the source is ok; if it was broken, it recovered (said once)."""
    event = None
    if current.state == "broken":
        event = HealthEvent(source_id, "recovered", "the source works again")
    return HealthTransition(HealthState("ok", 0, None), event)


def after_failure(
    source_id: str,
    current: HealthState,
    *,
    reason: str,
    error: str,
    now: datetime,
    after_failures: int,
    breaks_on: Collection[str] = (),
) -> HealthTransition:
    """A check failed: failing, or broken after `after_failures` in a row or at once
    for a reason the source's kind breaks on. "broken" is announced once, when it starts."""
    failures = current.failures + 1
    since = current.failing_since or now
    broken = current.state == "broken" or failures >= after_failures or reason in breaks_on
    state = HealthState("broken" if broken else "failing", failures, since)
    event = None
    if broken and current.state != "broken":
        event = HealthEvent(source_id, "broken", f"{reason}: {error}", failures, since)
    return HealthTransition(state, event)


def display_state(state: str | None, last_reason: str | None) -> str:
    """The state `regwatch status` shows for a stored state and last failure reason."""
    state = state or "new"
    if state in ("failing", "broken") and last_reason == Reason.ROBOTS:
        return "robots-blocked"
    if state == "broken" and last_reason == Reason.SELECTOR:
        return "selector-broken"
    return state
