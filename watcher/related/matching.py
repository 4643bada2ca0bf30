"""Which of a document's features a candidate shares: what the candidate offers for matching
(`Shared`: its stems, stem pairs, identifiers and text), and the features prepared once per
document (`Matcher`) so each candidate is tested against all of them in one pass.

Pure but for one cache: the caller gives each candidate's words and their stems
(ranking.score reads them), and `CANDIDATE_WORDS` keeps a candidate's words and stems by its
title and text for later documents (in a pass the newest items are the candidates of change
after change), bounded, and never stale: an item whose text changed is another key.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from watcher.related.identifiers import alias_pattern, written
from watcher.related.text import cached_stems, is_content_word, stem_sequence, stems, words
from watcher.related.values import Feature

_STEMS, _PAIRS, _IDENTIFIERS = 0, 1, 2


@dataclass(frozen=True)
class Shared:
    """What a candidate offers for matching: its stems, stem pairs, identifiers and text."""

    stems: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    identifiers: frozenset[str]
    lowered: str

    @classmethod
    def of(
        cls,
        title: str,
        text: str,
        feats: Sequence[Feature],
        *,
        tokens: list[str] | None = None,
        known: Mapping[str, str] | None = None,
    ) -> Shared:
        """Only what the document's features can match is looked for. An identifier matches
        as FTS5 found it: its tokens in order, with at most `near` tokens between (no
        pattern runs over the candidate's text: that cost grows with every candidate).
        `tokens` (the words of title and text) and `known` (their stems), when the caller
        has them already."""
        tokens = words(f"{title}\n{text}") if tokens is None else tokens
        return Matcher(feats).shared(title, text, tokens, stems(tokens) if known is None else known)

    def has(self, feature: Feature) -> bool:
        if feature.kind == "identifier":
            return feature.label in self.identifiers
        if feature.kind == "act":
            return mentions(self.lowered, feature.aliases)
        if feature.kind == "phrase":
            return (feature.stems[0], feature.stems[1]) in self.pairs
        return feature.stems[0] in self.stems


class Matcher:
    """A document's features, prepared once for all its candidates: per feature the set of a
    `Shared` to look in and the key to look for (acts apart: a pattern over the text)."""

    def __init__(self, feats: Sequence[Feature]) -> None:
        self.feats = list(feats)
        self._lookups: list[tuple[int, int, object]] = []
        self._acts: list[tuple[int, tuple[str, ...]]] = []
        self._identifiers: list[tuple[Feature, frozenset[str]]] = []
        # A slashed identifier must also be written as one: its tokens in order are not
        # enough ("28/2024" and the date "December 28, 2024" are the same words).
        self._written = {f.label: w for f in feats if f.kind == "identifier" and (w := written(f.label))}
        self._labels: list[tuple[int, str]] = []
        # For `found`: key -> the indexes of the features looking for it, per set.
        self._keys: tuple[dict, dict] = ({}, {})
        words_, pairs = self._keys
        for index, feature in enumerate(self.feats):  # one pass (a Matcher is made per document)
            kind = feature.kind
            if kind == "identifier":
                self._lookups.append((index, _IDENTIFIERS, feature.label))
                self._identifiers.append((feature, frozenset(feature.stems)))
                self._labels.append((index, feature.label))
            elif kind == "act":
                self._acts.append((index, feature.aliases))
            elif kind == "phrase":
                pair = (feature.stems[0], feature.stems[1])
                self._lookups.append((index, _PAIRS, pair))
                pairs.setdefault(pair, []).append(index)
            else:
                self._lookups.append((index, _STEMS, feature.stems[0]))
                words_.setdefault(feature.stems[0], []).append(index)
        self._phrases = bool(pairs)
        # The usual case: each stem and stem pair looked for by one feature (a document has one
        # word feature per stem, one phrase per pair): key -> that index, read by `map` at C speed.
        single = len(words_) + len(pairs) == len(self._lookups) - len(self._labels)
        self._single = (
            tuple({key: found[0] for key, found in pool.items()} for pool in self._keys) if single else None
        )

    def shared(self, title: str, text: str, tokens: list[str], known: Mapping[str, str]) -> Shared:
        """What a candidate (its `title` and `text`, their words `tokens` and those words'
        stems `known`) offers for matching; only what the features can match is made."""
        sequence = list(map(known.__getitem__, tokens))
        return Shared(
            frozenset(sequence),
            frozenset(itertools.pairwise(sequence)) if self._phrases else frozenset(),
            self._identifier_labels(tokens, title, text) if self._identifiers else frozenset(),
            f"{title}\n{text}".lower() if self._acts else "",
        )

    def found(self, title: str, text: str, tokens: list[str], known: Mapping[str, str]) -> list[int]:
        """`matching(shared(title, text, tokens, known))` without building the `Shared`: each
        of the candidate's stems and stem pairs is looked up among the features'."""
        return self.found_in(list(map(known.__getitem__, tokens)), title, text, tokens)

    def found_in(
        self, sequence: Sequence[str], title: str, text: str, tokens: list[str] | None = None
    ) -> list[int]:
        """`found`, given the stems of the candidate's words in order (`CandidateWords`); its
        words (`tokens`) are split again only when an identifier is looked for."""
        if self._identifiers and tokens is None:
            tokens = words(title) + words(text)
        # A dict's keys & an iterable: each element looked up as it comes, no set of the
        # candidate's stems or pairs built (pairwise reuses its tuple when none is kept).
        if self._single is not None:  # one index per key: mapped at C speed
            word_index, pair_index = self._single
            indexes = list(map(word_index.__getitem__, word_index.keys() & sequence))
            if pair_index:
                indexes += map(pair_index.__getitem__, pair_index.keys() & itertools.pairwise(sequence))
        else:
            words_, pairs = self._keys
            indexes = [i for key in words_.keys() & sequence for i in words_[key]]
            if pairs:
                indexes += [i for key in pairs.keys() & itertools.pairwise(sequence) for i in pairs[key]]
        if self._identifiers and tokens is not None:
            labels = self._identifier_labels(tokens, title, text)
            indexes += [index for index, label in self._labels if label in labels]
        if self._acts:
            lowered = f"{title}\n{text}".lower()
            indexes += [index for index, aliases in self._acts if mentions(lowered, aliases)]
        indexes.sort()
        return indexes

    def _identifier_labels(self, tokens: list[str], title: str, text: str) -> frozenset[str]:
        """The labels of the identifiers among the features that the candidate's words hold:
        their tokens in order, at most `near` tokens apart, as FTS5 found them; a slashed one
        also written as such in its title or text."""
        raw = set(tokens)
        found = [
            f.label for f, needed in self._identifiers if needed <= raw and _in_order(tokens, f.stems, f.near)
        ]
        if self._written and found:
            found = [
                label
                for label in found
                if (pattern := self._written.get(label)) is None
                or pattern.search(title)
                or pattern.search(text)
            ]
        return frozenset(found)

    def matching(self, shared: Shared) -> list[int]:
        """The indexes of the features `shared` matches, in the features' order."""
        pools: tuple[frozenset, ...] = (shared.stems, shared.pairs, shared.identifiers)
        found = [index for index, pool, key in self._lookups if key in pools[pool]]
        if self._acts:
            found += [index for index, aliases in self._acts if mentions(shared.lowered, aliases)]
            found.sort()
        return found


class CandidateWords:
    """A candidate's words as scoring reads them, made once per title and text: the stems of
    its words in order (title, then text), of its title's words, and of its title's content
    words. Stems are the index's (text.stems), the same whichever database asks.

    The content words' stems are made when first read: only `Ranking.title_coverage` (off by
    default) reads them, and a candidate not yet held costs ~2.5 of its ~8 us there. The title's
    stems are made each time they are read (once per candidate a document scores, ~0.4 us), not
    kept: a held frozenset was half of a cache entry (~0.75 of ~1.6 KB on the bench's items),
    so the cache holds twice the entries in the same memory (round 14)."""

    __slots__ = ("_content_stems", "sequence", "title", "title_count")

    def __init__(
        self,
        sequence: tuple[str, ...],
        title_count: int,
        title: str,
        content_stems: frozenset[str] | None = None,
    ) -> None:
        self.sequence = sequence
        self.title_count = title_count  # the title's words lead `sequence`: this many
        self.title = title
        self._content_stems = content_stems

    @property
    def title_stems(self) -> frozenset[str]:
        """The stems of its title's words."""
        return frozenset(self.sequence[: self.title_count])

    @property
    def content_stems(self) -> frozenset[str]:
        found = self._content_stems
        if found is None:  # the title's words pair with the first stems of the sequence
            title_words = words(self.title)
            found = frozenset(
                s
                for w, s in zip(title_words, self.sequence[: self.title_count], strict=True)
                if is_content_word(w)
            )
            self._content_stems = found  # the same value whichever thread sets it
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CandidateWords):
            return NotImplemented
        return (self.sequence, self.title_stems, self.content_stems) == (
            other.sequence,
            other.title_stems,
            other.content_stems,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable cache of a derived field: not hashed

    def __repr__(self) -> str:
        return f"CandidateWords(sequence={self.sequence!r}, title_stems={self.title_stems!r})"

    @classmethod
    def of(cls, title: str, text: str) -> CandidateWords:
        title_words, text_words = words(title), words(text)
        return cls.made(title, title_words, stem_sequence(title_words + text_words))

    @classmethod
    def made(cls, title: str, title_words: list[str], sequence: tuple[str, ...]) -> CandidateWords:
        """From the title, its words, and the stems of its words then its text's, in order."""
        return cls(sequence, len(title_words), title)


class CandidateCache:
    """`CandidateWords` by (title, text), for the candidates of later documents: in a pass the
    newest items are the candidates of change after change. Keyed by the text itself, so an
    item whose title or text changed is split again (never a stale entry), and bounded by
    entries and by stems held, oldest out first: at most ~3 MB (a stem ~8 bytes as the stem
    strings are the stemmer's, a key's text at most ranking.MATCH_TEXT characters; a bench
    item ~0.85 KB with its key since its title's stems are not kept, so 2,048 entries take
    what 1,024 took before round 14, ~1.6 MB: the bench's 1,000 changes miss 7,345 of 23,768
    look-ups, 11,973 with 1,024)."""

    def __init__(self, entries: int = 2048, stems_held: int = 100_000) -> None:
        self.entries, self.stems_held = entries, stems_held
        self._found: dict[tuple[str, str], CandidateWords] = {}
        # The keys in the order they were put in, oldest first: the next one out is popped
        # from here. `next(iter(self._found))` found it by walking the dict's entries from
        # their start, past every entry deleted since the dict last compacted them: ~3.8 us
        # an eviction at 2,048 entries (here ~0.6 us), ~7 evictions a bench change.
        self._order: deque[tuple[str, str]] = deque()
        self._held = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._found)

    def words_of(self, pairs: Sequence[tuple[str, str]]) -> list[CandidateWords]:
        """The words of each (title, text), made for those not held (their words stemmed in
        one batch) and kept."""
        found = list(map(self._found.get, pairs))
        if all(found):  # every one held (a CandidateWords is always true)
            return found  # type: ignore[return-value]
        # The candidates not held: each split once (title, then text), its stems read from
        # the stemmer's cache in order; words never stemmed are stemmed in one batch after.
        split: dict[tuple[str, str], tuple[list[str], list[str], tuple[str, ...] | None]] = {}
        unknown: list[list[str]] = []
        for pair, held in zip(pairs, found, strict=True):
            if held is None and pair not in split:
                title_words = words(pair[0])
                tokens = title_words + words(pair[1])
                sequence = cached_stems(tokens)
                if sequence is None:
                    unknown.append(tokens)
                split[pair] = (title_words, tokens, sequence)
        if unknown:  # words not stemmed yet: those candidates' words in one batch
            stems(itertools.chain.from_iterable(unknown))
        made = {
            pair: CandidateWords.made(pair[0], title_words, sequence or stem_sequence(tokens))
            for pair, (title_words, tokens, sequence) in split.items()
        }
        with self._lock:
            for pair, words_ in made.items():
                if pair not in self._found and len(words_.sequence) <= self.stems_held:
                    self._found[pair] = words_
                    self._order.append(pair)
                    self._held += len(words_.sequence)
            while len(self._found) > self.entries or self._held > self.stems_held:
                self._held -= len(self._found.pop(self._order.popleft()).sequence)
        return [
            words_ if words_ is not None else made[pair] for pair, words_ in zip(pairs, found, strict=True)
        ]

    def clear(self) -> None:
        with self._lock:
            self._found.clear()
            self._order.clear()
            self._held = 0


