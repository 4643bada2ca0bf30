"""Noise never reaches the comparison: volatile tokens, counters, order, flapping, tracking parameters."""

from __future__ import annotations

import pytest
from localsite import LISTING_SOURCE, listing_page
from passes import Passes, make_config

from sources.links import canonical
from sources.text import clean_blocks

VOLATILE = [
    ("csrf token", "Submit csrf_token=Zx81kQ93mPq0a7 now", "Submit now"),
    ("rails token", 'authenticity_token="b2F0aGVyIHRva2Vu+/="', ""),
    ("session id in url", "/rules;jsessionid=A1B2C3D4E5?x=1", "/rules;?x=1"),
    ("php session", "index.php?PHPSESSID=4f9a8b7c6d", "index.php?"),
    ("cache buster", "style.css?v=20241018 and app.js?_=1729252631", "style.css? and app.js?"),
    ("view counter", "Views: 1234", ""),
    ("page views with commas", "Page views: 1,234,567", ""),
    ("indian visitor counter", "No. of Visitors: 12,34,567", ""),
    ("trailing counter", "Read 1,234 views", "Read"),
    ("render time", "Page generated in 0.12s", ""),
    ("render time ms", "Rendered in 35 ms.", ""),
    ("request id", "Request ID: 9f8e7d6c5b4a", ""),
    (
        "meaningful numbers stay",
        "Section 164.512(f) applies within 60 days",
        "Section 164.512(f) applies within 60 days",
    ),
    ("page counts stay", "Download the rule (42 pages, 1.2 MB)", "Download the rule (42 pages, 1.2 MB)"),
    ("whitespace folds", "  Covered\n\tentities   must   notify ", "Covered entities must notify"),
    ("ignore regex", "Page last reviewed: October 1, 2024", ""),
]


@pytest.mark.parametrize(("what", "text", "expected"), VOLATILE, ids=[v[0] for v in VOLATILE])
def test_volatile_tokens_are_removed(what, text, expected):
    assert clean_blocks([text], ["Page last reviewed: .*"]) == ((expected,) if expected else ())


NOISY = """<html><head><link rel="stylesheet" href="/s.css?v={n}"></head><body>
<header><nav><a href="/">Home</a></nav></header>
<main><h1>Consent manager guidelines</h1>
<form><input type="hidden" name="csrf" value="tok{n}abcdefgh"></form>
<p>Consent managers must register with the Authority.</p>
<p>Views: {views}</p><div class="counter">Visitor counter: {views}</div>
<p class="gen">Page generated in 0.{n}s</p><p>Session ID: S{n}abcdef</p>
<script>var nonce = "{n}";</script></main></body></html>"""


def test_noisy_page_stays_quiet_and_a_real_edit_alerts(site, tmp_path):
    site.set("/g", NOISY.format(n=11, views=1200))
    passes = Passes(
        make_config(tmp_path, [{"id": "in-g", "url": site.url("/g"), "kind": "page", "select": "main"}]),
        tmp_path / "regwatch.db",
    )
    assert passes.one().status == "baseline"
    for n, views in ((27, 1201), (93, 98765)):
        site.set("/g", NOISY.format(n=n, views=views))
        assert passes.one().status == "unchanged"
    site.set("/g", NOISY.format(n=5, views=4).replace("must register", "must register within 30 days"))
    assert passes.one().status == "changed"
    [change] = passes.changes()
    assert change.diff == (
        "@@ -1,2 +1,2 @@",
        " Consent manager guidelines",
        "-Consent managers must register with the Authority.",
        "+Consent managers must register within 30 days with the Authority.",
    )


def test_css_exclude_removes_regions(site, tmp_path):
    page = (
        '<main><div class="breadcrumbs">Home > {x}</div><p>Text</p><time class="generated">{x}</time></main>'
    )
    site.set("/e", page.format(x="a"))
    source = {
        "id": "e",
        "url": site.url("/e"),
        "kind": "page",
        "select": "main",
        "exclude": [".breadcrumbs", "time.generated"],
    }
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    passes.one()
    site.set("/e", page.format(x="b"))
    assert passes.one().status == "unchanged"


ITEMS = [(f"2024-10-0{n}", f"Notice {n}", f"/n/{n}.html") for n in range(1, 6)]


def test_item_order_is_not_a_change(site, tmp_path):
    site.set("/l", listing_page(ITEMS))
    passes = Passes(
        make_config(tmp_path, [{"id": "l", "url": site.url("/l"), **LISTING_SOURCE}]),
        tmp_path / "regwatch.db",
    )
    passes.one()
    site.set("/l", listing_page(list(reversed(ITEMS))))
    assert passes.one().status == "unchanged"
    site.set("/l", listing_page([ITEMS[2], ITEMS[0], ITEMS[4], ITEMS[1], ITEMS[3]]))
    assert passes.one().status == "unchanged"
    assert passes.changes() == []


def test_confirm_two_ignores_a_flapping_page_and_alerts_a_lasting_change(site, tmp_path):
    site.set("/f", listing_page(ITEMS))
    source = {"id": "f", "url": site.url("/f"), "confirm": 2, **LISTING_SOURCE}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    glitch = listing_page(ITEMS[:2])  # a half-rendered page from one overloaded server
    site.set("/f", glitch)
    assert passes.one().status == "pending"
    site.set("/f", listing_page(ITEMS))
    assert passes.one().status == "unchanged"
    site.set("/f", glitch)
    assert passes.one().status == "pending"
    site.set("/f", listing_page(ITEMS))
    assert passes.one().status == "unchanged"
    assert passes.changes() == []
    new = [("2024-10-20", "Notice 6", "/n/6.html"), *ITEMS]
    site.set("/f", listing_page(new))
    assert passes.one().status == "pending"
    confirmed = passes.one()
    assert confirmed.status == "changed"
    [change] = passes.changes()
    assert [i.title for i in change.added] == ["Notice 6"]
    assert passes.one().status == "unchanged"


IDENTITY = [
    ("fragment", "https://www.hhs.gov/about/news/a.html#main", "https://www.hhs.gov/about/news/a.html"),
    (
        "utm",
        "https://www.hhs.gov/a.html?utm_source=govdelivery&utm_medium=email",
        "https://www.hhs.gov/a.html",
    ),
    ("gclid and fbclid", "https://ico.org.uk/n/?fbclid=abc&gclid=def", "https://ico.org.uk/n/"),
    ("host case and port", "HTTPS://WWW.FDA.GOV:443/news?b=2&a=1", "https://www.fda.gov/news?a=1&b=2"),
    (
        "meaningful query kept",
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32016R0679",
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32016R0679",
    ),
]


@pytest.mark.parametrize(("what", "url", "expected"), IDENTITY, ids=[i[0] for i in IDENTITY])
def test_canonical_links(what, url, expected):
    assert canonical(url) == expected


def test_same_document_under_tracking_parameters_is_not_new(site, tmp_path):
    site.set("/l", listing_page(ITEMS))
    passes = Passes(
        make_config(tmp_path, [{"id": "l", "url": site.url("/l"), **LISTING_SOURCE}]),
        tmp_path / "regwatch.db",
    )
    passes.one()
    tracked = [(d, t, f"{h}?utm_source=newsletter&utm_campaign=oct#section-2") for d, t, h in ITEMS]
    site.set("/l", listing_page(tracked))
    assert passes.one().status == "unchanged"
    assert passes.changes() == []
