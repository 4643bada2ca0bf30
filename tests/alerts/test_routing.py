"""Routing: which channels hear about a change, with inclusions, exclusions and priorities."""

from __future__ import annotations

import pytest

from alerts.routing import Match, route
from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.model import Source

HHS = Source(
    "us-hhs-hipaa-news", "https://www.hhs.gov/n", "listing", tags=("hipaa", "privacy"), jurisdiction="US"
)
FR = Source(
    "us-fr-hipaa",
    "https://www.federalregister.gov/x",
    "json",
    tags=("hipaa",),
    jurisdiction="US",
    priority="low",
)
EDPB = Source(
    "eu-edpb-news", "https://www.edpb.europa.eu/n", "feed", tags=("gdpr",), jurisdiction="EU", priority="high"
)
RELATED = Source("us-news", "https://ex.com/n", "feed", role="related")


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        (Match(), {HHS.id, FR.id, EDPB.id}),
        (Match(tags=("HIPAA",)), {HHS.id, FR.id}),
        (Match(not_tags=("privacy",)), {FR.id, EDPB.id}),
        (Match(jurisdictions=("us",), not_sources=("us-fr-*",)), {HHS.id}),
        (Match(not_jurisdictions=("EU",)), {HHS.id, FR.id}),
        (Match(priorities=("high", "normal")), {HHS.id, EDPB.id}),
        (Match(priorities=("low",)), {FR.id}),
        (Match(tags=("hipaa",), not_tags=("hipaa",)), set()),  # an exclusion beats an inclusion
    ],
)
def test_match(match, expected):
    assert {s.id for s in (HHS, FR, EDPB) if match.matches(s)} == expected


def test_related_sources_never_route():
    class Channel:
        id, match, health = "all", Match(), False

    assert route(RELATED, [Channel()]) == []
    assert route(HHS, [Channel()]) == ["all"]


def test_exclusions_and_priority_from_toml():
    config = parse_config(
        {
            "sources": [
                {
                    "id": "us-hhs-hipaa-news",
                    "url": "https://www.hhs.gov/n",
                    "kind": "listing",
                    "select": "li",
                    "tags": ["hipaa"],
                },
                {
                    "id": "us-fr-hipaa",
                    "url": "https://www.federalregister.gov/x",
                    "kind": "json",
                    "priority": "low",
                },
            ],
            "channels": [
                {
                    "id": "realtime",
                    "kind": "console",
                    "match": {"not_sources": ["us-fr-*"], "priorities": ["high", "normal"]},
                },
                {"id": "low", "kind": "console", "match": {"priorities": ["low"]}},
            ],
        },
        path=None,
    )
    by_id = {s.id: s for s in config.sources}
    assert route(by_id["us-hhs-hipaa-news"], config.channels) == ["realtime"]
    assert route(by_id["us-fr-hipaa"], config.channels) == ["low"]


def test_a_bad_priority_names_the_choices():
    with pytest.raises(ConfigError, match="priority: must be one of 'high', 'normal', 'low', not 'urgent'"):
        parse_config(
            {"sources": [{"id": "a-b-c", "url": "https://ex.gov/", "kind": "page", "priority": "urgent"}]},
            path=None,
        )


def test_routes_decide_change_and_health_alerts_in_one_place():
    from alerts.routing import Routes

    config = parse_config(
        {
            "channels": [
                {"id": "hipaa", "kind": "console", "match": {"tags": ["hipaa"]}},
                {"id": "eu", "kind": "console", "match": {"jurisdictions": ["EU"]}, "health": False},
            ]
        },
        path=None,
    )
    routes = Routes(config.channels)
    assert routes.changes(HHS) == ["hipaa"]
    assert routes.changes(EDPB) == ["eu"]
    assert routes.changes(RELATED) == []  # related-article sources never alert
    assert routes.health == ("hipaa",)  # every channel with health = true
    assert Routes(config.channels, health_only=("eu",)).health == ("eu",)  # [health] channels


def test_an_unknown_failure_reason_is_a_bug_not_a_new_category():
    from watcher.errors import FetchError, Reason

    assert FetchError("x", reason=Reason.TIMEOUT).reason == "timeout"
    with pytest.raises(ValueError):
        FetchError("x", reason="nonsense")  # type: ignore[arg-type]
