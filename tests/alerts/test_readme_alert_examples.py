"""The README's alert examples are what regwatch renders for that edit (they cannot drift):
Article 33(1) of the GDPR (real EUR-Lex capture) with its deadline rewritten."""

from __future__ import annotations

import difflib
from pathlib import Path

import lxml.html

from alerts.render import render_text
from alerts.slack_render import render_message
from watcher.model import Alert, Change, SourceInfo

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CHANNELS_GUIDE = (ROOT / "docs" / "guide" / "channels.md").read_text(encoding="utf-8")
PAGE = ROOT / "tests" / "pages" / "eurlex" / "gdpr-articles-5-32-34.html"


def example_alert() -> Alert:
    paragraphs = [
        " ".join(p.text_content().split()) for p in lxml.html.fromstring(PAGE.read_bytes()).iter("p")
    ]
    at = next(i for i, p in enumerate(paragraphs) if p.startswith("1. In the case of a personal data breach"))
    old = paragraphs[at]
    new = old.replace("not later than 72 hours after having become aware of it", "within seventy-two hours")
    around = paragraphs[at - 1 : at + 2]  # with the article's title above it, as a check's diff has
    diff = tuple(
        line
        for line in difflib.unified_diff(around, [new if p == old else p for p in around], lineterm="", n=1)
        if not line.startswith(("---", "+++"))
    )
    source = SourceInfo(
        "eu-eurlex-gdpr",
        "EUR-Lex: GDPR",
        "https://eur-lex.europa.eu/eli/reg/2016/679/oj/eng",
        jurisdiction="EU",
        tags=("gdpr",),
    )
    change = Change("eu-eurlex-gdpr", "a", "b", diff=diff, summary="text edited (+1 / -1 lines)", id=42)
    return Alert("k", "c", source, change=change)


def test_console_example_is_the_rendering():
    assert render_text(example_alert()) in README
    assert render_text(example_alert()) in CHANNELS_GUIDE


def test_slack_example_is_the_rendering():
    (text,) = [
        b["text"]["text"] for b in render_message(example_alert()).blocks if "Page text changed" in str(b)
    ]
    assert text in README and text in CHANNELS_GUIDE
