"""Workflow controls on Slack alerts: rendered within Slack's limits, parsed back strictly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from slackapi import validate_blocks

from alerts.slack_actions import Press, add_controls, dismiss_modal, parse_dismissal, parse_press, state_line
from alerts.slack_render import render_message
from watcher.model import Alert, Change, Item, RelatedLink, SourceInfo, WorkState

SOURCE = SourceInfo(id="us-hhs-news", name="HHS news", url="https://www.hhs.gov/news")
AT = datetime(2024, 10, 21, 9, 14, tzinfo=UTC)


def change_alert(change_id: int, n_items: int = 1, **kw) -> Alert:
    items = tuple(
        Item(key=f"k{i}", title=f"HIPAA notice {i} " + "x" * 180, link=f"https://www.hhs.gov/n/{i}")
        for i in range(n_items)
    )
    change = Change(source_id=SOURCE.id, before="a", after="b", added=items, id=change_id, detected_at=AT)
    return Alert(
        key=f"regwatch:change:{change_id}:compliance",
        channel="compliance",
        source=SOURCE,
        change=change,
        **kw,
    )


def test_change_alert_gets_buttons_and_a_state_line_within_limits():
    plain = render_message(change_alert(7))
    assert not any(b["type"] == "actions" for b in plain.blocks)  # only when asked
    acked = WorkState(status="acknowledged", by_id="U0DANA01", by_name="dana", at=AT, assignee_name="lee")
    message = render_message(change_alert(7, workflow={7: acked}), controls=True)
    validate_blocks(list(message.blocks))
    assert message.blocks[-1]["block_id"].startswith("regwatch-actions-7.")
    reopened = render_message(change_alert(7), controls=True)
    assert reopened.blocks[-1]["block_id"] != message.blocks[-1]["block_id"]  # a fresh block per state
    line = message.blocks[-2]["elements"][0]["text"]
    assert (
        line
        == f"✅ Acknowledged by <@U0DANA01> · <!date^{int(AT.timestamp())}^{{time}}|2024-10-21 09:14 UTC> · 👤 Assigned to lee"
    )
    assert (
        message.blocks[: len(render_message(change_alert(7)).blocks)]
        == render_message(change_alert(7)).blocks
    )


def test_a_full_message_keeps_its_header_and_closing_line_and_stays_under_50_blocks():
    base = change_alert(8, n_items=30)
    assert base.change is not None
    change = replace(base.change, removed=base.change.added)
    documents = {item.key: "\n".join(["Covered entities must notify " * 10] * 3) for item in change.added}
    related = {
        item.key: tuple(
            RelatedLink(
                item.key, "Related guidance " + "y" * 190, f"https://edpb.europa.eu/r/{i}", "eu-edpb-news"
            )
            for i in range(3)
        )
        for item in change.added
    }
    alert = replace(base, change=change, documents=documents, related=related)
    full = render_message(alert)
    assert len(full.blocks) >= 49
    message = render_message(alert, controls=True)
    validate_blocks(list(message.blocks))
    assert len(message.blocks) <= 50
    assert message.blocks[0]["type"] == "header" and message.blocks[-1]["type"] == "actions"
    assert message.blocks[-2] == full.blocks[-1]  # "Full change: regwatch show 8" survives


def test_digest_members_each_get_their_own_menu():
    members = tuple(change_alert(i) for i in (3, 4))
    digest = Alert(
        key="regwatch:digest:x:compliance",
        channel="compliance",
        source=SourceInfo(id="", name="regwatch digest", url=""),
        batch=members,
        workflow={4: WorkState(status="dismissed", by_name="dana", at=AT, reason="<!here> not ours")},
    )
    message = render_message(digest, controls=True)
    validate_blocks(list(message.blocks))
    lines = {b["block_id"]: b for b in message.blocks if b.get("block_id", "").startswith("regwatch-member-")}
    assert set(lines) == {"regwatch-member-3", "regwatch-member-4"}
    assert lines["regwatch-member-3"]["text"]["text"].endswith("— open")
    assert "“&lt;!here&gt; not ours”" in lines["regwatch-member-4"]["text"]["text"]  # escaped, never a ping
    press = {
        "action_id": "regwatch:member",
        "block_id": "regwatch-member-4",
        "selected_option": {"value": "snooze:1w"},
    }
    assert parse_press(press) == Press(4, "snooze", snooze="1w")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ({"action_id": "regwatch:ack", "block_id": "regwatch-actions-5"}, Press(5, "ack")),
        ({"action_id": "regwatch:assign_me", "block_id": "regwatch-actions-5"}, Press(5, "assign")),
        (
            {"action_id": "regwatch:assign", "block_id": "regwatch-actions-5", "selected_user": "U0LEE001"},
            Press(5, "assign", assignee_id="U0LEE001"),
        ),
        (
            {"action_id": "regwatch:assign", "block_id": "regwatch-actions-5", "selected_user": "<!here>"},
            None,
        ),
        ({"action_id": "regwatch:dismiss", "block_id": "regwatch-actions-5"}, Press(5, "dismiss_modal")),
        (
            {
                "action_id": "regwatch:snooze",
                "block_id": "regwatch-actions-5",
                "selected_option": {"value": "1d"},
            },
            Press(5, "snooze", snooze="1d"),
        ),
        (
            {
                "action_id": "regwatch:snooze",
                "block_id": "regwatch-actions-5",
                "selected_option": {"value": "99y"},
            },
            None,
        ),
        (
            {
                "action_id": "regwatch:snooze_until",
                "block_id": "regwatch-actions-5",
                "selected_date": "2031-01-02",
            },
            Press(5, "snooze", snooze="2031-01-02"),
        ),
        ({"action_id": "regwatch:ack", "block_id": "regwatch-actions-x5"}, None),
        ({"action_id": "other:ack", "block_id": "regwatch-actions-5"}, None),
    ],
)
def test_presses_are_parsed_strictly(action, expected):
    assert parse_press(action) == expected


def test_the_reason_modal_round_trips():
    view = dismiss_modal(9, "C0COMPLY01", "1700000000.000100")
    view["state"] = {"values": {"reason": {"reason": {"value": "Other sector"}}}}
    assert parse_dismissal(view) == (
        Press(9, "dismiss", reason="Other sector"),
        "C0COMPLY01",
        "1700000000.000100",
    )
    assert parse_dismissal({**view, "private_metadata": "{not json"}) is None


def test_state_lines_escape_names_and_show_snoozes():
    line = state_line(WorkState(status="snoozed", by_name="<b>eve</b>", at=AT, until=AT))
    assert line.startswith("💤 Snoozed by &lt;b&gt;eve&lt;/b&gt; until <!date^")
    assert state_line(WorkState()) == ""
    assert add_controls([], Alert(key="k", channel="c", source=SOURCE)) == []
