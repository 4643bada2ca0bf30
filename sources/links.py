"""Stable document identity: canonical links with tracking parameters and fragments removed.

Two forms: `canonical` (the item key stored in history: w3lib's canonical URL with tracking
parameters, fragment and default port removed) and `identity` (what two keys or links are
compared by: `canonical` without scheme, a leading `www.` and a trailing slash, so a site
moving from http://www. to https:// keeps every document's identity). Keys stored by older
versions pass through `identity` to the same value, so no stored key needs rewriting.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
TRACKING_NAMES = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mkt_tok",
    "_ga",
    "_gl",
    "ref_src",
    "cmpid",
    "s_cid",
    "trk",
    "sessionid",
    "jsessionid",
    "phpsessid",
}
# Not tracking: `source`, `ref`, `cid`, `sid` and `campaign` can name distinct documents
# (`?cid=1234` on a regulator's document server), so they stay part of the identity.
# Keys stored before they did lack them; `legacy_identity` lets those keys still match.
FORMERLY_STRIPPED = ("source", "ref", "cid", "sid", "campaign")
#: `canonical` and `identity` are pure and costly (w3lib's canonical form, ~40 µs): a diff
#: asks for the identity of every stored and every read key and link, mostly the same
#: strings, and a service asks again on every check of a source. Bounded: ~2.5 MB full
#: (keys, results and the cache's links; 32,768 entries held ~10 MB, a tenth of the main
#: process at 10,000 sources). A service of up to ~150 sources of 50 items keeps its keys
#: between checks; a pass over more keys than this cycles through an LRU cache larger
#: than itself and finds nothing in it whatever its size (a plain URL key, most stored
#: keys, takes the short path in `identity` anyway).
CACHED_URLS = 1 << 13

# A *plain* URL (lowercase http(s) host of plain labels, an optional non-default port, a
# path of unreserved characters without empty or dot segments, no query or fragment) is
# already in every form below, so it skips the parsers: most links on regulator pages are
# plain, and a listing reads ~50 per page. tests/sources/test_links_fast.py checks each
# shortcut against the general path.
# A host whose last label is a number (`1`, `010`, `0x1f`: WHATWG's "ends in a number") is an
# IPv4 address in short or octal or hex form, which the parsers rewrite (`http://1.2/` is
# `http://1.0.0.2/`), so it is plain only as a dotted quad already in its canonical form.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NUMBER_LABEL = r"(?:[0-9]+|0x[0-9a-f]*)(?![a-z0-9-])"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_HOST = rf"(?:{_OCTET}(?:\.{_OCTET}){{3}}(?![a-z0-9.-])|(?:{_LABEL}\.)*(?!{_NUMBER_LABEL}){_LABEL})"
_ORIGIN = rf"https?://{_HOST}(?::(?!80(?![0-9])|443(?![0-9]))[1-9][0-9]{{0,4}})?"
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9_~.-]*"
_PATH = rf"/(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?"
PLAIN_URL = re.compile(_ORIGIN + _PATH)
PLAIN_PATH = re.compile(_PATH)
PLAIN_BASE = re.compile(rf"({_ORIGIN})(?:[/?#]|$)")


def absolute(base: str, href: str | None) -> str:
    """Resolve href against base; only http(s) links survive (javascript:, data: etc. are dropped)."""
    if not href:
        return ""
    href = href.strip()
    joined = _plain_joined(base, href)
    return joined if joined is not None else _absolute_parsed(base, href)


def absolute_plain(base: str, href: str | None) -> tuple[str, bool]:
    """`absolute(base, href)`, and whether that link is a plain URL (`PLAIN_URL`): a plain
    path joined to a plain origin is one (the two patterns joined), known without matching
    the link again (a listing reads ~50 links a page)."""
    if not href:
        return "", False
    href = href.strip()
    joined = _plain_joined(base, href)
    if joined is not None:
        return joined, True
    link = _absolute_parsed(base, href)
    return link, PLAIN_URL.fullmatch(link) is not None


def _plain_joined(base: str, href: str) -> str | None:
    """A plain path (stripped) on a plain base's origin, joined without parsing; else None."""
    if PLAIN_PATH.fullmatch(href):
        origin = _plain_origin(base)
        if origin:
            return origin + href
    return None


@lru_cache(maxsize=64)
def _plain_origin(base: str) -> str:
    """The origin of a base URL that starts with a plain one, else "" (asked for every link of
    a page, of the same base)."""
    origin = PLAIN_BASE.match(base)
    return origin.group(1) if origin else ""


def _absolute_parsed(base: str, href: str) -> str:
    try:
        joined = urljoin(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return joined


def without_tracking(url: str) -> str:
    """The link as shown in alerts: tracking parameters (utm_*, fbclid...) and a plain
    fragment removed, everything else as the site wrote it (so such noise is never a change).
    PDF fragments such as `#page=3` are kept."""
    if not url or PLAIN_URL.fullmatch(url):
        return url
    return _without_tracking_parsed(url)


def _without_tracking_parsed(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    fragment = parts.fragment if parts.fragment.startswith(("page=", "nameddest=")) else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, fragment))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(TRACKING_PREFIXES) or lowered in TRACKING_NAMES


