"""The database schema, created and upgraded by sqlite-utils migrations.

One file per migration in this folder, registered in `STEPS` in the order they are
applied (m006 was released before m005; applied names are recorded in
`_sqlite_migrations`, so the order of existing steps never changes). Never edit a released
migration and never import live code from one: copy what it needs, so it keeps meaning
what it meant when it shipped. To change the schema, add the next file and one line here.
docs/schema.md describes every table for analysts.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from watcher.db.migrations import (
    m001_initial,
    m002_kinds_warnings,
    m003_alerts_delivery,
    m004_service_next_run,
    m005_history_views,
    m006_related,
    m007_perf_fts_triggers,
    m008_documents,
    m010_outbox_not_before,
    m011_document_dates,
    m012_workflow,
    m013_related_reason,
    m014_change_summaries,
    m015_fts_pending,
    m016_version_text_pending,
    m017_drop_items_date,
    m018_changes_fts_pending,
    m019_items_fts_high_water,
)

STEPS = (
    m001_initial,
    m002_kinds_warnings,
    m003_alerts_delivery,
    m004_service_next_run,
    m006_related,
    m005_history_views,
    m007_perf_fts_triggers,
    m011_document_dates,
    m013_related_reason,
    m010_outbox_not_before,
    m012_workflow,
    m008_documents,
    m014_change_summaries,
    m015_fts_pending,
    m016_version_text_pending,
    m017_drop_items_date,
    m018_changes_fts_pending,
    m019_items_fts_high_water,
)

migrations = Migrations("regwatch")
for _step in STEPS:
    migrations(name=_step.__name__.rsplit(".", 1)[1])(_step.migrate)