#: The linking process's cache (a few MB at most: see CandidateCache).
CANDIDATE_WORDS = CandidateCache()


def in_title(feature: Feature, title_stems: set[str] | frozenset[str], title: str) -> bool:
    """Is a feature in a candidate's title (`title_stems`: the stems of all its words)?"""
    if feature.kind == "act":
        return mentions(title.lower(), feature.aliases)
    return title_stems.issuperset(feature.stems)


def mentions(lowered: str, aliases: Sequence[str]) -> bool:
    return bool(aliases) and bool(alias_pattern(tuple(aliases)).search(lowered))


def _in_order(tokens: Sequence[str], wanted: Sequence[str], near: int) -> bool:
    """Do `wanted` tokens occur in order in `tokens`, with at most `near` others between them
    in all (0: as a phrase)? Occurrences of the first token are found by list.index (C speed:
    this runs for every candidate)."""
    first, rest = wanted[0], wanted[1:]
    sequence = tokens if isinstance(tokens, list) else list(tokens)
    start = -1
    while True:
        try:
            start = sequence.index(first, start + 1)
        except ValueError:
            return False
        position, gaps = start, 0
        for needed in rest:
            window = sequence[position + 1 : position + 2 + near - gaps]
            if needed not in window:
                break
            step = window.index(needed)
            gaps += step
            position += step + 1
        else:
            return True
