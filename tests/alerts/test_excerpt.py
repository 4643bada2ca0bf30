"""Word diffs and excerpts: the changed words are never cut away, context is, and the
diff stays bounded on hostile input. Paragraphs are from the EUR-Lex GDPR capture."""

from __future__ import annotations

import difflib
import time
from pathlib import Path

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.excerpt import diff_excerpts, field_excerpt, fit
from alerts.excerpt_render import to_html, to_json, to_mrkdwn, to_text
from alerts.worddiff import new_text, old_text, pair_lines, word_diff

PAGE = Path(__file__).resolve().parent.parent / "pages" / "eurlex" / "gdpr-articles-5-32-34.html"


def paragraphs() -> list[str]:
    root = lxml.html.fromstring(PAGE.read_bytes())
    return [" ".join(p.text_content().split()) for p in root.iter("p")]


STORAGE = next(p for p in paragraphs() if p.startswith("kept in a form"))  # Art. 5(1)(e)
BREACH = next(p for p in paragraphs() if p.startswith("1. In the case of a personal data breach"))


def unified(old: list[str], new: list[str]) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old, new, lineterm="", n=1)
        if not line.startswith(("---", "+++"))
    ]


def test_paragraph_edit_is_one_change_with_its_words():
    assert len(STORAGE) == 601
    edited = STORAGE.replace("the data subject (", "the data subject, and for no longer than ten years (")
    segments = word_diff(STORAGE, edited)
    assert [(s.op, s.text) for s in segments if s.op != "same"] == [
        ("ins", ", and for no longer than ten years")
    ]
    assert old_text(segments) == STORAGE and new_text(segments) == edited


def test_rewritten_phrase_is_one_deletion_and_one_insertion_not_splinters():
    edited = BREACH.replace(
        "not later than 72 hours after having become aware of it", "within seventy-two hours"
    )
    changes = [(s.op, s.text) for s in word_diff(BREACH, edited) if s.op != "same"]
    assert changes == [
        ("del", "not later than 72 hours after having become aware of it"),
        ("ins", "within seventy-two hours"),
    ]


def test_excerpt_keeps_the_change_at_the_end_of_a_long_line_and_counts_what_it_leaves_out():
    edited = STORAGE.replace("(‘storage limitation’)", "(‘storage limitation’, reviewed every two years)")
    (excerpt,) = diff_excerpts(unified([STORAGE], [edited]), budget=200, context=60)
    slack = to_mrkdwn(excerpt)
    assert "*, reviewed every two years*" in slack
    assert slack.startswith("✎ …") and slack.endswith(f"(+{excerpt.hidden} chars)")
    assert excerpt.hidden > 450  # most of the 601 characters are unchanged context, left out
    assert len(slack) < 260


def test_changes_at_both_ends_of_a_line_are_both_shown():
    edited = STORAGE.replace("kept in a form", "retained in a form").replace("(‘storage", "(‘data storage")
    (excerpt,) = diff_excerpts(unified([STORAGE], [edited]), budget=220, context=40)
    text = to_text(excerpt)
    assert "[-kept-]{+retained+}" in text and "(‘{+data+} storage" in text
    assert "…" in text  # the unchanged middle is a gap


def test_a_change_longer_than_the_budget_keeps_its_start_and_says_how_much_more():
    inserted = " ".join(["additional safeguards"] * 100)
    edited = STORAGE.replace("(‘storage", inserted + " (‘storage")
    excerpt = field_excerpt(STORAGE, edited, budget=120, context=40)
    shown = to_text(excerpt)
    assert "{+additional safeguards" in shown and "…+}" in shown
    assert excerpt.hidden > len(inserted) - 200
    assert len(shown) < 220


def test_every_channel_escapes_the_page_text_after_cutting():
    old = "Notice to <!channel> & members: <b>draft</b>"
    new = "Notice to <!channel> & members: <b>final</b> <https://x.example/|click>"
    excerpt = field_excerpt(old, new, budget=500, context=80)
    slack = to_mrkdwn(excerpt)
    assert "&lt;!channel&gt; &amp; members" in slack and "<" not in slack.replace("&lt;", "")
    assert "~draft~ *final*" in slack
    html = to_html(excerpt)
    assert "&lt;!channel&gt; &amp; members" in html and "<b>" not in html
    assert to_json(excerpt)["segments"][-1] == {"op": "ins", "text": " <https://x.example/|click>"}
    assert "<!channel>" in to_text(excerpt)  # plain text stays the regulator's words


def test_slack_markers_never_touch_a_letter():
    excerpt = field_excerpt("the data subject rights", "the data subject, rights", budget=200, context=40)
    assert "subject *,*" in to_mrkdwn(excerpt)


def test_console_colour_only_when_asked():
    excerpt = field_excerpt("within 60 days", "within 30 days", budget=100, context=40)
    assert "\x1b[" not in to_text(excerpt)
    assert "\x1b[31m[-60-]\x1b[0m" in to_text(excerpt, color=True)
    assert "\x1b[32m{+30+}\x1b[0m" in to_text(excerpt, color=True)


def test_unrelated_lines_are_added_and_removed_related_ones_paired():
    removed = ["Article 99 applies from 25 May 2018.", "Something else entirely"]
    added = ["A new recital about cookies.", "Article 99 applies from 25 May 2019."]
    assert pair_lines(removed, added) == [(None, 0), (0, 1), (1, None)]
    kinds = [e.kind for e in diff_excerpts(unified(removed, added), budget=200, context=40)]
    assert sorted(kinds) == ["added", "edit", "removed"]


def test_hostile_lines_are_bounded_in_time_and_size():
    words = [f"w{i}" for i in range(40_000)]
    huge_old = " ".join(words * 5)  # ~1.2 MB
    huge_new = " ".join(w if i % 3 else "x" + w for i, w in enumerate(words * 5))
    many = []
    for i in range(300):
        many += [f"-{huge_old[i * 997 : i * 997 + 20_000]}", f"+{huge_new[i * 997 : i * 997 + 20_000]}"]
    start = time.monotonic()
    excerpts = diff_excerpts([f"-{huge_old}", f"+{huge_new}", *many], budget=500, context=100, limit=20)
    elapsed = time.monotonic() - start
    assert elapsed < 20  # generous: the bound is ~1 s of refinement plus linear work
    assert len(excerpts) == 20
    assert all(len(to_mrkdwn(e)) < 1200 for e in excerpts)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_word_diff_rebuilds_both_sides(old, new):
    segments = word_diff(old, new)
    assert old_text(segments) == old and new_text(segments) == new


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=400), st.text(min_size=1, max_size=400), st.integers(40, 300))
def test_excerpt_shows_every_change_or_counts_it(old, new, budget):
    excerpt = fit(word_diff(old, new), budget=budget, context=60)
    shown = sum(len(p.text) for p in excerpt.pieces)
    assert shown + excerpt.hidden == len(old_text(word_diff(old, new))) + sum(
        len(s.text) for s in word_diff(old, new) if s.op == "ins"
    )
    if old != new:
        assert excerpt.changed
