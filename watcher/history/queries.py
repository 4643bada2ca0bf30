"""Read the history for analysts: changes, items, versions and checks by filter, streamed.

Every query here iterates a cursor (nothing loads the history into memory) and returns
plain dicts ready for JSON or CSV. The SQL reads the views created by migration m005
(`changes_view`, `items_view`, `versions_view`), documented in docs/schema.md.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from watcher.dates.columns import document_columns
from watcher.db.store import iso
from watcher.errors import UnknownName, WatchError

CHANGE_KINDS = {
    "added": "c.n_added > 0",
    "removed": "c.n_removed > 0",
    "changed": "c.n_changed > 0",
    "edited": "c.diff != ''",
}


@dataclass(frozen=True)
class Filters:
    """What to select. Empty tuples mean "any"; several values of one filter are OR-ed."""

    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    regulators: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def source_clause(filters: Filters, column: str) -> tuple[str, list[Any]]:
    """SQL (starting with ' AND') limiting `column` (a source id) to the filtered sources."""
    sql = ""
    params: list[Any] = []
    if filters.sources:
        sql += f" AND {column} IN ({_marks(filters.sources)})"
        params.extend(filters.sources)
    inner: list[str] = []
    inner_params: list[Any] = []
    if filters.tags:
        inner.append(
            f"EXISTS (SELECT 1 FROM json_each(s.tags) t WHERE lower(t.value) IN ({_marks(filters.tags)}))"
        )
        inner_params.extend(t.lower() for t in filters.tags)
    if filters.jurisdictions:
        inner.append(f"upper(s.jurisdiction) IN ({_marks(filters.jurisdictions)})")
        inner_params.extend(j.upper() for j in filters.jurisdictions)
    if filters.regulators:
        inner.append(f"lower(s.regulator) IN ({_marks(filters.regulators)})")
        inner_params.extend(r.lower() for r in filters.regulators)
    if inner:
        sql += f" AND {column} IN (SELECT s.id FROM sources s WHERE {' AND '.join(inner)})"
        params.extend(inner_params)
    return sql, params


def time_clause(filters: Filters, column: str) -> tuple[str, list[Any]]:
    sql, params = "", []
    if filters.since:
        sql += f" AND {column} >= ?"
        params.append(iso(filters.since))
    if filters.until:
        sql += f" AND {column} < ?"
        params.append(iso(filters.until))
    return sql, params


def _select(
    db: Database, base: str, filters: Filters, *, alias: str, time_column: str, order: str, limit: int | None
) -> Iterator[dict[str, Any]]:
    """Run `base` (ending in a WHERE clause) with the source and time filters, streamed."""
    where_source, p1 = source_clause(filters, f"{alias}.source_id")
    where_time, p2 = time_clause(filters, f"{alias}.{time_column}")
    sql = f"{base}{where_source}{where_time} ORDER BY {order}"
    params = [*p1, *p2]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    yield from db.query(sql, params)


def changes(
    db: Database, filters: Filters, *, limit: int | None = None, oldest_first: bool = False
) -> Iterator[dict[str, Any]]:
    """Changes with their source's name, tags, jurisdiction and regulator (newest first)."""
    unknown = set(filters.kinds) - set(CHANGE_KINDS)
    if unknown:
        raise WatchError(f"unknown kind of change {sorted(unknown)}; use {', '.join(CHANGE_KINDS)}")
    base = "SELECT * FROM changes_view c WHERE 1=1"
    if filters.kinds:
        base += " AND (" + " OR ".join(CHANGE_KINDS[k] for k in filters.kinds) + ")"
    direction = "ASC" if oldest_first else "DESC"
    order = f"c.detected_at {direction}, c.id {direction}"
    for row in _select(db, base, filters, alias="c", time_column="detected_at", order=order, limit=limit):
        yield change_record(row)


