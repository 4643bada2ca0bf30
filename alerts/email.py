"""`email`: send each alert by SMTP (standard library), as plain text with an HTML alternative."""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from alerts import reminders, summary
from alerts.base import Channel
from alerts.excerpt import diff_excerpts, field_excerpt
from alerts.excerpt_render import to_html
from alerts.facts import html_block
from alerts.fieldchanges import evidence_for, field_changes, seen_by_line
from alerts.mrkdwn import clean, host_of, safe_url, truncate
from alerts.render import headline, render_text
from watcher.errors import DeliveryError
from watcher.model import Alert, Item, Receipt

MAX_ITEMS = 50
MAX_DIFF_LINES = 40
LINE_BUDGET = 1200  # characters of one changed line: its changed words first, then context
LINE_CONTEXT = 200


@dataclass(frozen=True)
class EmailOptions:
    """Options of the `email` channel. `from` is written `from` in the config."""

    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str = ""
    password_env: str = ""
    sender: str = field(default="", metadata={"key": "from"})
    to: tuple[str, ...] = ()
    subject_prefix: str = ""
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.sender or "@" not in parseaddr(self.sender)[1]:
            raise ValueError("from must be an email address like 'regwatch@example.com'")
        if not self.to:
            raise ValueError("to must list at least one address, like ['compliance@example.com']")
        for address in self.to:
            if "@" not in parseaddr(address)[1]:
                raise ValueError(f"to: {address!r} is not an email address")
        if self.starttls and self.ssl:
            raise ValueError("use starttls (port 587) or ssl (port 465), not both")
        if self.password_env and not self.username:
            raise ValueError("password_env needs a username")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")


def message_id(key: str) -> str:
    """A Message-ID derived from the alert's key: a re-sent alert is recognisably the same."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@regwatch>"


def subject_of(alert: Alert, prefix: str) -> str:
    text = headline(alert).removeprefix("[regwatch] ")
    if alert.change is not None and alert.change.added:  # as Slack's notification: the first title
        text += f" — {alert.change.added[0].title}"
    if alert.batch:
        text = f"digest: {len(alert.batch)} alert(s)"
    text = " ".join(clean(text).split())  # no line breaks: they would inject headers
    return truncate(f"{prefix or '[regwatch]'} {text}", 200)


def _why(reason: str) -> str:
    return f" — {h(reason, 120)}" if reason else ""


def h(text: str | None, limit: int = 500) -> str:
    return html.escape(truncate(clean(text), limit), quote=True)


def a(url: str | None, label: str | None) -> str:
    target = safe_url(url)
    text = h(label or url, 300)
    if target is None:
        return text
    return f'<a href="{html.escape(url or "", quote=True)}">{text}</a>'


def item_html(alert: Alert, item: Item, source_host: str, notes: Sequence[str] = ()) -> str:
    """One item as a list entry; `notes` (field changes, removal evidence) below its title."""
    parts = [a(item.link, item.title or item.link)]
    if item.date:
        parts.append(f" &middot; {h(item.date, 40)}")
    for note in notes:
        parts.append(f"<br>{h(note, 300)}")
    host = host_of(item.link)
    if host and source_host and host != source_host:
        parts.append(f" ({h(host, 100)})")
    if item.key in alert.facts:
        parts.append(html_block(alert.facts[item.key]))
    document = alert.documents.get(item.key)
    if document:
        parts.append(f'<blockquote style="color:#555">{h(document, 600)}</blockquote>')
    related = alert.related.get(item.key, ())[:3]
    if related:
        links = "".join(
            f"<li>{a(r.link, r.title)} ({h(r.source_name or r.source_id, 80)}){_why(r.reason)}</li>"
            for r in related
        )
        parts.append(f"<ul>Related:{links}</ul>")
    return "<li>" + "".join(parts) + "</li>"


def summary_html(before: Item, after: Item) -> str:
    """An updated item's summary edit as `<del>`/`<ins>`, or nothing."""
    if not (before.summary and after.summary) or before.summary == after.summary:
        return ""
    excerpt = field_excerpt(before.summary, after.summary, budget=LINE_BUDGET, context=LINE_CONTEXT)
    return f'<li style="list-style:none">summary {to_html(excerpt)}</li>'


def diff_html(diff: Sequence[str]) -> str:
    """Changed lines as word-diff excerpts: `<del>`/`<ins>` with context, escaped."""
    excerpts = diff_excerpts(diff, budget=LINE_BUDGET, context=LINE_CONTEXT, limit=MAX_DIFF_LINES)
    rows = "".join(f'<p style="margin:0 0 8px 0">{to_html(e)}</p>' for e in excerpts)
    shown = sum(2 if e.kind == "edit" else 1 for e in excerpts)
    more = sum(1 for line in diff if line[:1] in "+-") - shown
    return rows + (f"<p>… {more} more changed line(s)</p>" if more > 0 else "")


def render_html(alert: Alert) -> str:
    """The HTML part: every piece of page text escaped, links only to http(s) URLs."""
    if alert.batch:
        inner = "<hr>".join(render_html_body(member) for member in alert.batch)
        return f"<html><body><h2>regwatch digest: {len(alert.batch)} alert(s)</h2>{inner}</body></html>"
    return f"<html><body>{render_html_body(alert)}</body></html>"


