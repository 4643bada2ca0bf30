"""Render an Alert as a Slack Block Kit message: a pure function, `Alert -> SlackMessage`.

Layout of a change alert:

    header   "HHS OCR HIPAA newsroom: 2 new, 1 updated"              (plain_text, ≤150)
    section  1 new Proposed Rule (comments close 7 March 2025); …   (alerts/headline.py)
    context  US · HHS · `hipaa` `privacy` · detected <date> · <source page>
    section  *New (2)*  • <link|title> · 2024-10-20
                          > first lines of the followed document
                          ↳ Related: <link|article> (EDPB news)
    section  *Updated (1)* …  *Removed (1)* …
    section  *Page text changed*  ✎ …context ~old words~ *new words* context… (+312 chars)
    section  …and 480 more new documents
    context  <public_url/changes/12|Full change #12>     (only with [service] public_url)

Slack's limits are enforced (alerts/slack_blocks.py), not hoped for: at most 50 blocks, 3000 characters per
section text, 150 per header, 10 context elements; anything longer is cut with "…and N
more" and a pointer to `regwatch show ID`. All page text goes through `alerts.mrkdwn`
(escaped, `verbatim: true`), so it can never mention anyone or disguise a link. The
header block's `block_id` is the alert's idempotency key (reconcile looks for it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from alerts import changesummary, quiet, reminders, summary
from alerts.excerpt import diff_excerpts, field_excerpt
from alerts.excerpt_render import to_mrkdwn
from alerts.facts import slack_line, slack_sections
from alerts.fieldchanges import evidence_for, field_changes, seen_by_line
from alerts.headline import headline_of
from alerts.mrkdwn import clean, code, escape, host_of, link, short, truncate
from alerts.slack_actions import add_controls, notice_message
from alerts.slack_blocks import (  # noqa: F401  (MAX_BLOCKS/HEADER/SECTION: public limits of the renderer)
    DIFF_LINES,
    DIGEST_ITEMS,
    ITEMS_SHOWN,
    LINE_BUDGET,
    LINE_CONTEXT,
    MAX_BLOCK_ID,
    MAX_BLOCKS,
    MAX_HEADER,
    MAX_SECTION,
    Blocks,
    SlackMessage,
    context,
    fallback,
    item_date,
    plain,
    section,
    slack_date,
)
from watcher.model import Alert, Change, Item, RelatedLink

# -- pieces ---------------------------------------------------------------------------


def change_phrase(change: Change) -> str:
    parts = []
    if change.added:
        parts.append(f"{len(change.added)} new")
    if change.changed:
        parts.append(f"{len(change.changed)} updated")
    if change.removed:
        parts.append(f"{len(change.removed)} removed")
    if change.diff:
        parts.append("page text changed")
    return ", ".join(parts) or "changed"


def item_line(item: Item, source_host: str, bullet: str = "•") -> str:
    line = f"{bullet} {link(item.link, item.title or item.link, limit=200)}"
    if item.date:
        line += f" · {item_date(item.date)}"
    host = host_of(item.link)
    if host and source_host and host != source_host and not host.endswith("." + source_host):
        line += f" ({escape(host)})"  # a link leaving the regulator's site says where it goes
    return line


def document_lines(text: str | None) -> list[str]:
    lines = [" ".join(clean(line).split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line][:3]
    return [f">{escape(truncate(line, 300))}" for line in lines]


def related_line(related: RelatedLink) -> str:
    where = short(related.source_name or related.source_id, 60)
    date = f", {short(related.date, 20)}" if related.date else ""
    why = f" — {short(related.reason, 120)}" if related.reason else ""
    return f"      ↳ Related: {link(related.link, related.title, limit=200)} ({where}{date}){why}"


def item_chunks(alert: Alert, items: Iterable[Item], source_host: str) -> list[str]:
    """One chunk per item: its line, its document's first lines, up to 3 related articles."""
    chunks = []
    for item in items:
        lines = [item_line(item, source_host)]
        lines.extend(document_lines(alert.documents.get(item.key)))
        lines.extend(related_line(r) for r in alert.related.get(item.key, ())[:3])
        chunks.append("\n".join(lines))
    return chunks


def diff_lines(diff: Sequence[str], limit: int = DIFF_LINES) -> tuple[list[str], int]:
    """The changed lines as word-diff excerpts (`✎ …context ~old~ *new* context…`), and how
    many changed lines are left out. A line's budget is counted before escaping, which at
    most quintuples it (`&` → `&amp;`), so every line fits one section."""
    excerpts = diff_excerpts(diff, budget=LINE_BUDGET, context=LINE_CONTEXT, limit=limit)
    shown = sum(2 if e.kind == "edit" else 1 for e in excerpts)
    total = sum(1 for line in diff if line[:1] in "+-")
    return [to_mrkdwn(e) for e in excerpts], max(total - shown, 0)


