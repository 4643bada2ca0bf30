"""Document facts (type, abstract, agencies, docket, CFR parts, comment deadline, effective
date) rendered for each channel: plain text, Slack Block Kit, HTML, JSON and CSV columns.

One place decides how facts read, so every channel says the same thing; a date read from
the document's words says "(from text)" everywhere. All values are the regulator's text:
escaped per channel here, and bounded.
"""

from __future__ import annotations

import html
from typing import Any

from alerts.mrkdwn import clean, escape, link, short, truncate
from watcher.model import Alert, DocumentDate, DocumentFacts, Item

FROM_TEXT = "from text"
MAX_FIELD = 2000  # Slack: characters per section field
MAX_SECTION = 3000  # Slack: characters per section text
MAX_FIELDS = 10  # Slack: fields per section
ABSTRACT_SHOWN = 500
CSV_COLUMNS = (
    "type",
    "abstract",
    "agencies",
    "docket",
    "references",
    "comments_close",
    "comments_close_from_text",
    "effective",
    "effective_from_text",
)


def date_text(when: DocumentDate) -> str:
    """`2024-02-01` or `2024-02-01 (from text)`."""
    return f"{when.on} ({FROM_TEXT})" if when.from_text else when.on


def labelled(facts: DocumentFacts) -> list[tuple[str, str]]:
    """(label, plain value) of each known fact but the abstract, in reading order."""
    pairs = [
        ("Type", facts.type),
        ("Agencies", facts.agencies),
        ("Docket", facts.docket),
        ("CFR / acts", facts.references),
    ]
    pairs.extend((when.label, date_text(when)) for when in facts.dates)
    return [(label, value) for label, value in pairs if value]


# -- plain text (console, email text part, `regwatch show`) ----------------------------


def safe(text: str, limit: int) -> str:
    """Terminal-safe: no control characters or escape sequences, one line, bounded."""
    return truncate(" ".join(clean(text).split()), limit)


def text_lines(facts: DocumentFacts, indent: str = "      ") -> list[str]:
    """Two or three terminal-safe lines: who/what, the dates, the abstract."""
    lines = []
    what = [safe(v, 200) for label, v in labelled(facts) if label in ("Type", "Agencies")]
    for label, value in labelled(facts):
        if label in ("Docket", "CFR / acts"):  # "Docket No. X" needs no second label
            what.append(
                safe(value, 200) if value.lower().startswith(label.lower()) else f"{label} {safe(value, 200)}"
            )
    if what:
        lines.append(indent + " · ".join(what))
    dates = [f"{when.label}: {date_text(when)}" for when in facts.dates]
    if dates:
        lines.append(indent + " · ".join(dates))
    if facts.abstract:
        lines.append(f"{indent}Abstract: {safe(facts.abstract, ABSTRACT_SHOWN)}")
    return lines


def dates_line(facts: DocumentFacts) -> str:
    """`Comments close: 2024-02-01 · Effective: 2024-03-01 (from text)`, or ''."""
    return " · ".join(f"{when.label}: {date_text(when)}" for when in facts.dates)


# -- Slack -------------------------------------------------------------------------------


def slack_section(item: Item, facts: DocumentFacts) -> dict:
    """A section: the document's title and abstract as text, its facts as fields."""
    text = f"*{link(item.link, item.title or item.link, limit=200)}*"
    abstract = f"\n>{short(facts.abstract, ABSTRACT_SHOWN)}" if facts.abstract else ""
    if len(text) + len(abstract) <= MAX_SECTION:  # escaping can lengthen it; never cut markup
        text += abstract
    fields = [
        {"type": "mrkdwn", "text": truncate(f"*{label}*\n{short(value, 300)}", MAX_FIELD), "verbatim": True}
        for label, value in labelled(facts)
    ][:MAX_FIELDS]
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
    if fields:
        block["fields"] = fields
    return block


def slack_sections(alert: Alert, room: int, most: int = 5) -> list[dict]:
    """A facts section for each new or changed document that has facts (at most `most`,
    and never more than the `room` left in the message)."""
    if alert.change is None or not alert.facts:
        return []
    items = [*alert.change.added, *(pair.after for pair in alert.change.changed)]
    chosen = [item for item in items if item.key in alert.facts][: max(min(room, most), 0)]
    return [slack_section(item, alert.facts[item.key]) for item in chosen]


def slack_line(facts: DocumentFacts) -> str:
    """One compact mrkdwn line for digests: type and dates."""
    parts = [escape(facts.type)] if facts.type else []
    parts += [f"{when.label} {escape(date_text(when))}" for when in facts.dates]
    return "      " + " · ".join(parts) if parts else ""


# -- HTML (email) ----------------------------------------------------------------------------


def html_block(facts: DocumentFacts) -> str:
    rows = "".join(
        f"<tr><th align=left>{html.escape(label)}</th><td>{html.escape(safe(value, 300))}</td></tr>"
        for label, value in labelled(facts)
    )
    out = f'<table style="font-size:90%">{rows}</table>' if rows else ""
    if facts.abstract:
        out += f"<p><i>{html.escape(safe(facts.abstract, ABSTRACT_SHOWN))}</i></p>"
    return out


# -- data (webhook JSON, CSV export) ---------------------------------------------------------


def as_json(facts: DocumentFacts) -> dict[str, Any]:
    return facts.to_dict()


def csv_columns(facts: DocumentFacts | None) -> dict[str, Any]:
    """The facts as flat columns (one row per document), empty where unknown."""
    facts = facts or DocumentFacts()
    return {
        "type": facts.type,
        "abstract": facts.abstract,
        "agencies": facts.agencies,
        "docket": facts.docket,
        "references": facts.references,
        "comments_close": facts.comment.on if facts.comment else "",
        "comments_close_from_text": bool(facts.comment and facts.comment.from_text),
        "effective": facts.effective.on if facts.effective else "",
        "effective_from_text": bool(facts.effective and facts.effective.from_text),
    }