def change(db: Database, change_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM changes_view WHERE id = ?", [change_id]))
    return change_record(rows[0]) if rows else None


def change_record(row: dict[str, Any]) -> dict[str, Any]:
    """A changes_view row with its JSON columns decoded (what JSON and CSV output carry)."""
    return {
        "id": row["id"],
        "detected_at": row["detected_at"],
        "source_id": row["source_id"],
        "source_name": row["source_name"] or "",
        "url": row["url"] or "",
        "jurisdiction": row["jurisdiction"] or "",
        "regulator": row["regulator"] or "",
        "tags": json.loads(row["tags"] or "[]"),
        "kinds": (row["kinds"] or "").split(),
        "summary": row["summary"],
        "n_added": row["n_added"],
        "n_removed": row["n_removed"],
        "n_changed": row["n_changed"],
        "n_diff": row["n_diff"],
        "added": json.loads(row["added"]),
        "removed": json.loads(row["removed"]),
        "changed": json.loads(row["changed"]),
        "diff": row["diff"].split("\n") if row["diff"] else [],
        "before": row["before"],
        "after": row["after"],
    }


def items(
    db: Database, filters: Filters, *, limit: int | None = None, oldest_first: bool = True
) -> Iterator[dict[str, Any]]:
    """Every document ever listed, by first-seen date, with its source and followed text."""
    base = (
        "SELECT v.*, (SELECT text FROM items WHERE id = v.id) AS text,"
        " (SELECT fields FROM items WHERE id = v.id) AS fields FROM items_view v WHERE 1=1"
    )
    direction = "ASC" if oldest_first else "DESC"
    order = f"v.first_seen {direction}, v.id {direction}"
    for row in _select(db, base, filters, alias="v", time_column="first_seen", order=order, limit=limit):
        row["tags"] = json.loads(row["tags"] or "[]")
        row["listed"] = bool(row["listed"])
        row["has_text"] = bool(row["has_text"])
        row.pop("text_excerpt", None)
        row.update(document_columns(row))  # type, abstract, agencies, … comments_close, effective
        yield row


def checks(
    db: Database, filters: Filters, *, limit: int | None = None, oldest_first: bool = True
) -> Iterator[dict[str, Any]]:
    """Every check attempt (n_checks > 1: a compacted run of identical unchanged checks)."""
    base = (
        "SELECT id, source_id, at, last_at, n_checks, status, http_status, duration_ms, reason, error,"
        " snapshot FROM checks k WHERE 1=1"
    )
    direction = "ASC" if oldest_first else "DESC"
    order = f"k.at {direction}, k.id {direction}"
    yield from _select(db, base, filters, alias="k", time_column="at", order=order, limit=limit)


def versions(
    db: Database, filters: Filters, *, limit: int | None = None, oldest_first: bool = True
) -> Iterator[dict[str, Any]]:
    """Each distinct content a source had, with when it was first and last seen."""
    direction = "ASC" if oldest_first else "DESC"
    order = f"v.first_seen {direction}, v.id {direction}"
    base = "SELECT * FROM versions_view v WHERE 1=1"
    yield from _select(db, base, filters, alias="v", time_column="first_seen", order=order, limit=limit)


def version_at(db: Database, source_id: str, at: datetime) -> dict[str, Any] | None:
    """The version of a source current at `at`: the newest first seen at or before it."""
    rows = list(
        db.query(
            "SELECT * FROM versions_view WHERE source_id = ? AND first_seen <= ?"
            " ORDER BY first_seen DESC, id DESC LIMIT 1",
            [source_id, iso(at)],
        )
    )
    return rows[0] if rows else None


def next_version(db: Database, source_id: str, after_id: int, first_seen: str) -> dict[str, Any] | None:
    """The version that replaced the given one, if any."""
    rows = list(
        db.query(
            "SELECT * FROM versions_view WHERE source_id = ? AND (first_seen > ? OR"
            " (first_seen = ? AND id > ?)) ORDER BY first_seen, id LIMIT 1",
            [source_id, first_seen, first_seen, after_id],
        )
    )
    return rows[0] if rows else None


def require_source(db: Database, source_id: str) -> None:
    """Raise UnknownName naming close matches when the source has no history."""
    require_sources(db, (source_id,))


def require_sources(db: Database, source_ids: Sequence[str]) -> None:
    """Raise UnknownName for the first id the database does not know, with close matches."""
    if not source_ids:
        return
    known = [row[0] for row in db.execute("SELECT id FROM sources ORDER BY id")]
    for source_id in source_ids:
        if source_id in known:
            continue
        close = difflib.get_close_matches(source_id, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else " (see `regwatch sources`)"
        raise UnknownName(f"no source {source_id!r} in the database{hint}")
