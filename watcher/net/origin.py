"""Which requests may carry a source's own `headers` (Authorization, Cookie, API keys).

Credentials stay with the origin they were configured for, as browsers and httpx keep
them: a redirect to another scheme, host or port drops every configured header, unless
the source names that host in `headers_hosts`. A pure decision, used by plain fetches
and by the browser's request router.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an URL, or None when it has no usable host."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower().rstrip("."), port


def may_carry_headers(configured: str, target: str, hosts: Iterable[str] = ()) -> bool:
    """May a request to `target` carry the headers configured for `configured`'s origin?"""
    home, there = origin(configured), origin(target)
    if there is None:
        return False
    if home == there:
        return True
    # An opted-in host gets them over https only (or when the home origin itself is http).
    allowed = {h.lower().rstrip(".") for h in hosts}
    return there[1] in allowed and (there[0] == "https" or (home is not None and home[0] == "http"))
