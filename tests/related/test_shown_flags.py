"""Which ranked links an alert shows (`linking.shown_flags`): of the best `Ranking.shown`,
those with strong evidence or that clearly lead the rest; with `companions` ([related]
companions, off by default), once the best is shown, also the next ones
scoring at least half as well, sharing something not common and holding evidence of their
own (`companion_own`: not everything they match is matched by the rest of the candidates)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from watcher.config import ConfigError
from watcher.config_sections import Limits, parse_related
from watcher.related.linking import break_bar, feature_holders, own_share, shown_flags
from watcher.related.ranking import Candidate
from watcher.related.values import Feature, Ranking


def candidate(
    n: int, score: float, rarity: float, identifier_rarity: float = 0.0, matched: tuple[Feature, ...] = ()
) -> Candidate:
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
        matched=list(matched),
    )


def feature(label: str, weight: float = 1.0) -> Feature:
    return Feature(label, "word", f'"{label}"', weight, (label,))


DEFAULT = Ranking()
OFF = replace(DEFAULT, companions=False)
#: Round 10's companions: no evidence of their own asked.
COMPANIONS = replace(DEFAULT, companions=True, companion_own=0.0)
#: Round 11's companions: each with evidence of its own (`companion_own`, 0.1).
OWN = replace(DEFAULT, companions=True)


def test_without_companions_only_strong_or_leading_links_are_shown():
    ranked = [
        candidate(1, 0.9, 1.0),  # strong: rare evidence, above the threshold
        candidate(2, 0.55, 0.5),  # below the threshold, none leads the rest
        candidate(3, 0.5, 0.45),
        candidate(4, 0.5, 0.9),
    ]
    assert shown_flags(ranked, OFF) == [True, False, False, False]


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
    assert shown_flags(ranked, OFF) == [True, False, False, False]


# Round 11: the siblings of a template (the same RIN's airworthiness directives, one
# authority's fines) match what the rest of the candidates match; a related page shares
# something they lack. Hand-made from the development half's "Bringing your pet dog, cat or
# ferret to the UK" (its related "Caring for pets" shares "pets", which no later candidate
# matches) and a hard negative whose best link is a sibling of a series.
TEMPLATE = (feature("airworthiness", 3.0), feature("airbus", 3.0), feature("14 CFR 39", 2.0))
PETS, BRINGING = feature("pets", 4.0), feature("bringing", 2.0)
DOGS, TRAVEL = feature("dogs", 2.0), feature("travel", 1.0)


def test_companions_need_evidence_of_their_own():
    # Off by default: on the test half round 11's rule gained no shown recall@3 and cost quiet.
    assert DEFAULT.companions is False and DEFAULT == OFF and OWN.companion_own == 0.1
    ranked = [
        candidate(1, 0.37, 0.8, matched=(PETS, BRINGING)),  # shown: it leads the 4th
        candidate(2, 0.24, 0.8, matched=(PETS,)),  # "pets": only the best and it match it
        candidate(3, 0.18, 0.76, matched=(DOGS,)),  # "dogs": so do the 4th, 5th and 6th
        candidate(4, 0.176, 0.76, matched=(DOGS,)),
        candidate(5, 0.08, 0.57, matched=(DOGS, TRAVEL)),
        candidate(6, 0.08, 0.57, matched=(DOGS, TRAVEL)),
    ]
    assert shown_flags(ranked, OFF) == [True, False, False, False, False, False]
    assert shown_flags(ranked, OWN) == [True, True, False, False, False, False]
    # Round 10's companions would show the third too (half the best's score, not common).
    ranked[2] = candidate(3, 0.19, 0.76, matched=(DOGS,))
    assert shown_flags(ranked, COMPANIONS)[:3] == [True, True, True]
    assert shown_flags(ranked, OWN)[:3] == [True, True, False]


def test_siblings_of_a_template_keep_no_company_with_a_shown_best_link():
    # The best (a notice of the same series: a maybe, dropped by the protocol) is shown; the
    # next ones are notices of the same template, matching what the later ones match.
    best = candidate(1, 0.68, 0.9, 0.9, matched=(*TEMPLATE, feature("a320-211", 5.0)))
    siblings = [candidate(n, 0.56 - n / 100, 0.79, 0.67, matched=TEMPLATE) for n in range(2, 8)]
    ranked = [best, *siblings]
    assert shown_flags(ranked, COMPANIONS)[:3] == [True, True, True]  # round 10: two wrong links
    assert shown_flags(ranked, OWN) == [True] + [False] * 6
    # One feature of its own, a tenth of its weight or more, is enough.
    ranked[1] = candidate(2, 0.55, 0.79, 0.67, matched=(*TEMPLATE, feature("a318", 0.9)))
    assert own_share(ranked[1], feature_holders(ranked), 3) == pytest.approx(0.9 / 8.9)
    assert shown_flags(ranked, OWN)[:3] == [True, True, False]
    ranked[1] = candidate(2, 0.55, 0.79, 0.67, matched=(*TEMPLATE, feature("a318", 0.8)))
    assert shown_flags(ranked, OWN)[:3] == [True, False, False]


def test_own_share_counts_features_at_most_shown_candidates_match():
    a, b, c = feature("a", 1.0), feature("b", 3.0), feature("c", 4.0)
    ranked = [candidate(n, 0.5, 0.5, matched=(a, b)) for n in range(1, 4)] + [
        candidate(4, 0.4, 0.5, matched=(a, c)),
        candidate(5, 0.4, 0.5, matched=(c,)),
    ]
    held = feature_holders(ranked)
    assert held == {id(a): 4, id(b): 3, id(c): 2}
    assert own_share(ranked[0], held, 3) == pytest.approx(3 / 4)  # "a" is in 4 candidates
    assert own_share(ranked[3], held, 3) == pytest.approx(4 / 5)
    assert own_share(ranked[3], held, 1) == 0.0
    assert own_share(candidate(6, 0.1, 0.1), held, 3) == 0.0  # matches nothing


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
    assert ranking.companion_own == DEFAULT.companion_own
    assert parse_related({}, Limits(), "[related]")[0].companions is False  # test half, round 11
    assert parse_related({"companions": False}, Limits(), "[related]")[0].companions is False
    with pytest.raises(ConfigError, match="companions"):
        parse_related({"companions": "yes"}, Limits(), "[related]")


def test_a_leading_group_of_four_shows_its_best_three():
    """Four articles written about one update score alike (0.90-0.81), the rest far below:
    the fourth sets `lead_bar`'s reference, so before `lead_break` none showed (their shared
    words are held by earlier coverage too: not rare); the first clear drop after rank 4
    makes the group's best three stand out."""
    scores = [0.90, 0.89, 0.87, 0.81, 0.31, 0.29, 0.28]
    four = [candidate(n, s, 0.76) for n, s in enumerate(scores)]
    assert shown_flags(four, replace(DEFAULT, lead_break=0.0)) == [False] * 7
    assert shown_flags(four, DEFAULT) == [True, True, True, False, False, False, False]
    assert break_bar(four, DEFAULT) == pytest.approx(1.15 * 0.31)