def source_context(alert: Alert, detected: datetime | None) -> dict:
    source = alert.source
    bits = []
    if source.jurisdiction:
        bits.append(f"*{short(source.jurisdiction, 20)}*")
    if source.regulator:
        bits.append(short(source.regulator, 60))
    if source.tags:
        bits.append(" ".join(code(t, 40) for t in source.tags[:8]))
    if detected is not None:
        bits.append(f"detected {slack_date(detected)}")
    if source.url:
        bits.append(link(source.url, "source page"))
    return context(" · ".join(bits) or short(source.id, 80))


# -- messages -------------------------------------------------------------------------


def render_message(alert: Alert, *, controls: bool = False, public_url: str = "") -> SlackMessage:
    """The Block Kit message for one alert (a change, a health event, or a digest);
    `controls` adds the workflow buttons and state line (alerts/slack_actions.py);
    `public_url` links a change to its read-only page there (else no "Full change" line)."""
    if alert.notice:  # a reminder or a snooze return, in the alert's thread
        blocks, text = notice_message(alert)
        return with_key(SlackMessage(tuple(blocks), fallback(text)), alert.key)
    if alert.batch:
        message = render_digest(alert)
    elif alert.reminder is not None:  # a coming document date (alerts/reminders.py)
        message = SlackMessage(*reminders.slack_blocks(alert))
    elif alert.summary is not None:  # the weekly summary (alerts/summary.py)
        message = SlackMessage(*summary.slack_blocks(alert))
    elif quiet.is_quiet_notice(alert):  # a source silent far longer than usual (alerts/quiet.py)
        message = SlackMessage(*quiet.slack_blocks(alert))
    elif alert.health is not None:
        message = render_health(alert)
    else:
        message = render_change(alert, public_url)
    if controls:
        message = SlackMessage(tuple(add_controls(message.blocks, alert)), message.text)
    return with_key(message, alert.key)


def with_key(message: SlackMessage, key: str) -> SlackMessage:
    blocks = list(message.blocks)
    if blocks and len(key) <= MAX_BLOCK_ID:
        blocks[0] = {**blocks[0], "block_id": key}
    return SlackMessage(tuple(blocks), message.text)


def render_change(alert: Alert, public_url: str = "") -> SlackMessage:
    change = alert.change
    name = alert.source.name or alert.source.id
    if change is None:
        return SlackMessage((section(escape(name)),), fallback(escape(name)))
    phrase = change_phrase(change)
    lead = headline_of(change, alert.facts)  # what changed, in one line (alerts/headline.py)
    out = Blocks()
    out.add({"type": "header", "text": plain(f"{clean(name)}: {phrase}")})
    if lead:
        out.add(section(short(lead, 600)))
    out.add(source_context(alert, change.detected_at))
    if alert.change_summary is not None:  # the model's summary, escaped, marked machine-written
        out.add(section(changesummary.mrkdwn(alert.change_summary)))
    source_host = host_of(alert.source.url)
    hidden: list[str] = []
    for label, items in (("New", change.added), ("Removed", change.removed)):
        if not items:
            continue
        shown = items[:ITEMS_SHOWN]
        chunks = [f"*{label} ({len(items)})*", *item_chunks(alert, shown, source_host)]
        if label == "Removed":
            chunks[1:] = [
                f"{chunk}\n      _{short(evidence_for(change, item), 200)}_"
                if evidence_for(change, item)
                else chunk
                for chunk, item in zip(chunks[1:], shown, strict=True)
            ]
        placed = max(out.add_chunks(chunks) - 1, 0)
        if len(items) > placed:
            hidden.append(f"{len(items) - placed} more {label.lower()} item(s)")
    for block in slack_sections(alert, out.room - 3):  # document facts (type, dates…)
        out.add(block)
    if change.changed:
        chunks = [f"*Updated ({len(change.changed)})*"]
        for pair in change.changed[:ITEMS_SHOWN]:
            line = item_line(pair.after, source_host)
            if pair.before.title != pair.after.title:
                line += f" (was: {short(pair.before.title, 200)})"
            line += "".join(
                f"\n      {short(fc.text(), 300)}" for fc in field_changes(pair.before, pair.after)
            )
            if pair.before.summary and pair.after.summary and pair.before.summary != pair.after.summary:
                summary = field_excerpt(pair.before.summary, pair.after.summary, budget=400, context=80)
                line += "\n      " + to_mrkdwn(summary)
            chunks.append(line)
        placed = max(out.add_chunks(chunks) - 1, 0)
        if len(change.changed) > placed:
            hidden.append(f"{len(change.changed) - placed} more updated")
    if change.also_seen_by:
        out.add(section(short(seen_by_line(change), 1000)))
    if change.diff:
        lines, more = diff_lines(change.diff)
        placed = out.add_chunks(["*Page text changed*", *lines]) - 1
        if placed >= 0:
            more += len(lines) - placed
            if more > 0:
                hidden.append(f"{more} more changed line(s)")
            page_related = alert.related.get("", ())[:3]
            if page_related:
                out.add_chunks([related_line(r).strip() for r in page_related])
        else:
            hidden.append("the page text diff")
    closing = []
    if hidden:
        note = f"…and {', '.join(hidden)}"
        closing.append(f"{note}: `regwatch show {change.id}`" if change.id is not None else note)
    out.reserve = 0
    if closing:
        out.add(section(" ".join(closing)))
    if public_url and change.id is not None:  # a page a Slack reader can open, not a shell command
        out.add(context(link(f"{public_url.rstrip('/')}/changes/{change.id}", f"Full change #{change.id}")))
    first = change.added[0].title if change.added else ""
    return SlackMessage(
        tuple(out.blocks),
        fallback(f"{escape(name)}: {short(lead, 600) or phrase}", short(first, 200) if first else ""),
    )


