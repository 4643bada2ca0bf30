"""Escaping untrusted text for Slack mrkdwn and building links only from safe URLs."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.mrkdwn import code, escape, link, safe_url
from alerts.slack_render import MAX_BLOCKS, MAX_HEADER, MAX_SECTION, render_message
from watcher.model import Alert, Change, HealthEvent, Item, SourceInfo

# Slack control sequences: mentions, channel links, special commands, links.
MARKUP = re.compile(r"<[!@#][^>]*>|<(?:https?|mailto|javascript|ftp):[^>]*>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123|boss>", "&lt;@U123|boss&gt;"),
        ("<#C123>", "&lt;#C123&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;!here&gt;", "&amp;lt;!here&amp;gt;"),  # pre-escaped text cannot sneak through
        ("left\u202eright\x1b[31m\x07", "leftright"),  # bidi override, ANSI, control chars
        ("हिन्दी \u200d", "हिन्दी \u200d"),  # joiners used by Indic scripts stay
        (None, ""),
    ],
)
def test_escape(text, expected):
    assert escape(text) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.hhs.gov/hipaa/a.pdf?x=1&y=2", True),
        ("http://example.gov/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("https://evil.example|here", False),
        ("https://a.example/<!channel>", False),
        ("https://a.example/x y", False),
        ("//no-scheme.example/", False),
        ("https:///nohost", False),
        ("https://a.example/" + "x" * 5000, False),
        ("https://a.example/\u202egpj.exe", False),
        ("", False),
    ],
)
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok


def test_links_escape_their_label_and_reject_bad_targets():
    assert (
        link("https://a.gov/?a=1&b=2", "<b>R&D</b>")
        == "<https://a.gov/?a=1&amp;b=2|&lt;b&gt;R&amp;D&lt;/b&gt;>"
    )
    assert link("https://evil.example|here", "Click") == "Click (https://evil.example|here)"
    assert "<" not in link("javascript:alert(1)", "x")
    assert code("a`b`c") == "`a'b'c`"


def alert_with(title: str, name: str = "Regulator", link_: str = "https://r.gov/a", diff=()) -> Alert:
    item = Item("k", title, link_, title[:20])
    return Alert(
        key="regwatch:change:1:c",
        channel="c",
        source=SourceInfo("s", name, "https://r.gov/", tags=(title[:10],), jurisdiction=title[:3]),
        change=Change("s", "a", "b", added=(item,), changed=(), diff=tuple(diff), id=1),
        documents={"k": title},
    )


def strings(message) -> list[str]:
    found = [message.text]

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "text" and isinstance(inner, str):
                    found.append(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(list(message.blocks))
    return found


pieces = st.sampled_from(
    [
        *"<>&|!@#*_~`:/ ae\n\u202e\x00é",
        "http://",
        "https://x.gov",
        "<!channel>",
        "<@U1>",
        "javascript:",
        "&lt;",
    ]
)
hostile = st.lists(pieces, max_size=120).map("".join)


@settings(max_examples=150, deadline=None)
@given(title=hostile, name=hostile, url=hostile, diff=st.lists(hostile, max_size=30))
def test_no_content_can_produce_mentions_or_links(title, name, url, diff):
    message = render_message(alert_with(title, name, url, [f"+{d}" for d in diff]))
    own_links = {f"<{u}|" for u in ("https://r.gov/",)}
    for text in strings(message):
        for found in MARKUP.findall(text):
            assert (
                found.startswith("<!date^")
                or any(found.startswith(o) for o in own_links)
                or found.startswith("<" + (safe_url(url) or "\0") + "|")
            ), found
    assert len(message.blocks) <= MAX_BLOCKS
    for block in message.blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION


def test_health_messages_say_broken_and_recovered():
    source = SourceInfo("s", "HHS <news>", "https://r.gov/")
    broken = render_message(
        Alert("k1", "c", source, health=HealthEvent("s", "broken", "http: HTTP 500 <!here>", failures=3))
    )
    assert broken.blocks[0]["text"]["text"] == "⚠️ Source broken: HHS &lt;news&gt;"
    assert "`http: HTTP 500 &lt;!here&gt;`" in broken.blocks[2]["text"]["text"]
    assert broken.blocks[0]["block_id"] == "k1"
    recovered = render_message(Alert("k2", "c", source, health=HealthEvent("s", "recovered", "ok")))
    assert recovered.blocks[0]["text"]["text"] == "✅ Source recovered: HHS &lt;news&gt;"
    assert recovered.text.startswith("Source recovered")


def test_a_digest_of_many_changes_stays_one_valid_message():
    members = tuple(
        Alert(
            f"m{i}",
            "c",
            SourceInfo(f"s{i}", f"Source {i}", f"https://r{i}.gov/"),
            change=Change(
                f"s{i}",
                "a",
                "b",
                added=tuple(Item(str(j), f"Doc {j} " * 10, f"https://r{i}.gov/{j}") for j in range(20)),
                id=i,
            ),
        )
        for i in range(300)
    )
    message = render_message(Alert("d", "c", SourceInfo("", "regwatch digest", ""), batch=members))
    assert len(message.blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in message.blocks if b["type"] == "section")
    assert message.blocks[0]["text"]["text"] == "regwatch digest: 300 change(s) in 300 source(s)"
    assert "more: see `regwatch history`" in strings(message)[-2] or "more" in " ".join(strings(message))


def test_page_edit_shows_the_changed_words_and_the_way_to_the_full_change():
    diff = [" context", "-Old rule: notify within 60 days", "+New rule: notify within 30 days ```x```"] + [
        f"+line {i}" for i in range(40)
    ]
    alert = alert_with("t", diff=diff)
    alert = Alert(
        alert.key, alert.channel, alert.source, change=Change("s", "a", "b", diff=tuple(diff), id=9)
    )
    message = render_message(alert)
    body = "\n".join(strings(message))
    # The removed and added line are one edit: its changed words are marked, not two lines.
    assert "✎ ~Old~ *New* rule: notify within ~60~ *30* days *```x```*" in body
    assert " context" not in body
    assert "more changed line(s): `regwatch show 9`" in body
