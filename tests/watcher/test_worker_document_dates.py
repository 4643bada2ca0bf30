"""Documents' dates worked out in the extraction worker (watcher/dates/carried.py): the store
writes the rows the inline path writes, without working the dates out again in the main
process; a followed text or another jurisdiction still has them worked out there."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from frfacts import PAGES, fr_source, page
from passes import db_rows, make_config, stored_pass

import watcher.dates.carried
from sources.registry import kind_for
from watcher.check.pipeline import extract_inline
from watcher.check.workers import MIN_BYTES, ProcessExtractor
from watcher.dates.carried import attach_dates, dates_of, work_out
from watcher.model import FetchResult, Snapshot

#: 1,000 real Federal Register documents (type, DATES paragraph, comment and effective days).
DOCUMENTS = json.loads(
    (PAGES / "federal-register-api-json/documents-dates.json").read_text(encoding="utf-8")
)["results"]


def pages() -> list[list[dict[str, Any]]]:
    """What the API serves on each pass: a baseline of 150 documents; 100 new and 50 gone;
    the same with one comment deadline moved (a changed document: the json kind's fields
    take part in change detection); then one publication date corrected and another
    deadline moved."""
    first, second = DOCUMENTS[:150], DOCUMENTS[50:250]
    moved = copy.deepcopy(second)
    deadline = next(d for d in moved if d["comments_close_on"])
    deadline["comments_close_on"] = "2024-06-28"
    corrected = copy.deepcopy(moved)
    later = next(d for d in reversed(corrected) if d["comments_close_on"])
    later["comments_close_on"] = "2024-07-31"
    later["publication_date"] = "2024-01-31"
    return [first, second, moved, corrected]


def run_passes(site, db: Path, extractor) -> None:
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    for results in pages():
        site.set("/api/documents.json", page(results), content_type="application/json")
        config = make_config(db.parent, [fr_source(site.url("/api/documents.json"))], database=str(db))
        stored_pass(config, db, moment, extractor)
        moment += timedelta(minutes=1)


rows = db_rows


def test_the_worker_path_stores_the_document_dates_the_inline_path_stores(site, tmp_path: Path):
    (tmp_path / "worker").mkdir()
    (tmp_path / "inline").mkdir()
    assert len(page(DOCUMENTS[:150]).encode()) >= MIN_BYTES  # these pages go to a worker
    with ProcessExtractor(1) as extractor:
        run_passes(site, tmp_path / "worker" / "regwatch.db", extractor)
        assert extractor._pool  # it really went to a worker
    run_passes(site, tmp_path / "inline" / "regwatch.db", extract_inline)
    sql = "SELECT * FROM document_dates ORDER BY id"
    worker, inline = (
        rows(tmp_path / "worker" / "regwatch.db", sql),
        rows(tmp_path / "inline" / "regwatch.db", sql),
    )
    assert worker == inline
    db = tmp_path / "worker" / "regwatch.db"
    # Every path that writes dates was taken: a baseline, new documents, changed documents
    # whose deadlines moved.
    assert len(rows(db, "SELECT 1 FROM changes")) == 3
    assert len(rows(db, "SELECT 1 FROM document_dates WHERE change_id IS NULL")) > 30
    assert len(rows(db, "SELECT 1 FROM document_dates WHERE change_id IS NOT NULL")) >= 20
    assert len(rows(db, "SELECT 1 FROM document_dates WHERE from_text = 1")) >= 3
    assert sorted(
        on for (on,) in rows(db, "SELECT on_date FROM document_dates WHERE previous_on IS NOT NULL")
    ) == [
        "2024-06-28",
        "2024-07-31",
    ]


def test_the_main_process_does_not_work_out_dates_a_worker_brought(
    site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    calls: list[str] = []
    real = watcher.dates.carried.facts_for

    def counted(item, source, text=""):
        calls.append(item.key)
        return real(item, source, text)

    monkeypatch.setattr(watcher.dates.carried, "facts_for", counted)  # in this process only
    with ProcessExtractor(1) as extractor:
        run_passes(site, tmp_path / "worker.db", extractor)
    assert calls == []
    assert len(rows(tmp_path / "worker.db", "SELECT 1 FROM document_dates")) > 60
    run_passes(site, tmp_path / "inline.db", extract_inline)
    assert len(calls) >= 150 + 100  # the inline path still works them out (and the counter sees it)


def listing(count: int = 60, *, jurisdiction: str = "US") -> tuple[Snapshot, Any]:
    body = page(DOCUMENTS[:count]).encode()
    fetched = FetchResult(url="https://example.gov/api", final_url="https://example.gov/api", status=200,
                          headers={"content-type": "application/json"}, body=body)  # fmt: skip
    source = make_config(
        Path("/nonexistent"), [{**fr_source(fetched.url), "jurisdiction": jurisdiction}]
    ).sources[0]
    return kind_for("json").extract(fetched, source), source


def test_carried_dates_are_those_facts_for_gives_and_survive_a_pickle():
    import pickle

    snapshot, source = listing()
    expected = [work_out(item, source) for item in snapshot.items]
    attach_dates(snapshot, source)
    back = pickle.loads(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == snapshot
    assert [dates_of(item, source) for item in back.items] == expected
    assert any(dated[2] for dated in expected) and any(not dated[2] for dated in expected)


def test_a_followed_text_or_another_jurisdiction_has_the_dates_worked_out_again():
    snapshot, source = listing()
    item = next(i for i in snapshot.items if not work_out(i, source)[2])
    attach_dates(snapshot, source)
    text = "Comments must be received on or before 3 April 2024."
    assert dates_of(item, source, text) == work_out(item, source, text)
    assert dates_of(item, source, text)[2] == (("comment", "2024-04-03", True),)
    # Day-first jurisdictions read 01.04.2024 as 1 April: dates read under the US do not apply.
    wrong = item.__dict__["_dates"] = ("US", ("", "", (("comment", "1999-01-01", False),)))
    assert dates_of(item, source) == wrong[1]  # what is carried is what the store writes
    _, indian = listing(jurisdiction="IN")
    assert dates_of(item, indian) == work_out(item, indian)
