"""Buttons pressed in Slack reach `regwatch run` over Socket Mode (slack-sdk's aiohttp client
against the local double's WebSocket) and are checked, recorded once and shown in place."""

from __future__ import annotations

from pathlib import Path

from servicerun import Service, db_rows, wait_for
from workflowcase import APP_ENV, button, make_change, press


def audit(tmp_path: Path) -> list[tuple]:
    return db_rows(
        tmp_path / "regwatch.db",
        "SELECT action, user_id, user_name, assignee_id, assignee_name, reason, via, team_id, slack_channel"
        " FROM alert_actions ORDER BY id",
    )


def test_button_presses_over_socket_mode(site, cli, slack, tmp_path):
    config = make_change(
        site,
        cli,
        tmp_path,
        slack=slack,
        app={"allowed_users": ["U0DANA01"], "allowed_usergroups": ["@compliance"]},
    )
    (message,) = slack.messages("C0COMPLY01")
    ts = message["ts"]
    service = Service(config, env=APP_ENV).wait_started()
    try:
        wait_for(
            lambda: slack.socket is not None and slack.socket.connected.is_set(), 20, "a Socket Mode client"
        )
        assert slack.method_calls("apps.connections.open") == 1

        # An allowed user acknowledges: acked at once, one audit row, the message rewritten.
        envelope = slack.socket.push(press(ts, button("ack"), name="dana"))
        assert slack.socket.wait_ack(envelope) == {"envelope_id": envelope}
        wait_for(lambda: slack.method_calls("chat.update") == 1, 20, "chat.update")
        assert audit(tmp_path) == [
            ("ack", "U0DANA01", "dana", "", "", "", "slack-socket", "T0TEST", "C0COMPLY01")
        ]
        (updated,) = slack.messages("C0COMPLY01")
        assert updated["ts"] == ts
        state = next(b for b in updated["blocks"] if b.get("block_id") == "regwatch-state-1")
        assert state["elements"][0]["text"].startswith("✅ Acknowledged by <@U0DANA01> · <!date^")

        # Someone not allowed: an ephemeral refusal, nothing recorded or rewritten.
        envelope = slack.socket.push(press(ts, button("ack"), user="U0EVE001", name="eve"))
        assert slack.socket.wait_ack(envelope)
        wait_for(lambda: slack.ephemerals, 20, "an ephemeral refusal")
        (refusal,) = slack.ephemerals
        assert refusal["user"] == "U0EVE001" and refusal["channel"] == "C0COMPLY01"
        assert "not allowed to acknowledge" in refusal["text"]

        # Another workspace, or a message regwatch did not post: ignored.
        slack.socket.wait_ack(slack.socket.push(press(ts, button("ack"), team="T0OTHER")))
        slack.socket.wait_ack(slack.socket.push(press("1700000000.000100", button("ack"))))

        # A member of the allowed user group assigns the change to dana (users_select).
        choose = {"type": "users_select", "action_id": "regwatch:assign", "block_id": "regwatch-actions-1"}
        slack.socket.push(press(ts, {**choose, "selected_user": "U0DANA01"}, user="U0LEE001", name="lee"))
        wait_for(lambda: len(audit(tmp_path)) == 2, 20, "the assignment")
        assert audit(tmp_path)[1][:5] == ("assign", "U0LEE001", "lee", "U0DANA01", "dana")

        # Not relevant: a modal asks for a reason; its submission dismisses the change.
        slack.socket.push(press(ts, button("dismiss"), name="dana"))
        wait_for(lambda: slack.views, 20, "the reason modal")
        (view,) = slack.views
        submission = {
            "type": "view_submission",
            "team": {"id": "T0TEST"},
            "user": {"id": "U0DANA01", "username": "dana", "team_id": "T0TEST"},
            "view": {
                **view,
                "state": {
                    "values": {"reason": {"reason": {"type": "plain_text_input", "value": "Not our sector"}}}
                },
            },
        }
        slack.socket.wait_ack(slack.socket.push(submission))
        wait_for(lambda: len(audit(tmp_path)) == 3, 20, "the dismissal")
        assert audit(tmp_path)[2][:6] == ("dismiss", "U0DANA01", "dana", "", "", "Not our sector")
        wait_for(lambda: slack.method_calls("chat.update") == 3, 20, "the third rewrite")
        assert len(slack.ephemerals) == 1  # the other workspace and the unknown message got nothing
        (final,) = slack.messages("C0COMPLY01")
        line = next(b for b in final["blocks"] if b.get("block_id") == "regwatch-state-1")["elements"][0][
            "text"
        ]
        assert "🚫 Not relevant — <@U0DANA01>" in line and "“Not our sector”" in line
        assert "👤 Assigned to <@U0DANA01>" in line
    finally:
        assert service.stop() == 0, service.stderr
    assert "Traceback" not in service.stderr
