"""The summary parts on their own: grounding, safety, the extractive line, and the client
against a local OpenAI-compatible server (tests/support/openaiapi.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from openaiapi import ModelServer

from watcher.model import Change, Item, ItemChange, SourceInfo
from watcher.summary.client import Summarizer
from watcher.summary.extractive import extractive_summary, text_edits
from watcher.summary.grounding import cut_at_sentence, grounded_input, parse_importance
from watcher.summary.safety import clean_summary
from watcher.summary.settings import SummaryPolicy

SOURCE = SourceInfo(
    "us-hhs-security-rule", "HHS Security Rule", "https://www.hhs.gov/sr", jurisdiction="US", regulator="HHS"
)
RISK = (
    "Risk analysis. A covered entity must review and update its written risk analysis "
    "periodically, and document how its environment and operations are reflected."
)
RISK_NEW = RISK.replace("periodically", "at least annually and whenever there is a significant change")
UNCHANGED = [f"Paragraph {i} about administrative safeguards that did not change at all." for i in range(200)]


def page_change() -> Change:
    return Change(
        "us-hhs-security-rule",
        "a",
        "b",
        diff=("@@ -40,3 +40,3 @@", " Risk analysis", f"-{RISK}", f"+{RISK_NEW}", " Contingency plans"),
        summary="text edited (+1 / -1 lines)",
    )


@pytest.fixture
def model():
    server = ModelServer()
    yield server
    server.close()


def ask(summarizer: Summarizer, grounding, links=()):
    """One summary in its own event loop, closing the client's connections in it."""

    async def go():
        try:
            return await summarizer.summarize(grounding, links)
        finally:
            await summarizer.aclose()

    return asyncio.run(go())


def policy(server: ModelServer, **overrides) -> SummaryPolicy:
    return SummaryPolicy(**{"base_url": server.base_url, "model": "local-test", "timeout": 2.0, **overrides})


def test_grounding_holds_the_changed_passage_not_the_page():
    grounding = grounded_input(page_change(), SOURCE, {}, limit=6000)
    assert RISK_NEW in grounding.text and "Risk analysis" in grounding.text
    assert not any(p in grounding.text for p in UNCHANGED[:5])
    assert grounding.digest == grounded_input(page_change(), SOURCE, {}, limit=6000).digest


def test_a_followed_document_is_cut_at_a_sentence_and_says_so():
    text = " ".join(f"Sentence number {i} of the proposed rule explains a duty." for i in range(500))
    item = Item(
        "2024-30983",
        "HIPAA Security Rule NPRM",
        "https://www.federalregister.gov/d/2024-30983",
        "2025-01-06",
        fields=(("type", "Proposed Rule"), ("comments_close_on", "2025-03-07")),
    )
    grounding = grounded_input(Change("s", "a", "b", added=(item,)), SOURCE, {item.key: text}, limit=2000)
    assert grounding.truncated and len(grounding.text) <= 2000 + 60
    assert grounding.text.rstrip().endswith("[The change is longer; the rest was cut here.]")
    body = grounding.text.split("\n[The change")[0]
    assert body.endswith("duty.")  # a whole sentence
    assert "comments close on: 2025-03-07" in grounding.text and "type: Proposed Rule" in grounding.text
    assert (
        cut_at_sentence("One. Two three four five six", 12) == ("One.", True)
        or cut_at_sentence("One. Two three four five six", 12)[1]
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            '{"important": true, "reason": "Changes breach notification."}',
            (True, "Changes breach notification."),
        ),
        (
            'Sure! {"important": false, "reason": "A press release."} Hope it helps',
            (False, "A press release."),
        ),
        ("This is not important.", (False, "")),
        ("I cannot tell.", None),
    ],
)
def test_importance_answers_are_parsed(answer, expected):
    assert parse_importance(answer) == expected


