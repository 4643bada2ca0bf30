"""Doctor rows for alert channels: each checked without sending anything.

- `slack` (bot token): the token variable is set; `auth.test` accepts it; the channel exists
  and the bot is a member (`conversations.info`, found by name through `conversations.list`).
- `slack` with `webhook_url_env`, `slack_webhook`, `webhook`: the URL is set and its host
  accepts a connection (no request is sent; the URL's path, often a secret, is never shown).
- `email`: the SMTP server answers EHLO, offers STARTTLS when asked for, accepts the login
  when there is one, then NOOP and QUIT.
- `console`: always fine. Other kinds: a WARN pointing at `regwatch channels test`.
"""

from __future__ import annotations

import http.client
import smtplib
import socket
import ssl
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError, SlackClientError

from alerts.base import Channel
from alerts.email import Email
from alerts.slack import Slack
from alerts.slack_errors import HINTS, api_error
from alerts.webhook import Webhook
from watcher.doctor.report import Row, fail, ok, warn
from watcher.errors import DeliveryError

CONNECT_TIMEOUT = 10.0
TRANSPORT_ERRORS = (SlackClientError, OSError, http.client.HTTPException, ValueError)


def check_channel(channel: Channel) -> list[Row]:
    name = f"channel {channel.id} ({channel.kind})"
    if isinstance(channel, Slack):
        return slack_rows(channel, name)
    if isinstance(channel, Webhook):
        return webhook_rows(channel, name)
    if isinstance(channel, Email):
        return [email_row(channel, name)]
    if channel.kind == "console":
        return [ok(name, "prints alerts on this terminal")]
    return [warn(name, "no check for this kind", f"send a test message: regwatch channels test {channel.id}")]


def missing_variable(name: str, variable: str, what: str) -> Row:
    return fail(name, f"environment variable {variable} is not set", f"export {variable}=<{what}>")


def slack_rows(channel: Slack, name: str) -> list[Row]:
    options = channel.options
    if channel.uses_webhook:
        url = channel.env.get(options.webhook_url_env, "")
        if not url:
            return [missing_variable(name, options.webhook_url_env, "the Slack incoming webhook URL")]
        return [reachable(name, url)]
    if not channel.env.get(options.token_env):
        return [missing_variable(name, options.token_env, "the Slack app's bot token, xoxb-...")]
    host = urlsplit(options.api_url).hostname
    try:
        who = channel.client().auth_test()
    except SlackApiError as exc:
        error = api_error(exc) or f"HTTP {exc.response.status_code}"
        return [fail(name, f"auth.test: Slack answered {error}", hint(error, options.token_env))]
    except (DeliveryError, *TRANSPORT_ERRORS) as exc:
        return [
            fail(
                name,
                f"cannot reach {host}: {type(exc).__name__}",
                "check network access to Slack and api_url",
            )
        ]
    found = ok(name, f"auth.test: token of bot {who.get('user', '?')} in workspace {who.get('team', '?')}")
    return [found, membership(channel, f"{name} {options.slack_channel}")]


def membership(channel: Slack, name: str) -> Row:
    """Does the channel exist, and is the bot in it (it cannot post otherwise)?"""
    try:
        channel_id = channel._resolve_channel()  # the id from the config, or found by name
        if not channel_id:
            return fail(name, "no channel of that name", hint("channel_not_found", ""))
        info = channel.client().conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as exc:
        error = api_error(exc) or f"HTTP {exc.response.status_code}"
        if error == "missing_scope":
            return warn(
                name,
                "cannot look at the channel (the app lacks channels:read / groups:read)",
                "add those scopes, or send a test: regwatch channels test " + channel.id,
            )
        return fail(name, f"conversations.info: Slack answered {error}", hint(error, ""))
    except TRANSPORT_ERRORS as exc:
        return fail(name, f"cannot reach Slack: {type(exc).__name__}", "check network access to Slack")
    label = f"#{info.get('name', '?')} ({channel_id})"
    if info.get("is_archived"):
        return fail(name, f"{label} is archived", hint("is_archived", ""))
    if not info.get("is_member"):
        return fail(name, f"the bot is not a member of {label}", hint("not_in_channel", ""))
    return ok(name, f"the bot is a member of {label}")


def hint(error: str, variable: str) -> str:
    return HINTS.get(error, "see the Slack error above").replace("${env}", variable)


def webhook_rows(channel: Webhook, name: str) -> list[Row]:
    options = channel.options
    url = options.url or channel.env.get(options.url_env, "")
    if not url:
        return [missing_variable(name, options.url_env, "the webhook URL")]
    if options.secret_env and not channel.env.get(options.secret_env):
        return [missing_variable(name, options.secret_env, "the shared signing secret")]
    return [reachable(name, url)]


def reachable(name: str, url: str) -> Row:
    """Does the URL's host accept a TCP connection? Nothing is sent; only host:port is shown."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return fail(name, "the URL has an invalid port", "fix the URL")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        return fail(
            name,
            f"cannot connect to {host}:{port}: {exc.strerror or type(exc).__name__}",
            "check the URL, that the receiver is running and that this machine may reach it",
        )
    return ok(name, f"{parts.scheme}://{host}:{port} accepts connections (nothing was sent)")


def email_row(channel: Email, name: str) -> Row:
    options = channel.options
    where = f"{options.host}:{options.port}"
    password = ""
    if options.password_env:
        password = channel.env.get(options.password_env, "")
        if not password:
            return missing_variable(name, options.password_env, "the SMTP password")
    context = channel.ssl_context or ssl.create_default_context()
    try:
        if options.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                options.host, options.port, timeout=min(options.timeout, CONNECT_TIMEOUT), context=context
            )
        else:
            smtp = smtplib.SMTP(options.host, options.port, timeout=min(options.timeout, CONNECT_TIMEOUT))
        with smtp:
            smtp.ehlo()
            if options.starttls:
                if not smtp.has_extn("starttls"):
                    return fail(
                        name,
                        f"{where} does not offer STARTTLS",
                        "use the server's submission port (587) or ssl = true with port 465; "
                        "starttls = false only for a relay on this machine",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if options.username:
                smtp.login(options.username, password)
            smtp.noop()
    except smtplib.SMTPAuthenticationError as exc:
        return fail(
            name, f"{where} refused the login ({exc.smtp_code})", f"check username and {options.password_env}"
        )
    except (OSError, smtplib.SMTPException) as exc:
        return fail(
            name,
            f"cannot talk SMTP with {where}: {type(exc).__name__}",
            "check host, port and ssl/starttls, and that the mail server is running",
        )
    login = ", login accepted" if options.username else ""
    return ok(name, f"SMTP server {where} answers{login} (nothing was sent)")