def test_scores_that_fall_away_without_a_clear_drop_show_nothing_more():
    """A template's siblings (airworthiness directives of one RIN) decline smoothly: no
    candidate from rank 4 on scores below `lead_break` of the one before, no group leads."""
    smooth = [candidate(n, 0.9 * 0.97**n, 0.5) for n in range(10)]
    assert break_bar(smooth, DEFAULT) == float("inf")
    assert shown_flags(smooth, DEFAULT) == [False] * 10
    # A drop only after the best `keep` is not looked for; a drop at rank 2 is lead_bar's.
    late = [candidate(n, s, 0.5) for n, s in enumerate([0.9, 0.88, 0.86, 0.85, 0.84, 0.83])]
    assert break_bar(late, replace(DEFAULT, keep=6)) == float("inf")
    early = [candidate(n, s, 0.5) for n, s in enumerate([0.9, 0.3, 0.29, 0.28, 0.27])]
    assert break_bar(early, DEFAULT) == float("inf")
    assert shown_flags(early, DEFAULT) == [True, False, False, False, False]  # lead_bar: 0.9 >= 1.15 * 0.28


def test_the_group_bar_keeps_the_lead_floor():
    weak = [candidate(n, s, 0.5) for n, s in enumerate([0.25, 0.24, 0.24, 0.23, 0.05])]
    assert break_bar(weak, DEFAULT) == DEFAULT.lead_floor
    assert shown_flags(weak, DEFAULT) == [False] * 5


def test_a_group_larger_than_four_does_not_lead():
    """Six candidates alike, then a drop: more often a template series than articles on one
    update (`lead_group`: the drop must come by rank 5)."""
    six = [candidate(n, s, 0.5) for n, s in enumerate([0.9, 0.89, 0.88, 0.87, 0.86, 0.85, 0.2])]
    assert break_bar(six, DEFAULT) == float("inf")
    assert shown_flags(six, DEFAULT) == [False] * 7
    assert break_bar(six, replace(DEFAULT, lead_group=10)) == pytest.approx(DEFAULT.lead_floor)
