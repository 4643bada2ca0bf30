"""The stemmer's cache: stems as the index makes them, and a full cache emptied between
batches, never in the middle of one (a batch used to lose the words it found cached: a
KeyError once a long-running service had stemmed MAX_CACHE words)."""

from __future__ import annotations

from watcher.related.text import Stemmer


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
