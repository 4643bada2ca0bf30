"""Slack through the real command line: `regwatch check` delivers Block Kit messages to a
Slack-compatible server, survives a kill between send and record, and never leaks the token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from clirun import ROOT, write_config
from localsite import LISTING_SOURCE, listing_page
from slackapi import TOKEN

ITEMS = [
    ("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html"),
    ("2024-09-15", "OCR issues guidance on online tracking", "/news/tracking.html"),
]
ENV = {"SLACK_BOT_TOKEN": TOKEN}


def config_for(tmp_path: Path, site, slack, paths: list[str], **channel) -> Path:
    return write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {"id": p.strip("/"), "name": f"News {p}", "url": site.url(p), **LISTING_SOURCE} for p in paths
        ],
        channels=[
            {
                "id": "compliance",
                "kind": "slack",
                "slack_channel": "#compliance-alerts",
                "api_url": slack.api_url,
                **channel,
            }
        ],
    )


def test_check_delivers_one_block_kit_message(site, slack, tmp_path, cli):
    site.set("/news", listing_page(ITEMS))
    config = config_for(tmp_path, site, slack, ["/news"], match={"tags": ["hipaa"], "jurisdictions": ["US"]})
    assert cli("--config", str(config), "check", env=ENV).returncode == 0
    new = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/news/nprm.html")
    site.set("/news", listing_page([new, *ITEMS]))
    result = cli("--config", str(config), "check", env=ENV)
    assert result.returncode == 0, result.stderr
    assert "alerts sent 1" in result.stderr
    (message,) = slack.messages("compliance-alerts")
    assert message["blocks"][0]["type"] == "header"
    assert message["metadata"] == {
        "event_type": "regwatch_alert",
        "event_payload": {"key": "regwatch:change:1:compliance"},
    }
    assert "HHS announces HIPAA Security Rule NPRM" in message["text"]
    listed = cli("--config", str(config), "alerts", env=ENV)
    assert " sent " in listed.stdout and "https://test.slack.com/archives/C0COMPLY01/" in listed.stdout


def test_missing_token_is_a_clear_permanent_failure(site, slack, tmp_path, cli):
    site.set("/news", listing_page(ITEMS))
    config = config_for(tmp_path, site, slack, ["/news"])
    cli("--config", str(config), "check")
    site.set("/news", listing_page([("2024-10-20", "New", "/n"), *ITEMS]))
    env = {k: v for k, v in os.environ.items() if k != "SLACK_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "watcher", "--config", str(config), "check"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "failed 1" in result.stderr
    assert result.returncode == 3  # the change is stored, its alert failed for good: not silent
    failed = cli("--config", str(config), "alerts", "--failed")
    assert "SLACK_BOT_TOKEN is not set" in failed.stdout
    assert slack.messages() == []


def test_kill_between_send_and_record_neither_loses_nor_duplicates(site, slack, tmp_path):
    paths = ["/a", "/b", "/c"]
    for path in paths:
        site.set(path, listing_page(ITEMS))
    config = config_for(tmp_path, site, slack, paths)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **ENV}

    def regwatch(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "watcher", "--config", str(config), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    baseline = regwatch("check")
    baseline.communicate(timeout=60)
    assert baseline.returncode == 0
    for path in paths:
        site.set(path, listing_page([("2024-10-20", f"New on {path}", f"{path}/new"), *ITEMS]))
    proc = regwatch("check")
    posted: list[str] = []

    def kill_on_second_post(message: dict) -> None:
        posted.append(message["ts"])
        if len(posted) == 2:
            proc.kill()  # Slack has the message; regwatch never hears back

    slack.on_post = kill_on_second_post
    proc.communicate(timeout=60)
    assert proc.returncode == -9
    slack.on_post = None
    db = sqlite3.connect(tmp_path / "regwatch.db")
    statuses = [r[0] for r in db.execute("SELECT status FROM outbox ORDER BY id")]
    assert statuses == ["sent", "sending", "pending"]  # the change itself was stored before alerting
    db.close()

    again = regwatch("deliver")
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "sent 1, reconciled 1" in err
    keys = slack.keys("compliance-alerts")
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 3
    db = sqlite3.connect(tmp_path / "regwatch.db")
    rows = db.execute("SELECT status, ref FROM outbox ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["sent", "sent", "sent"]
    assert [r[1] for r in rows] == [m["ts"] for m in slack.messages("compliance-alerts")]


def test_token_never_reaches_the_database_logs_or_output(site, slack, tmp_path, cli):
    site.set("/news", listing_page(ITEMS))
    config = config_for(tmp_path, site, slack, ["/news"], thread=True)
    outputs = []
    for _ in range(2):
        outputs.append(cli("-vv", "--config", str(config), "check", env=ENV))
        site.set(
            "/news",
            listing_page([(f"2024-10-2{len(outputs)}", f"Item {len(outputs)}", f"/n{len(outputs)}"), *ITEMS]),
        )
    slack.outage(1)
    outputs.append(cli("-vv", "--log-format", "json", "--config", str(config), "check", env=ENV))
    slack.revoke()
    site.set("/news", listing_page([("2024-10-29", "Late", "/late"), *ITEMS]))
    outputs.append(cli("-vv", "--config", str(config), "check", env=ENV))
    outputs.append(cli("-vv", "--config", str(config), "deliver", env=ENV))
    for args in (
        ["alerts"],
        ["alerts", "--failed", "--json"],
        ["history"],
        ["show", "1"],
        ["sources"],
        ["kinds"],
    ):
        outputs.append(cli("-vv", "--config", str(config), *args, env=ENV))
    assert len(slack.messages()) >= 1
    assert any("invalid_auth" in o.stdout for o in outputs)  # the failure is there, the token is not
    everything = "".join(o.stdout + o.stderr for o in outputs)
    assert TOKEN not in everything and TOKEN[-12:] not in everything
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path