def render_health(alert: Alert) -> SlackMessage:
    event = alert.health
    assert event is not None
    name = alert.source.name or alert.source.id
    broken = event.state == "broken"
    title = f"{'⚠️ Source broken' if broken else '✅ Source recovered'}: {clean(name)}"
    out = Blocks()
    out.add({"type": "header", "text": plain(title)})
    out.add(source_context(alert, None))
    lines = []
    if broken:
        lines.append(f"*Why:* {code(event.reason, 500)}")
        if event.failures:
            lines.append(f"*Consecutive failed checks:* {event.failures}")
        if event.since is not None:
            lines.append(f"*Failing since:* {slack_date(event.since)}")
        lines.append("No changes can be detected until it works again. Check with `regwatch sources`.")
    else:
        lines.append(f"{escape(name)} works again; changes are detected again.")
        if event.since is not None:
            lines.append(f"*Recovered at:* {slack_date(event.since)}")
    out.add(section("\n".join(lines)))
    text = f"{'Source broken' if broken else 'Source recovered'}: {escape(name)}"
    if broken:
        text += f" ({short(event.reason, 200)})"
    return SlackMessage(tuple(out.blocks), fallback(text))


def digest_member_lines(member: Alert) -> list[str]:
    name = member.source.name or member.source.id
    title = link(member.source.url, name, limit=150) if member.source.url else short(name, 150)
    if member.health is not None:
        state = {"broken": "⚠️ broken", "recovered": "✅ recovered"}.get(member.health.state) or quiet.TITLES[
            member.health.state
        ].lower()
        return [f"*{title}* — source {state}: {code(member.health.reason, 200)}"]
    change = member.change
    if change is None:
        return [f"*{title}*"]
    lines = [f"*{title}* — {short(headline_of(change, member.facts), 600) or change_phrase(change)}"]
    if member.change_summary is not None:
        lines.append(changesummary.mrkdwn(member.change_summary))
    host = host_of(member.source.url)
    items = list(change.added) + [p.after for p in change.changed]
    for item in items[:DIGEST_ITEMS]:
        lines.append(item_line(item, host))
        if item.key in member.facts and slack_line(member.facts[item.key]):
            lines.append(slack_line(member.facts[item.key]))
    more = len(items) - DIGEST_ITEMS
    tail = f"…and {more} more · " if more > 0 else ""
    if change.id is not None:
        lines.append(f"{tail}`regwatch show {change.id}`")
    elif tail:
        lines.append(tail.rstrip(" ·"))
    return lines


def render_digest(alert: Alert) -> SlackMessage:
    members = alert.batch
    changes = [m for m in members if m.change is not None]
    sources = {m.source.id for m in members}
    out = Blocks()
    out.add(
        {
            "type": "header",
            "text": plain(f"regwatch digest: {len(changes)} change(s) in {len(sources)} source(s)"),
        }
    )
    times = [m.change.detected_at for m in changes if m.change and m.change.detected_at]
    span = f"{slack_date(min(times))} – {slack_date(max(times))}" if times else ""
    out.add(context(span or "regwatch digest"))
    placed = out.add_chunks(["\n".join(digest_member_lines(m)) for m in members])
    out.reserve = 0
    if placed < len(members):
        out.add(section(f"…and {len(members) - placed} more: see `regwatch history`"))
    out.add(context("One message for this period's changes (digest). Full changes: `regwatch show ID`."))
    names = sorted({escape(m.source.name or m.source.id) for m in members})
    return SlackMessage(
        tuple(out.blocks),
        fallback(f"regwatch digest: {len(changes)} change(s)", ", ".join(names)),
    )
