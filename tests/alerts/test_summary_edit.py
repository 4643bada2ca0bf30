"""A long field (an item's summary: a real Federal Register abstract) edited near its end
shows its changed words in every channel, the unchanged start left out and counted."""

from __future__ import annotations

import json
from pathlib import Path

from alerts.email import render_html
from alerts.render import render_text
from alerts.slack_render import render_message
from alerts.webhook import alert_json
from watcher.model import Alert, Change, Item, ItemChange, SourceInfo

FR = Path(__file__).resolve().parent.parent / "pages" / "federal-register-api-json" / "documents-sample.json"


def edited_alert() -> tuple[Alert, str]:
    record = max(
        json.loads(FR.read_text(encoding="utf-8"))["results"], key=lambda r: len(r.get("abstract") or "")
    )
    old = " ".join(record["abstract"].split())
    assert len(old) > 600
    words = old.split(" ")
    new = " ".join([*words[:-3], "NOT", *words[-3:]])
    before = Item(record["document_number"], record["title"], record["html_url"], summary=old)
    after = Item(record["document_number"], record["title"], record["html_url"], summary=new)
    source = SourceInfo("us-fr-hhs", "Federal Register", "https://www.federalregister.gov/")
    return Alert(
        "k", "c", source, change=Change("us-fr-hhs", "a", "b", changed=(ItemChange(before, after),), id=5)
    ), words[-4]


def test_summary_edit_shows_the_new_word_in_every_channel():
    alert, word_before = edited_alert()
    assert f"{word_before} {{+NOT+}}" in render_text(alert)
    slack = "\n".join(b["text"]["text"] for b in render_message(alert).blocks if b["type"] == "section")
    assert f"{word_before} *NOT*" in slack and "chars)" in slack
    assert ">NOT</ins>" in render_html(alert)
    (changed,) = alert_json(alert)["change"]["changed"]
    assert {"op": "ins", "text": "NOT "} in changed["summary_excerpt"]["segments"] or {
        "op": "ins",
        "text": " NOT",
    } in changed["summary_excerpt"]["segments"]
