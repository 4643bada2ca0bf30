"""Why a link was chosen, from the ranker to the alert; acts from data; an import that
opens no database. Documents are real Federal Register text (tests/related/evalset)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from alerts.render import related_line as console_line
from alerts.slack_render import related_line as slack_line
from bench.related_eval import EVAL_SET, load
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import Change, FetchResult, Item, RelatedLink, Snapshot, Source
from watcher.related.identifiers import defined_acts, find_acts, known_acts
from watcher.related.linking import link_change

NOW = datetime(2024, 1, 9, 12, tzinfo=UTC)


def _source(source_id: str, role: str) -> Source:
    return Source(
        id=source_id, url=f"https://{source_id}.example.org/", kind="json", name=source_id, role=role
    )


def _doc(entry: dict) -> Item:
    return Item(entry["id"], entry["title"], entry["link"], entry["date"], summary=entry["text"])


def test_a_shared_docket_is_the_reason_stored_and_shown(tmp_path):
    """FEMA's amendment 2 to Louisiana's emergency declaration links to amendment 1 'because
    same docket FEMA-3600-EM', not to another state's amendment under FEMA's yearly docket."""
    docs = {c["id"]: c for c in load(EVAL_SET)["candidates"]}
    store = Store(tmp_path / "db.sqlite")
    feed, watched = _source("us-federal-register", "related"), _source("us-fr-fema", "watch")
    store.sync_sources([feed, watched], NOW)
    others = [docs[n] for n in ("2024-00231", "2024-00229", "2024-00230", "2023-28813", "2024-00092")]
    store.save_baseline(
        feed,
        FetchResult(feed.url, feed.url, 200),
        Snapshot(items=tuple(_doc(d) for d in others)),
        NOW,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
    )
    update = _doc(docs["2024-00232"])
    outcome = store.save_change(
        watched,
        FetchResult(watched.url, watched.url, 200),
        Snapshot(items=(update,)),
        Change(watched.id, "", "", added=(update,)),
        (),
        NOW,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
    )
    links = link_change(store.db, outcome.change_id, now=NOW)
    assert links[0].link == docs["2024-00231"]["link"]
    assert links[0].shown
    assert links[0].reason.startswith("same docket FEMA-3600-EM")
    store.replace_related(outcome.change_id, [link.row() for link in links], NOW)
    change = store.change(outcome.change_id)
    (shown, *_) = store.related_for(change)[update.key]
    assert shown.reason == links[0].reason
    assert "— same docket FEMA-3600-EM" in console_line(shown)
    assert "— same docket FEMA-3600-EM" in slack_line(shown)
    rows = store.related_rows(outcome.change_id)  # every link stored as ranked, shown or not
    assert [
        (r["related_item_id"], r["rank"], r["shown"], json.loads(r["terms"]), r["reason"]) for r in rows
    ] == [(link.related_item_id, link.rank, int(link.shown), list(link.terms), link.reason) for link in links]
    store.replace_related(outcome.change_id, [links[1].row()], NOW)  # linking again replaces them all
    assert [r["related_item_id"] for r in store.related_rows(outcome.change_id)] == [links[1].related_item_id]
    store.close()


def test_reasons_render_as_text_in_every_channel():
    link = RelatedLink("k", "A <b>title</b>", "https://x.example/a", "src", reason="shares: <script>, *bold*")
    assert "<script>" not in slack_line(link)
    assert "shares:" in slack_line(link) and "shares:" in console_line(link)
    assert "—" not in console_line(RelatedLink("k", "t", "https://x.example/a", "src"))


def test_acts_come_from_the_data_file_and_from_the_document(tmp_path):
    assert find_acts("under the Health Insurance Portability and Accountability Act") == ["HIPAA"]
    data = tmp_path / "acts.toml"
    data.write_text('[[act]]\nname = "PRA"\naliases = ["paperwork reduction act"]\nnumbers = ["44/3501"]\n')
    assert list(known_acts(data)) == ["PRA"]
    text = "The Energy Policy and Conservation Act, as amended (``EPCA''), prescribes standards"
    (epca,) = defined_acts(text)
    assert epca.name == "EPCA" and epca.aliases == ("epca", "energy policy and conservation act")
    assert defined_acts("see the Act (PDF)") == []


def test_importing_linking_opens_no_database():
    code = (
        "import sqlite3, watcher.related.linking as l, watcher.related.text as t\n"
        "assert t._stemmer._conn is None\n"
        "assert l.words('Hello') == ['hello']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
