"""Excerpts of changed text: each change with a little context, within a character budget.

A pure, channel-neutral step between the diff and the renderers. `diff_excerpts` turns a
change's unified line diff into `Excerpt`s: an edited line (a removed and an added line
that are edits of each other, see `alerts.worddiff.pair_lines`) becomes one word diff; an
unpaired line is shown as added or removed. `field_excerpt` does the same for one long
field (an item's summary). Each channel then marks deletions and insertions its own way
(`alerts.excerpt_render`).

The budget is spent on the changed words first: unchanged context is shortened (to
`context` characters on each side of a change, snapped to word boundaries, then less) and
replaced by gaps; only when the changed words alone exceed the budget is a change itself
cut, keeping its start. Whatever is left out is counted (`Excerpt.hidden`, `Piece.more`),
so a reader is told how much more there is and never sees a line cut before its change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from alerts.worddiff import TIMEOUT, Segment, pair_lines, word_diff

PieceOp = Literal["same", "del", "ins", "gap"]
Kind = Literal["edit", "added", "removed"]

MIN_CHANGE = 40  # a change is never cut below this many characters
MIN_GAP = 20  # unchanged characters worth replacing by "…"
MAX_LINES = 200  # changed lines of one diff considered at all
TIME_BUDGET = 1.0  # seconds of word-diff refinement for one diff, all lines together


@dataclass(frozen=True)
class Piece:
    """Shown text. `gap` stands for `more` unchanged characters left out; a cut `del`/`ins`
    piece shows its start and counts the rest in `more`."""

    op: PieceOp
    text: str = ""
    more: int = 0


@dataclass(frozen=True)
class Excerpt:
    """One changed line (or field) as pieces to render, and how much of it is not shown."""

    kind: Kind
    pieces: tuple[Piece, ...]

    @property
    def hidden(self) -> int:
        """Characters of the line not shown (context left out and cut changes)."""
        return sum(p.more for p in self.pieces)

    @property
    def changed(self) -> bool:
        return any(p.op in ("del", "ins") for p in self.pieces)


def diff_excerpts(
    diff: Sequence[str], *, budget: int, context: int, limit: int = MAX_LINES, seconds: float = TIME_BUDGET
) -> list[Excerpt]:
    """Excerpts of the changed lines of a unified diff (`+`/`-` lines; context lines skipped),
    at most `limit` of them. Word diffs share `seconds` of refinement; once it is spent,
    the remaining edits are shown by their common prefix and suffix (linear)."""
    deadline = time.monotonic() + seconds
    out: list[Excerpt] = []
    removed: list[str] = []
    added: list[str] = []
    seen = 0

    def flush() -> None:
        for i, j in pair_lines(removed, added):
            if i is not None and j is not None:
                left = min(deadline - time.monotonic(), TIMEOUT)
                segments = word_diff(removed[i], added[j], timeout=left)
                out.append(fit(segments, budget=budget, context=context))
            elif i is not None:
                out.append(whole_excerpt("removed", removed[i], budget))
            elif j is not None:
                out.append(whole_excerpt("added", added[j], budget))
        removed.clear()
        added.clear()

    for line in diff:
        marker, text = line[:1], line[1:]
        if len(out) >= limit:
            break
        if marker in "+-" and line and seen < MAX_LINES:
            seen += 1
            if marker == "-" and added:
                flush()
            (removed if marker == "-" else added).append(text)
        else:
            flush()
    flush()
    return out[:limit]


def field_excerpt(old: str, new: str, *, budget: int, context: int) -> Excerpt:
    """The word diff of one field's two values (an item summary), as an excerpt."""
    return edit_excerpt(" ".join(old.split()), " ".join(new.split()), budget=budget, context=context)


def edit_excerpt(old: str, new: str, *, budget: int, context: int) -> Excerpt:
    return fit(word_diff(old, new), budget=budget, context=context)


def whole_excerpt(kind: Kind, line: str, budget: int) -> Excerpt:
    op: PieceOp = "ins" if kind == "added" else "del"
    shown = cut_words(line, max(budget, MIN_CHANGE))
    return Excerpt(kind, (Piece(op, shown, len(line) - len(shown)),))


def fit(segments: Sequence[Segment], *, budget: int, context: int) -> Excerpt:
    """The excerpt of a word diff that fits `budget` characters, changes first."""
    width = max(context, 0)
    while True:
        pieces = with_context(segments, width)
        if size(pieces) <= budget or width == 0:
            break
        width = width // 2 if width > 8 else 0
    if size(pieces) > budget:
        pieces = cut_changes(pieces, budget)
    return Excerpt("edit", tuple(pieces))


def size(pieces: Sequence[Piece]) -> int:
    return sum(len(p.text) + (1 if p.op == "gap" else 0) for p in pieces)


def with_context(segments: Sequence[Segment], width: int) -> list[Piece]:
    """Changes whole; each unchanged run cut to `width` characters next to its changes."""
    pieces: list[Piece] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment.op != "same":
            pieces.append(Piece(segment.op, segment.text))
            continue
        text = segment.text
        lead = index > 0  # a change before this run: keep its start
        trail = index < last  # a change after: keep its end
        head = cut_words(text, width) if lead else ""
        tail = cut_words_end(text, width) if trail else ""
        if len(head) + len(tail) + MIN_GAP >= len(text):
            pieces.append(Piece("same", text))  # leaving out a few characters would not help
            continue
        if head:
            pieces.append(Piece("same", head))
        pieces.append(Piece("gap", more=len(text) - len(head) - len(tail)))
        if tail:
            pieces.append(Piece("same", tail))
    return pieces


def cut_changes(pieces: list[Piece], budget: int) -> list[Piece]:
    """Changes alone exceed the budget: cut each change to its share, keep every change's
    start; changes beyond the budget are counted in a final gap."""
    changes = [p for p in pieces if p.op in ("del", "ins")]
    share = max(budget // max(len(changes), 1), MIN_CHANGE)
    out: list[Piece] = []
    used = 0
    for index, piece in enumerate(pieces):
        if used >= budget:
            rest = sum(len(p.text) + p.more for p in pieces[index:])
            out.append(Piece("gap", more=rest))
            break
        if piece.op in ("del", "ins") and len(piece.text) > share:
            shown = cut_words(piece.text, share)
            piece = Piece(piece.op, shown, len(piece.text) - len(shown) + piece.more)
        out.append(piece)
        used += len(piece.text) + (1 if piece.op == "gap" else 0)
    return out


def cut_words(text: str, limit: int) -> str:
    """The start of `text`, at most `limit` characters, ending at a word boundary if one is near."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[:limit]
    space = head.rfind(" ")
    return head[: space + 1] if space >= limit // 2 else head


def cut_words_end(text: str, limit: int) -> str:
    """The end of `text`, at most `limit` characters, starting at a word boundary if one is near."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    tail = text[-limit:]
    space = tail.find(" ")
    return tail[space:] if 0 <= space <= limit // 2 else tail
