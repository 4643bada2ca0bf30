"""Reminder offsets per match (`[[reminders.rules]]`): a rule selecting some documents (by
source match, kind of date, document type, channel) overrides the channel's offsets; with the
clock moved forward each goes out once per document and offset, also through kills."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from clirun import run_remind
from frfacts import FR, fr_source, page
from slackapi import TOKEN

from watcher.config import parse_config
from watcher.dates.reminders import DateRow, Offsets, has_reminders, plan, routes_for
from watcher.errors import ConfigError
from watcher.model import Source

DAY = timedelta(days=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the pure planner ------------------------------------------------------------------------


def dated(row_id: int, on: str, kind: str, type_: str) -> DateRow:
    return DateRow(
        id=row_id,
        source_id="s",
        on=date.fromisoformat(on),
        first_seen=at("2024-01-02T09:00"),
        change_id=3,
        kind=kind,
        type=type_,
    )


def test_plan_takes_the_first_rule_that_fits_the_date_else_the_default():
    offsets = Offsets(
        default=(DAY,),
        rules=(
            (frozenset({"comment"}), frozenset({"proposed rule"}), (14 * DAY, 3 * DAY)),
            (frozenset(), frozenset({"notice"}), ()),  # no reminders for notices
        ),
    )
    rows = [
        dated(1, "2024-02-12", "comment", "Proposed Rule"),
        dated(2, "2024-02-12", "effective", "Proposed Rule"),
        dated(3, "2024-02-12", "comment", "Notice"),
        dated(4, "2024-02-12", "comment", ""),
    ]
    subjects = [p.subject for p in plan(rows, {"s": [("slack", offsets)]}, at("2024-02-11T08:00"))]
    assert subjects == [
        "reminder:1:2024-02-12:14d",
        "reminder:1:2024-02-12:3d",
        "reminder:2:2024-02-12:1d",
        "reminder:4:2024-02-12:1d",
    ]


def test_a_rule_without_offsets_sends_no_correction_either():
    moved = DateRow(
        id=5,
        source_id="s",
        on=date(2024, 2, 20),
        first_seen=at("2024-01-02T09:00"),
        moved_at=at("2024-02-01T10:00"),
        previous_on=date(2024, 2, 12),
        kind="comment",
        type="Notice",
    )
    off = Offsets(default=(DAY,), rules=((frozenset(), frozenset({"notice"}), ()),))
    assert plan([moved], {"s": [("slack", off)]}, at("2024-02-01T10:05")) == []
    on = Offsets(default=(DAY,))
    assert [p.subject for p in plan([moved], {"s": [("slack", on)]}, at("2024-02-01T10:05"))] == [
        "correction:5:2024-02-20"
    ]


# -- config and routes -----------------------------------------------------------------------


CHANNELS = [
    {"id": "compliance", "kind": "console", "reminders": ["2d"]},
    {"id": "legal", "kind": "console"},
]


def config(rules: list[dict], before: tuple[str, ...] = ("1d",)):
    return parse_config(
        {"reminders": {"before": list(before), "rules": rules}, "channels": CHANNELS}, path=None
    )


def source(source_id: str, jurisdiction: str = "US", tags: tuple[str, ...] = ()) -> Source:
    return Source(id=source_id, url="https://example.org/", kind="html", jurisdiction=jurisdiction, tags=tags)


def offsets_of(cfg, src: Source, row: DateRow) -> dict[str, list[str]]:
    return {
        channel: [f"{int(o / DAY)}d" for o in chosen.of(row)]
        for channel, chosen in routes_for(cfg, [src])[src.id]
    }


def test_rules_override_channel_and_default_offsets_by_match_and_channel():
    cfg = config(
        [
            {"match": {"jurisdictions": ["EU"]}, "channels": ["legal"], "before": ["30d"]},
            {"match": {"tags": ["privacy"]}, "kinds": ["comment"], "before": ["14d", "3d"]},
        ]
    )
    comment = dated(1, "2024-06-01", "comment", "Consultation")
    effective = dated(2, "2024-06-01", "effective", "Regulation")
    eu = source("eu-edpb-news", "EU", ("privacy",))
    # EU on legal: the first rule; EU on compliance: the privacy rule for comments only.
    assert offsets_of(cfg, eu, comment) == {"compliance": ["14d", "3d"], "legal": ["30d"]}
    assert offsets_of(cfg, eu, effective) == {"compliance": ["2d"], "legal": ["30d"]}
    us = source("us-hhs-news", "US")  # no rule fits: the channel's own, else [reminders]
    assert offsets_of(cfg, us, comment) == {"compliance": ["2d"], "legal": ["1d"]}


def test_rules_alone_turn_reminders_on():
    cfg = parse_config({"reminders": {"rules": [{"match": {"tags": ["x"]}, "before": ["1d"]}]}}, path=None)
    assert has_reminders(cfg)
    assert not has_reminders(parse_config({}, path=None))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"befor": ["1d"]}, "rules[0]: unknown key 'befor' (did you mean 'before'?)"),
        ({"before": ["1d"], "kinds": ["deadline"]}, "kinds[0]: must be one of 'comment', 'effective'"),
        ({"before": ["0d"]}, "must be a positive duration"),
        ({"before": ["1d"], "channels": ["legl"]}, "unknown channel 'legl' (did you mean 'legal'?)"),
        ({"before": ["1d"], "match": {"tag": ["x"]}}, "unknown key 'tag' (did you mean 'tags'?)"),
        ({"kinds": ["comment"]}, "rules[0]: missing required key 'before'"),
    ],
)
def test_bad_rules_are_config_errors_that_name_the_fix(rule, message):
    with pytest.raises(ConfigError, match="reminders") as caught:
        config([rule])
    assert message in str(caught.value)


# -- end to end, the clock moved forward ----------------------------------------------------


def test_per_match_reminders_go_out_once_per_channel_through_kills(site, slack, config_file):
    site.set("/api/documents.json", page([]), content_type="application/json")
    channel = {"kind": "slack", "api_url": slack.api_url}
    cfg = config_file(
        sources=[fr_source(site.url("/api/documents.json"), regulator=None)],
        channels=[
            {"id": "compliance", "slack_channel": "#compliance-alerts", "reminders": ["1d"], **channel},
            {"id": "legal", "slack_channel": "#privacy", **channel},
        ],
        reminders={
            "before": ["1d"],
            "rules": [
                # Proposed rules' comment deadlines, on compliance only: 14 and 3 days ahead.
                {
                    "match": {"jurisdictions": ["US"]},
                    "channels": ["compliance"],
                    "kinds": ["comment"],
                    "types": ["proposed rule"],
                    "before": ["14d", "3d"],
                },
                # Notices (their deadline read from text): none, on every channel.
                {"match": {"sources": ["us-fr-*"]}, "types": ["Notice"], "before": []},
            ],
        },
    )

    def run(moment: str, *more: str, crash: str = "") -> subprocess.CompletedProcess[str]:
        return run_remind(cfg, moment, *more, env={"SLACK_BOT_TOKEN": TOKEN}, crash=crash)

    def replies(name: str) -> list[str]:
        return [m["text"] for m in slack.messages(name) if m.get("thread_ts")]

    run("2024-01-10T09:00:00+00:00", "check")  # baseline: nothing listed yet
    # Two rules taking effect 1 Feb, a proposed rule whose comments close 12 Feb, and a
    # notice whose comments close 5 Mar (from its DATES text).
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    run("2024-01-12T10:00:00+00:00", "check")
    assert len(slack.messages("compliance-alerts")) == len(slack.messages("privacy")) == 1

    # 29 Jan: 14 days before the proposed rule's deadline (the rule), on compliance only;
    # killed after claiming it.
    run("2024-01-29T01:00:00+00:00", crash="after_claim:1")
    run("2024-01-29T01:00:00+00:00")
    (first,) = replies("compliance-alerts")
    assert "Comments close in 14 days (Mon 12 Feb 2024)" in first
    assert replies("privacy") == []
    # 31 Jan: 1 day before the rules take effect, on both (the channel's and the default offsets);
    # killed after Slack accepted one, before it was recorded.
    run("2024-01-31T00:30:00+00:00", crash="after_send:1")
    run("2024-01-31T00:30:00+00:00")
    assert len(replies("compliance-alerts")) == 3
    assert len(replies("privacy")) == 2
    # 9 Feb: 3 days before the deadline (the rule, compliance); 11 Feb: 1 day before it on
    # privacy (the default), not on compliance (the rule overrides its "1d").
    run("2024-02-09T01:00:00+00:00")
    run("2024-02-11T01:00:00+00:00")
    run("2024-02-11T02:00:00+00:00")
    assert sum("Comments close in 3 days" in t for t in replies("compliance-alerts")) == 1
    assert not any("Comments close tomorrow" in t for t in replies("compliance-alerts"))
    assert sum("Comments close tomorrow" in t for t in replies("privacy")) == 1
    # 4 Mar: the notice's deadline tomorrow: its rule turns reminders off everywhere.
    run("2024-03-04T01:00:00+00:00")
    assert len(replies("compliance-alerts")) == 4
    assert len(replies("privacy")) == 3
    for name in ("compliance-alerts", "privacy"):
        assert set(Counter(slack.keys(name)).values()) == {1}  # never twice
