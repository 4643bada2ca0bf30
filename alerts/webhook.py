"""`webhook`: POST each alert as JSON to a URL, signed with HMAC-SHA256 when a secret is set."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from alerts import reminders, summary
from alerts.base import Channel
from alerts.excerpt import diff_excerpts, field_excerpt
from alerts.excerpt_render import to_json
from alerts.facts import as_json
from alerts.fieldchanges import evidence_for, field_changes
from alerts.headline import headline_of
from alerts.render import FORMAT, render_text
from watcher.errors import DeliveryError
from watcher.model import Alert, Change, Item, ItemChange, Receipt
from watcher.retry_after import parse_retry_after

SIGNATURE_HEADER = "X-Regwatch-Signature"
TIMESTAMP_HEADER = "X-Regwatch-Timestamp"
KEY_HEADER = "Idempotency-Key"
USER_AGENT = "regwatch-webhook/1"
EXCERPT_BUDGET = 4000  # characters of one changed line in `excerpts` (the whole line is in `diff`)
EXCERPT_CONTEXT = 300


@dataclass(frozen=True)
class WebhookOptions:
    """Options of the `webhook` channel."""

    url: str = ""
    url_env: str = ""
    secret_env: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 15.0

    def __post_init__(self) -> None:
        if bool(self.url) == bool(self.url_env):
            raise ValueError("give exactly one of url (the endpoint) or url_env (a variable holding it)")
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"url {self.url!r} must be an http(s) URL")
        if self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `timestamp + "." + body`, keyed with the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def item_json(item: Item) -> dict[str, Any]:
    return item.to_dict()


def changed_json(pair: ItemChange) -> dict[str, Any]:
    data: dict[str, Any] = {"before": item_json(pair.before), "after": item_json(pair.after)}
    data["fields"] = [
        {"name": f.name, "before": f.before, "after": f.after, "text": f.text()}
        for f in field_changes(pair.before, pair.after)
    ]
    if pair.before.summary and pair.after.summary and pair.before.summary != pair.after.summary:
        summary = field_excerpt(
            pair.before.summary, pair.after.summary, budget=EXCERPT_BUDGET, context=EXCERPT_CONTEXT
        )
        data["summary_excerpt"] = to_json(summary)
    return data


def change_json(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "detected_at": change.detected_at.isoformat() if change.detected_at else None,
        "summary": change.summary,
        "added": [item_json(i) for i in change.added],
        "removed": [
            {**item_json(i), "evidence": evidence_for(change, i)} if evidence_for(change, i) else item_json(i)
            for i in change.removed
        ],
        "changed": [changed_json(c) for c in change.changed],
        "diff": list(change.diff),
        "also_seen_by": list(change.also_seen_by),
        "excerpts": [
            to_json(e) for e in diff_excerpts(change.diff, budget=EXCERPT_BUDGET, context=EXCERPT_CONTEXT)
        ],
    }


def without_format_characters(value: Any) -> Any:
    """Every string in a JSON value without invisible format characters (bidi controls...)."""
    if isinstance(value, str):
        return FORMAT.sub("", value)
    if isinstance(value, dict):
        return {key: without_format_characters(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_format_characters(item) for item in value]
    return value


def alert_json(alert: Alert) -> dict[str, Any]:
    """The JSON body: the alert as data (page text is data here; receivers escape it)."""
    kind = "digest" if alert.batch else "health" if alert.health is not None else "change"
    if alert.reminder is not None:
        kind = alert.reminder.kind  # reminder | correction
    if alert.summary is not None:
        kind = "summary"
    data: dict[str, Any] = {
        "type": kind,
        "key": alert.key,
        "channel": alert.channel,
        "source": {
            "id": alert.source.id,
            "name": alert.source.name,
            "url": alert.source.url,
            "kind": alert.source.kind,
            "tags": list(alert.source.tags),
            "jurisdiction": alert.source.jurisdiction,
            "regulator": alert.source.regulator,
        },
    }
    if alert.change is not None:
        data["headline"] = headline_of(alert.change, alert.facts)  # the line that leads the alert
        data["change"] = change_json(alert.change)
        data["documents"] = dict(alert.documents)
        data["facts"] = {key: as_json(facts) for key, facts in alert.facts.items()}
        data["related"] = {
            key: [
                {
                    "title": r.title,
                    "link": r.link,
                    "source_id": r.source_id,
                    "date": r.date,
                    "reason": r.reason,
                }
                for r in links
            ]
            for key, links in alert.related.items()
        }
    if alert.reminder is not None:
        data["reminder"] = reminders.as_json(alert.reminder)
    if alert.summary is not None:
        data["summary"] = summary.as_json(alert.summary)
    if alert.health is not None:
        data["health"] = {
            "state": alert.health.state,
            "reason": alert.health.reason,
            "failures": alert.health.failures,
            "since": alert.health.since.isoformat() if alert.health.since else None,
        }
    if alert.batch:
        data["alerts"] = [alert_json(member) for member in alert.batch]
    data["text"] = render_text(alert)
    return data


class Webhook(Channel):
    """POST each alert as JSON to an HTTP endpoint (a SIEM, a ticketing system, your own app).

    Keys: `url` or `url_env` (a variable holding the URL, when it embeds a secret),
    `secret_env` (a variable holding a shared secret: each request is then signed),
    `headers` (extra request headers, e.g. `{ "X-Team" = "compliance" }`), `timeout`
    (seconds, default 15), plus the common `match`, `digest` and `health`.

    The body is the alert as JSON: `type` (change | health | digest), `key`, `source`,
    `headline` (a change's one-line summary, "1 paragraph edited under …"; page words as data),
    `change` (items added/removed/changed, diff, and `excerpts`: each changed line as
    segments `{"op": "same" | "del" | "ins" | "gap", "text", "more"}`; each changed item's
    `fields` changes, each removed item's `evidence`, `also_seen_by`), `health`,
    `alerts` (a digest's members) and a plain-text `text`. Headers: `Idempotency-Key` (the
    alert's key: the same on every retry, so receivers can drop duplicates), and with a
    secret `X-Regwatch-Timestamp` and `X-Regwatch-Signature: sha256=HEX`, HMAC-SHA256 over
    `timestamp + "." + body`. Receivers should check it with a constant-time compare and
    reject stale timestamps.

    2xx is success; 408, 425, 429 (with Retry-After) and 5xx are retried with backoff; other
    answers (including redirects, which are not followed) fail permanently.
    """

    kind = "webhook"
    Options = WebhookOptions

    def __init__(self, id: str, options: Any = None, **settings: Any) -> None:
        super().__init__(id, options, **settings)
        self.clock: Callable[[], float] = time.time
        self.transport: httpx.BaseTransport | None = None
        self._client: httpx.Client | None = None

    @property
    def where(self) -> str:
        return f"webhook channel {self.id!r}"

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.options.timeout, follow_redirects=False, transport=self.transport
            )
        return self._client

    def payload(self, alert: Alert) -> bytes:
        """The request body (subclasses such as `teams` send another shape)."""
        data = without_format_characters(alert_json(alert))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def send(self, alert: Alert) -> Receipt:
        url = self.options.url or self.secret(self.options.url_env, "webhook URL")
        body = self.payload(alert)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **dict(self.options.headers),
            KEY_HEADER: alert.key,
        }
        if self.options.secret_env:
            secret = self.secret(self.options.secret_env, "webhook signing secret")
            timestamp = str(int(self.clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        try:
            response = self.client().post(url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            retryable = not isinstance(exc, httpx.UnsupportedProtocol)
            raise DeliveryError(
                f"{self.where}: cannot connect: {type(exc).__name__}", channel=self.id, retryable=retryable
            ) from None
        except httpx.HTTPError as exc:  # sent, but no complete answer: the receiver may have it
            raise DeliveryError(
                f"{self.where}: no complete answer: {type(exc).__name__}",
                channel=self.id,
                retryable=True,
                in_doubt=True,
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(ref=response.headers.get("x-request-id", f"HTTP {status}")[:200])
        message = f"{self.where}: HTTP {status}"
        if status in (408, 425, 429) or status >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise DeliveryError(message, channel=self.id, retryable=True, retry_after=retry_after)
        if 300 <= status < 400:
            message += " (a redirect; point url at the final endpoint)"
        raise DeliveryError(message, channel=self.id, retryable=False)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
