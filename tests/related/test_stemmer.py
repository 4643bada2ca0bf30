"""The stemmer's cache: stems as the index makes them, and a full cache emptied between
batches, never in the middle of one (a batch used to lose the words it found cached: a
KeyError once a long-running service had stemmed MAX_CACHE words)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.related.text import WORD, Stemmer, words

ASCII = string.printable + "\x00\x7f"


def test_a_full_cache_is_emptied_before_a_batch_not_during_it():
    stemmer = Stemmer()
    stemmer.MAX_CACHE = 4
    first = stemmer.stems(["running", "rules", "privacy", "notices", "breaches"])
    assert first == {
        "running": "run",
        "rules": "rule",
        "privacy": "privaci",
        "notices": "notic",
        "breaches": "breach",
    }
    # The cache is full; a batch of a cached word and a new one gets both.
    assert stemmer.stems(["running", "guidance"]) == {"running": "run", "guidance": "guidanc"}
    assert stemmer.stems(["guidance"]) == {"guidance": "guidanc"}


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.text(alphabet=ASCII, max_size=60))
def test_words_of_ascii_text_are_those_of_the_unicode_pattern(text):
    """`words` takes a plain [a-z0-9] pattern for ASCII text: the tokens the Unicode pattern
    (letters and digits of every script, "_" a separator) gives, for any text."""
    assert words(text) == WORD.findall(text.lower())


def test_words_edges():
    assert words("45 CFR 164.308(a)(1)_ii HIPAA-Privacy") == [
        "45",
        "cfr",
        "164",
        "308",
        "a",
        "1",
        "ii",
        "hipaa",
        "privacy",
    ]
    assert words("İstanbul ΟΔΟΣ café") == WORD.findall("İstanbul ΟΔΟΣ café".lower())
