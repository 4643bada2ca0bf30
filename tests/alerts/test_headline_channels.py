"""The line built from the change (alerts/headline.py) leads every change alert in every
channel, escaped per channel: Slack (the first block after the header, and the notification
text), console, email (subject, text and HTML), Teams, webhook JSON (`headline`), digests and
`regwatch show`. End to end on a real EUR-Lex capture through the real command line; the
escaping with a heading that holds `<!channel>`, `*bold*` and `&`."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from alertworld import GDPR_PAGE, console_channel, email_channel, gdpr_source, slack_channel, webhook_channel
from clirun import write_config
from headlinecases import change_of, pairs
from slackapi import TOKEN

from alerts.email import render_html, subject_of
from alerts.render import render_text
from alerts.slack_render import render_message
from alerts.teams import build_card
from alerts.webhook import alert_json
from watcher.model import Alert, Change, DocumentDate, DocumentFacts, Item, ItemChange, SourceInfo

OLD = "not later than 72 hours after having become aware of it"
LINE = '1 paragraph edited under "Notification of a personal data breach to the supervisory authority"'

HOSTILE = "Risk analysis <!channel> *bold* & <https://evil.example|review>"
HOSTILE_LINE = f'1 paragraph edited under "{HOSTILE}"'
HOSTILE_SLACK = '1 paragraph edited under "Risk analysis &lt;!channel&gt; *bold* &amp; &lt;https://evil.example|review&gt;"'
SOURCE = SourceInfo("us-hhs-security", "HHS Security Rule", "https://www.hhs.gov/sr", jurisdiction="US")


def test_the_line_leads_the_alert_in_every_channel_end_to_end(site, slack, mailbox, receiver, tmp_path, cli):
    box, port = mailbox
    original = GDPR_PAGE.read_text(encoding="utf-8")
    site.set("/gdpr", original)
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[gdpr_source(site.url("/gdpr"))],
        channels=[
            console_channel(),
            slack_channel(slack),
            webhook_channel(receiver),
            email_channel(port),
        ],
    )
    env = {"SLACK_BOT_TOKEN": TOKEN}
    assert cli("--config", str(config), "check", env=env).returncode == 0
    site.set("/gdpr", original.replace(OLD, "within seventy-two hours"))
    result = cli("--config", str(config), "check", env=env)
    assert result.returncode == 0, result.stderr

    assert result.stdout.splitlines()[0] == f"[regwatch] GDPR: {LINE}"  # console: the first line

    (message,) = slack.messages("compliance-alerts")
    header, first, *_ = message["blocks"]
    assert header["type"] == "header"
    assert first == {"type": "section", "text": {"type": "mrkdwn", "text": LINE, "verbatim": True}}
    assert message["text"].startswith(f"GDPR: {LINE}")  # the notification says it too

    ((_, body, _),) = receiver.received
    assert body["headline"] == LINE

    (raw,) = box.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == f"[regwatch] GDPR: {LINE}"
    assert mail.get_body(("plain",)).get_content().startswith(f"[regwatch] GDPR: {LINE}")
    html = mail.get_body(("html",)).get_content()
    assert "<h3>GDPR: 1 paragraph edited under &quot;Notification of a personal data breach" in html

    shown = cli("--config", str(config), "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert f"What changed: {LINE}" in shown.stdout.splitlines()[:2]
    as_json = json.loads(cli("--config", str(config), "show", "1", "--json").stdout)
    assert as_json["headline"] == LINE


def hostile_alert(**extra) -> Alert:
    diff = (
        "@@ -3,3 +3,3 @@",
        f" {HOSTILE}",
        "-A covered entity must review its risk analysis periodically.",
        "+A covered entity must review its risk analysis at least annually.",
        " Contingency plans must be tested.",
    )
    return Alert("k1", "c", SOURCE, change=Change(SOURCE.id, "a", "b", diff=diff, id=7), **extra)


def test_a_hostile_heading_is_escaped_per_channel():
    alert = hostile_alert()
    slack = render_message(alert)
    assert slack.blocks[1]["text"]["text"] == HOSTILE_SLACK
    assert slack.text.startswith(f"HHS Security Rule: {HOSTILE_SLACK}")
    sent = json.dumps([slack.blocks, slack.text])
    assert "<!channel>" not in sent and "<https://evil" not in sent

    assert render_text(alert).splitlines()[0] == f"[regwatch] HHS Security Rule: {HOSTILE_LINE}"
    assert subject_of(alert, "") == f"[regwatch] HHS Security Rule: {HOSTILE_LINE}"
    html = render_html(alert)
    assert (
        "1 paragraph edited under &quot;Risk analysis &lt;!channel&gt; *bold* &amp; "
        "&lt;https://evil.example|review&gt;&quot;" in html
    )
    assert "<!channel>" not in html and "<https://evil" not in html

    assert alert_json(alert)["headline"] == HOSTILE_LINE  # data: the receiver escapes it
    card = json.dumps(build_card(alert), ensure_ascii=False)
    assert json.dumps(f"[regwatch] HHS Security Rule: {HOSTILE_LINE}", ensure_ascii=False) in card


def test_control_characters_in_a_heading_never_reach_a_terminal_or_slack():
    alert = Alert(
        "k",
        "c",
        SOURCE,
        change=Change(
            SOURCE.id,
            "a",
            "b",
            diff=(
                "@@ -1,2 +1,2 @@",
                " Risk\x1b[31m analysis\u202e",
                "-A covered entity must review its risk analysis periodically.",
                "+A covered entity must review its risk analysis every year.",
            ),
        ),
    )
    first = render_text(alert).splitlines()[0]
    assert first == '[regwatch] HHS Security Rule: 1 paragraph edited under "Risk analysis"'
    assert render_message(alert).blocks[1]["text"]["text"] == '1 paragraph edited under "Risk analysis"'


def test_digests_carry_one_line_per_change():
    rule = Item(
        "2024-30983",
        "HIPAA Security Rule NPRM",
        "https://www.federalregister.gov/d/2024-30983",
        fields=(("type", "Proposed Rule"),),
    )
    facts = {rule.key: DocumentFacts(type="Proposed Rule", comment=DocumentDate("comment", "2025-03-07"))}
    new_rule = Alert("k2", "c", SOURCE, change=Change(SOURCE.id, "a", "b", added=(rule,), id=8), facts=facts)
    digest = Alert("d", "c", SOURCE, batch=(hostile_alert(), new_rule))
    text = render_text(digest)
    assert f"[regwatch] HHS Security Rule: {HOSTILE_LINE}" in text
    assert "[regwatch] HHS Security Rule: 1 new Proposed Rule (comments close 7 March 2025)" in text
    sections = [b["text"]["text"] for b in render_message(digest).blocks if b["type"] == "section"]
    joined = "\n".join(sections)
    assert f"— {HOSTILE_SLACK}" in joined
    assert "— 1 new Proposed Rule (comments close 7 March 2025)" in joined
    assert "<!channel>" not in joined
    members = alert_json(digest)["alerts"]
    assert [m["headline"] for m in members] == [
        HOSTILE_LINE,
        "1 new Proposed Rule (comments close 7 March 2025)",
    ]


def test_the_line_is_one_line_whatever_a_field_holds():
    before = Item("d1", "Notice", fields=(("type", "Notice"),))
    after = Item("d1", "Notice", fields=(("type", "Rule\n[regwatch] Forged: CHANGED"),))
    alert = Alert("k", "c", SOURCE, change=Change(SOURCE.id, "a", "b", changed=(ItemChange(before, after),)))
    first, second, *_ = render_text(alert).splitlines()
    assert first == "[regwatch] HHS Security Rule: type Notice → Rule [regwatch] Forged: CHANGED"
    assert not second.startswith("[regwatch]")


def test_updated_documents_lead_with_their_field_changes_in_slack_and_its_notification():
    change, facts = change_of(pairs()["fr-deadline-extended-and-type-final"]())
    alert = Alert(
        "k",
        "c",
        SourceInfo("fr", "Federal Register", "https://www.federalregister.gov/"),
        change=change,
        facts=facts,
    )
    expected = "type Proposed Rule → Rule; comment deadline moved 11 March → 11 April 2024"
    message = render_message(alert)
    assert message.blocks[1]["text"]["text"] == expected
    assert message.text.startswith(f"Federal Register: {expected}")


def test_an_email_subject_leads_with_the_line_then_names_the_new_document():
    rule = Item("2024-30983", "HIPAA Security Rule <b>NPRM</b>", fields=(("type", "Proposed Rule"),))
    alert = Alert("k", "c", SOURCE, change=Change(SOURCE.id, "a", "b", added=(rule,)))
    assert (
        subject_of(alert, "")
        == "[regwatch] HHS Security Rule: 1 new Proposed Rule — HIPAA Security Rule <b>NPRM</b>"
    )
