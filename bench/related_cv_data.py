"""The development half linked once, each candidate's score taken apart, and folds by update
(bench/related_cv.py cross-validates re-rankers and show rules on them).

Each development update is linked with the real ranker (`related_eval.Bench`, every
candidate kept) while `ranking.score` is watched, and the parts of each candidate's score
are recorded (the feature share, the candidate-title share, BM25, the date, rarity,
identifiers, ...). Folds are drawn by update, grouped so that copies of one page (the
national curriculum and its related-link-override copy) and documents of one proceeding
stay in one fold, balanced over the updates with a related candidate. The test half is
never read: only `split == "dev"` updates are linked.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, Report, Result, changes_of, moment  # noqa: E402
from watcher.related import feedback as feedback_module  # noqa: E402
from watcher.related import linking as linking_module  # noqa: E402
from watcher.related.ranking import Candidate  # noqa: E402
from watcher.related.text import is_content_word, stems, words  # noqa: E402
from watcher.related.values import Feature, LinkTarget, Ranking  # noqa: E402

SPLIT = "dev"  # never "test"


KEEP = 60  # every candidate (25 + 10 topical + 10 feedback at most)


PARTS = (
    "score",  # the ranker's final score
    "share",  # matched feature weight / document feature weight (no title bonus)
    "title_share",  # content stems of the candidate's title found in the document
    "title_jaccard",  # title-to-title: shared content stems / union
    "bm25",  # bm25 / best bm25 among candidates
    "bm25_rr",  # 1 / (1 + rank by BM25)
    "score_rr",  # 1 / (1 + rank by the ranker's score)
    "years",  # |date - document date| in years, at most 1.5
    "rarity",
    "identifier_rarity",
    "proceeding",
    "phrases",  # matched phrases / document phrases
    "words",  # matched words / document words
)


#: Parts of a candidate's standing among its update's candidates (for show rules only).
STANDING = (
    "lead",  # its score / the score of the 4th candidate, at most 5
    "rank_rr",  # 1 / its rank in the ranker's order
)


@dataclass
class Row:
    candidate: str  # candidate id of the set
    parts: dict[str, float]
    shown: bool


@dataclass
class Update:
    change: dict
    rows: list[Row] = field(default_factory=list)  # the ranker's order

    @property
    def id(self) -> str:
        return str(self.change["id"])


class Recorder:
    """Wraps `ranking.score` where linking and feedback call it, to keep every scored
    candidate with the document's features."""

    def __init__(self) -> None:
        self.scored: list[tuple[list[Candidate], list[Feature], LinkTarget]] = []
        self._original = linking_module.score

    def __enter__(self) -> Recorder:
        def wrapped(db, candidates, feats, target, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.scored.append((candidates, feats, target))
            return self._original(db, candidates, feats, target, *args, **kwargs)

        linking_module.score = wrapped  # type: ignore[assignment]
        feedback_module.score = wrapped  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        linking_module.score = self._original
        feedback_module.score = self._original


def _content_stems(text: str) -> set[str]:
    tokens = [w for w in words(text) if is_content_word(w)]
    return set(stems(tokens).values()) if tokens else set()


def collect(bench: Bench, ranking: Ranking) -> list[Update]:
    """Link every development update once; each candidate's parts, in the ranker's order."""
    updates = []
    for change in changes_of(bench.data, SPLIT):
        with Recorder() as recorder:
            ranked, _ = bench.rank_change(change, replace(ranking, keep=KEEP))
        by_id: dict[str, tuple[Candidate, list[Feature], LinkTarget, float, int]] = {}
        for candidates, feats, target in recorder.scored:
            best = min(c.bm25 for c in candidates) or -1.0
            for position, c in enumerate(sorted(candidates, key=lambda c: (c.bm25, c.id)), 1):
                key = bench.ids.get(c.link, c.link)
                by_id.setdefault(key, (c, feats, target, best, position))
        doc_title = _content_stems(change["title"])
        maybe = set(change.get("maybe", ()))
        update = Update(change)
        fourth = ranked[3][1] if len(ranked) >= 4 else 0.0
        for score_rank, (key, value, shown) in enumerate(ranked, 1):
            if key in maybe or key not in by_id:
                continue
            c, feats, target, best, bm25_rank = by_id[key]
            total = sum(f.weight for f in feats) or 1.0
            labels = {id(f) for f in c.matched}
            matched = [f for f in feats if id(f) in labels]
            n_phrases = sum(1 for f in feats if f.kind == "phrase") or 1
            n_words = sum(1 for f in feats if f.kind == "word") or 1
            cand_title = _content_stems(c.title)
            union = doc_title | cand_title
            when = c.date or c.seen or ""
            years = 1.5
            if when[:10] and change["date"]:
                try:
                    years = min(abs((moment(when[:10]) - moment(change["date"])).days) / 365.0, 1.5)
                except ValueError:
                    pass
            update.rows.append(
                Row(
                    key,
                    {
                        "score": value,
                        "share": sum(f.weight for f in matched) / total,
                        "title_share": len(cand_title & _content_stems(f"{change['title']} {change['text']}"))
                        / len(cand_title)
                        if cand_title
                        else 0.0,
                        "title_jaccard": len(doc_title & cand_title) / len(union) if union else 0.0,
                        "bm25": c.bm25 / best,
                        "bm25_rr": 1.0 / (1 + bm25_rank),
                        "score_rr": 1.0 / (1 + score_rank),
                        "years": years,
                        "rarity": c.rarity,
                        "identifier_rarity": c.identifier_rarity,
                        "proceeding": 1.0 if c.proceeding else 0.0,
                        "phrases": sum(1 for f in matched if f.kind == "phrase") / n_phrases,
                        "words": sum(1 for f in matched if f.kind == "word") / n_words,
                        "lead": min(value / fourth, 5.0) if fourth > 0 else 5.0,
                        "rank_rr": 1.0 / score_rank,
                    },
                    shown,
                )
            )
        updates.append(update)
    return updates


def group_of(change: dict) -> str:
    """Copies of one page and documents of one proceeding share a group: their title's first
    five content words, without punctuation. A GDPRhub page is a group of its own: its title
    ("Garante per la protezione dei dati personali (Italy) - 9870832") begins with the
    authority's name, so its first words name the regulator, not the matter."""
    if change.get("corpus") == "eu-gdprhub":
        return change["id"]
    return " ".join([w for w in words(change["title"]) if is_content_word(w)][:5])


def folds(updates: Sequence[Update], k: int, seed: int = 0) -> list[int]:
    """A fold per update: groups dealt in a seeded random order, each to the fold holding the
    fewest so far, those with a related candidate first and counted apart (so each fold holds
    about as many of them)."""
    groups: dict[str, list[int]] = {}
    for index, update in enumerate(updates):
        groups.setdefault(group_of(update.change), []).append(index)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(groups[g]))  # stable: larger groups first, random among equals
    answered = [g for g in keys if any(updates[i].change["related"] for i in groups[g])]
    rest = [g for g in keys if g not in answered]
    fold = [0] * len(updates)
    for dealt in (answered, rest):
        held = [0] * k
        for g in dealt:
            f = min(range(k), key=lambda f: held[f])
            held[f] += len(groups[g])
            for i in groups[g]:
                fold[i] = f
    return fold


Scorer = Callable[[dict[str, float]], float]


def splits(updates: Sequence[Update], k: int, seed: int = 0) -> list[tuple[list[Update], list[Update]]]:
    """Per fold of `folds`, in fold order: (the training updates, the held-out ones)."""
    fold = folds(updates, k, seed)
    return [
        (
            [u for u, g in zip(updates, fold, strict=True) if g != f],
            [u for u, g in zip(updates, fold, strict=True) if g == f],
        )
        for f in range(k)
    ]


def report_of(updates: Sequence[Update], scorer: Scorer | None) -> Report:
    """Figures of the updates re-ordered by `scorer` (None: the ranker's own order). Shown
    links keep the ranker's decision (a re-ranker moves them, it does not show more)."""
    report = Report()
    for update in updates:
        rows = list(update.rows)
        if scorer is not None:
            rows.sort(key=lambda r: -scorer(r.parts))
        ranked = [(r.candidate, r.parts["score"], r.shown) for r in rows[:10]]
        report.results.append(
            Result(update.id, list(update.change["related"]), ranked, update.change["title"], [])
        )
    return report
