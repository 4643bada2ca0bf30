"""A page nested deeper than the HTML parser reads fails with a clear reason, never an empty baseline.

libxml2 stops at 256 levels (and must: `huge_tree` would let a page exhaust memory and
recursion). Before, 200,000 nested `<div>`s parsed into an empty body and were stored as
an empty baseline, although the README promises never an empty snapshot.
"""

from __future__ import annotations

import pytest
from servicerun import db_rows

from sources.listing import ListingOptions
from sources.page import PageOptions
from sources.registry import kind_for
from watcher.errors import ExtractError
from watcher.model import FetchResult, Source

DEEP = "<html><body>" + "<div>" * 200_000 + "<p>Deep text</p>" + "</div>" * 200_000 + "</body></html>"
SHALLOW = "<html><body>" + "<div>" * 100 + "<p>Text at depth 100</p>" + "</div>" * 100 + "</body></html>"


def fetched(body: str) -> FetchResult:
    return FetchResult(url="https://x.gov/", final_url="https://x.gov/", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, body=body.encode())  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "options"),
    [("page", PageOptions()), ("listing", ListingOptions(select="div > p", title="p", link="a"))],
)
def test_too_deep_is_an_error_of_the_source(kind, options):
    source = Source(id="x", url="https://x.gov/", kind=kind, options=options)
    with pytest.raises(ExtractError) as info:
        kind_for(kind).extract(fetched(DEEP), source)
    assert info.value.reason == "too_deep" and "256 levels" in str(info.value)


def test_ordinary_depth_is_read():
    source = Source(id="x", url="https://x.gov/", kind="page", options=PageOptions())
    assert kind_for("page").extract(fetched(SHALLOW), source).blocks == ("Text at depth 100",)


def test_no_empty_baseline_is_stored_end_to_end(site, config_file, cli, tmp_path):
    site.set("/deep", DEEP)
    config = config_file(sources=[{"id": "deep", "url": site.url("/deep"), "kind": "page"}])
    result = cli("--config", str(config), "check")
    assert "deep: FAILED - too_deep" in result.stderr, result.stderr
    assert db_rows(tmp_path / "regwatch.db", "SELECT count(*) FROM snapshots")[0][0] == 0
