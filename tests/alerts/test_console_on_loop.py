"""The console channel writes its alerts on the event loop (`Channel.sends_locally`), not in a
thread of the loop's pool: the hop cost ~0.1 ms of CPU an alert (bench/README.md, "Round 13:
perfmain4"). Claim before the write, receipt after it, order and retries as for every channel."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import timedelta

from alerts.console import Console
from alerts.outbox import deliver_due
from tests.alerts.test_deliver_backlog import backlog
from tests.alerts.test_outbox_order import NOW, Recorder
from watcher.db.store import Store


class Watched(io.StringIO):
    """A stream that notes the thread of each write and the rows' states another connection
    sees at that moment (what a crash there would leave)."""

    def __init__(self, path: object = None, fail_at: int = 0) -> None:
        super().__init__()
        self.path = path
        self.fail_at = fail_at
        self.threads: list[int] = []
        self.seen: list[list[tuple[int, str]]] = []

    def write(self, text: str) -> int:
        self.threads.append(threading.get_ident())
        if self.path is not None:
            other = Store(self.path)
            self.seen.append(
                [tuple(r) for r in other.db.execute("SELECT change_id, status FROM outbox ORDER BY id")]
            )
            other.close()
        if len(self.threads) == self.fail_at:
            raise OSError(28, "No space left on device")
        return super().write(text)


def shown(stream: io.StringIO) -> list[int]:
    """The change ids of the alerts written, in order ("Full change: regwatch show <id>")."""
    return [int(line.rsplit(" ", 1)[1]) for line in stream.getvalue().splitlines() if "regwatch show" in line]


def test_console_alerts_are_written_on_the_event_loop_each_once_in_order(tmp_path):
    store = Store(tmp_path / "r.db")
    changes = backlog(store, 4, channels=("console",))
    stream = Watched(tmp_path / "r.db")
    report = asyncio.run(deliver_due(store, {"console": Console("console", stream=stream)}, lambda: NOW))
    assert report.sent == 4
    assert set(stream.threads) == {threading.get_ident()}  # no thread of the loop's pool
    assert shown(stream) == changes
    # Each write comes after its row's claim was committed and before its receipt:
    # the earlier rows 'sent', this one 'sending', the later ones 'pending'.
    for k, states in enumerate(stream.seen):
        assert [s for _, s in states] == ["sent"] * k + ["sending"] + ["pending"] * (3 - k)
    again = asyncio.run(deliver_due(store, {"console": Console("console", stream=stream)}, lambda: NOW))
    assert again.sent == 0 and shown(stream) == changes  # nothing twice
    store.close()


def test_a_console_write_that_fails_waits_in_doubt_with_the_later_alerts_then_goes_once(tmp_path):
    store = Store(tmp_path / "r.db")
    changes = backlog(store, 3, channels=("console",))
    stream = Watched(fail_at=2)
    report = asyncio.run(deliver_due(store, {"console": Console("console", stream=stream)}, lambda: NOW))
    assert (report.sent, report.retried) == (1, 1)
    assert shown(stream) == changes[:1]
    states = [r[0] for r in store.db.execute("SELECT status FROM outbox ORDER BY id")]
    assert states == ["sent", "sending", "pending"]  # the failed write may have reached the stream
    later = NOW + timedelta(hours=1)
    report = asyncio.run(deliver_due(store, {"console": Console("console", stream=stream)}, lambda: later))
    assert report.sent == 2
    assert shown(stream) == changes
    store.close()


def test_channels_that_may_wait_still_send_in_a_thread_beside_the_console(tmp_path):
    store = Store(tmp_path / "r.db")
    console_changes = backlog(store, 3, channels=("console",))
    other_changes = backlog(store, 3, channels=("c",), first=3)
    threads: list[int] = []

    class Remote(Recorder):
        def send(self, alert):  # type: ignore[no-untyped-def]
            threads.append(threading.get_ident())
            return super().send(alert)

    stream = Watched()
    remote = Remote("c")
    channels = {"console": Console("console", stream=stream), "c": remote}
    report = asyncio.run(deliver_due(store, channels, lambda: NOW))
    assert report.sent == 6
    assert shown(stream) == console_changes and remote.sent == other_changes
    assert threading.get_ident() not in threads
    assert set(stream.threads) == {threading.get_ident()}
    store.close()
