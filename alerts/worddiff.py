"""Word-level diff of two lines of untrusted text, bounded in time and size.

`word_diff(old, new)` returns segments (`same` / `del` / `ins`) that concatenate back to
`old` (same + del) and `new` (same + ins). Words, whitespace runs and single punctuation
marks are the units, so a change never starts or ends inside a word. The engine is
diff-match-patch on words (each distinct word encoded as one character, its "lines mode"
trick) followed by its semantic cleanup, which folds the short equalities ("the", "of")
stranded between two edits into them: on real regulation paragraphs it reports an edit
as the one phrase that changed, where difflib splinters it (bench/README.md, "Word diff").

Bounds, whatever the input: each side is cut to `MAX_CHARS` characters (the rest is kept
as one coarse segment), the diff stops refining after `TIMEOUT` seconds (diff-match-patch's
deadline: the result is still a correct diff, only less minimal), and more than
`MAX_TOKENS` distinct words (or no time left: `timeout <= 0`) fall back to a
common-prefix/suffix diff, which is linear.

`pair_lines(removed, added)` pairs removed and added lines of one diff hunk that are edits
of each other (a paragraph edited in place), so they can be shown as one word diff.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

Op = Literal["same", "del", "ins"]

TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
WORD = re.compile(r"\w+")
MAX_CHARS = 50_000  # per side; beyond it the tail is one coarse del/ins
MAX_TOKENS = 60_000  # distinct words (one private-use character each)
TIMEOUT = 0.25  # seconds of refinement per line pair
PAIR_MIN_SIMILARITY = 0.4
MAX_PAIRING = 60  # lines per side of one hunk considered for pairing
SIMILARITY_CHARS = 5_000  # of each line, for pairing
TOKEN_BASE = 0xF0000  # Supplementary Private Use Area-A: never in the text being encoded


@dataclass(frozen=True)
class Segment:
    """A run of text that is the same in both versions, deleted, or inserted."""

    op: Op
    text: str


def word_diff(old: str, new: str, *, timeout: float = TIMEOUT) -> tuple[Segment, ...]:
    """The word-level diff from `old` to `new` (see the module docstring for its bounds)."""
    if old == new:
        return (Segment("same", old),) if old else ()
    if timeout <= 0:
        return prefix_suffix_diff(old, new)
    tail: list[Segment] = []
    if len(old) > MAX_CHARS or len(new) > MAX_CHARS:
        old, new, tail = _cut(old, new)
    words: dict[str, str] = {}
    encoded_old = _encode(old, words)
    encoded_new = _encode(new, words)
    if encoded_old is None or encoded_new is None:
        segments = list(prefix_suffix_diff(old, new))
    else:
        engine = diff_match_patch()
        engine.Diff_Timeout = timeout
        diffs = engine.diff_main(encoded_old, encoded_new, False, time.time() + timeout)
        engine.diff_cleanupSemantic(diffs)
        decode = {char: word for word, char in words.items()}
        segments = [Segment(_OPS[op], "".join(decode[c] for c in text)) for op, text in diffs if text]
    return merge([*segments, *tail])


_OPS: dict[int, Op] = {0: "same", -1: "del", 1: "ins"}


def _encode(text: str, words: dict[str, str]) -> str | None:
    chars = []
    for token in TOKEN.findall(text):
        char = words.get(token)
        if char is None:
            if len(words) >= MAX_TOKENS:
                return None
            char = words[token] = chr(TOKEN_BASE + len(words))
        chars.append(char)
    return "".join(chars)


def _cut(old: str, new: str) -> tuple[str, str, list[Segment]]:
    """Huge lines: diff their heads precisely, the rest as one coarse change."""
    cut_old, cut_new = old[:MAX_CHARS], new[:MAX_CHARS]
    rest_old, rest_new = old[MAX_CHARS:], new[MAX_CHARS:]
    tail = list(prefix_suffix_diff(rest_old, rest_new))
    return cut_old, cut_new, tail


def prefix_suffix_diff(old: str, new: str) -> tuple[Segment, ...]:
    """The linear fallback: common prefix and suffix (at word boundaries), one change between."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    while start and (old[start - 1 : start].isalnum() or new[start - 1 : start].isalnum()):
        start -= 1  # back to a word boundary
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    while end and (old[len(old) - end :][:1].isalnum() or new[len(new) - end :][:1].isalnum()):
        end -= 1
    segments = [
        Segment("same", old[:start]),
        Segment("del", old[start : len(old) - end]),
        Segment("ins", new[start : len(new) - end]),
        Segment("same", old[len(old) - end :]),
    ]
    return merge(segments)


def merge(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """Drop empty segments, join neighbours of one kind, and put deletions before insertions."""
    out: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if out and out[-1].op == segment.op:
            out[-1] = Segment(segment.op, out[-1].text + segment.text)
        elif segment.op == "del" and out and out[-1].op == "ins":
            before_ins = out.pop()
            if out and out[-1].op == "del":
                out[-1] = Segment("del", out[-1].text + segment.text)
            else:
                out.append(segment)
            out.append(before_ins)
        else:
            out.append(segment)
    return tuple(out)


def old_text(segments: Sequence[Segment]) -> str:
    return "".join(s.text for s in segments if s.op != "ins")


def new_text(segments: Sequence[Segment]) -> str:
    return "".join(s.text for s in segments if s.op != "del")


def _bag(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in WORD.findall(text[:SIMILARITY_CHARS]))


def similarity(a: str, b: str) -> float:
    """How much of two lines' words they share (0..1): a bag-of-words Dice coefficient, linear."""
    return _dice(_bag(a), _bag(b))


def _dice(words_a: Counter[str], words_b: Counter[str]) -> float:
    total = sum(words_a.values()) + sum(words_b.values())
    if not total:
        return 1.0
    return 2 * sum((words_a & words_b).values()) / total


def pair_lines(removed: Sequence[str], added: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (removed index, added index) in order; None on one side for a line with no partner.

    A removed line pairs with the most similar added line at or after the last pairing
    (in document order) when at least `PAIR_MIN_SIMILARITY` of their words are shared (an
    unrelated pair would only show as one whole deletion and insertion after cleanup).
    Only the first `MAX_PAIRING` lines of each side are candidates (the rest stay unpaired).
    """
    bags_added = [_bag(line) for line in added[:MAX_PAIRING]]
    pairs: list[tuple[int | None, int | None]] = []
    next_added = 0
    for i, line in enumerate(removed):
        best, best_score = None, PAIR_MIN_SIMILARITY
        if i < MAX_PAIRING and next_added < len(bags_added):
            bag = _bag(line)
            for j in range(next_added, len(bags_added)):
                score = _dice(bag, bags_added[j])
                if score >= best_score and (best is None or score > best_score):
                    best, best_score = j, score
        if best is None:
            pairs.append((i, None))
            continue
        pairs.extend((None, j) for j in range(next_added, best))
        pairs.append((i, best))
        next_added = best + 1
    pairs.extend((None, j) for j in range(next_added, len(added)))
    return pairs
