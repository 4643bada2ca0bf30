"""An edit at the end of a 600-character GDPR paragraph (a real EUR-Lex capture) reaches
Slack, the console and email with its changed words, through the real command line."""

from __future__ import annotations

from email import message_from_bytes, policy

from alertworld import GDPR_PAGE, console_channel, email_channel, gdpr_source, slack_channel
from clirun import write_config
from slackapi import TOKEN

# Article 5(1)(e), 601 characters; the edit is in its last 50.
ENDING = "the rights and freedoms of the data subject (‘storage limitation’);"
EDITED = "the rights and freedoms of the data subject, and in any event for no longer than ten years (‘storage limitation’);"
NEW_WORDS = ", and in any event for no longer than ten years"


def test_edit_at_the_end_of_a_long_paragraph_shows_its_words_everywhere(site, slack, mailbox, tmp_path, cli):
    box, port = mailbox
    original = GDPR_PAGE.read_text(encoding="utf-8")
    assert original.count(ENDING) == 1
    paragraph = next(p for p in original.split("<p") if ENDING in p)
    assert len(" ".join(paragraph.split(">", 1)[1].split("<", 1)[0].split())) > 590
    site.set("/gdpr", original)
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[gdpr_source(site.url("/gdpr"), jurisdiction="EU")],
        channels=[
            console_channel(),
            slack_channel(slack),
            email_channel(port),
        ],
    )
    env = {"SLACK_BOT_TOKEN": TOKEN}
    first = cli("--config", str(config), "check", env=env)
    assert first.returncode == 0, first.stderr
    site.set("/gdpr", original.replace(ENDING, EDITED))
    second = cli("--config", str(config), "check", env=env)
    assert second.returncode == 0, second.stderr

    # Console: the inserted words, marked, with the words before and after them.
    assert f"data subject{{+{NEW_WORDS}+}} (‘storage limitation’);" in second.stdout
    assert "\x1b[" not in second.stdout  # not a terminal: no colour

    # Slack, as the local Slack server received it: bold new words, escaped, with context.
    (message,) = slack.messages("compliance-alerts")
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    edit = next(t for t in texts if "Page text changed" in t)
    assert f"data subject *{NEW_WORDS}* (‘storage limitation’);" in edit
    assert "chars)" in edit  # the unchanged start of the paragraph is left out, and counted

    # Email: <ins> in the HTML part, the console's marks in the text part.
    (raw,) = box.messages
    email = message_from_bytes(raw, policy=policy.default)
    html = email.get_body(("html",)).get_content()
    text = email.get_body(("plain",)).get_content()
    assert f">{NEW_WORDS}</ins>" in html
    assert f"{{+{NEW_WORDS}+}}" in text