def render_html_body(alert: Alert) -> str:
    source = alert.source
    if alert.reminder is not None:
        return reminders.html_body(alert)
    if alert.summary is not None:
        return summary.html_body(alert)
    out = [f"<h3>{h(headline(alert).removeprefix('[regwatch] '), 300)}</h3>"]
    meta = [x for x in (source.jurisdiction, source.regulator, ", ".join(source.tags)) if x]
    out.append(f"<p>{h(' · '.join(meta), 300)} {a(source.url, 'source page') if source.url else ''}</p>")
    if alert.health is not None:
        out.append(f"<p><b>Reason:</b> <code>{h(alert.health.reason)}</code></p>")
        if alert.health.failures:
            out.append(f"<p>Consecutive failed checks: {alert.health.failures}</p>")
    change = alert.change
    if change is not None:
        host = host_of(source.url)
        for label, items in (("New", change.added), ("Removed", change.removed)):
            if items:
                rows = "".join(
                    item_html(alert, i, host, [evidence_for(change, i)] if evidence_for(change, i) else [])
                    for i in items[:MAX_ITEMS]
                )
                more = f"<li>…and {len(items) - MAX_ITEMS} more</li>" if len(items) > MAX_ITEMS else ""
                out.append(f"<p><b>{label} ({len(items)})</b></p><ul>{rows}{more}</ul>")
        if change.changed:
            rows = "".join(
                item_html(alert, p.after, host, [fc.text() for fc in field_changes(p.before, p.after)])
                + summary_html(p.before, p.after)
                for p in change.changed[:MAX_ITEMS]
            )
            out.append(f"<p><b>Updated ({len(change.changed)})</b></p><ul>{rows}</ul>")
        if change.also_seen_by:
            out.append(f"<p>{h(seen_by_line(change), 1000)}</p>")
        if change.diff:
            out.append("<p><b>Page text changed</b></p>" + diff_html(change.diff))
        if change.id is not None:
            out.append(f"<p>Full change: <code>regwatch show {change.id}</code></p>")
    return "".join(out)


class Email(Channel):
    """Send each alert as an email over SMTP: plain text plus an HTML alternative.

    Keys: `host` (default localhost), `port` (default 587), `starttls` (default true;
    upgrade the connection before logging in), `ssl` (implicit TLS, usually port 465),
    `username`, `password_env` (the variable holding the password; never stored),
    `from`, `to` (a list of addresses), `subject_prefix` (default "[regwatch]"),
    `timeout`, plus the common `match`, `digest` and `health`.

    Page text is escaped in the HTML part and stripped of control characters in both;
    the Message-ID is derived from the alert's key, so a re-sent alert is the same message.
    Temporary SMTP answers (4xx) and connection errors are retried; a refused login,
    sender or recipients fail permanently.
    """

    kind = "email"
    Options = EmailOptions

    def __init__(self, id: str, options: Any = None, **settings: Any) -> None:
        super().__init__(id, options, **settings)
        self.smtp_factory: Callable[..., smtplib.SMTP] | None = None
        self.ssl_context: ssl.SSLContext | None = None

    @property
    def where(self) -> str:
        return f"email channel {self.id!r} ({self.options.host}:{self.options.port})"

    def compose(self, alert: Alert) -> EmailMessage:
        options = self.options
        message = EmailMessage()
        message["Subject"] = subject_of(alert, options.subject_prefix)
        message["From"] = options.sender
        message["To"] = ", ".join(options.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id(alert.key)
        message["X-Regwatch-Key"] = alert.key
        message.set_content(render_text(alert))
        message.add_alternative(render_html(alert), subtype="html")
        return message

    def send(self, alert: Alert) -> Receipt:
        options = self.options
        message = self.compose(alert)
        password = self.secret(options.password_env, "SMTP password") if options.password_env else ""
        context = self.ssl_context or ssl.create_default_context()
        factory = self.smtp_factory or (smtplib.SMTP_SSL if options.ssl else smtplib.SMTP)
        kwargs: dict[str, Any] = {"timeout": options.timeout}
        if options.ssl and self.smtp_factory is None:
            kwargs["context"] = context
        try:
            with factory(options.host, options.port, **kwargs) as smtp:
                if options.starttls:
                    smtp.starttls(context=context)
                if options.username:
                    smtp.login(options.username, password)
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise self.fail(
                f"login refused ({exc.smtp_code}); check username and ${options.password_env}"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise self.fail(
                f"every recipient was refused ({codes})", temporary=all(400 <= c < 500 for c in codes)
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise self.fail(f"the server does not support this ({exc}); check starttls/ssl") from None
        except smtplib.SMTPResponseException as exc:
            raise self.fail(
                f"server answered {exc.smtp_code}", temporary=400 <= exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self.fail(f"connection failed: {type(exc).__name__}", temporary=True) from None
        return Receipt(ref=message["Message-ID"] + (f" ({len(refused)} refused)" if refused else ""))

    def fail(self, reason: str, *, temporary: bool = False) -> DeliveryError:
        return DeliveryError(f"{self.where}: {reason}", channel=self.id, retryable=temporary)
