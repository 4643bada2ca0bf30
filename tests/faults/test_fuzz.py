"""Untrusted content, fuzzed with hypothesis through extract -> diff -> render.

Random HTML (nested structure, hostile attributes, Unicode, control characters,
character references to control characters, bidi overrides, huge lines, Slack markup
look-alikes) is read by the `page` and `listing` kinds, diffed and rendered. Properties:

- no exception escapes a source kind except `ExtractError` (anything else is a bug);
- the console rendering carries no control sequence from content: no ESC, no C0/C1
  control other than newline, no bidi override or isolate, and no line of its own
  (content cannot forge a "[regwatch] ..." headline);
- Slack messages (when the Slack channel exists) carry no mention or link markup built
  from content: no `<!`, `<@`, `<#`, and every `<...>` link points to a URL the service
  took from the source config or from a validated item link.
"""

from __future__ import annotations

import html as htmlmod
import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from httpserve import LocalServer, Reply, Request, json_reply
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.registry import CHANNELS
from alerts.render import render_text
from sources.listing import Listing, ListingOptions
from sources.page import Page, PageOptions
from watcher.check.diff import diff
from watcher.config import build_dataclass
from watcher.errors import ExtractError
from watcher.model import Alert, Change, FetchResult, Snapshot, Source, SourceInfo

BASE = "https://regulator.example/news/"
EXAMPLES = int(os.environ.get("REGWATCH_FUZZ_EXAMPLES", "200"))  # more for a deep run
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U024BE7LH>",
    "<#C024BE7LR>",
    "<http://evil.example|click here>",
    "<https://evil.example>",
    "&lt;!channel&gt;",
    "&#60;!here&#62;",
    "\x1b[31mRED\x1b[0m",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\x1b[2J\x1b[H",
    "&#27;[2J",
    "&#x9b;31m",
    "&#x202e;",
    "&#128;",
    "&#0;",
    "\x9b31m",
    "\u202egnp.exe",
    "\u2066isolate\u2069",
    "\r[regwatch] Fake source: CHANGED",
    "\n[regwatch] Forged headline\n",
    "\u2028line separator",
    "*bold* _it_ ~strike~ `code` ```block```",
    "ｓｌａｃｋ",
    "\ufeff\u200b\u200f",
    "ℌ𝔢𝔩𝔩𝔬 😀 中文 العربية",
]
HREFS = [
    "/doc/1.pdf",
    "https://regulator.example/a?utm_source=x#frag",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "http://evil.example/",
    "https://regulator.example/a|<!channel>",
    "https://regulator.example/a><!here>",
    "http://x.example/\x1b[31m",
    "  /with spaces and\ttabs\n",
    "//evil.example/path",
    "http://[::1",
    "https://regulator.example/\u202e/fdp.exe",
    "mailto:x@example.com",
    "",
]
TAGS = [
    "div",
    "p",
    "span",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "time",
    "main",
    "table",
    "tr",
    "td",
    "pre",
    "b",
    "section",
]
DROPPED = ["script", "style", "template", "noscript"]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.integers(1000, 60_000).map(lambda n: "L" * n),  # a huge line
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=10)),
)


def raw_or_escaped(value: str, escape: bool) -> str:
    return htmlmod.escape(value) if escape else value


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS + DROPPED if depth else TAGS))
    attrs = ""
    if draw(st.booleans()):
        attrs += f' class="{draw(st.sampled_from(["news", "item", "", "x y"]))}"'
    if tag == "a" or draw(st.integers(0, 5)) == 0:
        attrs += f' href="{htmlmod.escape(draw(st.sampled_from(HREFS)), quote=True)}"'
    if tag == "time" and draw(st.booleans()):
        attrs += f' datetime="{draw(st.sampled_from(["2024-10-01", "yesterday", "9999-99-99", ""]))}"'
    escape = draw(st.booleans())
    children = []
    for _ in range(draw(st.integers(0, 3 if depth < 3 else 0))):
        if draw(st.booleans()):
            children.append(draw(element(depth + 1)))
        else:
            children.append(raw_or_escaped(draw(text), escape))
    close = f"</{tag}>" if draw(st.integers(0, 4)) else ""  # sometimes left open
    return f"<{tag}{attrs}>{''.join(children)}{close}"


documents = st.one_of(
    st.lists(element(), min_size=0, max_size=5).map(lambda parts: "<html><body>" + "".join(parts)),
    st.lists(element(), min_size=1, max_size=4).map("".join),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
)
bodies = st.tuples(documents, st.sampled_from(["utf-8", "latin-1", "cp1252", None]))

PAGE = Source(id="fuzz-page", url=BASE, kind="page", name="Fuzz page", options=PageOptions(select="body"))
LISTING = Source(
    id="fuzz-listing",
    url=BASE,
    kind="listing",
    name="Fuzz listing",
    options=ListingOptions(select="li, .item", title="a", link="a", date="time"),
)
KINDS = ((Page(), PAGE), (Listing(), LISTING))


