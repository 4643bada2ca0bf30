"""`regwatch doctor` and `regwatch channels test` (issue 19, point 4), against local servers only:
the Slack-compatible API of tests/support/slackapi.py, an SMTP server (aiosmtpd), a webhook receiver
and a regulator site with a robots.txt, all on 127.0.0.1, through the real command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from alertworld import email_channel
from clirun import run_cli, write_config
from localsite import LISTING_SOURCE, listing_page
from slackapi import TOKEN
from smtpbox import Mailbox, free_port

ENV = {"SLACK_BOT_TOKEN": TOKEN, "SMTP_PASSWORD": "mail-pass"}
ITEMS = [("2024-10-01", "Settlement with Acme Health", "/news/acme.html")]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=isinstance(auth_data, LoginPassword) and auth_data.password == b"mail-pass")

    controller = Controller(
        mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def email(port: int, **extra: Any) -> dict[str, Any]:
    return {
        **email_channel(port, to="compliance@example.com"),
        "username": "regwatch",
        "password_env": "SMTP_PASSWORD",
        **extra,
    }


def doctor(config: Path, env: dict[str, str] = ENV) -> tuple[int, dict[str, dict[str, str]]]:
    result = run_cli("--config", str(config), "doctor", "--json", env=env, timeout=90)
    assert "Traceback" not in result.stderr, result.stderr
    assert TOKEN not in result.stdout + result.stderr and "mail-pass" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is (result.returncode == 0)
    return result.returncode, {row["check"]: row for row in report["checks"]}


def sources(site) -> list[dict[str, Any]]:
    site.set("/news", listing_page(ITEMS))
    site.set("/private/list", listing_page(ITEMS))
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return [
        {"id": "us-agency-news", "url": site.url("/news"), **LISTING_SOURCE},
        {"id": "us-agency-private", "url": site.url("/private/list"), **LISTING_SOURCE},
    ]


def test_doctor_passes_a_working_setup_and_sends_nothing(site, slack, smtp, receiver, tmp_path):
    mailbox, port = smtp
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=sources(site)[:1],
        channels=[
            {"id": "hipaa", "kind": "slack", "slack_channel": "#compliance-alerts", "api_url": slack.api_url},
            {"id": "siem", "kind": "webhook", "url": receiver.url()},
            email(port),
            {"id": "console", "kind": "console"},
        ],
    )
    code, rows = doctor(config)
    assert code == 0, rows
    assert {row["status"] for row in rows.values()} == {"OK"}, rows
    assert rows["channel hipaa (slack)"]["detail"].startswith("auth.test: token of bot regwatch")
    membership = rows["channel hipaa (slack) #compliance-alerts"]
    assert membership["detail"] == "the bot is a member of #compliance-alerts (C0COMPLY01)"
    assert "accepts connections (nothing was sent)" in rows["channel siem (webhook)"]["detail"]
    assert "login accepted" in rows["channel mail (email)"]["detail"]
    robots = rows[f"robots.txt {site.base} for us-agency-news"]
    assert robots["detail"] == "allows /news"
    assert rows["config"]["detail"].endswith("1 source(s), 4 channel(s)")
    assert "not created yet" in next(r["detail"] for k, r in rows.items() if k.startswith("database"))
    assert slack.messages() == [] and receiver.keys == [] and mailbox.messages == []
    assert slack.method_calls("chat.postMessage") == 0


def test_doctor_fails_each_broken_thing_with_its_fix(site, slack, smtp, tmp_path):
    mailbox, port = smtp
    slack.add_channel("C0TOWNSQ01", "town-square", member=False)
    browser = {"id": "us-agency-app", "url": site.url("/news"), "kind": "page", "render": "browser"}
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[*sources(site), browser],
        channels=[
            {
                "id": "notoken",
                "kind": "slack",
                "slack_channel": "#compliance-alerts",
                "api_url": slack.api_url,
                "token_env": "REGWATCH_TEST_NO_SUCH_TOKEN",
            },
            {"id": "outside", "kind": "slack", "slack_channel": "#town-square", "api_url": slack.api_url},
            {"id": "down", "kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook/s3cr3t-path"},
            email(port, starttls=True),
        ],
    )
    code, rows = doctor(config, {**ENV, "REGWATCH_CHROMIUM": str(tmp_path / "no-chromium")})
    assert code == 1
    failed = {name: row for name, row in rows.items() if row["status"] == "FAIL"}

    token = failed["channel notoken (slack)"]
    assert token["detail"] == "environment variable REGWATCH_TEST_NO_SUCH_TOKEN is not set"
    assert token["fix"] == "export REGWATCH_TEST_NO_SUCH_TOKEN=<the Slack app's bot token, xoxb-...>"

    assert rows["channel outside (slack)"]["status"] == "OK"  # the token works ...
    member = failed["channel outside (slack) #town-square"]  # ... but the bot is not in the channel
    assert member["detail"] == "the bot is not a member of #town-square (C0TOWNSQ01)"
    assert "/invite" in member["fix"]

    hook = failed["channel down (webhook)"]
    assert hook["detail"].startswith("cannot connect to 127.0.0.1:") and "refused" in hook["detail"].lower()
    assert "receiver is running" in hook["fix"]
    assert "s3cr3t" not in json.dumps(rows)  # a webhook URL's path is a secret

    mail = failed["channel mail (email)"]
    assert mail["detail"] == f"127.0.0.1:{port} does not offer STARTTLS" and "ssl = true" in mail["fix"]

    robots = failed[f"robots.txt {site.base} for us-agency-private"]
    assert robots["detail"] == "disallows /private/list for 'regwatch'"
    assert "robots = false" in robots["fix"]
    assert rows[f"robots.txt {site.base} for us-agency-news"]["status"] == "OK"
    chromium = failed["chromium for 1 browser source(s)"]
    assert chromium["detail"] == "us-agency-app cannot be rendered"
    assert "Chromium" in chromium["fix"] or "Playwright" in chromium["fix"]
    assert all(row["fix"] for row in failed.values())
    assert slack.messages() == [] and mailbox.messages == []

    table = run_cli(
        "--config", str(config), "doctor", env={**ENV, "REGWATCH_CHROMIUM": str(tmp_path / "no")}, timeout=90
    )
    assert table.returncode == 1
    assert "CHECK" in table.stdout and "FIX" in table.stdout and "FAIL" in table.stdout
    assert f"{sum(r['status'] == 'OK' for r in rows.values())} OK" in table.stdout
    assert f"{len(failed)} FAIL" in table.stdout


def test_doctor_names_a_bad_config_and_a_damaged_database(site, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\nconcurrency = 0\n", encoding="utf-8")
    code, rows = doctor(bad)
    assert code == 1 and list(rows) == ["config"]
    assert "concurrency = 0 is out of range" in rows["config"]["detail"]

    database = tmp_path / "regwatch.db"
    database.write_bytes(b"not a database at all" * 100)
    config = write_config(tmp_path / "regwatch.toml", sources=sources(site)[:1], database=str(database))
    code, rows = doctor(config)
    assert code == 1
    row = rows[f"database {database}"]
    assert row["status"] == "FAIL" and "not a SQLite database" in row["detail"]
    assert "restore it from a backup" in row["fix"]


def test_channels_test_sends_one_clearly_marked_message(site, slack, receiver, tmp_path):
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=sources(site)[:1],
        channels=[
            {"id": "hipaa", "kind": "slack", "slack_channel": "#compliance-alerts", "api_url": slack.api_url},
            {"id": "siem", "kind": "webhook", "url": receiver.url()},
        ],
    )
    one = run_cli("--config", str(config), "channels", "test", "hipaa", env=ENV)
    assert one.returncode == 0, one.stderr
    assert "hipaa: test message sent https://test.slack.com/archives/C0COMPLY01/" in one.stdout
    (message,) = slack.messages("C0COMPLY01")
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith("TEST MESSAGE from regwatch (not a regulator change)")
    assert "Nothing changed at any regulator" in json.dumps(message["blocks"])
    assert receiver.keys == []  # only the channel asked for

    every = run_cli("--config", str(config), "channels", "test", env=ENV)
    assert every.returncode == 0, every.stderr
    assert len(slack.messages()) == 2 and len(receiver.keys) == 1
    assert receiver.keys[0].startswith("regwatch:test:")
    assert not (tmp_path / "regwatch.db").exists()  # nothing stored, nothing queued

    typo = run_cli("--config", str(config), "channels", "test", "hipa", env=ENV)
    assert typo.returncode == 2 and "did you mean 'hipaa'?" in typo.stderr

    no_token = run_cli("--config", str(config), "channels", "test", "hipaa", env={"SLACK_BOT_TOKEN": ""})
    assert (
        no_token.returncode == 1
        and "hipaa: FAILED" in no_token.stderr
        and "SLACK_BOT_TOKEN" in no_token.stderr
    )
