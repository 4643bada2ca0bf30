"""DocumentFacts of an item: from its recorded fields first, else from its own words.

Pure: an Item (with the `fields` its source records, e.g. the Federal Register's `type`,
`agencies`, `docket_ids`, `cfr_references`, `comments_close_on`, `effective_on`, `dates`),
the first lines of its followed text, and its source's regulator and jurisdiction.
A comment deadline or effective date missing from the fields is looked for in the `dates`
paragraph, the summary and the followed text, and marked `from_text`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sources.dates import DAY_FIRST_JURISDICTIONS, parse_date
from sources.docdates import find_dates, may_state_dates
from watcher.model import Change, DocumentDate, DocumentFacts, Item, SourceInfo

ABSTRACT_LIMIT = 600
VALUE_LIMIT = 300

# Field names (as a source records them) per fact, first found wins.
TYPE_FIELDS = ("type", "document_type", "subtype", "category", "field_final_guidance_1")
ABSTRACT_FIELDS = ("abstract", "description")
AGENCY_FIELDS = ("agencies", "agency_names", "agency", "regulator", "field_center")
DOCKET_FIELDS = (
    "docket_ids",
    "docket_id",
    "docket",
    "reference",
    "reference_number",
    "circular_number",
    "field_docket_number",
)
REFERENCE_FIELDS = ("cfr_references", "cfr", "acts", "legal_basis")
COMMENT_FIELDS = (
    "comments_close_on",
    "comment_date",
    "consultation_closes",
    "closing_date",
    "field_comment_closing_date",
)
EFFECTIVE_FIELDS = ("effective_on", "effective_date", "applies_from", "date_of_application")
TEXT_FIELDS = ("dates",)


def first_of(fields: Mapping[str, str], names: Iterable[str]) -> str:
    for name in names:
        value = " ".join((fields.get(name) or "").split())
        if value:
            return value
    return ""


def bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_paragraph(text: str) -> str:
    """The first real paragraph of a followed document (a heading line is skipped)."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if len(line) >= 80:
            return line
    return lines[0] if lines else ""


def structured_day(value: str) -> str | None:
    parsed = parse_date(value) if value else None
    return parsed[:10] if parsed else None


def is_plain(item: Item, text: str = "") -> bool:
    """A plain news item: no recorded fields, and no words that may state a date (its facts
    are empty)."""
    return not item.fields and not may_state_dates(item.summary) and not may_state_dates(text)


def facts_for(item: Item, source: SourceInfo, text: str = "") -> DocumentFacts:
    """The facts of one document; empty values where unknown.

    Facts exist only when something is known beyond a plain feed entry (a type, a docket,
    references, a date, or an abstract field); otherwise the result is empty, and alerts
    look as they did (a feed item's summary and source are shown elsewhere already).
    """
    if is_plain(item, text):
        return DocumentFacts()  # the common case of a plain news item, decided cheaply
    fields = dict(item.fields)
    abstract = first_of(fields, ABSTRACT_FIELDS) or " ".join(item.summary.split()) or first_paragraph(text)
    dates: dict[str, DocumentDate] = {}
    for kind, names in (("comment", COMMENT_FIELDS), ("effective", EFFECTIVE_FIELDS)):
        day = structured_day(first_of(fields, names))
        if day:
            dates[kind] = DocumentDate(kind, day)  # type: ignore[arg-type]
    if len(dates) < 2:
        dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
        words = "\n".join(p for p in (first_of(fields, TEXT_FIELDS), item.summary, text) if p)
        for found in find_dates(words, dayfirst=dayfirst):
            dates.setdefault(found.kind, DocumentDate(found.kind, found.on.isoformat(), from_text=True))
    specific = any(
        first_of(fields, names) for names in (TYPE_FIELDS, ABSTRACT_FIELDS, DOCKET_FIELDS, REFERENCE_FIELDS)
    )
    if not (specific or dates):
        return DocumentFacts()
    return DocumentFacts(
        type=bounded(first_of(fields, TYPE_FIELDS), 80),
        abstract=bounded(abstract, ABSTRACT_LIMIT),
        agencies=bounded(first_of(fields, AGENCY_FIELDS) or source.regulator, VALUE_LIMIT),
        docket=bounded(first_of(fields, DOCKET_FIELDS), VALUE_LIMIT),
        references=bounded(first_of(fields, REFERENCE_FIELDS), VALUE_LIMIT),
        comment=dates.get("comment"),
        effective=dates.get("effective"),
    )


def facts_of_change(
    change: Change, source: SourceInfo, documents: Mapping[str, str]
) -> dict[str, DocumentFacts]:
    """Facts of the new and changed documents of a change, by item key (empty ones left out)."""
    items = [*change.added, *(pair.after for pair in change.changed)]
    facts = {}
    for item in items:
        found = facts_for(item, source, documents.get(item.key, ""))
        if not found.is_empty:
            facts[item.key] = found
    return facts


def facts_of_record(item: Mapping[str, Any], source: SourceInfo, text: str = "") -> DocumentFacts:
    """Facts of a stored item as history reads it (a dict; `fields` a dict or JSON text)."""
    fields = item.get("fields") or {}
    if isinstance(fields, str):
        fields = json.loads(fields or "{}")
    return facts_for(
        Item(
            key=item.get("key", ""),
            title=item.get("title") or "",
            link=item.get("link") or "",
            summary=item.get("summary") or "",
            fields=tuple(sorted((str(k), str(v)) for k, v in fields.items())),
        ),
        source,
        text,
    )


def change_facts(record: Mapping[str, Any]) -> dict[str, DocumentFacts]:
    """Facts of the new and changed documents of a change record (watcher/history/queries)."""
    source = SourceInfo(
        id=record.get("source_id") or "",
        name=record.get("source_name") or "",
        url=record.get("url") or "",
        jurisdiction=record.get("jurisdiction") or "",
        regulator=record.get("regulator") or "",
    )
    items = [*record.get("added", ()), *(pair["after"] for pair in record.get("changed", ()))]
    facts = {}
    for item in items:
        found = facts_of_record(item, source)
        if not found.is_empty:
            facts[item.get("key", "")] = found
    return facts
