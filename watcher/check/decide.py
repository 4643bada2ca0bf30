"""What one check means, decided from values alone: baseline, unchanged, pending, changed or rebaseline.

No I/O here: the pipeline (watcher/check/pipeline.py) reads the source's stored state and
the previous snapshot, fetches and extracts, then asks `decide` and records the answer.

- `Baseline`   the first version of a source: stored, nobody alerted.
- `Unchanged`  the content means the same as the stored version.
- `Pending`    a new version, seen fewer than `confirm` times in a row: not yet counted.
- `Changed`    a new version that differs meaningfully: stored and alerted (a change of
               only items that aged out of a window is stored, not alerted).
- `Rekeyed`    a new version that differs only in the form of some keys (http -> https):
               stored as the new reference, items re-keyed, nobody alerted.
- `Rebaseline` the source's extraction settings changed (`select`, `ignore`, the URL...):
               the new version becomes the baseline and nobody is alerted, because a
               config edit is not the regulator's change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from watcher.check.diff import diff
from watcher.db.values import SourceState
from watcher.model import Change, FetchResult, Snapshot, Source


@dataclass(frozen=True)
class Baseline:
    """The first version of a source."""


@dataclass(frozen=True)
class Unchanged:
    """Nothing meaningful changed. `clear_pending`: the stored version is back, so a
    change awaiting confirmation is forgotten (False when the versions differ only in
    what the diff ignores)."""

    clear_pending: bool = True


@dataclass(frozen=True)
class Pending:
    """A new version seen `count` times in a row, fewer than the source's `confirm`."""

    count: int


@dataclass(frozen=True)
class Changed:
    """A confirmed new version and what changed."""

    change: Change


@dataclass(frozen=True)
class Rekeyed:
    """Only the form of some item keys changed (`change.renamed`): a new reference, no alert."""

    change: Change


@dataclass(frozen=True)
class Rebaseline:
    """The config that shapes the snapshot changed: the new version is the new baseline."""


Decision = Baseline | Unchanged | Pending | Changed | Rekeyed | Rebaseline


def is_same_shape(state: SourceState, config_hash: str) -> bool:
    """Is the stored version comparable byte for byte (same config, nothing awaiting confirmation)?"""
    return state.latest is not None and state.config_hash == config_hash and not state.pending


def must_read(state: SourceState, fetched: FetchResult, config_hash: str) -> bool:
    """False when the fetch alone proves nothing changed: a 304 for a stored version, or
    the same bytes under the same config (parsing them again cannot give another snapshot)."""
    if fetched.not_modified:
        return state.latest is None
    return not (is_same_shape(state, config_hash) and fetched.body_hash == state.body_hash)


def decide(
    state: SourceState,
    fetched: FetchResult,
    snapshot: Snapshot,
    source: Source,
    *,
    config_hash: str,
    previous: Snapshot | None = None,
    removals: str = "alert",
) -> Decision:
    """The meaning of `snapshot` (read from `fetched`) against what is stored for `source`.

    `previous` is the stored snapshot `state.latest` names (None when there is none, or
    it was not needed: then a missing stored version diffs against an empty one).
    `removals` says what an item that left the list means (watcher/check/window.py).
    """
    if state.latest is None:
        return Baseline()
    fingerprint = snapshot.fingerprint
    if fingerprint == state.latest:
        return Unchanged()
    if state.config_hash is not None and state.config_hash != config_hash:
        return Rebaseline()
    if source.confirm > 1:
        count = state.pending_count + 1 if state.pending == fingerprint else 1
        if count < source.confirm:
            return Pending(count)
    change = diff(source.id, previous or Snapshot(), snapshot, removals=removals)
    if change is None:
        return Unchanged(clear_pending=False)
    if change.is_empty and not change.aged_out:
        return Rekeyed(change)
    return Changed(change)


def source_config_hash(source: Source) -> str:
    """A hash of everything that shapes a source's snapshot, so a config edit forces a re-parse."""
    shape = repr((source.url, source.kind, source.options, source.ignore, source.render))
    return hashlib.sha256(shape.encode()).hexdigest()[:16]
