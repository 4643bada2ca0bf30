"""What a server gave that goes back to it in a request header: its validators (ETag,
Last-Modified) and its cookies, only when they are printable ASCII.

httpx writes header values as ASCII and raises UnicodeEncodeError for anything else. A
value a server sent with a byte past ASCII (read as Latin-1 or UTF-8) cannot be sent back
as it came, so it is not sent: a validator left out makes the fetch unconditional (always
correct), a cookie dropped from the jar leaves the site to answer without it. Kept, either
failed every later request that carried it as a bug (a stored ETag: every check of its
source; a cookie: every request to its host while the fetcher lives).
"""

from __future__ import annotations

import httpx


def sendable(value: str) -> bool:
    """Whether a value from a server can go back to it in a header: printable ASCII."""
    return value.isascii() and value.isprintable()


def drop_unsendable_cookies(cookies: httpx.Cookies) -> None:
    """Remove from the jar the cookies whose name or value could not be sent back."""
    for cookie in list(cookies.jar):
        if not (sendable(cookie.name) and sendable(cookie.value or "")):
            cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
