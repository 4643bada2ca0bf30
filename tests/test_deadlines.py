"""`regwatch deadlines` and its calendar, on real Federal Register documents and a fixed day:
the right documents in the window, soonest first, "from text" marked, and an iCalendar
file that parses with `icalendar`, round-trips and keeps its UIDs across runs and moves."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from frfacts import FR, fr_source, page
from icalendar import Calendar

from watcher.db.docdates import record_document_dates
from watcher.db.store import Store
from watcher.model import Item, Source


@pytest.fixture
def stored(site, config_file, cli):
    """Baseline of two rules (effective 2024-02-01), then a proposed rule (comments close
    2024-02-12) and a notice whose deadline (2024-03-05) is only in its DATES paragraph."""
    results = FR["results"]
    site.set("/api/documents.json", page(results[:2]), content_type="application/json")
    config = config_file(
        sources=[fr_source(site.url("/api/documents.json"))],
        channels=[],
    )
    assert cli("--config", str(config), "check").returncode == 0
    site.set("/api/documents.json", page(results), content_type="application/json")
    assert cli("--config", str(config), "check").returncode == 0
    return lambda *args: cli("--config", str(config), "deadlines", *args)


def rows(run) -> list[dict]:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_within_30_days_lists_the_right_documents_soonest_first(stored):
    found = rows(stored("--today", "2024-02-01", "--within", "30d", "--format", "json"))
    assert [(r["date"], r["kind"], r["item_key"]) for r in found] == [
        ("2024-02-01", "effective", "document_number:2023-27783"),
        ("2024-02-01", "effective", "document_number:2023-28483"),
        ("2024-02-12", "comment", "document_number:2024-00553"),
    ]
    assert found[2]["days"] == 11 and found[2]["jurisdiction"] == "US"
    assert (
        found[2]["link"]
        == "https://www.federalregister.gov/documents/2024/01/12/2024-00553/nondiscrimination-on-the-basis-of-disability-accessibility-of-medical-diagnostic-equipment-of-state"
    )
    later = rows(stored("--today", "2024-02-01", "--within", "35d", "--kind", "comment", "--format", "json"))
    assert [(r["date"], r["from_text"]) for r in later] == [("2024-02-12", False), ("2024-03-05", True)]
    table = stored("--today", "2024-02-01", "--within", "35d")
    assert "comments close (from text)" in table.stdout and "Agency Information Collection" in table.stdout


def test_past_and_filters_and_csv(stored):
    past = rows(stored("--today", "2024-02-20", "--within", "30d", "--past", "--format", "json"))
    assert [r["date"] for r in past] == ["2024-02-12", "2024-02-01", "2024-02-01"]  # most recent first
    assert rows(stored("--today", "2024-02-01", "--jurisdiction", "EU", "--format", "json")) == []
    table = list(csv.DictReader(io.StringIO(stored("--today", "2024-02-01", "--format", "csv").stdout)))
    assert [r["date"] for r in table] == ["2024-02-01", "2024-02-01", "2024-02-12"]
    assert {"date", "kind", "from_text", "title", "source_id", "jurisdiction", "link"} <= set(table[0])


def test_ics_parses_round_trips_and_keeps_uids(stored):
    first = stored("--today", "2024-01-01", "--within", "90d", "--format", "ics")
    assert first.returncode == 0, first.stderr
    calendar = Calendar.from_ical(first.stdout)
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    by_uid = {str(e["UID"]): e for e in events}
    comment = by_uid["comment.us-fr-test.document_number:2024-00553@regwatch"]
    assert comment.decoded("DTSTART") == date(2024, 2, 12)  # an all-day event
    assert comment.decoded("DTEND") == date(2024, 2, 13)
    assert str(comment["SUMMARY"]).startswith("Comments close: Nondiscrimination on the Basis of Disability")
    description = str(comment["DESCRIPTION"])
    assert (
        "The Department of Justice" in description
        and "https://www.federalregister.gov/documents/2024/01/12/2024-00553/" in description
    )
    notice = by_uid["comment.us-fr-test.document_number:2024-00025@regwatch"]
    assert "(from text)" in str(notice["DESCRIPTION"])
    # Round trip: what icalendar reads back serialises to the same bytes.
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    again = Calendar.from_ical(stored("--today", "2024-01-01", "--within", "90d", "--format", "ics").stdout)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(by_uid)


def test_a_moved_date_keeps_its_uid_and_remembers_the_old_day(tmp_path):
    store = Store(tmp_path / "regwatch.db")
    source = Source(
        id="us-fr",
        url="https://www.federalregister.gov/api/v1/documents.json",
        kind="json",
        jurisdiction="US",
    )
    now = datetime(2024, 1, 2, tzinfo=UTC)
    store.sync_sources([source], now)
    item = Item(key="document_number:1", title="Rule", fields=(("comments_close_on", "2024-02-01"),))
    with store.db.atomic():
        assert record_document_dates(store.db, source, [item], now, change_id=None) == 1
    with store.db.atomic():
        assert record_document_dates(store.db, source, [item], now, change_id=None) == 0  # unchanged
    moved = Item(key="document_number:1", title="Rule", fields=(("comments_close_on", "2024-03-01"),))
    with store.db.atomic():
        assert record_document_dates(store.db, source, [moved], now, change_id=None) == 1
    (deadline,) = store.document_dates(date(2024, 1, 1), date(2025, 1, 1))
    assert deadline.on == date(2024, 3, 1) and deadline.previous_on == date(2024, 2, 1)
    assert deadline.uid == "comment.us-fr.document_number:1@regwatch"
    store.close()


def test_the_service_serves_the_calendar_read_only_behind_its_token(tmp_path):
    import asyncio

    from watcher.service.calendar import service_calendar
    from watcher.service.health import HealthServer

    store = Store(tmp_path / "regwatch.db")
    source = Source(id="us-fr", url="https://www.federalregister.gov/api/v1/documents.json", kind="json")
    now = datetime(2024, 1, 20, tzinfo=UTC)
    store.sync_sources([source], now)
    with store.db.atomic():
        record_document_dates(
            store.db,
            source,
            [
                Item(
                    key="document_number:2024-00553",
                    title="Nondiscrimination",
                    fields=(("comments_close_on", "2024-02-12"),),
                )
            ],
            now,
            change_id=None,
        )

    async def get(port: int, target: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer

    async def go() -> dict[str, bytes]:
        server = HealthServer(
            "127.0.0.1",
            0,
            health=lambda: (200, {}),
            metrics=lambda: b"",
            calendar=lambda: service_calendar(store, now),
            calendar_token="s3cret",
        )
        await server.start()
        try:
            return {
                "ok": await get(server.port, "/calendar.ics?token=s3cret"),
                "no": await get(server.port, "/calendar.ics"),
                "bad": await get(server.port, "/calendar.ics?token=guess"),
            }
        finally:
            await server.close()

    answers = asyncio.run(go())
    head, _, body = answers["ok"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"text/calendar" in head
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == "comment.us-fr.document_number:2024-00553@regwatch"
    assert answers["no"].startswith(b"HTTP/1.1 403") and answers["bad"].startswith(b"HTTP/1.1 403")
    assert b"VEVENT" not in answers["bad"]
    store.close()


def test_a_followed_documents_text_gives_its_dates_marked_from_text(tmp_path):
    store = Store(tmp_path / "regwatch.db")
    source = Source(id="uk-ico-consultations", url="https://ico.org.uk/", kind="listing", jurisdiction="UK")
    now = datetime(2024, 2, 1, tzinfo=UTC)
    store.sync_sources([source], now)
    store.db.execute(
        "INSERT INTO items (source_id, key, title, link, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
        [
            "uk-ico-consultations",
            "https://ico.org.uk/c1",
            "Consultation on age assurance",
            "https://ico.org.uk/c1",
            now.isoformat(),
            now.isoformat(),
        ],
    )
    item_id = store.db.execute("SELECT id FROM items").fetchone()[0]
    store.set_item_text(
        item_id, "Consultation on age assurance\nThis consultation closes on 12 March 2024.", now
    )
    (deadline,) = store.document_dates(date(2024, 1, 1), date(2025, 1, 1))
    assert (deadline.kind, deadline.on, deadline.from_text) == ("comment", date(2024, 3, 12), True)
    store.close()


def test_m011_backfills_the_structured_dates_of_documents_stored_before_it(tmp_path):
    import sqlite3

    path = tmp_path / "regwatch.db"
    store = Store(path)
    now = datetime(2024, 1, 12, tzinfo=UTC)
    store.sync_sources(
        [Source(id="us-fr", url="https://www.federalregister.gov/api/v1/documents.json", kind="json")], now
    )
    store.close()
    db = sqlite3.connect(path)  # a database as it was before m011, with FR documents in it
    db.execute("DROP TABLE document_dates")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_document_dates'")
    for key, fields in (
        ("document_number:2024-00553", {"type": "Proposed Rule", "comments_close_on": "2024-02-12"}),
        ("document_number:2023-27783", {"type": "Rule", "effective_on": "2024-02-01"}),
        ("document_number:x", {"type": "Notice"}),
    ):
        db.execute(
            "INSERT INTO items (source_id, key, title, link, summary, fields, first_seen, last_seen)"
            " VALUES ('us-fr', ?, ?, '', 'An abstract.', ?, ?, ?)",
            [key, key, json.dumps(fields), now.isoformat(), now.isoformat()],
        )
    db.commit()
    db.close()
    store = Store(path)
    found = {
        (d.item_key, d.kind, d.on, d.type) for d in store.document_dates(date(2024, 1, 1), date(2025, 1, 1))
    }
    assert found == {
        ("document_number:2024-00553", "comment", date(2024, 2, 12), "Proposed Rule"),
        ("document_number:2023-27783", "effective", date(2024, 2, 1), "Rule"),
    }
    store.close()


def test_the_running_service_serves_calendar_ics_behind_its_token(site, config_file, tmp_path):
    from localsite import LISTING_SOURCE, listing_page
    from servicerun import Service

    site.set("/news", listing_page([("2024-10-01", "First notice", "/n/1.html")]))
    config = config_file(
        sources=[{"id": "us-fr", "url": site.url("/news"), **LISTING_SOURCE}],
        service={"calendar_token_env": "REGWATCH_CALENDAR_TOKEN"},
    )
    now = datetime.now(UTC)
    store = Store(tmp_path / "regwatch.db")
    source = Source(id="us-fr", url=site.url("/news"), kind="listing")
    store.sync_sources([source], now)
    soon = (now + timedelta(days=10)).date().isoformat()
    with store.db.atomic():
        item = Item(key="document_number:1", title="A proposed rule", fields=(("comments_close_on", soon),))
        record_document_dates(store.db, source, [item], now, change_id=None)
    store.close()
    service = Service(
        config, "--health-port", "0", env={"REGWATCH_CALENDAR_TOKEN": "cal-s3cret"}
    ).wait_started()
    try:
        status, headers, body = service.get("/calendar.ics?token=cal-s3cret")
        assert status == 200 and headers["Content-Type"].startswith("text/calendar")
        (event,) = Calendar.from_ical(body).walk("VEVENT")
        assert str(event["UID"]) == "comment.us-fr.document_number:1@regwatch"
        assert event.decoded("DTSTART").isoformat() == soon
        assert service.get("/calendar.ics")[0] == 403
        assert service.get("/calendar.ics?token=nope")[0] == 403
    finally:
        assert service.stop() == 0