@lru_cache(maxsize=CACHED_URLS)
def canonical(url: str) -> str:
    """The key form of a link: w3lib's canonical URL (lowercase scheme and host, sorted and
    percent-encoded query, no fragment) without tracking parameters or a default port."""
    if not url:
        return ""
    url = url.strip()
    if PLAIN_URL.fullmatch(url):
        return url
    return _canonical_parsed(url)


def _canonical_parsed(url: str) -> str:
    # w3lib only for links that are not plain (most are): ~3 MB and ~10 ms to import.
    from w3lib.url import canonicalize_url, url_query_cleaner

    try:
        parts = urlsplit(url)
        tracking = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if _is_tracking(k)]
        cleaned = url_query_cleaner(url, tracking, remove=True, unique=False) if tracking else url
        result = urlsplit(canonicalize_url(cleaned))
        port = result.port
    except ValueError:
        return url
    netloc = result.netloc
    if port is not None and (result.scheme, port) in (("http", 80), ("https", 443)):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((result.scheme, netloc, result.path or "/", result.query, ""))


@lru_cache(maxsize=CACHED_URLS)
def identity(key: str) -> str:
    """What keys and links are compared by: a URL in `canonical` form without its scheme, a
    leading `www.` or a trailing slash (`//fda.gov/news`); any other key as it is."""
    if not key.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
        return key
    if PLAIN_URL.fullmatch(key):  # its own canonical form: no parsing (every stored key of a diff)
        return plain_identity(key)
    return _identity_parsed(key)


def plain_identity(url: str) -> str:
    """`identity` of a URL known to be plain (`PLAIN_URL`), without matching it again: a
    listing learns that of each link as it reads it (sources/listing.py)."""
    host, _, path = url.partition("://")[2].partition("/")
    return "//" + host.removeprefix("www.") + ("/" + path).rstrip("/")


#: Where a snapshot keeps the identities of keys its kind already knew while reading the
#: page (`remember_identities`): in the instance's `__dict__`, like its cached fingerprint,
#: so it travels back from an extraction worker with it (not a field: equality and
#: `dataclasses.replace` ignore it).
_KNOWN = "_known_identities"


def remember_identities(snapshot: Any, known: dict[str, str]) -> None:
    """Keep `known` (key -> `identity(key)`, for some of the snapshot's keys) on `snapshot`,
    for the diff (watcher/check/matching.py): the main process then matches a changed page's
    items without working out again what the extraction knew (~1.5 µs a URL key, ~50 a page)."""
    if known:
        snapshot.__dict__[_KNOWN] = known


def remember_plain_keys(snapshot: Any, keys: list[str]) -> None:
    """`remember_identities` of keys known to be plain URLs (`PLAIN_URL`), their identities
    (`plain_identity`) worked out when `known_identities` first asks: a source's first
    version is never diffed, and an extraction worker drops them unasked
    (`forget_identities`) instead of working out ~50 a page for nothing."""
    if keys:
        snapshot.__dict__[_KNOWN] = keys


def forget_identities(snapshot: Any) -> None:
    """Drop what `remember_identities` kept (nothing will diff the snapshot: not worth sending)."""
    snapshot.__dict__.pop(_KNOWN, None)


def known_identities(snapshot: Any) -> dict[str, str]:
    """The identities `remember_identities` kept on `snapshot` (key -> `identity(key)`), or {};
    those of `remember_plain_keys` worked out now (in the keys' order) and kept instead."""
    known = snapshot.__dict__.get(_KNOWN)
    if isinstance(known, list):
        known = snapshot.__dict__[_KNOWN] = {key: plain_identity(key) for key in known}
    return known if isinstance(known, dict) else {}


def _identity_parsed(key: str) -> str:
    base, mark, ordinal = key.rpartition("#")
    if mark and ordinal.isdigit():  # `key#2`: the second item sharing a key (sources/keys.py)
        return identity(base) + "#" + ordinal
    form = canonical(key)
    try:
        parts = urlsplit(form)
    except ValueError:
        return form
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    return urlunsplit(("", host, path, parts.query, ""))


def legacy_identity(key: str) -> str:
    """`identity` as keys stored by earlier versions had it: without the parameters they
    stripped as tracking (`FORMERLY_STRIPPED`). Only for matching such stored keys."""
    if "?" not in key or not key.startswith(("http://", "https://")):
        return identity(key)
    from w3lib.url import url_query_cleaner

    parts = urlsplit(key)
    names = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if k.lower() in FORMERLY_STRIPPED]
    return identity(
        url_query_cleaner(key, names, remove=True, unique=False, keep_fragments=True) if names else key
    )