def fetched(document: str, charset: str | None) -> FetchResult:
    body = document.encode(charset or "utf-8", errors="replace")
    content_type = "text/html" + (f"; charset={charset}" if charset else "")
    return FetchResult(
        url=BASE, final_url=BASE, status=200, headers={"content-type": content_type}, body=body
    )


def extract(kind: Any, source: Source, body: tuple[str, str | None]) -> Snapshot:
    """Extract, turning the expected error into an empty snapshot; any other exception fails."""
    try:
        return kind.extract(fetched(*body), source)
    except ExtractError:
        return Snapshot()


def changes(before: tuple[str, str | None], after: tuple[str, str | None]) -> Iterator[tuple[Source, Change]]:
    for kind, source in KINDS:
        change = diff(source.id, extract(kind, source, before), extract(kind, source, after))
        if change is not None:
            yield source, Change(**{**change.__dict__, "id": 7})


def alert(source: Source, change: Change, channel: str = "console") -> Alert:
    info = SourceInfo(id=source.id, name=source.name, url=source.url, tags=("hipaa",), jurisdiction="US")
    return Alert(key=f"regwatch:change:7:{channel}", channel=channel, source=info, change=change)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=bodies, after=bodies)
def test_console_rendering_carries_no_control_sequence_from_content(before, after):
    for source, change in changes(before, after):
        output = render_text(alert(source, change))
        assert not FORBIDDEN.search(output), repr(FORBIDDEN.search(output))
        lines = output.split("\n")
        assert lines[0].startswith("[regwatch] ")
        assert all(line.startswith("  ") for line in lines[1:]), "content forged a line of its own"


# -- Slack ------------------------------------------------------------------------------


class SlackApi:
    """The smallest Slack-Web-API look-alike: every method answers ok; payloads are kept."""

    ANSWER = json.dumps(
        {
            "ok": True,
            "channel": "C0FUZZ",
            "ts": "1700000000.000100",
            "permalink": "https://slack.example/archives/C0FUZZ/p1",
            "messages": [],
        }
    )

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.http = LocalServer(self._respond)

    @property
    def url(self) -> str:
        return self.http.url("/api/")

    def close(self) -> None:
        self.http.close()

    def _respond(self, request: Request) -> Reply:
        if request.path.endswith("chat.postMessage"):
            self.payloads.append(json.loads(request.body))
        return json_reply(self.ANSWER)


@pytest.fixture(scope="module")
def slack_api() -> Iterator[SlackApi]:
    api = SlackApi()
    yield api
    api.close()


def mrkdwn_texts(payload: dict[str, Any]) -> Iterator[str]:
    """Every string Slack would parse as mrkdwn: the fallback `text` and mrkdwn text objects."""
    if isinstance(payload.get("text"), str):
        yield payload["text"]
    yield from mrkdwn_objects(payload.get("blocks") or [])
    yield from mrkdwn_objects(payload.get("attachments") or [])


def mrkdwn_objects(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for child in value.values():
            yield from mrkdwn_objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from mrkdwn_objects(child)


def allowed_links(source: Source, change: Change) -> set[str]:
    items = [
        *change.added,
        *change.removed,
        *(c.after for c in change.changed),
        *(c.before for c in change.changed),
    ]
    return {source.url} | {i.link for i in items if i.link}


def link_is_service_built(target: str, allowed: set[str]) -> bool:
    url = htmlmod.unescape(target)
    return url.startswith(("http://", "https://")) and (
        url in allowed or unquote(url) in {unquote(a) for a in allowed}
    )


@pytest.mark.skipif("slack" not in CHANNELS, reason="needs the Slack channel (issue #4)")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=bodies, after=bodies)
def test_slack_messages_carry_no_mention_or_link_from_content(slack_api, before, after):
    cls = CHANNELS["slack"]
    options = build_dataclass(
        cls.Options,
        {"slack_channel": "#fuzz", "token_env": "SLACK_BOT_TOKEN", "api_url": slack_api.url},
        "fuzz slack channel",
    )
    channel = cls("slack", options, env={"SLACK_BOT_TOKEN": "xoxb-fuzz-token"})
    try:
        for source, change in changes(before, after):
            slack_api.payloads.clear()
            channel.send(alert(source, change, "slack"))
            assert slack_api.payloads, "the Slack channel posted nothing"
            allowed = allowed_links(source, change)
            for payload in slack_api.payloads:
                for text in mrkdwn_texts(payload):
                    for marker in ("<!", "<@", "<#"):
                        assert marker not in text, (marker, text)
                    for target in re.findall(r"<([^<>|]*)(?:\|[^<>]*)?>", text):
                        assert link_is_service_built(target, allowed), (target, text)
                    assert not FORBIDDEN.search(text), repr(text)
    finally:
        channel.close()
