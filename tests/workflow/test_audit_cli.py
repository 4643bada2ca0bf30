"""The audit trail through the real CLI: ack/assign/dismiss/snooze, `audit`, `show`, `inbox`,
an append-only table, and CLI actions rewriting the Slack message in place."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from workflowcase import ENV, make_change


def test_cli_actions_are_audited_and_shown(site, cli, tmp_path):
    config = make_change(site, cli, tmp_path)
    run = lambda *args: cli("--config", str(config), *args)  # noqa: E731

    inbox = run("inbox")
    assert "#1" in inbox.stdout and "HHS news" in inbox.stdout
    assert run("assign", "1", "lee", "--as", "dana").returncode == 0
    assert "owner lee" in run("inbox", "--owner", "lee").stdout
    assert "inbox empty" in run("inbox", "--owner", "someone-else").stdout
    assert "inbox empty" in run("inbox", "--older-than", "2d").stdout  # detected just now

    snoozed = run("snooze", "1", "1w", "--as", "dana")
    assert snoozed.returncode == 0, snoozed.stderr
    assert "change 1: snoozed" in snoozed.stdout
    assert "inbox empty" in run("inbox").stdout
    dismissed = run("dismiss", "1", "--reason", "Not our sector\x1b[31m", "--as", "U0DANA01")
    assert "change 1: dismissed" in dismissed.stdout
    acked = run("ack", "1", "--as", "dana")
    assert "change 1: acknowledged" in acked.stdout

    missing = run("ack", "99", "--as", "dana")
    assert missing.returncode == 1
    assert "no change with id 99" in missing.stderr
    nobody = run("ack", "1", "--as", "  ")
    assert nobody.returncode == 2

    rows = json.loads(run("audit", "--format", "json").stdout)
    assert [r["action"] for r in rows] == ["assign", "snooze", "dismiss", "ack"]
    assert rows[0]["assignee_name"] == "lee"
    assert rows[1]["until"] is not None
    assert rows[2]["user_id"] == "U0DANA01" and rows[2]["reason"] == "Not our sector[31m"
    assert {r["via"] for r in rows} == {"cli"}
    assert all(r["change_id"] == 1 for r in rows)

    by_user = json.loads(run("audit", "--user", "U0DANA01", "--format", "json").stdout)
    assert [r["action"] for r in by_user] == ["dismiss"]
    assert json.loads(run("audit", "--since", "2099-01-01", "--format", "json").stdout) == []
    table = list(csv.DictReader(io.StringIO(run("audit", "--format", "csv").stdout)))
    assert [r["action"] for r in table] == ["assign", "snooze", "dismiss", "ack"]
    assert "dana" in run("audit").stdout

    shown = run("show", "1")
    assert "Workflow:" in shown.stdout
    assert "ack     dana (cli)" in shown.stdout
    assert "dismiss U0DANA01 (cli)  Not our sector" in shown.stdout
    assert [a["action"] for a in json.loads(run("show", "1", "--json").stdout)["actions"]] == [
        "assign",
        "snooze",
        "dismiss",
        "ack",
    ]


def test_audit_table_is_append_only(site, cli, tmp_path):
    config = make_change(site, cli, tmp_path)
    assert cli("--config", str(config), "ack", "1", "--as", "dana").returncode == 0
    db = sqlite3.connect(tmp_path / "regwatch.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE alert_actions SET user_name = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM alert_actions")
    assert db.execute("SELECT user_name FROM alert_actions").fetchall() == [("dana",)]


def test_cli_action_updates_the_slack_message_in_place(site, cli, slack, tmp_path):
    config = make_change(site, cli, tmp_path, slack=slack)
    (message,) = slack.messages("C0COMPLY01")
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        "regwatch:ack",
        "regwatch:assign_me",
        "regwatch:assign",
        "regwatch:dismiss",
        "regwatch:snooze",
        "regwatch:snooze_until",
    ]
    before = [b for b in message["blocks"] if b["type"] not in ("actions",)]

    result = cli("--config", str(config), "ack", "1", "--as", "U0DANA01", env=ENV)
    assert result.returncode == 0, result.stderr
    assert "1 Slack message(s) updated" in result.stdout
    (updated,) = slack.messages("C0COMPLY01")  # the same message, rewritten
    assert updated["ts"] == message["ts"]
    assert slack.method_calls("chat.update") == 1
    state = [b for b in updated["blocks"] if b.get("block_id") == "regwatch-state-1"]
    assert state and state[0]["elements"][0]["text"].startswith("✅ Acknowledged by <@U0DANA01> · <!date^")
    kept = [
        b for b in updated["blocks"] if b["type"] != "actions" and b.get("block_id") != "regwatch-state-1"
    ]
    assert kept == before  # nothing of the content is lost


def test_datasette_shows_the_audit_trail_as_a_canned_query(site, cli, tmp_path):
    ui = pytest.importorskip("watcher.history.ui", reason="the ui extra (datasette) is not installed")
    import asyncio

    config = make_change(site, cli, tmp_path)
    assert (
        cli("--config", str(config), "dismiss", "1", "--reason", "other sector", "--as", "dana").returncode
        == 0
    )

    async def fetch():
        ds = ui.build(tmp_path / "regwatch.db")
        await ds.invoke_startup()
        return await ds.client.get("/regwatch/alert_audit_trail.json?since=&user=dana&_shape=array")

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:300]
    (row,) = response.json()
    assert (row["change_id"], row["action"], row["user_name"], row["reason"], row["via"]) == (
        1,
        "dismiss",
        "dana",
        "other sector",
        "cli",
    )
    assert row["source_id"] == "us-hhs-news"
