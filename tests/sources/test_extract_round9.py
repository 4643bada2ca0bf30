"""The extraction worker's round 9 (issue 18) reads exactly what it read before.

The tree's element classes chosen in C (`html.ELEMENT_CLASSES`) instead of by lxml.html's
Python lookup: the same tree, the same classes but for the five form controls, which are
plain `HtmlElement`s. Compared on every HTML page of tests/pages, the listing cases and, where
present, the held-out corpus (/work/shared/corpus/html-trafilatura). `may_state_dates`
ruling out text without a "1" or a "2" before its regex: the same answer on every text.
"""

from __future__ import annotations

from pathlib import Path

import listingcases
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from sources import docdates, html

PAGES = Path(__file__).resolve().parents[1] / "pages"
CORPUS = Path("/work/shared/corpus/html-trafilatura")
#: Form controls, which lxml.html's lookup gives classes of their own.
FORM = (
    "<form><label for=a>L</label><input id=a value=1><select><option>o</select><textarea>t</textarea></form>"
)


def bodies() -> list[bytes]:
    found = dict.fromkeys(case[1] for case in listingcases.cases())
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(PAGES.rglob("*.htm*"))))
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(CORPUS.rglob("*.htm*"))))
    found[f"<html><body>{FORM}<p>x</p></body></html>".encode()] = None
    return list(found)


def parse_with_lxml_lookup(body: bytes) -> lxml_html.HtmlElement:
    """`html.parse_bytes` as it was: lxml.html's parser with its own element class lookup."""
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=False
    )
    root = lxml_html.document_fromstring(body, parser=parser, base_url="https://example.gov/")
    for node in html._dropped(root):
        html._remove(node)
    return root


def test_element_classes_chosen_in_c_give_the_same_tree_and_classes():
    elements = forms = 0
    for body in bodies():
        data = body.decode("utf-8", "replace").encode()
        old, new = parse_with_lxml_lookup(data), html.parse_bytes(data, "https://example.gov/")
        assert etree.tostring(old, method="c14n") == etree.tostring(new, method="c14n")
        assert html.text_blocks(old) == html.text_blocks(new)
        for before, after in zip(old.iter(), new.iter(), strict=True):
            elements += 1
            assert isinstance(after, lxml_html.HtmlMixin) is isinstance(before, lxml_html.HtmlMixin)
            if type(before) is not type(after):  # a form control: a plain HtmlElement now
                forms += 1
                assert before.tag in ("form", "input", "select", "textarea", "label")
                assert type(after) is lxml_html.HtmlElement
                assert after.text_content() == before.text_content()
    assert elements > 20_000 and forms >= 5


def test_form_controls_are_plain_html_elements():
    root = html.parse_text(f"<html><body>{FORM}</body></html>")
    controls = [root.find(f".//{tag}") for tag in ("form", "label", "input", "select", "textarea")]
    assert [type(node) for node in controls] == [lxml_html.HtmlElement] * 5
    assert [node.text_content() for node in controls] == ["Lot", "L", "", "o", "t"]


def may_state_dates_as_it_was(text: str) -> bool:
    text = text[: docdates.MAX_TEXT]
    if docdates.ANY_YEAR.search(text) is None:
        return False
    lowered = text.lower()
    return any(cue in lowered for cue in docdates.CUES)


YEARS = st.sampled_from(["1999", "2024", "19", "20", "1", "2", "٢٠٢٤", "effective", "Comment", "w.e.f", " "])


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(YEARS, st.text(max_size=5)), max_size=12).map("".join))
def test_may_state_dates_answers_as_the_regex_alone(text):
    assert docdates.may_state_dates(text) is may_state_dates_as_it_was(text)
    long = "x" * (docdates.MAX_TEXT - 2) + text  # a year cut by MAX_TEXT is not read
    assert docdates.may_state_dates(long) is may_state_dates_as_it_was(long)


def test_may_state_dates_on_every_element_text_and_item_summary():
    texts = 0
    for body in bodies():
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                value = html.string_value(element)
                texts += 1
                assert docdates.may_state_dates(value) is may_state_dates_as_it_was(value)
    assert texts > 20_000
