"""`regwatch check`'s per-source lines when stderr is piped: held briefly, written together, none lost."""

from __future__ import annotations

import pytest

from watcher.cli import checking
from watcher.cli.checking import PIPED_EVERY, PipedLines, progress_for
from watcher.model import Outcome


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_are_held_until_the_interval_passes_then_written_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    lines = PipedLines(clock)
    lines(Outcome("fr-hipaa", "baseline", summary="42 items"))
    lines(Outcome("edpb-news", "failed", reason="http", error="HTTP 503"))
    assert capsys.readouterr().err == ""
    clock.now += PIPED_EVERY
    lines(Outcome("ocr-guidance", "not_modified"))
    assert capsys.readouterr().err.splitlines() == [
        "fr-hipaa: baseline stored - 42 items",
        "edpb-news: FAILED - http: HTTP 503",
        "ocr-guidance: unchanged (304)",
    ]
    lines(Outcome("nha-circulars", "changed", change_id=7, summary="1 added"))
    assert capsys.readouterr().err == ""
    lines.flush()
    assert capsys.readouterr().err == "nha-circulars: CHANGED - 1 added [change 7]\n"
    lines.flush()
    assert capsys.readouterr().err == ""


def test_a_pass_that_ends_in_an_error_still_writes_every_held_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checking.sys.stderr, "isatty", lambda: False, raising=False)
    with pytest.raises(RuntimeError), progress_for(2) as report:
        report(Outcome("fr-hipaa", "unchanged"))
        raise RuntimeError("interrupted")
    assert capsys.readouterr().err == "fr-hipaa: unchanged\n"
