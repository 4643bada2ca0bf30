"""Full-text search (SQLite FTS5) over items, changes and version text, with snippets.

Three indexes answer one query: `items_fts` (document titles, summaries and followed
document text), `changes_fts` (change summaries and text diffs) and `version_text_fts`
(every line a source ever showed, indexed once in the version that introduced it).
User input is quoted term by term, so punctuation never becomes FTS5 syntax; `raw=True`
passes FTS5 query syntax through (NEAR, column filters, parentheses).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from watcher.errors import WatchError
from watcher.history.queries import Filters, source_clause, time_clause

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # private-use characters: never in the output as-is
SCOPES = ("items", "changes", "versions")
OPERATORS = {"OR", "AND", "NOT"}
TOKEN = re.compile(r'"[^"]*"\*?|\S+')


@dataclass(frozen=True)
class Hit:
    """One search result. `snippet` marks matches with MARK_OPEN/MARK_CLOSE."""

    scope: str  # item | change | version
    id: int
    source_id: str
    at: str
    title: str
    snippet: str
    rank: float
    link: str = ""
    change_id: int | None = None
    removed_at: str | None = None
    snapshot: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["snippet"] = self.snippet.replace(MARK_OPEN, "**").replace(MARK_CLOSE, "**")
        return data


def fts_query(text: str) -> str:
    """Plain words -> an FTS5 query: every term quoted (all must match), "phrases" kept,
    a trailing * keeps prefix search, and OR / NOT between terms stay operators."""
    parts: list[str] = []
    for token in TOKEN.findall(text or ""):
        if token in OPERATORS:
            if parts and parts[-1] not in OPERATORS:
                parts.append(token)
            continue
        prefix = token.endswith("*")
        word = token.rstrip("*")
        if len(word) >= 2 and word.startswith('"') and word.endswith('"'):
            word = word[1:-1]
        word = word.strip('"')
        if not word.strip():
            continue
        parts.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    while parts and parts[-1] in OPERATORS:
        parts.pop()
    if not parts:
        raise WatchError("empty search: give at least one word")
    return " ".join(parts)


PREFIX_TERM = re.compile(r'"([a-z]{3,40})"\*', re.IGNORECASE)
#: How many letters Porter stemming can take off the end of a word's prefix ("enforcem*" must
#: find "enforcement", indexed as "enforc"; "intelligen*" -> "intellig").
STEM_SLACK = 4


def expand_prefixes(db: Database, match: str) -> str:
    """Make prefix terms work on the Porter-stemmed indexes.

    The indexes hold stems, so `"enforcem"*` finds nothing: "enforcement" is stored as
    "enforc". A prefix term is widened to also match the index's own stems that are a
    shorter prefix of it (by at most STEM_SLACK letters, or with Porter's final y -> i),
    looked up in the indexes' vocabularies, so it matches exactly the words it would have
    matched in an unstemmed index, plus their inflections.
    """

    def widen(found: re.Match[str]) -> str:
        prefix = found.group(1).lower()
        shorter = {prefix[:n] for n in range(max(3, len(prefix) - STEM_SLACK), len(prefix))}
        if prefix.endswith("y"):
            shorter.add(prefix[:-1] + "i")
        stems = sorted(shorter & _vocabulary(db, shorter))
        if not stems:
            return found.group(0)
        return "(" + " OR ".join([found.group(0), *(f'"{stem}"*' for stem in stems)]) + ")"

    widened = PREFIX_TERM.sub(widen, match)
    # FTS5 takes juxtaposition as AND between phrases, but not next to a parenthesised group.
    return re.sub(r'(?<=[)*"]) (?=[("])', " AND ", widened) if widened != match else match


def _vocabulary(db: Database, terms: set[str]) -> set[str]:
    """Which of `terms` are stems in any of the three indexes (FTS5 vocabulary tables)."""
    found: set[str] = set()
    marks = ", ".join("?" for _ in terms)
    for table in FTS_TABLE.values():
        vocab = f"temp.{table}_vocab"
        db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab(main, '{table}', 'row')")
        rows = db.execute(f"SELECT term FROM {vocab} WHERE term IN ({marks})", sorted(terms)).fetchall()
        found.update(row[0] for row in rows)
    return found


PUBLISHED = (
    "CASE WHEN i.date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
    " THEN substr(i.date, 1, 10) ELSE substr(i.first_seen, 1, 10) END"
)
SQL = {
    # Documents are dated by publication (their own date, else the day first seen).
    "items": (
        f"SELECT i.id, i.source_id, {PUBLISHED} AS at, i.title, i.link, i.change_id, i.removed_at,"
        " '' AS snapshot, items_fts.rank AS rank"
        " FROM items_fts JOIN items i ON i.id = items_fts.rowid WHERE items_fts MATCH ?",
        "i",
    ),
    "changes": (
        "SELECT c.id, c.source_id, c.detected_at AS at, c.summary AS title, '' AS link, c.id AS change_id,"
        " NULL AS removed_at, '' AS snapshot, changes_fts.rank AS rank"
        " FROM changes_fts JOIN changes c ON c.id = changes_fts.rowid WHERE changes_fts MATCH ?",
        "c",
    ),
    "versions": (
        "SELECT vt.rowid AS id, v.source_id, min(v.first_seen) AS at, '' AS title, '' AS link,"
        " NULL AS change_id, NULL AS removed_at, vt.snapshot, min(version_text_fts.rank) AS rank"
        " FROM version_text_fts JOIN version_text vt ON vt.rowid = version_text_fts.rowid"
        " JOIN versions v ON v.snapshot = vt.snapshot WHERE version_text_fts MATCH ?",
        "v",
    ),
}
TIME_COLUMN = {"items": PUBLISHED, "changes": "c.detected_at", "versions": "v.first_seen"}
FTS_TABLE = {"items": "items_fts", "changes": "changes_fts", "versions": "version_text_fts"}
SCOPE_NAME = {"items": "item", "changes": "change", "versions": "version"}


def search(
    db: Database,
    query: str,
    filters: Filters,
    *,
    limit: int = 20,
    scopes: tuple[str, ...] = SCOPES,
    raw: bool = False,
    newest_first: bool = False,
) -> list[Hit]:
    """The best `limit` hits over the chosen indexes (by relevance, or newest first)."""
    match = query.strip() if raw else expand_prefixes(db, fts_query(query))
    if not match:
        raise WatchError("empty search: give at least one word")
    hits: list[Hit] = []
    for scope in scopes:
        hits.extend(_search_scope(db, scope, match, filters, limit, newest_first))
    if newest_first:
        hits.sort(key=lambda h: h.at, reverse=True)
    else:
        hits.sort(key=lambda h: h.rank)  # FTS5 rank: more negative is better
    return hits[:limit]


def _search_scope(
    db: Database, scope: str, match: str, filters: Filters, limit: int, newest_first: bool
) -> list[Hit]:
    sql, params = _matches(scope, match, filters)
    sql += " ORDER BY at DESC" if newest_first else " ORDER BY rank"
    sql += " LIMIT ?"
    rows = _run(db, sql, [*params, limit], match)
    # Snippets only for the rows shown: snippet() over every match would cost per match.
    return [_hit(db, scope, match, row) for row in rows]


def _matches(scope: str, match: str, filters: Filters) -> tuple[str, list[Any]]:
    """SQL selecting every match of one index under the filters (no order, no limit)."""
    base, alias = SQL[scope]
    where_source, p1 = source_clause(filters, f"{alias}.source_id")
    column = TIME_COLUMN[scope]
    if scope == "items":  # a date column: compare dates
        bounds = Filters(since=filters.since, until=filters.until)
        where_time, p2 = time_clause(bounds, column)
        p2 = [p[:10] for p in p2]
    else:
        where_time, p2 = time_clause(filters, column)
    sql = base + where_source + where_time
    if scope == "versions":
        sql += " GROUP BY vt.rowid, v.source_id"
    return sql, [match, *p1, *p2]


def _run(db: Database, sql: str, params: list[Any], match: str) -> list[dict[str, Any]]:
    try:
        return list(db.query(sql, params))
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax" in str(exc) or "no such column" in str(exc):
            raise WatchError(f"bad search query {match!r}: {exc}") from exc
        raise


GROUPS = {
    "source": ("s.id", ""),
    "regulator": ("coalesce(nullif(s.regulator, ''), s.id)", ""),
    "jurisdiction": ("s.jurisdiction", ""),
    "tag": ("t.value", " JOIN json_each(s.tags) t"),
}


def count_by(
    db: Database,
    query: str,
    filters: Filters,
    field: str,
    *,
    scopes: tuple[str, ...] = SCOPES,
    raw: bool = False,
) -> list[dict[str, Any]]:
    """How many matches per source, regulator, jurisdiction or tag, per index, most first."""
    match = query.strip() if raw else expand_prefixes(db, fts_query(query))
    expression, join = GROUPS[field]
    counts: dict[str, dict[str, Any]] = {}
    for scope in scopes:
        inner, params = _matches(scope, match, filters)
        sql = (
            f"SELECT {expression} AS key, count(*) AS n FROM ({inner}) h"
            f" JOIN sources s ON s.id = h.source_id{join} GROUP BY 1"
        )
        for row in _run(db, sql, params, match):
            entry = counts.setdefault(row["key"] or "", {field: row["key"] or "", **dict.fromkeys(scopes, 0)})
            entry[scope] = row["n"]
    rows = list(counts.values())
    for row in rows:
        row["total"] = sum(row[s] for s in scopes)
    return sorted(rows, key=lambda r: (-r["total"], r[field]))


def _hit(db: Database, scope: str, match: str, row: dict[str, Any]) -> Hit:
    table = FTS_TABLE[scope]
    found = db.execute(
        f"SELECT snippet({table}, -1, ?, ?, '…', 24) FROM {table} WHERE {table} MATCH ? AND rowid = ?",
        [MARK_OPEN, MARK_CLOSE, match, row["id"]],
    ).fetchone()
    return Hit(
        scope=SCOPE_NAME[scope],
        id=row["id"],
        source_id=row["source_id"],
        at=row["at"],
        title=row["title"] or "",
        snippet=found[0] if found else "",
        rank=row["rank"],
        link=row["link"] or "",
        change_id=row["change_id"],
        removed_at=row["removed_at"],
        snapshot=row["snapshot"] or "",
    )
