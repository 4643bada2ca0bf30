"""Without Socket Mode, `regwatch run` serves Slack's request URL: signed, fresh requests only."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from servicerun import Service, db_rows, wait_for
from slack_sdk.signature import SignatureVerifier
from slackapi import TOKEN
from workflowcase import button, make_change, press

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def post(port: int, body: bytes, timestamp: str, signature: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/interactions",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def signed(body: bytes, at: float, secret: str = SECRET) -> tuple[str, str]:
    timestamp = str(int(at))
    return timestamp, SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body) or ""


def test_request_url_accepts_only_fresh_signed_requests(site, cli, slack, tmp_path):
    config = make_change(site, cli, tmp_path, slack=slack, app={"interactions_port": 0})
    (message,) = slack.messages("C0COMPLY01")
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    service = Service(config, env=env).wait_started()
    try:
        match = wait_for(
            lambda: re.search(r"request URL served on http://127\.0\.0\.1:(\d+)/", service.stderr),
            10,
            "the port",
        )
        port = int(match.group(1))
        body = urllib.parse.urlencode({"payload": json.dumps(press(message["ts"], button("ack")))}).encode()
        count = lambda: len(db_rows(tmp_path / "regwatch.db", "SELECT id FROM alert_actions"))  # noqa: E731

        assert post(port, body, *signed(body, time.time() - 360)) == 401  # older than 5 minutes
        assert post(port, body, *signed(body, time.time(), secret="not-the-secret")) == 401
        timestamp, signature = signed(body, time.time())
        assert post(port, body + b"x", timestamp, signature) == 401  # body changed after signing
        assert post(port, body, timestamp, "") == 401
        assert count() == 0

        assert post(port, body, timestamp, signature) == 200
        wait_for(lambda: slack.method_calls("chat.update") == 1, 20, "chat.update")
        assert post(port, body, timestamp, signature) == 401  # the same request again: a replay
        time.sleep(1)
        assert count() == 1
        assert db_rows(tmp_path / "regwatch.db", "SELECT action, via FROM alert_actions") == [
            ("ack", "slack-http")
        ]
    finally:
        assert service.stop() == 0, service.stderr
