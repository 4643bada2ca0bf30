"""Hostile values in a JSON API's records, valid JSON all: a lone UTF-16 surrogate
(`"\\ud800"`, which `json.loads` keeps as it is and no UTF-8 takes) is stored and alerted
with U+FFFD in its place, like a broken byte of a page; an integer longer than Python reads
(4,300 digits), NaN and infinities are kept as text; a field nested hundreds deep reads as
"…", inline and in a worker alike. The check never fails as a bug on every pass, nor loses
the record's other words. Real Federal Register records, served on
127.0.0.1, checked into a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from passes import Passes, db_rows, make_config, stored_pass

from watcher.check.pipeline import extract_inline
from watcher.check.workers import ProcessExtractor
from watcher.db.store import Store

PAGES = Path(__file__).resolve().parent.parent / "pages"
FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text(encoding="utf-8"))


def test_a_lone_surrogate_in_a_record_is_stored_as_a_replacement_character(site, tmp_path):
    first = FR["results"][:3]
    site.set("/api/docs.json", json.dumps({"results": first}), content_type="application/json")
    source = {"id": "us-fr-hhs", "url": site.url("/api/docs.json"), "kind": "json", "fields": ["type"]}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"

    hostile = dict(
        FR["results"][3],
        title="Privacy \ud800Rule \ud83d\ude00 of \udfff2024",  # two lone halves and one real pair
        abstract="Comments due \udc00 May 1",
        type="Rule\ud800",
    )
    served = json.dumps({"results": [*first, hostile]})  # ensure_ascii: the escapes as a server writes them
    assert "\\ud800" in served
    site.set("/api/docs.json", served, content_type="application/json")
    changed = passes.one()
    assert changed.status == "changed", changed
    assert passes.one().status == "unchanged"  # stored as read: the next pass finds no change

    store = Store(tmp_path / "regwatch.db")  # read back from the file, not from memory
    try:
        stored = store.latest_snapshot("us-fr-hhs")
    finally:
        store.close()
    assert stored is not None
    item = next(i for i in stored.items if i.key == f"document_number:{hostile['document_number']}")
    assert item.title == "Privacy \ufffdRule \U0001f600 of \ufffd2024"
    assert item.summary == "Comments due \ufffd May 1"
    assert dict(item.fields)["type"] == "Rule\ufffd"
    (added,) = passes.changes()[-1].added
    assert added.title == item.title


def test_numbers_json_reads_as_bugs_are_kept_as_text(site, tmp_path):
    first = FR["results"][:3]
    site.set("/api/docs.json", json.dumps({"results": first}), content_type="application/json")
    source = {
        "id": "us-fr-hhs",
        "url": site.url("/api/docs.json"),
        "kind": "json",
        "fields": ["page_length", "start_page", "end_page"],
    }
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    record = json.dumps(dict(FR["results"][3], page_length=1, start_page=2, end_page=3))
    hostile = (
        record.replace('"page_length": 1', '"page_length": -' + "9" * 5000)
        .replace('"start_page": 2', '"start_page": NaN')
        .replace('"end_page": 3', '"end_page": 1e400')
    )
    assert "9" * 5000 in hostile and "NaN" in hostile and "1e400" in hostile
    served = json.dumps({"results": first})[:-2] + ", " + hostile + "]}"
    site.set("/api/docs.json", served, content_type="application/json")
    changed = passes.one()
    assert changed.status == "changed", changed
    assert passes.one().status == "unchanged"
    (added,) = passes.changes()[-1].added
    fields = dict(added.fields)
    assert fields["page_length"] == "-" + "9" * 499  # a field keeps its first 500 characters
    assert (fields["start_page"], fields["end_page"]) == ("nan", "inf")
    assert added.title == FR["results"][3]["title"]


@pytest.mark.parametrize("in_worker", [False, True], ids=["inline", "worker"])
def test_a_field_nested_hundreds_deep_reads_as_an_ellipsis_on_any_stack(site, tmp_path, in_worker):
    """A field of lists 400 deep (json.loads reads it) failed the source as a bug: its text was
    worked out by recursion, 3 frames a level. Now, inline or in a worker: the same rows."""
    first = FR["results"][:3]
    site.set("/api/docs.json", json.dumps({"results": first}), content_type="application/json")
    db = tmp_path / "regwatch.db"
    config = make_config(
        tmp_path,
        [{"id": "us-fr-hhs", "url": site.url("/api/docs.json"), "kind": "json", "fields": ["type", "x"]}],
    )
    deep = json.dumps(dict(FR["results"][3], x="DEEP")).replace('"DEEP"', "[" * 400 + '"word"' + "]" * 400)
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    with ProcessExtractor(1, min_bytes=0) as worker:
        for body in ({"results": first}, None, None):
            served = json.dumps(body) if body else json.dumps({"results": first})[:-2] + ", " + deep + "]}"
            site.set("/api/docs.json", served, content_type="application/json")
            stored_pass(config, db, moment, worker if in_worker else extract_inline)
            moment += timedelta(minutes=1)
    assert db_rows(db, "SELECT status, error FROM checks ORDER BY id") == [
        ("baseline", None), ("changed", None), ("unchanged", None)
    ]  # fmt: skip
    key = f"document_number:{FR['results'][3]['document_number']}"  # digits and a hyphen
    (fields,) = db_rows(db, f"SELECT fields FROM items WHERE key = '{key}'")
    assert json.loads(fields[0]) == {"type": FR["results"][3]["type"], "x": "…"}
