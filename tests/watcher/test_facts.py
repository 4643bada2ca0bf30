"""DocumentFacts from an item's recorded fields, else from its words (watcher/dates/facts.py)."""

from __future__ import annotations

from alerts.facts import csv_columns, slack_section, text_lines
from watcher.dates.facts import facts_for
from watcher.model import Item, SourceInfo

US = SourceInfo(
    id="us-fr",
    name="FR",
    url="https://www.federalregister.gov/",
    jurisdiction="US",
    regulator="Federal Register",
)
UK = SourceInfo(id="uk-ico", name="ICO", url="https://ico.org.uk/", jurisdiction="UK", regulator="ICO")


def test_structured_fields_win_and_are_not_marked_from_text() -> None:
    item = Item(
        key="k",
        title="Rule",
        fields=(
            ("comments_close_on", "2024-02-12"),
            ("dates", "Comments must be received on or before March 1, 2024."),
            ("type", "Proposed Rule"),
        ),
    )
    facts = facts_for(item, US)
    assert facts.comment is not None and facts.comment.on == "2024-02-12" and not facts.comment.from_text
    assert facts.effective is None
    assert facts.agencies == "Federal Register"  # the source's regulator when no agencies field


def test_a_missing_field_is_read_from_the_text_and_marked() -> None:
    item = Item(key="k", title="Consultation on the children's code", summary="Consultation paper.")
    facts = facts_for(item, UK, "Consultation paper\nThis consultation closes on 12 March 2024.")
    assert facts.comment is not None and facts.comment.on == "2024-03-12" and facts.comment.from_text
    assert "2024-03-12 (from text)" in "\n".join(text_lines(facts))
    assert csv_columns(facts)["comments_close_from_text"] is True


def test_a_plain_feed_entry_has_no_facts() -> None:
    item = Item(key="k", title="HHS news", summary="OCR settles with a clinic.")
    assert facts_for(item, US).is_empty


def test_slack_section_escapes_the_regulators_words_and_stays_within_limits() -> None:
    item = Item(
        key="k",
        title="<!here> rule",
        link="https://example.gov/r",
        fields=(("type", "<@U1> Rule"), ("abstract", "a" * 5000)),
    )
    block = slack_section(item, facts_for(item, US))
    assert "<!here>" not in block["text"]["text"] and "&lt;!here&gt;" in block["text"]["text"]
    assert len(block["text"]["text"]) <= 3000
    assert all(len(f["text"]) <= 2000 for f in block["fields"]) and len(block["fields"]) <= 10
    assert "&lt;@U1&gt; Rule" in block["fields"][0]["text"]


def test_digests_carry_each_documents_type_and_dates() -> None:
    from alerts.render import render_text
    from alerts.slack_render import render_message
    from watcher.model import Alert, Change

    item = Item(
        key="document_number:2024-00553",
        title="Nondiscrimination on the Basis of Disability",
        link="https://www.federalregister.gov/d/2024-00553",
        fields=(("comments_close_on", "2024-02-12"), ("type", "Proposed Rule")),
    )
    member = Alert(
        key="regwatch:change:1:c",
        channel="c",
        source=US,
        change=Change(source_id="us-fr", before="a", after="b", added=(item,), id=1),
        facts={item.key: facts_for(item, US)},
    )
    digest = Alert(key="regwatch:digest:1:c", channel="c", source=US, batch=(member,))
    text = "\n".join(b["text"]["text"] for b in render_message(digest).blocks if b.get("type") == "section")
    assert "Proposed Rule · Comments close 2024-02-12" in text
    assert "Comments close: 2024-02-12" in render_text(digest)
