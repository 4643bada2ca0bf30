"""Title words as a label: a court's or authority's pages are titled by its name and a case
number ("BVwG - W211 2210458-1/10"), so a candidate whose title names another case shares
the document's title words as the issuer's name, not as a topic (`Ranking.title_label`;
ranking.score weighs them so). Which titles name a case is read by `find_identifiers`: no
list of courts or authorities.

Pure: no I/O.
"""

from __future__ import annotations

from watcher.related.features import TITLE_FACTOR
from watcher.related.identifiers import find_identifiers
from watcher.related.values import Feature


def title_cases(title: str) -> frozenset[str]:
    """The identifiers a title names (a case or file number, a docket, a code)."""
    return (
        frozenset(i.label for i in find_identifiers(title))
        if any(ch.isdigit() for ch in title)
        else frozenset()
    )


def names_other_case(title: str, cases: frozenset[str]) -> bool:
    """Does a candidate's title name identifiers, none of them one of `cases` (the
    document's title's)?"""
    theirs = title_cases(title)
    return bool(theirs) and not theirs & cases


def label_weight(feature: Feature, plain: float, title_stems: frozenset[str]) -> float | None:
    """What a feature of the document's title adds, matched in the title of a candidate that
    names another case: a word as a shared word of the body (its title factor undone), a
    phrase without the title bonus; None for any other feature (it keeps its bonus)."""
    if feature.kind not in ("word", "phrase") or not set(feature.stems) <= title_stems:
        return None
    return plain / TITLE_FACTOR if feature.kind == "word" else plain
