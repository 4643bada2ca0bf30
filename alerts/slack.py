"""`slack`: post alerts to a Slack channel as Block Kit messages, through slack-sdk."""

from __future__ import annotations

import http.client
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from alerts.base import Channel
from alerts.slack_errors import ERROR_CODE, THREAD_ERRORS, api_error, classify, transport_error
from alerts.slack_render import SlackMessage, render_message
from alerts.slack_retry import BoundedRateLimitRetryHandler, unsent_connection_errors
from watcher.errors import DeliveryError
from watcher.model import Alert, Receipt
from watcher.retry_after import retry_after_in

logger = logging.getLogger(__name__)
# slack-sdk logs every failed request at ERROR and request bodies at DEBUG; regwatch logs
# each delivery outcome itself (with the Slack error code, never the token), so keep it quiet.
SDK_LOGGER = logging.getLogger("alerts.slack.sdk")
SDK_LOGGER.setLevel(logging.CRITICAL)

EVENT_TYPE = "regwatch_alert"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
RECONCILE_PAGES = 5  # of up to 200 messages each
LOOKUP_PAGES = 10  # of conversations.list, to find a channel's id by name


@dataclass(frozen=True)
class SlackOptions:
    """Options of the `slack` channel (see the README's "Alert channels")."""

    slack_channel: str = ""
    token_env: str = "SLACK_BOT_TOKEN"
    api_url: str = "https://slack.com/api/"
    webhook_url_env: str = ""
    timeout: float = 30.0
    reply_broadcast: bool = False
    unfurl: bool = False
    buttons: bool = True

    def __post_init__(self) -> None:
        parts = urlsplit(self.api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"api_url {self.api_url!r} must be an http(s) URL like 'https://slack.com/api/'")
        if not self.api_url.endswith("/"):
            object.__setattr__(self, "api_url", self.api_url + "/")
        if not self.webhook_url_env and not self.slack_channel.strip():
            raise ValueError(
                "slack_channel is required: a channel name like '#compliance-alerts' or an id like "
                "'C0123456789' (or set webhook_url_env for an incoming webhook)"
            )
        if self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")


