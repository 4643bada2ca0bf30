"""A doctor row (OK / WARN / FAIL, what was found, the fix) and the table they are shown in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

Status = Literal["OK", "WARN", "FAIL"]
STYLES = {"OK": "green", "WARN": "yellow", "FAIL": "bold red"}


@dataclass(frozen=True)
class Row:
    """One check: what was checked, its status, what was found and, unless OK, how to fix it."""

    check: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.detail, "fix": self.fix}


def ok(check: str, detail: str) -> Row:
    return Row(check, "OK", detail)


def warn(check: str, detail: str, fix: str) -> Row:
    return Row(check, "WARN", detail, fix)


def fail(check: str, detail: str, fix: str) -> Row:
    return Row(check, "FAIL", detail, fix)


def has_failures(rows: Sequence[Row]) -> bool:
    return any(row.status == "FAIL" for row in rows)


def render(rows: Sequence[Row], console: Console) -> None:
    """A table with headers; long cells wrap; plain text when not on a terminal."""
    table = Table(show_lines=False, expand=False)
    for name in ("CHECK", "STATUS", "DETAIL", "FIX"):
        table.add_column(name, overflow="fold")
    for row in rows:
        # Text(), not markup: details quote config values and server answers.
        table.add_row(
            Text(row.check), Text(row.status, style=STYLES[row.status]), Text(row.detail), Text(row.fix)
        )
    console.print(table)
    counts = {status: sum(1 for r in rows if r.status == status) for status in STYLES}
    console.print(Text(f"{counts['OK']} OK, {counts['WARN']} WARN, {counts['FAIL']} FAIL"))
