"""The generic JSON webhook (HMAC-signed), the Slack incoming-webhook variant and email (SMTP),
each against a real server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections import deque
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from httpserve import LocalServer, Reply, Request

from alerts.email import Email, EmailOptions
from alerts.slack_webhook import SlackWebhook, SlackWebhookOptions
from alerts.webhook import Webhook, WebhookOptions
from watcher.config import parse_config
from watcher.errors import ConfigError, DeliveryError
from watcher.model import Alert, Change, HealthEvent, Item, SourceInfo

ALERT = Alert(
    key="regwatch:change:7:hook",
    channel="hook",
    source=SourceInfo(
        "us-hhs", "HHS <b>news</b>", "https://www.hhs.gov/news", tags=("hipaa",), jurisdiction="US"
    ),
    change=Change(
        "us-hhs",
        "a",
        "b",
        added=(Item("n", "<script>alert(1)</script> NPRM & more", "https://www.hhs.gov/nprm", "2024-10-20"),),
        id=7,
    ),
)


class Receiver:
    """A real HTTP endpoint that records POSTs and answers with queued statuses."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.answers: deque[tuple[int, dict[str, str]]] = deque()
        self.http = LocalServer(self._respond)
        self.url = self.http.url("/hook")

    def _respond(self, request: Request) -> Reply:
        self.posts.append((request.headers, request.body))
        status, headers = self.answers.popleft() if self.answers else (204, {})
        return Reply(status, headers)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_webhook_posts_signed_json_with_an_idempotency_key(receiver):
    channel = Webhook(
        "hook", WebhookOptions(url=receiver.url, secret_env="HOOK_SECRET"), env={"HOOK_SECRET": "s3cret"}
    )
    channel.clock = lambda: 1700000000.0
    channel.send(ALERT)
    channel.send(ALERT)  # a retry: same key, so the receiver can drop it
    (headers, body), (again, _) = receiver.posts
    assert headers["idempotency-key"] == again["idempotency-key"] == "regwatch:change:7:hook"
    assert headers["x-regwatch-timestamp"] == "1700000000"
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-regwatch-signature"], f"sha256={expected}")
    data = json.loads(body)
    assert data["type"] == "change" and data["change"]["id"] == 7
    assert data["change"]["added"][0]["title"] == "<script>alert(1)</script> NPRM & more"
    assert "s3cret" not in body.decode()
    channel.close()


def test_webhook_without_secret_is_unsigned_and_classifies_answers(receiver):
    channel = Webhook("hook", WebhookOptions(url=receiver.url, headers=(("X-Team", "compliance"),)))
    receiver.answers.extend([(503, {"Retry-After": "120"}), (429, {}), (404, {}), (302, {"Location": "/x"})])
    with pytest.raises(DeliveryError) as unavailable:
        channel.send(ALERT)
    assert unavailable.value.retryable and unavailable.value.retry_after == 120
    with pytest.raises(DeliveryError) as limited:
        channel.send(ALERT)
    assert limited.value.retryable
    for _ in range(2):
        with pytest.raises(DeliveryError) as permanent:
            channel.send(ALERT)
        assert not permanent.value.retryable
    headers, _ = receiver.posts[0]
    assert "x-regwatch-signature" not in headers and headers["x-team"] == "compliance"
    channel.close()


def test_webhook_connection_refused_is_retryable_and_not_in_doubt():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = Webhook("hook", WebhookOptions(url=f"http://127.0.0.1:{port}/"))
    with pytest.raises(DeliveryError) as refused:
        channel.send(ALERT)
    assert refused.value.retryable and not refused.value.in_doubt
    channel.close()


def test_webhook_secret_missing_is_permanent_and_named(receiver):
    channel = Webhook("hook", WebhookOptions(url=receiver.url, secret_env="HOOK_SECRET"), env={})
    with pytest.raises(DeliveryError, match="HOOK_SECRET is not set") as missing:
        channel.send(ALERT)
    assert not missing.value.retryable and receiver.posts == []