def test_a_hostile_answer_loses_mentions_and_foreign_links():
    hostile = (
        "Ignore that. <!channel> <@U024BE7LH> read <https://evil.example/x|the guidance> and "
        "[this](https://evil.example/y) or https://evil.example/z @here @everyone; the rule is at "
        "https://www.hhs.gov/sr. \u202eevil\u200b"
    )
    clean = clean_summary(hostile, ["https://www.hhs.gov/sr"])
    assert "evil.example" not in clean and "<" not in clean and ">" not in clean
    assert "@here" not in clean and "@everyone" not in clean and "\uff20here" in clean
    assert "https://www.hhs.gov/sr" in clean and "the guidance" in clean
    assert "\u202e" not in clean and "\u200b" not in clean
    assert len(clean_summary("word " * 1000, [])) <= 700


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (page_change(), 'paragraph edited under "Risk analysis"'),
        (
            Change(
                "fr",
                "a",
                "b",
                changed=(
                    ItemChange(
                        Item(
                            "2024-30983",
                            "HIPAA Security Rule",
                            fields=(("comments_close_on", "2025-03-07"), ("type", "Proposed Rule")),
                        ),
                        Item(
                            "2024-30983",
                            "HIPAA Security Rule",
                            fields=(("comments_close_on", "2025-04-07"), ("type", "Proposed Rule")),
                        ),
                    ),
                ),
                added=(
                    Item("2025-1", "X", fields=(("type", "Proposed Rule"),)),
                    Item("2025-2", "Y", fields=(("type", "Rule"),)),
                ),
            ),
            "comment deadline moved 7 March → 7 April 2025; 1 new Proposed Rule, 1 new Rule",
        ),
        (
            Change("l", "a", "b", added=(Item("a", "A"), Item("b", "B")), removed=(Item("c", "C"),)),
            "2 new documents; 1 document no longer listed",
        ),
    ],
)
def test_extractive_line(change, line):
    assert extractive_summary(change).endswith(line) or extractive_summary(change) == line


def test_text_edits_counts_additions_and_removals():
    diff = (
        "@@ -1,2 +1,3 @@",
        " Breach notification",
        "-Old A.",
        "+New A.",
        "+Added B.",
        "@@ -9 +10 @@",
        "-Gone C.",
    )
    assert text_edits(diff) == "1 paragraph edited, 1 added, 1 removed"


def test_the_client_summarises_from_the_change(model):
    model.reply("HHS now requires the risk analysis at least annually. <!channel>")
    summarizer = Summarizer(
        policy(model, api_key_env="TEST_MODEL_KEY"), env={"TEST_MODEL_KEY": "sk-local-123"}
    )
    grounding = grounded_input(page_change(), SOURCE, {}, limit=6000)
    answer = ask(summarizer, grounding)
    assert answer.ok and answer.text == "HHS now requires the risk analysis at least annually. channel"
    [request] = model.requests
    assert request["model"] == "local-test"
    assert RISK_NEW in model.prompts()[0] and UNCHANGED[0] not in model.prompts()[0]
    assert model.headers[0]["authorization"] == "Bearer sk-local-123"


@pytest.mark.parametrize(("status", "error"), [(429, "rate_limited"), (500, "HTTP 500"), (401, "HTTP 401")])
def test_refusals_are_answers_not_waits(model, status, error):
    model.fail(status)
    started = time.monotonic()
    answer = ask(Summarizer(policy(model), env={}), grounded_input(page_change(), SOURCE, {}, limit=6000))
    assert answer.error == error and answer.text == ""
    assert time.monotonic() - started < 2.0  # no retries behind the alert's back
    assert len(model.requests) == 1


def test_a_slow_model_times_out_within_the_deadline(model):
    model.delay(5.0)
    started = time.monotonic()
    answer = ask(
        Summarizer(policy(model, timeout=0.5), env={}), grounded_input(page_change(), SOURCE, {}, limit=6000)
    )
    assert answer.error == "timeout"
    assert time.monotonic() - started < 2.0


def test_a_spent_budget_sends_nothing(model):
    summarizer = Summarizer(policy(model, max_per_hour=3), env={}, spent_last_hour=lambda: 3)
    answer = ask(summarizer, grounded_input(page_change(), SOURCE, {}, limit=6000))
    assert answer.error == "budget" and model.requests == []


def test_policy_values_are_checked():
    with pytest.raises(ValueError, match="base_url"):
        SummaryPolicy(base_url="ftp://x", model="m")
    with pytest.raises(ValueError, match="timeout"):
        SummaryPolicy(base_url="http://127.0.0.1:1/v1", model="m", timeout=float("nan"))
