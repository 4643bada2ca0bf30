"""Stable document identity: canonical links with tracking parameters and fragments removed."""

from __future__ import annotations

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
    "ref",
    "ref_src",
    "source",
    "cmpid",
    "campaign",
    "s_cid",
    "cid",
    "trk",
    "sessionid",
    "jsessionid",
    "phpsessid",
    "sid",
}


def absolute(base: str, href: str | None) -> str:
    """Resolve href against base; only http(s) links survive (javascript:, data: etc. are dropped)."""
    if not href:
        return ""
    href = href.strip()
    try:
        joined = urljoin(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return joined


def canonical(url: str) -> str:
    """The identity form of a link: lowercase scheme/host, no fragment, no tracking parameters,
    query parameters sorted, default ports and trailing `index.html` kept as given."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80) or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_NAMES
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(sorted(query)), ""))
