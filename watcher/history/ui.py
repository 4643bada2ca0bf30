"""The browsing UI: Datasette over the regwatch database, read-only, with our metadata.

Datasette is an optional extra (`pip install 'regwatch[ui]'`). This module generates
the metadata (titles, descriptions, facets, FTS, canned queries) and builds the app; the
database is opened with `mode=ro`, so nothing in the UI can write. One SQL function is
added to Datasette's connections: `snapshot_text(snapshots.data)`, the readable text of
a stored (compressed) snapshot, so "the page as it was" works in the browser.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import uvicorn
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from watcher.db.ftspending import index_pending_file
from watcher.history.snapshottext import snapshot_text

SOURCE_FACETS: list[Any] = ["source_id", {"array": "tags"}, "jurisdiction", "regulator"]
QUERIES: dict[str, dict[str, Any]] = {
    "changes_this_week": {
        "title": "Changes this week",
        "description": "Every change detected in the last 7 days, newest first.",
        "sql": (
            "SELECT id, detected_at, source_id, source_name, jurisdiction, regulator, kinds, summary\n"
            "FROM changes_view\n"
            "WHERE detected_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')\n"
            "ORDER BY detected_at DESC"
        ),
    },
    "new_documents_by_regulator": {
        "title": "New documents by regulator",
        "description": (
            "Documents published between two dates (YYYY-MM-DD, blank for no bound), counted per "
            "regulator; optional words to match in title, summary or document text (as a phrase)."
        ),
        "sql": (
            "SELECT coalesce(nullif(s.regulator, ''), s.id) AS regulator, s.jurisdiction,\n"
            "       count(*) AS documents, min(v.published) AS first, max(v.published) AS last\n"
            "FROM items_view v JOIN sources s ON s.id = v.source_id\n"
            "WHERE (:since = '' OR v.published >= :since)\n"
            "  AND (:until = '' OR v.published <= :until)\n"
            "  AND (:words = '' OR v.id IN (SELECT rowid FROM items_fts\n"
            "       WHERE items_fts MATCH '\"' || replace(:words, '\"', '\"\"') || '\"'))\n"
            "GROUP BY 1, 2 ORDER BY documents DESC"
        ),
    },
    "sources_failing_now": {
        "title": "Sources failing now",
        "description": "Active sources whose last checks failed, longest failing first.",
        "sql": (
            "SELECT id, name, state, failures, failing_since, last_reason, last_error, last_ok_at, url\n"
            "FROM failing_sources ORDER BY failing_since"
        ),
    },
    "change_timeline": {
        "title": "Change timeline for a source",
        "description": "Every change of one source (its id, e.g. us-hhs-hipaa-news), newest first.",
        "sql": (
            "SELECT id, detected_at, kinds, summary, n_added, n_removed, n_changed, n_diff\n"
            "FROM changes_view WHERE source_id = :source ORDER BY detected_at DESC"
        ),
    },
    "source_as_it_was": {
        "title": "A source as it was at a date",
        "description": (
            "The version of a source current at a moment (YYYY-MM-DD means the end of that day, "
            "UTC; or a full ISO time), with its full text."
        ),
        "sql": (
            "SELECT v.source_id, v.first_seen, v.last_seen, v.snapshot, snapshot_text(n.data) AS text\n"
            "FROM versions v JOIN snapshots n ON n.hash = v.snapshot\n"
            "WHERE v.source_id = :source AND v.first_seen <= (CASE WHEN length(:at) = 10\n"
            "      THEN :at || 'T23:59:59.999999+00:00' ELSE :at END)\n"
            "ORDER BY v.first_seen DESC, v.id DESC LIMIT 1"
        ),
    },
    "alert_audit_trail": {
        "title": "Alert audit trail",
        "description": (
            "Who acknowledged, assigned, dismissed or snoozed which change, and when (optional: "
            "since a date YYYY-MM-DD, a user's Slack id or name); the table cannot be edited."
        ),
        "sql": (
            "SELECT a.at, a.change_id, c.source_id, c.summary, a.action, a.user_name, a.user_id,\n"
            "       a.assignee_name, a.assignee_id, a.reason, a.until, a.via\n"
            "FROM alert_actions a LEFT JOIN changes c ON c.id = a.change_id\n"
            "WHERE (:since = '' OR a.at >= :since)\n"
            "  AND (:user = '' OR a.user_id = :user OR lower(a.user_name) = lower(:user))\n"
            "ORDER BY a.id DESC"
        ),
    },
    "search_everything": {
        "title": "Search documents, changes and versions",
        "description": "Words to find (as a phrase) in documents, change diffs and every version's text.",
        "sql": (
            "WITH phrase AS (SELECT '\"' || replace(:words, '\"', '\"\"') || '\"' AS q),\n"
            "found AS MATERIALIZED (\n"
            "  SELECT rowid AS id, snippet(version_text_fts, -1, '[', ']', '…', 20) AS snippet\n"
            "  FROM version_text_fts WHERE version_text_fts MATCH (SELECT q FROM phrase))\n"
            "SELECT 'document' AS found_in, i.source_id, i.first_seen AS at, i.title,\n"
            "       snippet(items_fts, -1, '[', ']', '…', 20) AS snippet\n"
            "FROM items_fts JOIN items i ON i.id = items_fts.rowid\n"
            "WHERE items_fts MATCH (SELECT q FROM phrase)\n"
            "UNION ALL\n"
            "SELECT 'change ' || c.id, c.source_id, c.detected_at, c.summary,\n"
            "       snippet(changes_fts, -1, '[', ']', '…', 20)\n"
            "FROM changes_fts JOIN changes c ON c.id = changes_fts.rowid\n"
            "WHERE changes_fts MATCH (SELECT q FROM phrase)\n"
            "UNION ALL\n"
            "SELECT 'version', v.source_id, min(v.first_seen), '', found.snippet\n"
            "FROM found JOIN version_text t ON t.rowid = found.id\n"
            "JOIN versions v ON v.snapshot = t.snapshot\n"
            "GROUP BY t.rowid, v.source_id\n"
            "ORDER BY at DESC LIMIT 200"
        ),
    },
}


def metadata(db_name: str) -> dict[str, Any]:
    """Datasette metadata for a regwatch database served under the name `db_name`."""
    tables = {
        "changes_view": {
            "title": "Changes",
            "description": "Every change detected, with its source's name, tags, jurisdiction and regulator."
            " kinds: added / removed / changed items, edited text.",
            "sort_desc": "detected_at",
            "facets": [*SOURCE_FACETS, "kinds"],
            "fts_table": "changes_fts",
            "fts_pk": "id",
        },
        "items_view": {
            "title": "Documents",
            "description": "Every document a listing ever showed: published date, first and last seen,"
            " removed_at once it left the listing, and the change that first reported it.",
            "sort_desc": "first_seen",
            "facets": [*SOURCE_FACETS, "listed"],
            "fts_table": "items_fts",
            "fts_pk": "id",
        },
        "versions_view": {
            "title": "Versions",
            "description": "Each distinct content of each source with when it was first and last seen"
            " (see the canned query 'A source as it was at a date' for the text).",
            "sort_desc": "first_seen",
            "facets": ["source_id", "jurisdiction", "regulator"],
        },
        "failing_sources": {
            "title": "Failing sources",
            "description": "Active sources whose latest checks failed.",
            "facets": ["state", "last_reason"],
        },
        "sources": {
            "title": "Sources",
            "description": "Every source regwatch has watched; active = 0 once removed from the config.",
            "label_column": "name",
            "facets": ["kind", {"array": "tags"}, "jurisdiction", "regulator", "state"],
        },
        "changes": {
            "description": "Raw change rows; changes_view adds the source's details.",
            "sort_desc": "id",
        },
        "items": {"description": "Raw document rows; items_view adds the source's details."},
        "checks": {
            "description": "Every check attempt; n_checks > 1 is a compacted run of unchanged checks"
            " from `at` to `last_at`.",
            "sort_desc": "id",
            "facets": ["status", "source_id", "reason"],
        },
        "versions": {"description": "Raw version rows; versions_view adds the source's details."},
        "version_text": {"description": "Text lines each snapshot introduced, for full-text search."},
        "events": {"description": "Health events: a source broke or recovered.", "sort_desc": "id"},
        "outbox": {"description": "Alerts queued per channel and their delivery state.", "sort_desc": "id"},
        "snapshots": {"hidden": True},
        "evidence_bodies": {"hidden": True},  # compressed response bodies: `regwatch evidence`
    }
    return {
        "title": "regwatch history",
        "description": "What regulators changed, when, and what their pages said at any time."
        " Read-only view of the regwatch database.",
        "databases": {
            db_name: {
                "title": "regwatch history",
                "description": "Start with Changes or Documents, or a query below.",
                "tables": tables,
                "queries": QUERIES,
            }
        },
    }


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Datasette hook: the SQL functions regwatch's canned queries use."""
    conn.create_function("snapshot_text", 1, snapshot_text, deterministic=True)


def _register() -> None:
    """This module is its own Datasette plugin (for `prepare_connection`)."""
    if pm.get_plugin("regwatch") is None:
        pm.register(sys.modules[__name__], name="regwatch")


def build(db_path: str | Path) -> Datasette:
    """A Datasette instance over the database, read-only (`mode=ro`), with regwatch's metadata."""
    _register()
    path = Path(db_path)
    index_pending_file(path)  # items a script inserted: searchable in the UI too
    return Datasette(
        [str(path)],
        metadata=metadata(path.stem),
        settings={
            "sql_time_limit_ms": 2000,
            "facet_time_limit_ms": 500,
            "truncate_cells_html": 400,
            "default_page_size": 50,
        },
    )


def serve(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run the UI until interrupted (what `regwatch ui` does)."""
    app = build(db_path)
    asyncio.run(app.invoke_startup())
    uvicorn.run(app.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
