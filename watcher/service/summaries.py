"""How the team's model has been answering ([summary]), for `regwatch status`."""

from __future__ import annotations

from pathlib import Path

from watcher.db.store import Store


def summary_counts(database: str) -> dict[str, int]:
    """Stored answers by result ('ok', timeout, rate_limited, budget, ...); none before a check."""
    if not Path(database).exists():
        return {}
    store = Store(database, readonly=True)
    try:
        return store.summary_counts()
    finally:
        store.close()


def summary_line(counts: dict[str, int], model: str) -> str:
    """ "summaries (model m): 4 written, 2 unavailable (timeout 1, rate_limited 1)"."""
    failed = {k: v for k, v in sorted(counts.items()) if k != "ok"}
    line = f"summaries (model {model}): {counts.get('ok', 0)} written"
    if failed:
        reasons = ", ".join(f"{k} {v}" for k, v in failed.items())
        line += f", {sum(failed.values())} unavailable ({reasons})"
    return line
