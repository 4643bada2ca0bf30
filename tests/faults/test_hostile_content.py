"""Bodies that are odd but readable: wrong or missing charsets, broken markup, ill-formed feeds.

These are not failures: the check succeeds, stores the right text, and a later edit is
one precise change (not a flood of mojibake or a re-read of the whole page).
"""

from __future__ import annotations

from faultbodies import needs_kind
from faultsite import respond

PAGE = {"id": "faulty", "name": "Faulty source", "kind": "page", "select": "main"}


def blocks(w) -> tuple[str, ...]:
    return w.store.latest_snapshot("faulty").blocks


def test_cp1252_declared_only_in_a_meta_tag(faults, watch):
    head = b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'></head>"
    body = (
        head + b"<body><main><p>Caf\xe9 \x96 \xa7 164.512 \x93quoted\x94 costs \x805</p></main></body></html>"
    )
    faults.set("/doc", respond(200, body, content_type="text/html"))
    w = watch([{**PAGE, "url": faults.url("/doc")}])
    assert w.run()["faulty"].status == "baseline"
    assert blocks(w) == ("Café – § 164.512 “quoted” costs €5",)
    edited = body.replace(b"costs \x805", b"costs \x806")
    faults.set("/doc", respond(200, edited, content_type="text/html"))
    assert w.run()["faulty"].status == "changed"
    diff = w.query("SELECT diff FROM changes WHERE source_id = 'faulty'")[0][0]
    assert "+Café – § 164.512 “quoted” costs €6" in diff


def test_invalid_utf8_under_a_utf8_header_spoils_only_the_bad_bytes(faults, watch):
    """One bad byte in a UTF-8 page must not turn all its accented text into mojibake
    (which would report every line as changed)."""
    good = "<html><body><main><p>Données de santé — Überblick</p><p>Règle 7</p></main></body></html>"
    faults.set("/doc", respond(200, good.encode()))
    w = watch([{**PAGE, "url": faults.url("/doc")}])
    assert w.run()["faulty"].status == "baseline"
    spoiled = good.encode().replace(
        b"<p>R\xc3\xa8gle 7</p>", b"<p>R\xc3\xa8gle 7</p><p>Note \xff\xfe end</p>"
    )
    faults.set("/doc", respond(200, spoiled, content_type="text/html; charset=utf-8"))
    outcome = w.run()["faulty"]
    assert outcome.status == "changed", outcome
    assert blocks(w)[:2] == ("Données de santé — Überblick", "Règle 7")
    assert blocks(w)[2].startswith("Note ") and blocks(w)[2].endswith(" end")
    diff = w.query("SELECT diff FROM changes WHERE source_id = 'faulty'")[0][0]
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        f"+{blocks(w)[2]}"
    ]


def test_a_cp1252_page_mislabelled_utf8_is_still_read(faults, watch):
    body = "<html><body><main><p>Straße – “Datenschutz”</p></main></body></html>".encode("cp1252")
    faults.set("/doc", respond(200, body, content_type="text/html; charset=utf-8"))
    w = watch([{**PAGE, "url": faults.url("/doc")}])
    assert w.run()["faulty"].status == "baseline"
    assert blocks(w) == ("Straße – “Datenschutz”",)


MALFORMED = (
    b"<html><head><title>Rule</title><body><main><h1>Breach <b>notification</i></h1>"
    b"<p>Notify <p <p>within 60 days<table><tr><td>cell one<td>cell two</table>"
    b"</div></div></span><li>stray item<p>Unclosed <a href=/x title=>broken link</a> text"
    b"<script>document.write('<main>fake</main>')</script><!-- comment <p>hidden</p> -->"
    b"\x00<p>after a NUL</p><![CDATA[ odd ]]><p>end"
)


def test_malformed_html_is_read_as_well_as_a_browser_would(faults, watch):
    faults.set("/doc", respond(200, MALFORMED))
    w = watch([{**PAGE, "url": faults.url("/doc")}])
    assert w.run()["faulty"].status == "baseline"
    text = "\n".join(blocks(w))
    for expected in ("Breach notification", "within 60 days", "cell one", "cell two", "after a NUL", "end"):
        assert expected in text
    assert "broken link text" in text
    assert "fake" not in text and "hidden" not in text and "document.write" not in text
    faults.set("/doc", respond(200, MALFORMED.replace(b"60 days", b"30 days")))
    assert w.run()["faulty"].status == "changed"
    assert faults.count("/doc") == 2


ILL_FORMED_RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Notices & news</title>'
    b"<item><title>Fees & charges rule</title><link>https://regulator.example/n/1</link>"
    b"<guid>urn:n:1</guid><pubDate>Mon, 07 Oct 2024 10:00:00 GMT</pubDate></item>"
    b"<item><title>Consent guidance <b>draft</title><link>https://regulator.example/n/2</link>"
    b"<guid>urn:n:2</guid></item>"
    b"{extra}</channel>"  # </rss> missing
)


@needs_kind("feed")
def test_an_ill_formed_feed_that_still_has_entries_is_accepted(faults, watch):
    faults.set(
        "/feed", respond(200, ILL_FORMED_RSS.replace(b"{extra}", b""), content_type="application/rss+xml")
    )
    w = watch([{"id": "faulty", "name": "Faulty source", "kind": "feed", "url": faults.url("/feed")}])
    assert w.run()["faulty"].status == "baseline"
    titles = [item.title for item in w.store.latest_snapshot("faulty").items]
    assert any("Fees" in t for t in titles) and any("Consent guidance" in t for t in titles)
    extra = b"<item><title>New & urgent notice</title><link>https://regulator.example/n/3</link><guid>urn:n:3</guid></item>"
    faults.set(
        "/feed", respond(200, ILL_FORMED_RSS.replace(b"{extra}", extra), content_type="application/rss+xml")
    )
    outcome = w.run()["faulty"]
    assert outcome.status == "changed", outcome
    added = w.query("SELECT added FROM changes WHERE source_id = 'faulty'")[0][0]
    assert "urgent notice" in added and "Fees" not in added