class Slack(Channel):
    """Post each alert to a Slack channel as a Block Kit message (slack-sdk `chat.postMessage`).

    Keys: `slack_channel` (name like "#compliance-alerts" or id like "C0123456789"),
    `token_env` (the variable holding the bot token, default SLACK_BOT_TOKEN; the token is
    never written to config, logs or the database), `api_url` (default
    https://slack.com/api/; GovSlack, proxies, tests), `webhook_url_env` (post through an
    incoming webhook instead of a bot token: no threads, no reconcile), `timeout` (seconds,
    default 30), `reply_broadcast` (threaded replies also appear in the channel),
    `unfurl` (let Slack preview links, default off), `buttons` (Acknowledge, Assign, Not
    relevant and Snooze under each alert, default on; they need the Slack app, see the
    README's "Connect the Slack app"), plus the common `match`, `digest`,
    `thread` and `health`.

    Messages: a header (source and what changed), one line saying what changed ("1
    paragraph edited under …; 1 new Proposed Rule"), context (jurisdiction, tags, detection
    time, source page), new/updated/removed documents as links with dates, the first
    lines of followed documents, related articles, a short diff for page edits, and
    "…and N more" within Slack's limits; health alerts say "Source broken"/"recovered".
    All page text is escaped: it can never mention @channel or disguise a link.

    Delivery: 429s with a short Retry-After are retried in place (slack-sdk retry handler),
    longer ones, 5xx, timeouts and connection errors go back to the outbox with backoff;
    invalid_auth, channel_not_found, not_in_channel, invalid_blocks and the like fail
    permanently (`regwatch alerts --failed`). Each message carries its idempotency key as
    message metadata, so after a crash an in-doubt alert is looked up in the channel
    history (needs channels:history / groups:history) instead of being posted twice.
    """

    kind = "slack"
    Options = SlackOptions
    supports_threads = True
    public_url = ""  # [service] public_url: change messages link to its read-only page

    def __init__(self, id: str, options: Any = None, **settings: Any) -> None:
        super().__init__(id, options, **settings)
        if self.options.webhook_url_env:
            self.thread = False  # incoming webhooks cannot reply in threads
        self._client: WebClient | None = None
        self._webhook: WebhookClient | None = None
        self._channel_id = self.options.slack_channel if CHANNEL_ID.match(self.options.slack_channel) else ""
        self._lock = threading.Lock()

    @property
    def uses_webhook(self) -> bool:
        return bool(self.options.webhook_url_env)

    @property
    def has_buttons(self) -> bool:
        """Workflow buttons (alerts/slack_actions.py): bot-token channels with `buttons` on."""
        return bool(getattr(self.options, "buttons", False)) and not self.uses_webhook

    @property
    def where(self) -> str:
        if self.uses_webhook:
            return f"slack channel {self.id!r} (incoming webhook)"
        return f"slack channel {self.id!r} ({self.options.slack_channel})"

    # -- clients ------------------------------------------------------------------------

    def client(self) -> WebClient:
        with self._lock:
            if self._client is None:
                token = self.secret(self.options.token_env, "Slack bot token (xoxb-...)")
                self._client = WebClient(
                    token=token,
                    base_url=self.options.api_url,
                    timeout=int(max(self.options.timeout, 1)),
                    logger=SDK_LOGGER,
                    retry_handlers=[BoundedRateLimitRetryHandler(), unsent_connection_errors()],
                )
            return self._client

    def webhook(self) -> WebhookClient:
        with self._lock:
            if self._webhook is None:
                url = self.secret(self.options.webhook_url_env, "Slack incoming webhook URL")
                self._webhook = WebhookClient(
                    url,
                    timeout=int(max(self.options.timeout, 1)),
                    logger=SDK_LOGGER,
                    retry_handlers=[BoundedRateLimitRetryHandler(), unsent_connection_errors()],
                )
            return self._webhook

    # -- sending ------------------------------------------------------------------------

    def send(self, alert: Alert) -> Receipt:
        message = render_message(alert, controls=self.has_buttons, public_url=self.public_url)
        if self.uses_webhook:
            return self._send_webhook(message)
        kwargs: dict[str, Any] = {
            "channel": self.options.slack_channel,
            "text": message.text,
            "blocks": list(message.blocks),
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": alert.key}},
            "unfurl_links": self.options.unfurl,
            "unfurl_media": self.options.unfurl,
        }
        if alert.thread:
            kwargs["thread_ts"] = alert.thread
            kwargs["reply_broadcast"] = self.options.reply_broadcast
        response = self._call("chat_postMessage", kwargs, alert)
        if response is None:  # the thread is gone: post at the top level instead
            kwargs.pop("thread_ts", None)
            kwargs.pop("reply_broadcast", None)
            response = self._call("chat_postMessage", kwargs, alert)
        assert response is not None
        ts = str(response.get("ts") or "")
        channel_id = str(response.get("channel") or "")
        if channel_id:
            self._channel_id = channel_id
        return Receipt(ref=ts, permalink=self._permalink(channel_id, ts))

    def update(self, alert: Alert, ref: str, channel_id: str = "") -> None:
        """Rewrite a posted message in place (`chat.update`): same content, current workflow state."""
        target = channel_id or self._resolve_channel()
        if not target:
            raise DeliveryError(
                f"{self.where}: cannot find the channel's id to update a message", channel=self.id
            )
        message = render_message(alert, controls=self.has_buttons, public_url=self.public_url)
        kwargs = {
            "channel": target,
            "ts": ref,
            "text": message.text,
            "blocks": list(message.blocks),
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": alert.key}},
        }
        self._call("chat_update", kwargs, alert)

    def _call(self, method: str, kwargs: dict[str, Any], alert: Alert) -> Any:
        try:
            return getattr(self.client(), method)(**kwargs).data
        except SlackApiError as exc:
            error = api_error(exc)
            if kwargs.get("thread_ts") and error in THREAD_ERRORS:
                logger.info(
                    "%s: thread of %s is gone (%s); posting at top level", self.where, alert.key, error
                )
                return None
            raise self.translate(exc) from None
        except (SlackClientError, OSError, http.client.HTTPException, ValueError) as exc:
            raise self.transport_error(exc) from None

    def _send_webhook(self, message: SlackMessage) -> Receipt:
        try:
            response = self.webhook().send(
                text=message.text,
                blocks=list(message.blocks),
                unfurl_links=self.options.unfurl,
                unfurl_media=self.options.unfurl,
            )
        except (SlackClientError, OSError, http.client.HTTPException, ValueError) as exc:
            raise self.transport_error(exc) from None
        if response.status_code == 200:
            return Receipt(ref="webhook")
        body = str(response.body or "").strip()
        body = body if ERROR_CODE.match(body) else ""
        raise self.classify(response.status_code, body, retry_after_in(response.headers))

    def _permalink(self, channel_id: str, ts: str) -> str:
        """Best effort: a message that was posted is delivered, whether or not this works."""
        if not (channel_id and ts):
            return ""
        try:
            return str(
                self.client().chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink") or ""
            )
        except Exception as exc:  # the permalink is a convenience: never fail a delivery for it
            logger.info("%s: no permalink for %s: %s", self.where, ts, type(exc).__name__)
            return ""

    def probe(self) -> bool | None:
        """`auth.test`: Slack answers and takes the token (posts nothing). Webhooks cannot tell."""
        if self.uses_webhook:
            return None
        try:
            return bool(self.client().auth_test().get("ok"))
        except (DeliveryError, SlackClientError, OSError, http.client.HTTPException, ValueError):
            return False

    # -- reconcile ----------------------------------------------------------------------

    def reconcile(self, alert: Alert, *, since: datetime | None = None) -> Receipt | None:
        """Look for a message carrying `alert.key` in the channel (or thread) since `since`."""
        if self.uses_webhook:
            return None
        try:
            channel_id = self._resolve_channel()
            if not channel_id:
                logger.warning(
                    "%s: cannot look up an in-doubt alert (give slack_channel as an id, or grant "
                    "channels:read); it is sent again",
                    self.where,
                )
                return None
            found = self._find(channel_id, alert, since)
        except SlackApiError as exc:
            error = api_error(exc)
            failure = self.translate(exc)
            if failure.retryable:
                failure.in_doubt = True
                raise failure from None
            logger.warning(
                "%s: cannot read the channel history to reconcile (%s; grant channels:history or "
                "groups:history); the alert is sent again",
                self.where,
                error,
            )
            return None
        except (SlackClientError, OSError, http.client.HTTPException, ValueError) as exc:
            failure = self.transport_error(exc)
            failure.in_doubt = True
            raise failure from None
        if found is None:
            return None
        return Receipt(ref=found, permalink=self._permalink(channel_id, found))

    def _find(self, channel_id: str, alert: Alert, since: datetime | None) -> str | None:
        client = self.client()
        params: dict[str, Any] = {"channel": channel_id, "limit": 200, "include_all_metadata": True}
        if since is not None:
            params["oldest"] = f"{since.timestamp():.6f}"
        if alert.thread:
            params["ts"] = alert.thread
        cursor = ""
        for _ in range(RECONCILE_PAGES):
            if cursor:
                params["cursor"] = cursor
            if alert.thread:
                page = client.conversations_replies(**params)
            else:
                page = client.conversations_history(**params)
            for message in page.get("messages") or []:
                if carries_key(message, alert.key):
                    return str(message.get("ts") or "")
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or ""
            if not cursor:
                break
        return None

    def _resolve_channel(self) -> str:
        """The channel's id (history needs an id, not a name); found by name if need be."""
        if self._channel_id:
            return self._channel_id
        name = self.options.slack_channel.lstrip("#").lower()
        client = self.client()
        cursor = ""
        for _ in range(LOOKUP_PAGES):
            page = client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor or None,
            )
            for channel in page.get("channels") or []:
                if str(channel.get("name", "")).lower() == name:
                    self._channel_id = str(channel["id"])
                    return self._channel_id
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or ""
            if not cursor:
                break
        return ""

    # -- errors -------------------------------------------------------------------------

    def translate(self, exc: SlackApiError) -> DeliveryError:
        response = exc.response
        return self.classify(response.status_code, api_error(exc), retry_after_in(response.headers))

    def classify(self, status: int, error: str, retry_after: float | None) -> DeliveryError:
        """One Slack answer -> a DeliveryError that says whether, and when, to try again."""
        env = self.options.webhook_url_env if self.uses_webhook else self.options.token_env
        return classify(self.where, self.id, env, status, error, retry_after)

    def transport_error(self, exc: BaseException) -> DeliveryError:
        """Network trouble: not delivered, or (after sending) in doubt."""
        host = urlsplit(self.options.api_url).hostname if not self.uses_webhook else "the webhook host"
        return transport_error(self.where, self.id, host or "Slack", self.options.timeout, exc)

    def close(self) -> None:
        self._client = None
        self._webhook = None


def carries_key(message: Mapping[str, Any], key: str) -> bool:
    """Did regwatch post this message for `key`? (its metadata, or its header's block_id)"""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == key:
        return True
    return any(isinstance(b, dict) and b.get("block_id") == key for b in message.get("blocks") or ())
