"""Which ranked links an alert shows (`linking.shown_flags`): of the best `Ranking.shown`,
those with strong evidence or that clearly lead the rest; with `companions` ([related]
companions = true), once the best is shown, also the next ones scoring at least half as
well and sharing something not common."""

from __future__ import annotations

from dataclasses import replace

import pytest

from watcher.config import ConfigError
from watcher.config_sections import Limits, parse_related
from watcher.related.linking import shown_flags
from watcher.related.ranking import Candidate
from watcher.related.values import Ranking


def candidate(n: int, score: float, rarity: float, identifier_rarity: float = 0.0) -> Candidate:
    return Candidate(
        id=n,
        source_id="us-fr",
        title=f"item {n}",
        link=f"https://fr.example/{n}",
        date="2025-01-06",
        seen="2025-01-06",
        bm25=-1.0,
        score=score,
        rarity=rarity,
        identifier_rarity=identifier_rarity,
    )


DEFAULT = Ranking()
COMPANIONS = replace(DEFAULT, companions=True)


def test_by_default_only_strong_or_leading_links_are_shown():
    ranked = [
        candidate(1, 0.9, 1.0),  # strong: rare evidence, above the threshold
        candidate(2, 0.55, 0.5),  # below the threshold, none leads the rest
        candidate(3, 0.5, 0.45),
        candidate(4, 0.5, 0.9),
    ]
    assert DEFAULT.companions is False
    assert shown_flags(ranked, DEFAULT) == [True, False, False, False]


def test_companions_of_a_shown_best_link_score_half_as_well_and_share_something_not_common():
    ranked = [
        candidate(1, 0.9, 1.0),
        candidate(2, 0.55, 0.5),  # 0.61 of the best, something not common: a companion
        candidate(3, 0.5, 0.3),  # shares only common words: hidden
        candidate(4, 0.5, 0.9),  # past `shown`
    ]
    assert shown_flags(ranked, COMPANIONS) == [True, True, False, False]
    ranked[2] = candidate(3, 0.44, 0.9)  # below half the best's score: hidden
    ranked[3] = candidate(4, 0.43, 0.9)
    assert shown_flags(ranked, COMPANIONS) == [True, True, False, False]
    ranked[2] = candidate(3, 0.45, 0.9)  # half exactly: shown
    assert shown_flags(ranked, COMPANIONS) == [True, True, True, False]


def test_nothing_keeps_company_with_a_best_link_that_is_not_shown():
    # The best shares only common words and does not lead: no link, however rare what the
    # next ones share (a template notice stays quiet).
    ranked = [
        candidate(1, 0.55, 0.3),
        candidate(2, 0.5, 0.9),
        candidate(3, 0.49, 0.9),
        candidate(4, 0.48, 0.9),
    ]
    assert shown_flags(ranked, COMPANIONS) == [False, False, False, False]
    ranked[0] = candidate(1, 0.7, 0.9)  # the same best with rare evidence: shown, and its companions
    assert shown_flags(ranked, COMPANIONS) == [True, True, True, False]
    assert shown_flags(ranked, DEFAULT) == [True, False, False, False]


def test_shown_caps_how_many_are_shown():
    ranked = [candidate(n, 1.0 - n / 10, 0.9) for n in range(1, 7)]
    assert shown_flags(ranked, replace(COMPANIONS, shown=5)).count(True) == 5
    assert shown_flags(ranked, replace(COMPANIONS, shown=1)) == [True, False, False, False, False, False]
    assert shown_flags(ranked, replace(COMPANIONS, shown=0)) == [False] * 6


def test_no_candidates_no_flags():
    assert shown_flags([], COMPANIONS) == []


def test_companions_is_a_related_setting():
    ranking, _ = parse_related({"companions": True, "shown": 3}, Limits(), "regwatch.toml: [related]")
    assert ranking.companions is True and ranking.companion_share == DEFAULT.companion_share
    assert parse_related({}, Limits(), "[related]")[0].companions is False
    with pytest.raises(ConfigError, match="companions"):
        parse_related({"companions": "yes"}, Limits(), "[related]")
