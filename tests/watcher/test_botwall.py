"""Bot walls are not content: challenge, "Access Denied" and soft-404 pages are failed fetches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from localsite import LISTING_SOURCE, listing_page
from passes import Passes, make_config

from watcher.net.botwall import detect

PAGES = Path(__file__).resolve().parent.parent / "pages"

AKAMAI = b"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;www&#46;fda&#46;gov&#47;news&#45;events&#47;" on this server.<P>
Reference&#32;&#35;18&#46;5e3c1002&#46;1729252631&#46;2f9a7c1
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5e3c1002&#46;1729252631&#46;2f9a7c1</P>
</BODY>
</HTML>
"""
CLOUDFLARE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">www.example.gov</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.example.gov"};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1';})();
</script></body></html>"""
ATTENTION = b"""<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>
<body><h1>Sorry, you have been blocked</h1><p>You are unable to access example.gov</p></body></html>"""
CAPTCHA = b"""<html><head><title>Security check</title></head><body><form action="/verify">
<div class="g-recaptcha" data-sitekey="6Lc..."></div><button>Continue</button></form></body></html>"""
INCAPSULA = b"""<html><head><META NAME="robots" CONTENT="noindex,nofollow"></head><body>
<iframe src="/_Incapsula_Resource?SWUDNSAI=31&xinfo=8-1234&incident_id=0-123&edet=15"></iframe>
Request unsuccessful. Incapsula incident ID: 0-123456789</body></html>"""
SOFT_404 = b"""<!DOCTYPE html><html><head><title>Page Not Found | HHS.gov</title></head><body>
<main><h1>Page not found</h1><p>The page you requested could not be found.</p></main></body></html>"""
F5 = b"""<html><head><title>Request Rejected</title></head><body>The requested URL was rejected.
Please consult with your administrator.<br><br>Your support ID is: 1234567890123456789</body></html>"""

WALLS = [
    ("akamai 403", 403, {}, AKAMAI, "access denied"),
    ("akamai 200", 200, {}, AKAMAI, "access denied"),
    ("cloudflare challenge", 503, {"cf-mitigated": "challenge"}, CLOUDFLARE, "challenge"),
    ("cloudflare challenge, no header", 200, {}, CLOUDFLARE, "challenge"),
    ("cloudflare block", 403, {}, ATTENTION, "challenge"),
    ("captcha form", 200, {}, CAPTCHA, "challenge"),
    ("incapsula", 200, {}, INCAPSULA, "challenge"),
    ("f5 asm", 200, {}, F5, "challenge"),
    ("soft 404", 200, {}, SOFT_404, "soft 404"),
]


@pytest.mark.parametrize(("what", "status", "headers", "body", "kind"), WALLS, ids=[w[0] for w in WALLS])
def test_walls_are_recognised(what, status, headers, body, kind):
    wall = detect(status, {"content-type": "text/html", **headers}, body)
    assert wall is not None and wall.kind == kind


CONTENT = [
    ("real page", (PAGES / "html-trafilatura/brandenburg.de.homo-brandenburgensis.html").read_bytes()),
    (
        "real page that mentions captcha and access denied",
        b"<html><head><title>Breach guidance | HHS</title>"
        b"</head><body>"
        + b"<p>Covered entities must notify individuals. " * 200
        + b"Access denied to records is a violation. Our contact form uses a captcha.</p></body></html>",
    ),
    ("json", b'{"results": [{"title": "Access Denied"}]}'),
    ("listing", listing_page([("2024-10-01", "Just a moment of reflection on HIPAA", "/a")]).encode()),
]


@pytest.mark.parametrize(("what", "body"), CONTENT, ids=[c[0] for c in CONTENT])
def test_content_is_not_a_wall(what, body):
    kind = "application/json" if body.startswith(b"{") else "text/html"
    assert detect(200, {"content-type": kind}, body) is None


def test_configured_markers():
    body = b"<html><body><p>Our portal is under scheduled maintenance until Monday.</p></body></html>"
    assert detect(200, {"content-type": "text/html"}, body) is None
    wall = detect(200, {"content-type": "text/html"}, body, ("UNDER SCHEDULED MAINTENANCE",))
    assert wall is not None and "UNDER SCHEDULED MAINTENANCE" in wall.describe()


ITEMS = [
    ("2024-10-01", "FDA issues guidance on AI-enabled devices", "/news/ai.html"),
    ("2024-09-15", "FDA clears digital therapeutic", "/news/dtx.html"),
]


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, {}, AKAMAI),
        (403, {}, AKAMAI),
        (503, {"cf-mitigated": "challenge"}, CLOUDFLARE),
        (200, {}, SOFT_404),
    ],
    ids=["akamai-200", "akamai-403", "cloudflare-503", "soft-404"],
)
def test_a_wall_is_a_failed_check_never_everything_removed(site, tmp_path, status, headers, body):
    site.set("/news", listing_page(ITEMS))
    passes = Passes(
        make_config(tmp_path, [{"id": "us-fda-news", "url": site.url("/news"), **LISTING_SOURCE}]),
        tmp_path / "regwatch.db",
    )
    assert passes.one().status == "baseline"
    site.set("/news", body, status=status, headers=headers)
    walled = passes.one()
    assert walled.failed and walled.reason == "bot_wall"
    assert "bot wall" in walled.error and "not content" in walled.error
    site.set("/news", listing_page(ITEMS))
    assert passes.one().status == "unchanged"
    assert passes.changes() == []
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == 0
    assert db.execute("SELECT state FROM sources").fetchone()[0] == "ok"


def test_custom_bot_markers_from_config(site, tmp_path):
    site.set("/p", "<html><body><main><p>Rules text.</p></main></body></html>")
    source = {
        "id": "p",
        "url": site.url("/p"),
        "kind": "page",
        "select": "main",
        "bot_markers": ["Please log in"],
    }
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().status == "baseline"
    site.set("/p", "<html><body><main><p>Please log in to continue.</p></main></body></html>")
    outcome = passes.one()
    assert outcome.reason == "bot_wall" and "Please log in" in outcome.error
