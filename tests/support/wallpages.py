"""Bot-wall pages as the walls in front of regulator sites answer them (Akamai, Cloudflare,
Imperva, F5, a soft 404), shared by the bot-wall tests (tests/watcher/test_botwall.py,
tests/watcher/test_worker_botwall.py)."""

from __future__ import annotations

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
