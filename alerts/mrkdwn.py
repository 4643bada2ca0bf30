"""Slack mrkdwn for untrusted text: escape it, and build links only from validated URLs.

Slack reads `<...>` as control sequences: `<!channel>`, `<!here>`, `<@U123>`, `<#C123>`,
`<!subteam^S1>`, `<!date^...>` and `<http://evil|a disguised link>`. Escaping `&`, `<`
and `>` (the only three characters Slack asks to escape) makes every such sequence plain
text. Page text is also stripped of control characters and of every invisible format
character (Unicode category Cf: bidi controls such as U+061C, which can reorder what a
reader sees, zero-width characters, tag characters), and nothing is added to it: no zero-width characters are
inserted anywhere, so copied text stays what the regulator wrote. Every mrkdwn text object
regwatch sends also sets `verbatim: true`, so Slack does not auto-link `#channel` names
or parse bare `@here` in page text.

A link regwatch builds (`<url|label>`) uses a URL only if it is absolute http(s) with a
host and contains none of `<`, `>`, `|`, whitespace or control characters; anything else
is shown as escaped text, never as a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from alerts.invisible import FORMAT_CHARACTERS

CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{FORMAT_CHARACTERS}]")
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
URL_FORBIDDEN = re.compile(f'[<>|\\s"`\\\\\x00-\x1f\x7f-\x9f{FORMAT_CHARACTERS}]')
MAX_URL = 1000


def clean(text: str | None) -> str:
    """Untrusted text without control characters, escape sequences or direction overrides."""
    return CONTROL.sub("", ANSI.sub("", text or ""))


def escape(text: str | None) -> str:
    """Untrusted text made inert for mrkdwn: `&`, `<`, `>` become entities."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Shorten plain text to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def short(text: str | None, limit: int) -> str:
    """Untrusted text cut to `limit` characters, then escaped (entities may lengthen it)."""
    return escape(truncate(" ".join(clean(text).split()), limit))


def safe_url(url: str | None) -> str | None:
    """The URL if it is safe to put inside `<...>`: absolute http(s), a host, no markup."""
    if not url or len(url) > MAX_URL or URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    escaped = url.replace("&", "&amp;")
    return escaped if len(escaped) <= MAX_URL * 3 // 2 else None


def host_of(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def link(url: str | None, label: str | None, *, limit: int = 300) -> str:
    """`<url|label>` with the label escaped, or the escaped label (and URL) as plain text."""
    text = short(label, limit) or short(url, limit) or "link"
    target = safe_url(url)
    if target is None:
        return text if not url else f"{text} ({short(url, 200)})"
    return f"<{target}|{text}>"


def code(text: str | None, limit: int = 300) -> str:
    """Untrusted text inside inline code (backticks removed so it cannot close the span)."""
    body = short(text, limit).replace("`", "'")
    return f"`{body}`" if body.strip() else ""
