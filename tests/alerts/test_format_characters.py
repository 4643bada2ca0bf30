"""No invisible format character from page text reaches any channel.

(Except the two joiners U+200C/U+200D, which are part of the spelling of Indic and Persian
words; tests/alerts/test_mrkdwn.py keeps them on purpose.)

Unicode category Cf holds the bidi controls (U+061C ARABIC LETTER MARK, U+200E/F, the
embeddings and overrides U+202A-E, the isolates U+2066-9), zero-width characters, the soft
hyphen and the tag characters: they can reorder or hide what a reader sees. Before,
U+061C and others reached the console, Slack and email.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import UTC, datetime

import pytest

from alerts.email import Email, EmailOptions
from alerts.render import FORMAT, FORMAT_CHARACTERS, JOINERS, render_text
from alerts.slack_render import render_message
from alerts.teams import message as teams_message
from alerts.webhook import alert_json, without_format_characters
from watcher.model import Alert, Change, Item, SourceInfo

ALL_CF = "".join(
    chr(c)
    for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) == "Cf" and chr(c) not in JOINERS
)


def test_the_list_is_exactly_unicode_category_cf():
    listed = {chr(c) for c in range(sys.maxunicode + 1) if FORMAT.fullmatch(chr(c))}
    assert listed == set(ALL_CF), f"update FORMAT_CHARACTERS for Unicode {unicodedata.unidata_version}"
    assert "\u061c" in listed and FORMAT_CHARACTERS


def hostile(text: str) -> str:
    """`text` with every Cf character spread through it."""
    return "\u061c" + text[:3] + ALL_CF + text[3:] + "\u2067\u202e"


def alert(channel: str) -> Alert:
    item = Item(
        key="k1",
        title=hostile("Circular 12/2024 on consent"),
        link="https://regulator.example/c/12",
        date="2024-10-01",
        summary=hostile("Data fiduciaries must notify"),
    )
    change = Change(
        source_id="in-meity-circulars",
        before="a",
        after="b",
        added=(item,),
        diff=(hostile("+Data fiduciaries must notify within 72 hours"),),
        summary=hostile("+1 item"),
        id=7,
        detected_at=datetime(2024, 10, 1, tzinfo=UTC),
    )
    source = SourceInfo(
        id="in-meity-circulars", name=hostile("MeitY circulars"), url="https://regulator.example/c"
    )
    return Alert(key=f"regwatch:change:7:{channel}", channel=channel, source=source, change=change)


def outputs() -> dict[str, str]:
    email = Email("mail", EmailOptions(sender="regwatch@example.org", to=("team@example.org",)))
    message = email.compose(alert("mail"))
    slack = render_message(alert("slack"))
    return {
        "console": render_text(alert("console")),
        "slack": json.dumps({"blocks": slack.blocks, "text": slack.text}, ensure_ascii=False),
        "email": message.as_string() + str(message["Subject"]),
        "email-parts": "".join(part.get_content() for part in message.iter_parts()),
        "webhook": json.dumps(without_format_characters(alert_json(alert("hook"))), ensure_ascii=False),
        "teams": json.dumps(teams_message(alert("teams")), ensure_ascii=False),
    }


@pytest.mark.parametrize("channel", ["console", "slack", "email", "email-parts", "webhook", "teams"])
def test_no_format_character_reaches_a_channel(channel):
    text = outputs()[channel]
    found = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf" and c not in JOINERS})
    assert found == [], f"{channel} carries {found}"
    assert "Circular 12/2024 on consent" in text or channel == "email"  # the words themselves stay
