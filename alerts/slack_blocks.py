"""Block Kit's building blocks and Slack's limits, enforced rather than hoped for: at most
50 blocks, 3000 characters per section text, 150 per header, 10 context elements. Pieces of
mrkdwn go through `alerts.mrkdwn` (escaped) before they reach a block.

Used by `alerts.slack_render` (change, health and digest messages) and its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.mrkdwn import clean, escape, short, truncate

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK = 1000
MAX_BLOCK_ID = 255

SECTION_BUDGET = MAX_SECTION - 100  # room for a "…and N more" line
ITEMS_SHOWN = 25  # per list (new, updated, removed)
DIFF_LINES = 20
LINE_BUDGET = 500  # characters of one changed line (changed words first, then context)
LINE_CONTEXT = 100  # unchanged characters kept on each side of a change
DIGEST_ITEMS = 5
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class SlackMessage:
    """What `chat.postMessage` needs: Block Kit blocks and the notification/fallback text."""

    blocks: tuple[dict, ...]
    text: str


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = MAX_HEADER) -> dict:
    """A plain_text object. Slack shows it unparsed, but it is escaped all the same (Slack
    decodes the three entities), so no raw `<!here>` from a page is ever sent anywhere."""
    words = " ".join(clean(text).split())
    escaped = escape(words)
    while len(escaped) > limit:  # cut the text, not an entity
        words = truncate(words, max(len(words) - (len(escaped) - limit) - 1, 1))
        escaped = escape(words)
    return {"type": "plain_text", "text": escaped or "-", "emoji": False}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(truncate(text, MAX_SECTION))}


def context(*texts: str) -> dict:
    elements = [mrkdwn(truncate(t, 2000)) for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [mrkdwn("regwatch")]}


def slack_date(moment: datetime | None) -> str:
    """Slack shows this in the reader's time zone; the fallback is UTC."""
    if moment is None:
        return ""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def item_date(text: str) -> str:
    """An item's date: an instant (ISO with its offset) as `<!date>`, shown in the reader's
    zone with the ISO text as fallback; a date, or a time without a zone, as written."""
    moment = instant(text)
    if moment is None:
        return short(text, 40)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{escape(text)}>"


def instant(text: str) -> datetime | None:
    """The moment an ISO 8601 date-time with an offset (`2019-05-03T19:21:28+00:00`) names."""
    if not ISO_INSTANT.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class Blocks:
    """Collects blocks within Slack's limits, keeping room for the closing ones."""

    def __init__(self, reserve: int = 2) -> None:
        self.blocks: list[dict] = []
        self.reserve = reserve

    @property
    def room(self) -> int:
        return MAX_BLOCKS - self.reserve - len(self.blocks)

    def add(self, block: dict) -> bool:
        if self.room <= 0:
            return False
        self.blocks.append(block)
        return True

    def add_chunks(self, chunks: Sequence[str]) -> int:
        """Pack chunks (an item with its quote and related lines) into as few sections as
        fit, never splitting one; returns how many chunks made it."""
        current: list[str] = []
        size = 0
        placed = 0
        for chunk in chunks:
            if len(chunk) > SECTION_BUDGET:
                chunk = fit_chunk(chunk)
            if current and size + len(chunk) + 1 > SECTION_BUDGET:
                if not self.add(section("\n".join(current))):
                    return placed
                placed += len(current)
                current, size = [], 0
            current.append(chunk)
            size += len(chunk) + 1
        if current and self.add(section("\n".join(current))):
            placed += len(current)
        return placed


def fit_chunk(chunk: str) -> str:
    """Drop trailing lines of an over-long chunk (never cut inside markup)."""
    lines = chunk.split("\n")
    while len(lines) > 1 and len("\n".join(lines)) > SECTION_BUDGET:
        lines.pop()
    text = "\n".join(lines)
    return text if len(text) <= SECTION_BUDGET else "(an entry too long to show here)"


def fallback(*parts: str) -> str:
    return truncate(" — ".join(p for p in parts if p), MAX_FALLBACK) or "regwatch alert"
