"""`feed`: RSS 0.9x/1.0/2.0, Atom and RDF feeds, read by feedparser from the bytes regwatch fetched."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from typing import Any

from sources import html
from sources.base import SourceKind
from sources.dates import DAY_FIRST_JURISDICTIONS, parse_date
from sources.keys import unique_items
from sources.links import absolute, canonical, remember_identities, without_tracking
from sources.markup import html_to_text
from sources.text import XML_DECL, clean_line, codec_name, decode, mostly_utf8
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Item, Snapshot, Source

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
HTML_START = re.compile(
    # Atomic comments group: a plain `(?:<!--.*?-->\s*)*` is exponential in the number of comments.
    rb"^\s*+(?>(?:<!--.*?-->\s*+)*)<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.I | re.S,
)
SUMMARY_LIMIT = 1000
#: A numeric character reference; its digits are possessive, so a long run is read once.
NUMERIC_REF = re.compile(rb"&#(?:[xX]0*+([0-9a-fA-F]++)|0*+([0-9]++))")
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


@dataclass(frozen=True)
class FeedOptions:
    """Options of the `feed` kind.

    summary: compare entry summaries too (true), or only title, link and date (false: for
        feeds whose summaries carry counters or rotating teasers).
    """

    summary: bool = True


class Feed(SourceKind):
    """Watch an RSS 0.9x/1.0/2.0, Atom or RDF feed; each entry is an item.

    feedparser reads the bytes regwatch fetched (it never fetches by itself), with the
    response's Content-Type so the declared charset is honoured. An entry's identity is
    its guid/id, then its canonical link (tracking parameters and fragment removed), then
    its title; dates come from the feed's own date handlers, then from regwatch's table
    of real-world formats. An ill-formed feed that still yields entries is accepted and
    the check records a warning ("ill-formed feed: …"); an HTML page served where a feed
    was expected is an error of the source (`not_feed`), naming the feed the page
    declares, if any. Options: `summary` (default true).

    A feed shows its newest entries, so `removals` defaults to "window": an entry that
    drops off the old end as new ones arrive is recorded, not alerted; one that vanishes
    from inside the window is alerted as removed, with evidence.
    """

    kind = "feed"
    Options = FeedOptions
    accept = FEED_ACCEPT
    has_items = True
    removals = "window"

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: FeedOptions = source.options if isinstance(source.options, FeedOptions) else FeedOptions()
        body = fetched.body
        if not body.strip():
            raise ExtractError("the response body is empty, not a feed", reason=Reason.EMPTY)
        headers = {"content-location": fetched.final_url}
        if fetched.headers.get("content-type"):
            headers["content-type"] = fetched.headers["content-type"]
        import feedparser  # imported on use: commands that read history never parse feeds

        # A stream, never bytes or str: feedparser treats a str as a URL or a file name.
        parsed = feedparser.parse(
            io.BytesIO(without_invalid_refs(repaired_utf8(body, fetched.charset))),
            response_headers=headers,
            resolve_relative_uris=True,
            sanitize_html=True,
        )
        entries = parsed.get("entries") or []
        if not parsed.get("version") and not entries:
            raise not_a_feed(fetched, parsed)
        warnings: list[str] = []
        if parsed.get("bozo") and not entries:
            raise ExtractError(
                f"ill-formed feed at {fetched.final_url} with no readable entries"
                f" ({_describe(parsed.get('bozo_exception'))})",
                reason=Reason.PARSE,
            )
        if parsed.get("bozo"):
            problem = parsed.get("bozo_exception")
            warnings.append(f"ill-formed feed ({_describe(problem)}); read {len(entries)} entries anyway")
        dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
        read = (read_entry(entry, fetched.final_url, source.ignore, options, dayfirst) for entry in entries)
        known: dict[str, str] = {}
        items, repeated = unique_items([item for item in read if item is not None], known)
        warnings.extend(repeated)
        if entries and not items:
            raise ExtractError(
                f"the feed has {len(entries)} entries but none has an id, link or title", reason=Reason.PARSE
            )
        snapshot = Snapshot(items=tuple(items), warnings=tuple(warnings))
        remember_identities(snapshot, known)  # so the diff does not work them out again
        return snapshot


def repaired_utf8(body: bytes, declared: str | None) -> bytes:
    """A UTF-8 feed with a few bad bytes (a stray byte in one entry) with those bytes made
    U+FFFD, as a page's are (sources/text.py `decode`): feedparser would read the whole feed
    as windows-1252, every accent of every entry mojibake, and each such entry "updated".
    A feed declared in another encoding, or that is not mostly UTF-8, is left as it is."""
    if body.isascii():
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    found = XML_DECL.match(body[:4096])
    label = declared or (found.group(1).decode("ascii") if found else None)
    if (label and codec_name(label) != "utf-8") or not mostly_utf8(body):
        return body
    return body.decode("utf-8", errors="replace").encode("utf-8")


def without_invalid_refs(body: bytes) -> bytes:
    """`body` with each reference to a character that cannot be (`&#xD800;`, a UTF-16
    surrogate; `&#1114112;`, past U+10FFFF) made `&#xFFFD;`, as a broken byte is:
    feedparser's loose parser raises UnicodeEncodeError, ValueError or OverflowError on
    them, which failed the whole feed."""
    return NUMERIC_REF.sub(_replace_invalid_ref, body) if b"&#" in body else body


def _replace_invalid_ref(match: re.Match[bytes]) -> bytes:
    digits = match[1] or match[2]
    if len(digits) > 8:
        return b"&#xFFFD"
    value = int(digits, 16 if match[1] else 10)
    return b"&#xFFFD" if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF else match[0]


def read_entry(entry: Any, base: str, ignore, options: FeedOptions, dayfirst: bool) -> Item | None:
    title = clean_line(_text(entry.get("title", ""), entry.get("title_detail")), ignore)
    link = _entry_link(entry, base)
    guid = (entry.get("id") or "").strip()
    if guid:
        url = absolute(base, guid) if guid.startswith(("http://", "https://")) else ""
        key = canonical(url) if url else "guid:" + guid
    elif link:
        key = canonical(link)
    elif title:
        key = "title:" + title.casefold()
    else:
        return None
    summary = ""
    if options.summary:
        summary = clean_line(_text(entry.get("summary", ""), entry.get("summary_detail")), ignore)
        summary = summary[:SUMMARY_LIMIT]
    return Item(
        key=key,
        title=title or link or guid,
        link=link,
        date=_entry_date(entry, dayfirst),
        summary=summary,
    )


def _entry_link(entry: Any, base: str) -> str:
    link = entry.get("link") or ""
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    return without_tracking(absolute(base, link)) if link else ""


def _entry_date(entry: Any, dayfirst: bool) -> str | None:
    for name in ("published", "updated", "created"):
        # dict.get: feedparser's own .get maps updated -> published with a DeprecationWarning.
        parsed = dict.get(entry, f"{name}_parsed")
        raw = dict.get(entry, name)
        if parsed and raw and not TIME_OF_DAY.search(raw):
            # A date without a time (`<dc:date>2024-10-18</dc:date>`) stays a date, not
            # midnight UTC.
            day = parse_date(raw, dayfirst=dayfirst)
            if day:
                return day
        if parsed:
            try:
                return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", parsed)
            except (TypeError, ValueError):
                pass
        if raw:
            found = parse_date(raw, dayfirst=dayfirst)
            if found:
                return found
    return None


def _text(value: str, detail: Any = None) -> str:
    """A feed text field as text. feedparser says what it is (`title_detail.type`): plain
    text is kept verbatim, `<…>` included (feedparser already decoded it); HTML (which
    feedparser sanitized) is converted to its text by lxml."""
    if not value:
        return ""
    kind = (detail or {}).get("type") or "text/html"
    if kind == "text/plain" or ("<" not in value and "&" not in value):
        return value
    return html_to_text(value)


def _describe(problem: object) -> str:
    if problem is None:
        return "unknown problem"
    text = " ".join(str(problem).split())
    return f"{type(problem).__name__}: {text}"[:200]


def not_a_feed(fetched: FetchResult, parsed: Any) -> ExtractError:
    """The clear error for a body that is not a feed (often an HTML page instead)."""
    looks_html = fetched.content_type in ("text/html", "application/xhtml+xml") or bool(
        HTML_START.match(fetched.body[:4096])
    )
    if looks_html:
        hint = ""
        declared = discover(fetched)
        if declared:
            hint = f"; the page declares the feed {declared} (use that url, or discover_feed = true)"
        return ExtractError(
            f"expected a feed at {fetched.final_url} but got an HTML page"
            f" ({fetched.content_type or 'no content type'}){hint}",
            reason=Reason.NOT_FEED,
        )
    problem = parsed.get("bozo_exception")
    return ExtractError(
        f"the response from {fetched.final_url} is not an RSS/Atom/RDF feed ({_describe(problem)})",
        reason=Reason.NOT_FEED,
    )


def declared_feed(fetched: FetchResult) -> str:
    """The feed URL a page declares, for `discover_feed = true`; an ExtractError if none."""
    found = discover(fetched)
    if not found:
        raise ExtractError(
            f"discover_feed is on but {fetched.final_url} declares no RSS/Atom feed"
            ' (no <link rel="alternate" type="application/rss+xml"> in its head)',
            reason=Reason.NO_FEED,
        )
    return found


def discover(fetched: FetchResult) -> str | None:
    """The first feed a page declares in its head (`<link rel="alternate" type="application/rss+xml">`)."""
    try:
        root = html.parse_text(decode(fetched.body, fetched.charset), fetched.final_url)
    except ExtractError:
        return None
    links = html.feed_links(root, html.base_href(root, fetched.final_url))
    return links[0] if links else None
