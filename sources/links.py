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


def without_tracking(url: str) -> str:
    """The link as shown in alerts: tracking parameters (utm_*, fbclid...) and a plain
    fragment removed, everything else as the site wrote it (so such noise is never a change).
    PDF fragments such as `#page=3` are kept."""
    if not url:
        return ""
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
