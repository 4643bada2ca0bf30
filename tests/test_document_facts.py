"""Document facts in every alert: a real Federal Register proposed rule with a comment
deadline, and a notice whose deadline is only in its DATES paragraph, reach the console,
Slack, a webhook, email, `regwatch show` and the CSV export with type, abstract, agencies,
docket, CFR part and dates ("from text" where read from the words)."""

from __future__ import annotations

import csv
import io
import json
from email import message_from_bytes, policy

from alertworld import console_channel, email_channel, slack_channel, webhook_channel
from frfacts import FR, fr_source, page
from slackapi import TOKEN, validate_blocks

PROPOSED = "Nondiscrimination on the Basis of Disability; Accessibility of Medical Diagnostic Equipment of State and Local Government Entities"


def test_a_proposed_rule_alerts_with_its_facts_everywhere(
    site, slack, receiver, mailbox, config_file, cli, tmp_path
):
    box, port = mailbox
    results = FR["results"]
    assert results[2]["title"] == PROPOSED and results[2]["comments_close_on"] == "2024-02-12"
    assert results[3]["comments_close_on"] is None  # its deadline is only in the DATES paragraph
    site.set("/api/documents.json", page(results[:2]), content_type="application/json")
    config = config_file(
        sources=[fr_source(site.url("/api/documents.json"))],
        channels=[
            console_channel(),
            slack_channel(slack),
            webhook_channel(receiver),
            email_channel(port, to="compliance@example.com"),
        ],
    )
    env = {"SLACK_BOT_TOKEN": TOKEN}
    assert cli("--config", str(config), "check", env=env).returncode == 0
    site.set("/api/documents.json", page(results), content_type="application/json")
    run = cli("--config", str(config), "check", env=env)
    assert run.returncode == 0, run.stderr

    # Console (and the email text part): type, agencies, docket, CFR part, dates, abstract.
    out = run.stdout
    assert (
        "Proposed Rule · Justice Department · Docket Number CRT 143 AG Order No. 5852-2024 · CFR / acts 28 CFR 35"
        in out
    )
    assert "Comments close: 2024-02-12" in out
    assert (
        "Abstract: The Department of Justice (``Department'') is proposing to revise the regulations" in out
    )
    assert "Comments close: 2024-03-05 (from text)" in out

    # Slack: a fields section per document, within Block Kit limits.
    (message,) = slack.messages("compliance-alerts")
    validate_blocks(message["blocks"])
    sections = [b for b in message["blocks"] if b.get("fields")]
    assert len(sections) == 2
    fields = [f["text"] for f in sections[0]["fields"]]
    assert "*Type*\nProposed Rule" in fields
    assert "*Comments close*\n2024-02-12" in fields
    assert "*CFR / acts*\n28 CFR 35" in fields
    assert "The Department of Justice" in sections[0]["text"]["text"]
    assert "*Comments close*\n2024-03-05 (from text)" in [f["text"] for f in sections[1]["fields"]]

    # Webhook: structured JSON per item key.
    ((_, body, _),) = receiver.received
    facts = body["facts"]["document_number:2024-00553"]
    assert facts["type"] == "Proposed Rule"
    assert facts["comments_close"] == {"on": "2024-02-12", "from_text": False}
    assert facts["effective"] is None
    assert facts["references"] == "28 CFR 35"
    assert body["facts"]["document_number:2024-00025"]["comments_close"] == {
        "on": "2024-03-05",
        "from_text": True,
    }

    # Email: the HTML part carries the facts table, escaped.
    (raw,) = box.messages
    mail = message_from_bytes(raw, policy=policy.default)
    html = mail.get_body(("html",)).get_content()
    assert "<th align=left>Comments close</th><td>2024-02-12</td>" in html
    assert "2024-03-05 (from text)" in mail.get_body(("plain",)).get_content()

    # regwatch show: the same lines; JSON carries the facts.
    shown = cli("--config", str(config), "show", "1")
    assert "    Comments close: 2024-02-12" in shown.stdout
    as_json = json.loads(cli("--config", str(config), "show", "1", "--json").stdout)
    assert as_json["facts"]["document_number:2024-00553"]["docket"].startswith("Docket Number CRT 143")

    # Export: one CSV row per document, facts as columns.
    exported = cli("--config", str(config), "export", "--what", "items", "--format", "csv")
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(exported.stdout))}
    assert len(rows) == 4
    assert rows["document_number:2024-00553"]["comments_close"] == "2024-02-12"
    assert rows["document_number:2024-00553"]["type"] == "Proposed Rule"
    assert rows["document_number:2023-27783"]["effective"] == "2024-02-01"
    assert rows["document_number:2024-00025"]["comments_close_from_text"] == "true"
