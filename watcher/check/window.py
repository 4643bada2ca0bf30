"""Tell items that aged out of a window of newest items from items the regulator removed.

Feeds, JSON APIs and paginated listings show the newest N documents: when one arrives,
the oldest drops out. That is not a withdrawal. An item that left the list is *aged out*
when it was older than every item still listed (by date; by position when dates are
missing or equal, later in the list meaning older), or when the list did not shrink and
it sat at the list's old end (its tail, whatever the dates: feeds are not always
sorted). Anything else vanished from inside the window and is *removed*, with evidence
("no longer listed; 12 newer and 7 older items still are").

The policy (`removals` key of a source, else its kind's default):
  "window"  aged-out items are recorded, removals alerted;
  "alert"   every item that left is a removal;
  "ignore"  nothing that left is alerted (all recorded as aged out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sources.links import identity
from watcher.model import Item

Policy = Literal["alert", "ignore", "window"]
POLICIES: tuple[str, ...] = ("alert", "ignore", "window")


@dataclass(frozen=True)
class Vanished:
    removed: tuple[Item, ...] = ()
    aged_out: tuple[Item, ...] = ()
    #: (key of a removed item, the evidence shown with it)
    evidence: tuple[tuple[str, str], ...] = ()


def classify(
    previous: tuple[Item, ...],
    current: tuple[Item, ...],
    vanished: tuple[Item, ...],
    policy: str,
    known: Mapping[str, str] | None = None,
) -> Vanished:
    """Split `vanished` (items of `previous` not in `current`) by `policy`. `known` maps keys
    to their identity where the extraction knew it (`sources.links.known_identities`)."""
    if not vanished:
        return Vanished()
    if policy == "ignore":
        return Vanished(aged_out=vanished)
    ids = _identities((*previous, *vanished), known or {})
    position = {ids[item.key]: index for index, item in enumerate(previous)}
    gone = {ids[item.key] for item in vanished}
    still = [item for item in previous if ids[item.key] not in gone]
    removed: list[Item] = []
    aged: list[Item] = []
    evidence: list[tuple[str, str]] = []
    for item in vanished:
        if policy == "window" and _aged_out(item, still, position, ids, grew=len(current) >= len(previous)):
            aged.append(item)
            continue
        removed.append(item)
        newer = sum(1 for other in still if _older(item, other, position, ids))
        older = len(still) - newer
        evidence.append((item.key, f"no longer listed; {newer} newer and {older} older items still are"))
    return Vanished(tuple(removed), tuple(aged), tuple(evidence))


def _identities(items: tuple[Item, ...], known: Mapping[str, str]) -> dict[str, str]:
    """The identity of each item's key, by key: looked up in `known`, else worked out."""
    ids: dict[str, str] = {}
    for item in items:
        key = item.key
        if key not in ids:
            found = known.get(key)
            ids[key] = found if found is not None else identity(key)
    return ids


def _aged_out(
    item: Item, still: list[Item], position: dict[str, int], ids: dict[str, str], *, grew: bool
) -> bool:
    if not still:
        return False  # an emptied list is not a window scrolling on
    if item.date and all(other.date and item.date < other.date for other in still):
        return True
    # A full window scrolls from its old end, whatever the dates say (an editorial feed
    # is not sorted by date): the tail leaving while the list kept its size is ageing.
    here = position[ids[item.key]]
    return grew and all(position[ids[other.key]] < here for other in still)


def _older(item: Item, other: Item, position: dict[str, int], ids: dict[str, str]) -> bool:
    """True when `item` is older than `other` (by date, then by place in the list)."""
    if item.date and other.date and item.date != other.date:
        return item.date < other.date
    return position[ids[item.key]] > position[ids[other.key]]
