"""Dates keep their instant: a zone or offset is kept (or the time is in UTC); a date stays a date.

The listing row is the Drupal `views-field-created` markup quoted in issue 13 (a healthit.gov
newsroom row), read with the catalog's own `us-onc-news` selectors.
"""

from __future__ import annotations

from passes import fetched, source_for

from sources.feed import Feed
from sources.listing import Listing

DRUPAL_ROW = """<html><body><div class="view-content"><div class="views-row">
<div class="views-field views-field-title"><span class="field-content">
<a href="/news/onc-announces-information-blocking-faqs">ONC announces information blocking FAQs</a></span></div>
<div class="views-field views-field-created"><span class="field-content">
<time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time></span></div>
</div></div></body></html>"""


def test_drupal_time_inside_the_date_field_keeps_its_utc_instant():
    source = source_for(
        "listing",
        url="https://www.healthit.gov/news",
        select=".views-row",
        title="h2 a, h3 a, .views-field-title a",
        link="h2 a, h3 a, .views-field-title a",
        date="time, .date-display-single, .views-field-created",
    )
    (item,) = (
        Listing().extract(fetched(DRUPAL_ROW.encode(), url="https://www.healthit.gov/news"), source).items
    )
    assert item.date == "2019-05-03T19:21:28+00:00"  # not 2019-05-03T15:21:00 (local, no zone)


RSS = b"""<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>t</title><link>https://www.fda.gov/</link><description>d</description>
<item><title>With offset</title><link>https://www.fda.gov/1</link><pubDate>Fri, 18 Oct 2024 11:17:00 -0400</pubDate></item>
<item><title>Date only</title><link>https://www.fda.gov/2</link><dc:date>2024-10-18</dc:date></item>
</channel></rss>"""


def test_feed_dates_keep_the_instant_and_a_date_stays_a_date():
    offset, day = Feed().extract(fetched(RSS, content_type="application/rss+xml"), source_for("feed")).items
    assert offset.date == "2024-10-18T15:17:00+00:00"  # 11:17 at -04:00, as UTC
    assert day.date == "2024-10-18"