def test_slack_incoming_webhook_posts_the_same_block_kit_message(slack):
    channel = SlackWebhook("hooked", SlackWebhookOptions(), env={"SLACK_WEBHOOK_URL": slack.webhook_url})
    receipt = channel.send(ALERT)
    assert receipt.ref == "webhook"
    (posted,) = slack.hook_posts
    assert posted["blocks"][0]["type"] == "header" and "&lt;script&gt;" in json.dumps(posted["blocks"])
    slack.outage(1)
    with pytest.raises(DeliveryError) as down:
        channel.send(ALERT)
    assert down.value.retryable
    wrong = SlackWebhook(
        "hooked", SlackWebhookOptions(), env={"SLACK_WEBHOOK_URL": slack.base + "/hooks/T/B/gone"}
    )
    with pytest.raises(DeliveryError, match="no_service") as gone:
        wrong.send(ALERT)
    assert not gone.value.retryable
    assert slack.webhook_url not in str(gone.value)


def test_channel_config_is_validated_with_the_fix_named():
    def channels(**entry):
        return parse_config({"channels": [{"id": "x", **entry}]}, path=None).channels[0]

    slack = channels(kind="slack", slack_channel="#c", digest="0 9 * * 1-5", thread=True)
    assert slack.options.token_env == "SLACK_BOT_TOKEN" and slack.options.api_url == "https://slack.com/api/"
    with pytest.raises(ConfigError, match="slack_channel is required"):
        channels(kind="slack")
    with pytest.raises(ConfigError, match=r"unknown key 'slack_chanel'.*did you mean 'slack_channel'"):
        channels(kind="slack", slack_chanel="#c")
    with pytest.raises(ConfigError, match="api_url"):
        channels(kind="slack", slack_channel="#c", api_url="ftp://x")
    with pytest.raises(ConfigError, match="not a valid cron"):
        channels(kind="slack", slack_channel="#c", digest="dayly")
    with pytest.raises(ConfigError, match="exactly one of url"):
        channels(kind="webhook")
    mail = channels(kind="email", **{"from": "regwatch@example.com"}, to=["a@example.com"])
    assert mail.options.sender == "regwatch@example.com" and mail.options.to == ("a@example.com",)
    with pytest.raises(ConfigError, match="to must list"):
        channels(kind="email", **{"from": "regwatch@example.com"})


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"{self.refuse} mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    mailbox = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"mail-pass"
        return AuthResult(success=ok)

    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def email_channel(port: int, **extra) -> Email:
    options = EmailOptions(
        host="127.0.0.1",
        port=port,
        starttls=False,
        sender="regwatch@example.com",
        to=("compliance@example.com", "dpo@example.com"),
        **extra,
    )
    return Email("mail", options, env={"SMTP_PASSWORD": "mail-pass", "BAD": "nope"})


def test_email_sends_text_and_escaped_html(smtp):
    mailbox, port = smtp
    receipt = email_channel(port, username="regwatch", password_env="SMTP_PASSWORD").send(ALERT)
    ((sender, recipients, raw),) = mailbox.messages
    assert sender == "regwatch@example.com" and recipients == ["compliance@example.com", "dpo@example.com"]
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"].startswith("[regwatch] HHS <b>news</b>")
    assert message["Message-ID"] == receipt.ref
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> NPRM & more" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; NPRM &amp; more" in html and "<script>" not in html
    assert '<a href="https://www.hhs.gov/nprm">' in html
    assert b"mail-pass" not in raw


def test_email_failures_are_classified(smtp):
    mailbox, port = smtp
    mailbox.refuse = 450
    with pytest.raises(DeliveryError) as busy:
        email_channel(port).send(ALERT)
    assert busy.value.retryable
    mailbox.refuse = 550
    with pytest.raises(DeliveryError) as unknown:
        email_channel(port).send(ALERT)
    assert not unknown.value.retryable
    with pytest.raises(DeliveryError) as down:
        email_channel(free_port()).send(ALERT)
    assert down.value.retryable
    health = Alert("k", "mail", ALERT.source, health=HealthEvent("us-hhs", "broken", "http: HTTP 500", 3))
    mailbox.refuse = None
    email_channel(port).send(health)
    subject = message_from_bytes(mailbox.messages[-1][2], policy=policy.default)["Subject"]
    assert subject == "[regwatch] HHS <b>news</b>: source BROKEN"
