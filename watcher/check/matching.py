"""Match the items of two snapshots by identity and tell which ones really changed.

Identity is `sources.links.identity` of the key: a key that is a URL matches across a
scheme move (http -> https), a `www.` alias, a default port and a trailing slash, so keys
stored by older versions keep matching. Content is title, date, summary, the link (by the
same identity) and the item's structured fields, where an absent field and "false" are
the same ("not set"), so a flag first recorded when it flips is a change and an older
snapshot that left false flags out is not. A date stored as a day-first source once read a
year-first datetime (`2024-05-10T09:30` for `2024-10-05T09:30`) is the same date: the
corrected reading is no change to alert (it is stored with the item's next real change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sources.dates import read_day_first_before
from sources.links import identity, legacy_identity
from watcher.model import Item, ItemChange

UNSET = ("", "false")


@dataclass(frozen=True)
class Matched:
    """Items of `current` not in `previous`, those gone, those changed, and cosmetic renames."""

    added: tuple[Item, ...]
    vanished: tuple[Item, ...]
    changed: tuple[ItemChange, ...]
    renamed: tuple[tuple[str, str], ...]


def match_items(
    previous: tuple[Item, ...], current: tuple[Item, ...], known: Mapping[str, str] | None = None
) -> Matched:
    """`known` maps keys to their identity where the extraction already knew it
    (`sources.links.known_identities`): a key found there is not worked out again. A
    changed page's stored keys are mostly its current keys, so most are found there."""
    if known:
        old = {_known_identity(i.key, known): i for i in previous}
        new = {_known_identity(i.key, known): i for i in current}
    else:
        old = {identity(i.key): i for i in previous}
        new = {identity(i.key): i for i in current}
    _match_legacy_keys(old, new)
    added = tuple(i for k, i in new.items() if k not in old)
    vanished = tuple(i for k, i in old.items() if k not in new)
    changed = tuple(ItemChange(old[k], i) for k, i in new.items() if k in old and not same_content(old[k], i))
    renamed = tuple((old[k].key, i.key) for k, i in new.items() if k in old and old[k].key != i.key)
    return Matched(added, vanished, changed, renamed)


def _known_identity(key: str, known: Mapping[str, str]) -> str:
    found = known.get(key)
    return found if found is not None else identity(key)


def same_content(a: Item, b: Item) -> bool:
    if a == b:  # most matched pairs: equal fields are equal content, no field compared twice
        return True
    return (
        a.title == b.title
        and (a.date == b.date or a.date == read_day_first_before(b.date))
        and a.summary == b.summary
        and identity(a.link) == identity(b.link)
        and comparable_fields(a) == comparable_fields(b)
    )


def comparable_fields(item: Item) -> dict[str, str]:
    return {k: v for k, v in item.fields if v not in UNSET}


def _match_legacy_keys(old: dict[str, Item], new: dict[str, Item]) -> None:
    """Let a key stored before `?cid=`/`?ref=`-style parameters were kept match the same
    link now keyed with them (`https://e.gov/doc` stored, `https://e.gov/doc?cid=7` read),
    when exactly one new item and one stored item pair up that way. Re-keys `new` in place."""
    unmatched_old = {k for k in old if k not in new}
    by_legacy: dict[str, list[str]] = {}
    for k, item in new.items():
        if k not in old:
            legacy = legacy_identity(item.key)
            if legacy != k:
                by_legacy.setdefault(legacy, []).append(k)
    for legacy, keys in by_legacy.items():
        if len(keys) == 1 and legacy in unmatched_old:
            new[legacy] = new.pop(keys[0])
