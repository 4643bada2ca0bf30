"""Fields are content (issue #13, point 5): a Federal Register deadline move, a `type` change and
an eCFR `removed` flip each alert as a field change, rendered in Slack, console, email and
webhook; records sharing a key are kept apart with a warning that `regwatch status` shows.

Real material: the Federal Register API response in tests/pages/federal-register-api-json/
and the eCFR versions response in tests/pages/ecfr-versions/, served on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from clirun import run_cli, write_config
from passes import Passes, make_config

from alerts.email import render_html
from alerts.render import render_text
from alerts.slack_render import render_message
from alerts.webhook import alert_json
from sources.catalog import load_catalog
from watcher.model import Alert, Change, SourceInfo

PAGES = Path(__file__).parent.parent / "pages"
FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text("utf-8"))
NEWEST_FIRST = sorted(
    FR["results"], key=lambda r: (r["publication_date"], r["document_number"]), reverse=True
)
ECFR = json.loads((PAGES / "ecfr-versions/title-6.json").read_text("utf-8"))
CATALOG = {entry["id"]: entry for entry in load_catalog()}


def fr_page(records: list[dict]) -> str:
    return json.dumps(
        {**{k: v for k, v in FR.items() if k != "results"}, "next_page_url": None, "results": records}
    )


def every_rendering(change: Change) -> dict[str, str]:
    alert = Alert(
        key="k", channel="c", source=SourceInfo("fr", "Federal Register", "https://e.gov"), change=change
    )
    slack = render_message(alert)
    return {
        "slack": json.dumps(slack.blocks, ensure_ascii=False),
        "console": render_text(alert),
        "email": render_html(alert),
        "webhook": json.dumps(alert_json(alert), ensure_ascii=False),
    }


def fr_source(site) -> dict:
    entry = CATALOG["us-fr-45cfr164"]
    return {
        "id": "fr",
        "url": site.url("/documents.json"),
        "kind": "json",
        "fields": entry["fields"],
        "next": "",
    }


def test_federal_register_deadline_move_and_type_change_alert_as_field_changes(site, tmp_path):
    records = [dict(r) for r in NEWEST_FIRST[:10]]
    petition = next(r for r in records if r["document_number"] == "2024-00410")
    other = next(r for r in records if r["document_number"] == "2024-00411")
    assert petition["comments_close_on"] == "2024-03-11" and other["type"] == "Proposed Rule"
    site.set("/documents.json", fr_page(records), content_type="application/json")
    passes = Passes(make_config(tmp_path, [fr_source(site)]), tmp_path / "r.db")
    assert passes.one().status == "baseline"

    petition["comments_close_on"] = "2024-04-11"  # the comment period is extended
    other["type"] = "Rule"  # the proposal becomes a final rule
    site.set("/documents.json", fr_page(records), content_type="application/json")
    outcome = passes.one()
    assert outcome.status == "changed"
    [change] = passes.changes()
    assert sorted(p.after.key for p in change.changed) == [
        "document_number:2024-00410",
        "document_number:2024-00411",
    ]
    assert change.added == () and change.removed == ()
    for channel, text in every_rendering(change).items():
        assert "comment deadline 2024-03-11 → 2024-04-11" in text, channel
        assert "type Proposed Rule → Rule" in text, channel


def ecfr_source(site, key=None) -> dict:
    entry = CATALOG["us-ecfr-45cfr164-versions"]
    options = {k: entry[k] for k in ("items", "key", "title", "link", "date", "summary", "next", "fields")}
    if key is not None:
        options["key"] = key
    return {"id": "ecfr", "url": site.url("/versions/title-6.json"), "kind": "json", **options}


def test_ecfr_removed_flip_alerts_as_a_field_change(site, tmp_path):
    data = json.loads(json.dumps(ECFR))
    site.set("/versions/title-6.json", json.dumps(data), content_type="application/json")
    passes = Passes(make_config(tmp_path, [ecfr_source(site)]), tmp_path / "r.db")
    baseline = passes.one()
    assert baseline.status == "baseline" and baseline.summary == "baseline: 12 item(s)"
    assert baseline.warnings == ()

    record = next(r for r in data["content_versions"] if r["identifier"] == "21.4")
    record["removed"] = True
    site.set("/versions/title-6.json", json.dumps(data), content_type="application/json")
    assert passes.one().status == "changed"
    [change] = passes.changes()
    [pair] = change.changed
    assert pair.after.title == "§ 21.4 Definitions."
    for channel, text in every_rendering(change).items():
        assert "removed: false → true" in text, channel


def test_records_sharing_a_key_are_kept_apart_and_warned_about(site, tmp_path):
    site.set("/versions/title-6.json", json.dumps(ECFR), content_type="application/json")
    # The old catalog key: 25.2 appears twice with the same identifier and amendment date.
    source = ecfr_source(site, key=["identifier", "amendment_date"])
    config = write_config(tmp_path / "regwatch.toml", sources=[source])
    checked = run_cli("--config", str(config), "check")
    assert checked.returncode == 0, checked.stderr
    shown = run_cli("--config", str(config), "status")
    assert "warning: 1 item(s) share a key with another (identifier:25.2@2016-12-22)" in shown.stdout
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "unchanged"  # same bytes: nothing lost, nothing new
    with sqlite3.connect(tmp_path / "regwatch.db") as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM items WHERE source_id = 'ecfr'")]
    assert len(keys) == 12
    assert {"identifier:25.2@2016-12-22", "identifier:25.2@2016-12-22#2"} <= set(keys)


def test_field_values_are_escaped_per_channel_and_kept_whole():
    from watcher.model import Item, ItemChange

    before = Item("document_number:1", "Notice", fields=(("type", "Notice"),))
    after = Item(
        "document_number:1", "Notice", fields=(("type", "Notice <!channel> & <https://x.example/|y>"),)
    )
    change = Change("fr", "a", "b", changed=(ItemChange(before, after),), summary="1 item(s) changed")
    shown = every_rendering(change)
    assert "type Notice → Notice &lt;!channel&gt; &amp; &lt;https://x.example/|y&gt;" in shown["slack"]
    assert "type Notice → Notice &lt;!channel&gt; &amp; &lt;https://x.example/|y&gt;" in shown["email"]
    assert "type Notice → Notice <!channel> & <https://x.example/|y>" in shown["console"]
    assert (
        "Notice <!channel> & <https://x.example/|y>"
        in json.loads(shown["webhook"])["change"]["changed"][0]["fields"][0]["after"]
    )


def test_the_summary_says_which_field_moved():
    from watcher.check.diff import diff
    from watcher.model import Item, Snapshot

    def doc(deadline: str, kind: str) -> Snapshot:
        return Snapshot(
            items=(
                Item(
                    "document_number:2024-00410",
                    "Petition",
                    fields=(("comments_close_on", deadline), ("type", kind)),
                ),
            )
        )

    one = diff("fr", doc("2024-03-11", "Proposed Rule"), doc("2024-04-11", "Proposed Rule"))
    assert one is not None and one.summary == "1 item(s) changed (comment deadline 2024-03-11 → 2024-04-11)"
    two = diff("fr", doc("2024-03-11", "Proposed Rule"), doc("2024-04-11", "Rule"))
    assert (
        two is not None
        and two.summary == "1 item(s) changed (comment deadline 2024-03-11 → 2024-04-11, +1 more)"
    )
