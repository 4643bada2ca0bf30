"""Reading history: source metadata and stored changes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from watcher.db.selects import select
from watcher.db.sources import SourceRows
from watcher.db.values import (
    change_from_row,
    iso,
)
from watcher.model import (
    Change,
    SourceInfo,
)


class ChangeReads(SourceRows):
    # -- reading history ----------------------------------------------------------------

    def source_info(self, source_id: str) -> SourceInfo:
        row = self.db.execute(
            "SELECT id, name, url, kind, tags, jurisdiction, regulator FROM sources WHERE id = ?",
            [source_id],
        ).fetchone()
        if row is None:
            return SourceInfo(id=source_id, name=source_id, url="")
        return SourceInfo(
            id=row[0],
            name=row[1] or row[0],
            url=row[2],
            kind=row[3],
            tags=tuple(json.loads(row[4])),
            jurisdiction=row[5],
            regulator=row[6],
        )

    def change(self, change_id: int | None) -> Change | None:
        rows = list(select(self.db, "SELECT * FROM changes WHERE id = ?", [change_id]))
        return change_from_row(rows[0]) if rows else None

    def changes(
        self, *, source_ids: Sequence[str] = (), since: datetime | None = None, limit: int | None = None
    ) -> Iterator[Change]:
        """Changes, newest first, streamed."""
        sql = "SELECT * FROM changes WHERE 1=1"
        params: list[Any] = []
        if source_ids:
            sql += f" AND source_id IN ({','.join('?' for _ in source_ids)})"
            params.extend(source_ids)
        if since:
            sql += " AND detected_at >= ?"
            params.append(iso(since))
        sql += " ORDER BY detected_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.db.query(sql, params):
            yield change_from_row(row)
