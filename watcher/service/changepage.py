"""The read-only page of one change (`/changes/N`), served on the service's HTTP port when
`[service] public_url` is set, so a Slack reader can open what changed without a shell.

Everything from the page or the database is HTML-escaped; links are only made from
http(s) URLs. GET/HEAD only (the health server refuses the rest); nothing here writes.
"""

from __future__ import annotations

import html
import re
from typing import Any

from watcher.db.store import Store
from watcher.db.workstate import fold
from watcher.history import queries

PATH = re.compile(r"^/changes/(\d{1,12})$")
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "pre{background:#f6f8fa;padding:1rem;overflow:auto}.add{color:#116329}.del{color:#82071e}"
)


def page_url(public_url: str, change_id: int) -> str:
    return f"{public_url.rstrip('/')}/changes/{change_id}"


def _link(url: str | None, label: str | None) -> str:
    text = html.escape(label or url or "")
    if url and re.match(r"^https?://[^\s<>\"']+$", url):
        return f'<a href="{html.escape(url)}" rel="noopener noreferrer">{text}</a>'
    return text


def _items(title: str, items: list[dict[str, Any]]) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<li>{_link(i.get('link'), i.get('title'))}"
        + (f" · {html.escape(str(i['date']))}" if i.get("date") else "")
        + "</li>"
        for i in items
    )
    return f"<h2>{html.escape(title)} ({len(items)})</h2><ul>{rows}</ul>"


def render_change_page(store: Store, change_id: int) -> bytes | None:
    """The HTML page of a change, or None if there is no such change."""
    record = queries.change(store.db, change_id)
    if record is None:
        return None
    name = record["source_name"] or record["source_id"]
    state = fold(store.actions(change_ids=[change_id]))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Change {change_id}: {html.escape(name)}"
        f"</title><style>{STYLE}</style></head><body>",
        f"<h1>Change {change_id}: {html.escape(name)}</h1>",
        f"<p>{html.escape(record['summary'])}<br>Detected {html.escape(record['detected_at'])} · "
        f"{_link(record['url'], 'source page')} · status: {html.escape(state.status)}"
        + (f" by {html.escape(state.by_name)}" if state.by_name else "")
        + "</p>",
        _items("New", record["added"]),
        _items("Removed", record["removed"]),
        _items("Updated", [pair["after"] for pair in record["changed"]]),
    ]
    if record["diff"]:
        lines = []
        for line in record["diff"]:
            css = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
            lines.append(f"<span class='{css}'>{html.escape(line)}</span>" if css else html.escape(line))
        parts.append("<h2>Page text changed</h2><pre>" + "\n".join(lines) + "</pre>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def serve_page(store: Store, path: str) -> tuple[int, str, bytes] | None:
    """(status, content type, body) for a change page path; None for paths that are not ours."""
    match = PATH.match(path)
    if match is None:
        return None
    body = render_change_page(store, int(match.group(1)))
    if body is None:
        return 404, "text/plain", b"no such change\n"
    return 200, "text/html; charset=utf-8", body
