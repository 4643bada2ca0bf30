"""The page and listing kinds on realistic HTML."""

from __future__ import annotations

import pytest

from sources.listing import Listing, ListingOptions
from sources.page import Page, PageOptions
from watcher.errors import ExtractError
from watcher.model import FetchResult, Source

BASE = "https://www.hhs.gov/hipaa/newsroom/index.html"


def fetched(
    html: str | bytes, url: str = BASE, content_type: str = "text/html; charset=utf-8"
) -> FetchResult:
    body = html.encode() if isinstance(html, str) else html
    return FetchResult(url=url, final_url=url, status=200, headers={"content-type": content_type}, body=body)


def listing(**options) -> Source:
    return Source(id="t", url=BASE, kind="listing", options=ListingOptions(**options))


USWDS = """<html><head><base href="https://www.hhs.gov/"><script>track()</script></head><body>
<nav><ul><li><a href="/">Home</a></li></ul></nav>
<ul class="usa-collection">
 <li class="usa-collection__item"><h3 class="usa-collection__heading">
   <a href="/about/news/2024/10/31/hhs-settles.html?utm_source=rss#top">HHS settles   with
   <b>Acme</b></a></h3><time datetime="2024-10-31">October 31, 2024</time>
   <p class="usa-collection__description">A $90,000 settlement.</p></li>
 <li class="usa-collection__item"><h3 class="usa-collection__heading">
   <a href="javascript:void(0)">Broken link item</a></h3>
   <span class="date">Fri, 10/18/2024 - 11:17</span></li>
 <li class="usa-collection__item"><!-- empty --></li>
</ul><footer>Last reviewed</footer></body></html>"""


def test_listing_reads_title_link_date_summary():
    source = listing(
        select="li.usa-collection__item", title="h3", link="h3 a", date="time, .date", summary="p"
    )
    snapshot = Listing().extract(fetched(USWDS), source)
    first, second = snapshot.items
    assert first.title == "HHS settles with Acme"
    # Tracking parameters and the fragment are removed from the stored link and the identity.
    assert first.link == "https://www.hhs.gov/about/news/2024/10/31/hhs-settles.html"
    assert first.key == "https://www.hhs.gov/about/news/2024/10/31/hhs-settles.html"
    assert first.date == "2024-10-31"
    assert first.summary == "A $90,000 settlement."
    assert second.link == "" and second.key == "title:broken link item"
    assert second.date == "2024-10-18T11:17:00"


@pytest.mark.parametrize("jurisdiction", ["US", "UK", "EU", "IN"])
def test_listing_reads_iso_datetimes_year_first_in_every_jurisdiction(jurisdiction):
    """A `<time datetime>` with a time (GOV.UK and EU pages write them so) is year, month,
    day wherever the source is: a day-first jurisdiction read 2024-10-05T09:30 as 10 May."""
    page = USWDS.replace('datetime="2024-10-31"', 'datetime="2024-10-05T09:30:00+01:00"')
    source = Source(
        id="t",
        url=BASE,
        kind="listing",
        jurisdiction=jurisdiction,
        options=ListingOptions(select="li.usa-collection__item", title="h3", link="h3 a", date="time"),
    )
    first = Listing().extract(fetched(page), source).items[0]
    assert first.date == "2024-10-05T09:30:00+01:00"


def test_listing_selector_matching_nothing_is_an_error():
    with pytest.raises(ExtractError) as info:
        Listing().extract(fetched(USWDS), listing(select="div.redesigned"))
    assert info.value.reason == "selector"


def test_empty_body_is_an_error_not_an_empty_snapshot():
    with pytest.raises(ExtractError) as info:
        Listing().extract(fetched(b"   "), listing(select="li"))
    assert info.value.reason == "empty"


def test_listing_item_order_does_not_change_fingerprint():
    a = "<ul><li><a href='/1'>One</a></li><li><a href='/2'>Two</a></li></ul>"
    b = "<ul><li><a href='/2'>Two</a></li><li><a href='/1'>One</a></li></ul>"
    source = listing(select="li")
    assert (
        Listing().extract(fetched(a), source).fingerprint == Listing().extract(fetched(b), source).fingerprint
    )


def test_page_drops_scripts_styles_hidden_and_excluded():
    html = """<html><body><div id="c"><h1>Breach Notification Rule</h1>
    <style>.x{}</style><script>var csrf='abc'</script><noscript>enable js</noscript>
    <p>Covered entities   must notify <em>affected</em> individuals.</p>
    <input type="hidden" name="token" value="123"><div hidden>secret</div>
    <div class="share">Share this page</div><ul><li>One</li><li>Two</li></ul></div></body></html>"""
    source = Source(id="p", url=BASE, kind="page", options=PageOptions(select="#c", exclude=(".share",)))
    snapshot = Page().extract(fetched(html), source)
    assert snapshot.blocks == (
        "Breach Notification Rule",
        "Covered entities must notify affected individuals.",
        "One",
        "Two",
    )


def test_page_ignore_patterns_apply():
    html = "<main><p>Text</p><p>Page last reviewed: March 3, 2024</p></main>"
    source = Source(
        id="p", url=BASE, kind="page", options=PageOptions(select="main"), ignore=("Page last reviewed: .*",)
    )
    assert Page().extract(fetched(html), source).blocks == ("Text",)


def test_malformed_html_still_parses():
    html = "<html><body><main><p>Unclosed <b>bold <p>Second <table><tr><td>cell</main></div></body>"
    source = Source(id="p", url=BASE, kind="page", options=PageOptions(select="main"))
    assert "cell" in " ".join(Page().extract(fetched(html), source).blocks)


def test_cp1252_declared_only_in_meta():
    body = '<html><head><meta charset="windows-1252"></head><body><main>Résumé “quoted”</main></body></html>'
    source = Source(id="p", url=BASE, kind="page", options=PageOptions(select="main"))
    snapshot = Page().extract(fetched(body.encode("cp1252"), content_type="text/html"), source)
    assert snapshot.blocks == ("Résumé “quoted”",)


@pytest.mark.parametrize("tail", ["&#27;[2J wiped", "\x1b[31m wiped", "\x08\x0c wiped"])
def test_control_characters_after_a_removed_element_are_dropped_not_a_crash(tail):
    """Found by the fuzz suite: lxml accepts `&#27;` when parsing but refuses it when the
    tail text of a removed <script> is re-attached."""
    page = Source(id="p", url=BASE, kind="page", options=PageOptions(select="main"))
    snapshot = Page().extract(fetched(f"<main><p>Rule<script>x()</script>{tail}</p></main>"), page)
    (block,) = snapshot.blocks
    assert block.startswith("Rule") and block.endswith("wiped")
    assert not any(c in "\x1b\x08\x0c" for c in block)
