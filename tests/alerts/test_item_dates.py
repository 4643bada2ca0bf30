"""Instants reach the reader in their zone (Slack `<!date>`) or as ISO with the offset; a
date-only value is shown as the date it is."""

from __future__ import annotations

from alerts.email import render_html
from alerts.render import render_text
from alerts.slack_render import render_message
from watcher.model import Alert, Change, Item, SourceInfo

INSTANT = "2019-05-03T19:21:28+00:00"


def alert() -> Alert:
    items = (
        Item("a", "ONC announces information blocking FAQs", "https://www.healthit.gov/a", INSTANT),
        Item("b", "Guidance on cookies", "https://www.healthit.gov/b", "2024-10-18"),
        Item("c", "Local time, zone unknown", "https://www.healthit.gov/c", "2019-05-03T15:21:00"),
    )
    return Alert(
        key="regwatch:change:1:c",
        channel="c",
        source=SourceInfo("us-onc-news", "ONC news", "https://www.healthit.gov/news"),
        change=Change("us-onc-news", "a", "b", added=items, id=1),
    )


def test_slack_shows_an_instant_in_the_readers_zone_and_a_date_as_written():
    body = "\n".join(b["text"]["text"] for b in render_message(alert()).blocks if b["type"] == "section")
    assert f"· <!date^1556911288^{{date_short_pretty}} {{time}}|{INSTANT}>" in body
    assert "· 2024-10-18" in body
    assert "· 2019-05-03T15:21:00" in body and "<!date^1556906460" not in body


def test_console_and_email_show_iso_with_the_offset():
    assert f"({INSTANT})" in render_text(alert())
    assert INSTANT in render_html(alert())
