"""The model's summary in every channel's form (alerts/changesummary.py and its hooks): marked
machine-written with the model's name, escaped per channel like page text, "summary
unavailable" when there is none, and the importance verdict with its reason."""

from __future__ import annotations

import dataclasses
import json

from slackapi import validate_blocks

from alerts.email import render_html
from alerts.render import render_text
from alerts.slack_render import render_message
from alerts.teams import build_card
from alerts.webhook import alert_json
from watcher.model import Alert, Change, ChangeSummary, Item, SourceInfo

SOURCE = SourceInfo(
    "eu-eurlex-gdpr", "GDPR", "https://eur-lex.europa.eu/eli/reg/2016/679/oj/eng", jurisdiction="EU"
)
ITEM = Item("k", "Guidelines 01/2025 on pseudonymisation", "https://www.edpb.europa.eu/g", "2025-01-17")
# What a hostile model could still return after watcher/summary/safety.py: Slack syntax is
# stripped there, but escaping here must hold on its own too.
HOSTILE = 'Pseudonymisation <b>guidelines</b> & "<!channel>" <@U123> <https://evil.example|x>'
MODEL = "llama3.1"


def alert(summary: ChangeSummary | None, *, batch: bool = False) -> Alert:
    change = Change("eu-eurlex-gdpr", "a", "b", added=(ITEM,), summary="1 new", id=7)
    one = Alert("regwatch:change:7:c", "c", SOURCE, change=change, change_summary=summary)
    return (
        Alert("regwatch:digest:c", "c", SourceInfo("", "regwatch digest", ""), batch=(one,)) if batch else one
    )


def test_plain_text_console_email_and_teams_mark_it_machine_written():
    found = ChangeSummary(MODEL, text="New EDPB guidelines on pseudonymisation; comments until 28 February.")
    text = render_text(alert(found))
    assert f"  Summary (machine-written, model {MODEL}): New EDPB guidelines" in text
    assert text.index("Summary (") < text.index("New: Guidelines 01/2025")  # it leads
    card = json.dumps(build_card(alert(found)))
    assert f"Summary (machine-written, model {MODEL}): New EDPB guidelines" in card
    html = render_html(alert(found))
    assert f"Summary (machine-written, model {MODEL}): New EDPB guidelines" in html


def test_slack_escapes_it_like_page_text():
    message = render_message(alert(ChangeSummary(MODEL, text=HOSTILE)))
    validate_blocks(list(message.blocks))
    context = next(i for i, b in enumerate(message.blocks) if b["type"] == "context")
    text = message.blocks[context + 1]["text"]["text"]
    assert text == (
        f"*Summary* _(machine-written, model {MODEL})_\n"
        'Pseudonymisation &lt;b&gt;guidelines&lt;/b&gt; &amp; "&lt;!channel&gt;" &lt;@U123&gt;'
        " &lt;https://evil.example|x&gt;"
    )
    assert message.blocks[context + 1]["text"]["verbatim"] is True


def test_email_html_escapes_it():
    html = render_html(alert(ChangeSummary(MODEL, text=HOSTILE)))
    assert "&lt;b&gt;guidelines&lt;/b&gt; &amp; &quot;&lt;!channel&gt;&quot;" in html
    assert "<b>guidelines" not in html and 'href="https://evil' not in html


def test_unavailable_and_verdicts_in_every_form():
    late = ChangeSummary(MODEL, error="timeout", important=False, reason="Only a wording edit.")
    assert "Summary unavailable (timeout; machine-written, model llama3.1)" in render_text(alert(late))
    assert "Not important here (sent to the digest): Only a wording edit." in render_text(alert(late))
    blocks = render_message(alert(late, batch=True)).blocks
    digest = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "_Summary unavailable (timeout; machine-written, model llama3.1)_" in digest
    assert "_Not important here (sent to the digest): Only a wording edit._" in digest
    data = alert_json(alert(late))["model_summary"]
    assert data == {
        "text": "",
        "model": MODEL,
        "machine_written": True,
        "available": False,
        "error": "timeout",
        "important": False,
        "reason": "Only a wording edit.",
    }


def test_no_summary_no_trace():
    plain = alert(None)
    assert "Summary" not in render_text(plain) and "model_summary" not in alert_json(plain)
    assert not any("Summary" in json.dumps(b) for b in render_message(plain).blocks)
    assert render_text(plain) == render_text(dataclasses.replace(plain, change_summary=None))
