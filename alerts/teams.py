"""`teams`: post alerts to Microsoft Teams through a Workflows incoming webhook, as an Adaptive Card."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from alerts.excerpt import diff_excerpts
from alerts.excerpt_render import to_json
from alerts.render import change_lines, headline, render_text, safe
from alerts.webhook import Webhook
from watcher.model import Alert, Change

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
#: Teams refuses messages over about 28 KB; keep well below it.
MAX_CARD_BYTES = 24_000
MAX_LINES = 40
MAX_LINKS = 6
MAX_DIFF_LINES = 12
LINE_BUDGET = 500  # characters of one changed line: its changed words first, then context
LINE_CONTEXT = 100


@dataclass(frozen=True)
class TeamsOptions:
    """Options of the `teams` channel."""

    url_env: str = "TEAMS_WEBHOOK_URL"
    timeout: float = 15.0

    # Fixed for Teams: the Workflows URL is the secret, and Teams takes no extra headers.
    url: ClassVar[str] = ""
    secret_env: ClassVar[str] = ""
    headers: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __post_init__(self) -> None:
        if not self.url_env:
            raise ValueError("url_env must name the variable holding the Workflows webhook URL")
        if self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")


def run(text: str, **style: Any) -> dict[str, Any]:
    """A TextRun: Adaptive Cards render it as literal text (no Markdown), so page text stays inert."""
    return {"type": "TextRun", "text": text, **style}


def paragraph(*runs: dict[str, Any], spacing: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": list(runs)}
    if spacing:
        block["spacing"] = spacing
    return block


def http_url(url: str | None) -> str | None:
    """Only absolute http(s) links become buttons."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def document_links(change: Change) -> list[tuple[str, str]]:
    items = [*change.added, *(pair.after for pair in change.changed)]
    links: list[tuple[str, str]] = []
    for item in items:
        url = http_url(item.link)
        if url and url not in {u for _, u in links}:
            links.append((safe(item.title, 60) or "Open document", url))
    return links[:MAX_LINKS]


def card_body(alert: Alert) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The card's blocks and link buttons: the same content as the Slack and console message."""
    if alert.batch:
        body = [paragraph(run(f"[regwatch] digest: {len(alert.batch)} alert(s)", weight="Bolder"))]
        batch_links: list[tuple[str, str]] = []
        for member in alert.batch:
            member_body, member_links = card_body(member)
            body.extend(member_body)
            batch_links.extend(member_links)
        return body, batch_links[:MAX_LINKS]
    body = [paragraph(run(headline(alert), weight="Bolder", size="Medium"))]
    meta = [safe(alert.source.url), safe(alert.source.jurisdiction, 20), ", ".join(alert.source.tags)]
    body.append(paragraph(run(" · ".join(m for m in meta if m), isSubtle=True), spacing="None"))
    lines: list[str] = []
    if alert.health is not None:
        lines.append(safe(alert.health.reason, 500))
        if alert.health.failures:
            lines.append(f"consecutive failures: {alert.health.failures}")
    if alert.reminder is not None or alert.summary is not None:  # the text form, after its headline
        lines.extend(line.strip() for line in render_text(alert).splitlines()[1:])
    links: list[tuple[str, str]] = []
    edits: list[dict[str, Any]] = []
    if alert.change is not None:
        # Items as text lines; edited text as runs, deletions struck and insertions in green.
        items_only = dataclasses.replace(alert.change, diff=())
        lines.extend(line.strip() for line in change_lines(alert, items_only))
        edits = diff_paragraphs(alert.change.diff)
        links = document_links(alert.change)
        if http_url(alert.source.url):
            links.append(("Source page", alert.source.url))
    shown = [paragraph(run(line), spacing="Small") for line in lines] + edits
    body.extend(shown[:MAX_LINES])
    if len(shown) > MAX_LINES:
        body.append(paragraph(run(f"… {len(shown) - MAX_LINES} more line(s)", isSubtle=True)))
    return body, links


def diff_paragraphs(diff: Sequence[str]) -> list[dict[str, Any]]:
    """Each changed line as a paragraph of TextRuns: context, struck deletions, green insertions."""
    if not diff:
        return []
    out = [paragraph(run("Page text changed", weight="Bolder"), spacing="Small")]
    for excerpt in diff_excerpts(diff, budget=LINE_BUDGET, context=LINE_CONTEXT, limit=MAX_DIFF_LINES):
        runs: list[dict[str, Any]] = []
        previous = ""
        for segment in to_json(excerpt)["segments"]:
            op, text = segment["op"], safe(segment["text"], LINE_BUDGET)
            cut = "…" if segment.get("more") and op != "gap" else ""
            if previous == "del" and op == "ins":
                runs.append(run(" "))  # struck and inserted words side by side, not glued
            if op == "gap":
                runs.append(run("…", isSubtle=True))
            elif op == "del" and text:
                runs.append(run(text + cut, strikethrough=True, color="Attention"))
            elif op == "ins" and text:
                runs.append(run(text + cut, color="Good", weight="Bolder"))
            elif text:
                runs.append(run(text))
            previous = op
        if excerpt.hidden:
            runs.append(run(f" (+{excerpt.hidden} chars)", isSubtle=True))
        if runs:
            out.append(paragraph(*runs, spacing="Small"))
    return out


def build_card(alert: Alert) -> dict[str, Any]:
    """The Adaptive Card of an alert, within Teams' size limit."""
    body, links = card_body(alert)
    card: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "fallbackText": safe(render_text(alert), 2000),
        "body": body,
    }
    if links:
        card["actions"] = [{"type": "Action.OpenUrl", "title": title, "url": url} for title, url in links]
    while len(json.dumps(card, ensure_ascii=False).encode()) > MAX_CARD_BYTES and len(card["body"]) > 3:
        card["body"].pop(-2)  # drop detail lines from the end, keep the last ("… more") marker
    return card


def message(alert: Alert) -> dict[str, Any]:
    """The Workflows webhook body: a message with one Adaptive Card attachment."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": build_card(alert),
            }
        ],
    }


class Teams(Webhook):
    """Post each alert to a Microsoft Teams channel through a Workflows incoming webhook
    ("Post to a channel when a webhook request is received"), as an Adaptive Card with the
    same content as the Slack message: headline, source, new/changed documents, the diff
    excerpt, related articles, and buttons that open the documents.

    Keys: `url_env` (the variable holding the Workflows URL, default TEAMS_WEBHOOK_URL; the
    URL is a secret and never written anywhere), `timeout`, plus the common `match`, `digest`
    and `health`. Page text goes into the card as TextRuns, which Teams shows literally (no
    Markdown, no mentions, no links); only http(s) document links become buttons. Retries
    and Retry-After as for `webhook`; no threads, no reconcile (an in-doubt alert is posted
    again).
    """

    kind = "teams"
    Options = TeamsOptions  # type: ignore[assignment]

    @property
    def where(self) -> str:
        return f"teams channel {self.id!r}"

    def payload(self, alert: Alert) -> bytes:
        return json.dumps(message(alert), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
