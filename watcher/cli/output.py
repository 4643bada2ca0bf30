"""Command output in one convention: `--format table|json|jsonl|csv` on every list command.

`--json` is one JSON document (an array of rows) everywhere and `--jsonl` one object per
line. Tables go through rich on a terminal (headers, aligned, long cells wrapped) and are
plain aligned text when piped; the other formats stream row by row, so an export of the
whole history never sits in memory. Text for the terminal goes through
`alerts.render.safe`; CSV cells that a spreadsheet would run as a formula are defused
(see `csv_cell`).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import click
from rich.console import Console
from rich.table import Table

from alerts.render import safe

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# JSON leaves these unescaped with ensure_ascii=False; a terminal may act on them (C1, bidi).
RISKY_IN_JSON = re.compile("[\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def to_json(value: Any, **kwargs: Any) -> str:
    """JSON text that is safe to print: risky code points become \\uXXXX escapes (lossless)."""
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return RISKY_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class Column:
    """A column of a text table: a key of the row, a header, a width (0 = the rest)."""

    key: str
    header: str
    width: int = 0
    render: Callable[[Any], str] | None = None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(text_of(v) for v in value)
    return str(value)


FORMATS = ("table", "json", "jsonl", "csv")


def format_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--format table|json|jsonl|csv`, `--json` (one JSON document) and `--jsonl` (one object
    per line); the command receives the chosen format as `fmt` (default table)."""

    @functools.wraps(func)
    def wrapper(*args: Any, fmt: str | None, as_json: bool, as_jsonl: bool, **kwargs: Any) -> Any:
        chosen = {f for f in (fmt, "json" if as_json else None, "jsonl" if as_jsonl else None) if f}
        if len(chosen) > 1:
            raise click.UsageError(f"choose one output format, not {' and '.join(sorted(chosen))}")
        return func(*args, fmt=chosen.pop() if chosen else "table", **kwargs)

    wrapper = click.option("--jsonl", "as_jsonl", is_flag=True, help="Same as --format jsonl.")(wrapper)
    wrapper = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")(wrapper)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="table (default), json (one array), jsonl (one object per line) or csv (RFC 4180).",
    )(wrapper)


def write_table(rows: Iterable[dict[str, Any]], columns: Sequence[Column], out: TextIO) -> int:
    """A table: through rich on a terminal (headers, aligned, wrapped), else plain aligned
    text printed as rows arrive. Returns the row count."""
    if out.isatty():
        return _rich_table(rows, columns, out)
    out.write(_table_line({c.key: c.header for c in columns}, columns, header=True) + "\n")
    count = 0
    for row in rows:
        out.write(_table_line(row, columns) + "\n")
        count += 1
    return count


def _cell(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.key)
    text = column.render(value) if column.render else text_of(value)
    return safe(str(text), 10_000).replace("\n", " ")


def _rich_table(rows: Iterable[dict[str, Any]], columns: Sequence[Column], out: TextIO) -> int:
    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column.header, overflow="fold", min_width=min(column.width or 10, 12))
    count = 0
    for row in rows:
        table.add_row(*(_cell(row, c) for c in columns), style=None)
        count += 1
    # markup=False and plain Text cells: page text is never read as rich markup.
    Console(file=out, highlight=False, markup=False, emoji=False).print(table)
    return count


def _table_line(row: dict[str, Any], columns: Sequence[Column], header: bool = False) -> str:
    cells = []
    for column in columns:
        value = row.get(column.key)
        text = value if header else (column.render(value) if column.render else text_of(value))
        text = safe(str(text), 10_000).replace("\n", " ")
        if column.width:
            text = text if len(text) <= column.width else text[: column.width - 1] + "…"
            text = text.ljust(column.width)
        cells.append(text)
    return "  ".join(cells).rstrip()


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(to_json(row) + "\n")
        count += 1
    return count


def write_json_array(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array written element by element (valid JSON, streamed)."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(("\n" if count == 0 else ",\n") + to_json(row))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def csv_cell(value: Any, *, guard: bool) -> Any:
    """A CSV cell: lists and dicts as JSON; control characters and terminal escapes removed
    (tab and newline kept); with `guard`, text a spreadsheet would evaluate as a formula
    (=, +, -, @, tab, CR first) gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = safe(value, len(value) + 1)
    if guard and isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, *, guard: bool = True) -> int:
    """RFC 4180 CSV with a header from the first row's keys (empty output when no rows)."""
    writer: csv.DictWriter | None = None
    count = 0
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\r\n")
            writer.writeheader()
        writer.writerow({k: csv_cell(v, guard=guard) for k, v in row.items()})
        count += 1
    return count


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    out: TextIO,
    *,
    columns: Sequence[Column] = (),
    guard: bool = True,
) -> int:
    if fmt == "table":
        return write_table(rows, columns, out)
    if fmt == "json":
        return write_json_array(rows, out)
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    if fmt == "csv":
        return write_csv(rows, out, guard=guard)
    raise ValueError(fmt)


@contextmanager
def closed_pipe_ok() -> Iterator[None]:
    """`regwatch history | head` ends quietly instead of with a BrokenPipeError."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
