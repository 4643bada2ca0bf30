"""Plain text stays verbatim; only fields holding real HTML elements are read as HTML."""

from __future__ import annotations

import pytest
from passes import fetched, source_for

from sources.feed import Feed
from sources.markup import field_text, is_html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Request for Information: De-Identification Standards <!everyone>",
            "Request for Information: De-Identification Standards <!everyone>",
        ),
        ("Notice <https://x.example/|transfers> & more", "Notice <https://x.example/|transfers> & more"),
        ("Thresholds: a < b and c > d", "Thresholds: a < b and c > d"),
        ("<p>HIPAA <em>Privacy</em> Rule</p>", "HIPAA Privacy Rule"),
        ('See <a href="/d/1">the rule</a>.', "See the rule."),
        ("AT&amp;T &lt;!here&gt; merger", "AT&T <!here> merger"),
        ("Guidance<br/>on cookies", "Guidance on cookies"),
    ],
)
def test_field_text(value, expected):
    assert " ".join(field_text(value).split()) == expected


def test_html_is_recognised_by_known_elements_only():
    assert is_html("<time datetime='2024-01-01'>Jan</time>")
    assert not is_html("<!everyone> <@U123> <#C1> <https://x|y> <notatag>")
    assert not is_html("<" * 100_000 + "b" * 10)  # bounded on hostile input


ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>EDPB</title><id>urn:edpb</id><updated>2025-01-01T00:00:00Z</updated>
<entry><title type="text">EDPB statement &lt;!here&gt; on &lt;https://x.example/|transfers&gt; &amp; adequacy</title>
<id>urn:1</id><updated>2025-01-01T00:00:00Z</updated>
<summary type="html">&lt;p&gt;Adopted &lt;b&gt;today&lt;/b&gt; &amp;lt;!channel&amp;gt;&lt;/p&gt;</summary></entry>
<entry><title type="html">Guidance on &lt;em&gt;cookies&lt;/em&gt;</title><id>urn:2</id>
<updated>2025-01-01T00:00:00Z</updated></entry>
</feed>"""


def test_feed_plain_text_title_is_verbatim_and_html_is_read_as_text():
    snapshot = Feed().extract(fetched(ATOM, content_type="application/atom+xml"), source_for("feed"))
    first, second = snapshot.items
    assert first.title == "EDPB statement <!here> on <https://x.example/|transfers> & adequacy"
    assert first.summary == "Adopted today <!channel>"
    assert second.title == "Guidance on cookies"
