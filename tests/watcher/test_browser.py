"""`render = "browser"`: JS-rendered pages through headless Chromium (the system's), end to end."""

from __future__ import annotations

import pytest
from passes import Passes, make_config
from presence import needs

from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.net.browser import unavailable_reason

REASON = unavailable_reason()
needs_browser = needs(REASON and f"browser rendering unavailable: {REASON}", extra="browser")

# The list exists only after JavaScript runs (like ABDM's publications page).
JS_PAGE = """<!DOCTYPE html><html><head><title>Publications | ABDM</title></head><body>
<main><h1>Publications</h1><div id="app">Loading...</div></main>
<script>
const docs = {docs};
setTimeout(function () {{
  document.getElementById("app").innerHTML = "<ul class='pubs'>" + docs.map(function (d) {{
    return "<li><a href='" + d[1] + "'>" + d[0] + "</a> <span class='size'>(1.1 MB)</span></li>";
  }}).join("") + "</ul>";
}}, 150);
</script></body></html>"""

DOCS = [
    ["Health Data Management Policy", "/uploads/HDM_Policy_3f9a1c.pdf"],
    ["Consent Manager Guidelines", "/uploads/CM_88b2de.pdf"],
]


def js_page(docs) -> str:
    import json

    return JS_PAGE.format(docs=json.dumps(docs))


def source(site):
    return {
        "id": "in-abdm-pubs",
        "url": site.url("/publications"),
        "kind": "listing",
        "render": "browser",
        "select": "ul.pubs li",
        "title": "a",
        "link": "a",
        "jurisdiction": "IN",
    }


@needs_browser
@pytest.mark.browser
def test_js_rendered_listing_through_chromium(site, tmp_path):
    site.set("/publications", js_page(DOCS))
    passes = Passes(make_config(tmp_path, [source(site)]), tmp_path / "regwatch.db")
    assert passes.one().summary == "baseline: 2 item(s)"
    site.set(
        "/publications", js_page([["DPDP and ABDM: joint advisory", "/uploads/Advisory_77aa.pdf"], *DOCS])
    )
    outcome = passes.one()
    assert outcome.status == "changed"
    assert outcome.summary == "1 new item: \u201cDPDP and ABDM: joint advisory\u201d"
    [change] = passes.changes()
    assert change.added[0].link == site.url("/uploads/Advisory_77aa.pdf")


@needs_browser
@pytest.mark.browser
def test_browser_sees_bot_walls_too(site, tmp_path):
    site.set("/publications", js_page(DOCS))
    passes = Passes(make_config(tmp_path, [source(site)]), tmp_path / "regwatch.db")
    passes.one()
    site.set(
        "/publications",
        "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
        "Reference #18.5e3c1002.1729252631.2f9a7c1</body></html>",
        status=403,
    )
    outcome = passes.one()
    assert outcome.failed and outcome.reason == "bot_wall"
    assert passes.changes() == []


def test_without_chromium_the_failure_says_how_to_fix_it(site, tmp_path, monkeypatch):
    monkeypatch.setenv("REGWATCH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    site.set("/publications", js_page(DOCS))
    passes = Passes(make_config(tmp_path, [source(site)]), tmp_path / "regwatch.db")
    outcome = passes.one()
    assert outcome.failed and outcome.reason == "browser"
    assert "chromium" in outcome.error.lower()


def test_browser_rendering_is_for_html_kinds_only():
    with pytest.raises(ConfigError, match="render = 'browser' works for HTML kinds only"):
        parse_config(
            {
                "sources": [
                    {"id": "f", "url": "https://example.gov/feed", "kind": "feed", "render": "browser"}
                ]
            },
            path=None,
        )
