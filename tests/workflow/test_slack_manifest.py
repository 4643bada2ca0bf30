"""The shipped Slack app manifest asks for exactly the scopes of the API methods the code calls."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "alerts" / "slack_manifest.yaml"
# Slack Web API method -> the bot scopes it needs (api.slack.com/methods; "" = none).
METHOD_SCOPES = {
    "auth.test": set(),
    "chat.getPermalink": set(),
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "users.info": {"users:read"},
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.list": {"usergroups:read"},
    "views.open": set(),
}
CALL = re.compile(
    r"""(?:\.|\("|, ")((?:apps|auth|chat|conversations|users|usergroups|views)_[A-Za-z_]+)(?:\(|")"""
)


def called_methods() -> set[str]:
    found = set()
    for path in [*ROOT.joinpath("alerts").rglob("*.py"), *ROOT.joinpath("watcher").rglob("*.py")]:
        for name in CALL.findall(path.read_text(encoding="utf-8")):
            found.add(name.replace("_", "."))
    return found


def test_manifest_scopes_match_the_methods_called():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    methods = called_methods()
    assert {"chat.update", "chat.postEphemeral", "views.open", "usergroups.users.list"} <= methods
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    needed = set().union(*(METHOD_SCOPES[m] for m in methods))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_turns_on_interactivity_and_socket_mode():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "regwatch"
