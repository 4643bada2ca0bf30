"""Document dates worked out in the extraction worker and carried back on each item.

The store writes a row per date of each listed document (watcher/db/docdates.py); the
dates come from `facts_for` (watcher/dates/facts.py), about 0.2 ms per page in the main
process, where the event loop's thread limits the first and the changed passes (issue 18).
A worker that extracts a page works them out beside the snapshot (`attach_dates`) and
keeps them in each item's `__dict__` (not a field: equality, hashing, `to_dict` and
`dataclasses.replace` ignore it, and a replaced item works its own out again), so they
travel with the items when pickled back and follow them through pagination and the diff.

What travels is only what a `document_dates` row needs, as plain tuples: the document's
type and abstract and its dates as (kind, day, from_text), or one shared empty value for
the many items without a date. Keyed by the jurisdiction they were read under (it decides
day-first dates): an item looked up under another jurisdiction, or with a followed
document's text, has its dates worked out again, as before (`dates_of`).
"""

from __future__ import annotations

from watcher.dates.facts import facts_for, is_plain
from watcher.model import Item, Snapshot, Source, SourceInfo

#: (kind, ISO day, from_text) of one date.
DateRow = tuple[str, str, bool]
#: (type, abstract, dates) of one document: what its `document_dates` rows hold.
Dated = tuple[str, str, tuple[DateRow, ...]]

_KEY = "_dates"
#: The value of the many items without a date: one object, so a pickle refers to it.
NO_DATES: Dated = ("", "", ())


def work_out(item: Item, source: Source | SourceInfo, text: str = "") -> Dated:
    """The item's type, abstract and dates, as `facts_for` gives them."""
    if is_plain(item, text):
        return NO_DATES  # most items, decided without building their (empty) facts
    facts = facts_for(item, source_info(source), text)
    dates = facts.dates
    if not dates:
        return NO_DATES
    return facts.type, facts.abstract, tuple((d.kind, d.on, d.from_text) for d in dates)


def attach_dates(snapshot: Snapshot, source: Source) -> None:
    """In a worker: work out each item's dates and keep them on the item. An item whose
    dates cannot be worked out is left without (the store tries again, and fails as before)."""
    jurisdiction = source.jurisdiction
    info = source_info(source)
    undated = (jurisdiction, NO_DATES)  # one object for all of them: the pickle refers to it
    for item in snapshot.items:
        try:
            summary = item.summary
            # A year starts with "1" or "2" (`may_state_dates`): an item without fields whose
            # summary (a str) has neither is plain, told here by two scans in C instead of
            # three calls (`is_plain`, `may_state_dates` twice): ~0.25 µs an item, 50 a page.
            if type(summary) is str and "1" not in summary and "2" not in summary and not item.fields:
                item.__dict__[_KEY] = undated
                continue
            # Other plain items decided before the calls through `work_out`.
            dated = NO_DATES if is_plain(item) else work_out(item, info)
        except Exception:  # the store's own attempt reports it, in the check it belongs to
            continue
        item.__dict__[_KEY] = undated if dated is NO_DATES else (jurisdiction, dated)


def dates_of(item: Item, source: Source | SourceInfo, text: str = "") -> Dated:
    """The item's dates: those carried from the worker when they apply (no followed text,
    the same jurisdiction), else worked out now."""
    if not text:
        carried = item.__dict__.get(_KEY)
        if carried is not None and carried[0] == source.jurisdiction:
            dated: Dated = carried[1]
            return dated
    return work_out(item, source, text)


def source_info(source: Source | SourceInfo) -> SourceInfo:
    """What a document's facts read of its source (a configured `Source` or its `SourceInfo`)."""
    if isinstance(source, SourceInfo):
        return source
    return SourceInfo(
        id=source.id,
        name=source.name,
        url=source.url,
        jurisdiction=source.jurisdiction,
        regulator=source.regulator,
    )
