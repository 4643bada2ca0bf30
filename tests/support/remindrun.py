"""One reminder-and-delivery pass at a given moment, as its own process (for crash tests):

    python tests/remindrun.py CONFIG.toml 2024-01-29T01:00:00+00:00 [check]

No source is checked (unless `check` is given: then every source is, at that moment);
the reminders due at that moment are queued and the outbox is delivered, with `REGWATCH_CRASH_AT` honoured like the real command's. The clock is the
argument, so a test can move time forward without waiting for it.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from watcher.check.pipeline import extract_inline
from watcher.config import load_config
from watcher.db.store import Store
from watcher.service.runner import run_pass


def main() -> None:
    config = load_config(Path(sys.argv[1]))
    moment = datetime.fromisoformat(sys.argv[2])
    check = sys.argv[3:] == ["check"]
    store = Store(config.database)
    try:
        result = asyncio.run(
            run_pass(
                config,
                store,
                sources=None if check else [],
                clock=lambda: moment,
                deliver=True,
                extract=extract_inline,
            )
        )
    finally:
        store.close()
    assert result.delivery is not None
    print(f"sent {result.delivery.sent} reconciled {result.delivery.reconciled}")


if __name__ == "__main__":
    main()
