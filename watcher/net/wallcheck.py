"""A bot-wall check left by the fetch for later: to the extraction worker, or to the check.

`botwall.detect` reads every fetched body (~0.5 ms for a 60 KB page), and in a first or a
changed pass the main process, not the extraction worker, limits the pass (issue 18). A
body that will be extracted in a worker can be checked there instead, before it is read:
the fetch skips the check when the request says `defer_wall_check`, and marks the result
`Unchecked` (in its `__dict__`, like its cached `body_hash`, so the mark travels with it to
the worker). Whoever takes the result then runs the same `detect` on the same status,
headers, body and markers the fetch would have used: the worker (`detect_deferred`), or the
check itself when the body stays in the main process (`watcher.net.failures.check_deferred`).
A wall found either way becomes the very `FetchError` the fetch raises for it.

The fetcher's `on_fetch` hooks hear of such a fetch when its verdict is known (`settle`),
ok or failed as they would have at the fetch, with the fetch's own duration.

A leaf module (the shared values and `botwall` only), so the worker imports no network code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from watcher.model import FetchResult
from watcher.net.botwall import Wall, detect

if TYPE_CHECKING:
    from watcher.errors import FetchError

_KEY = "_wall_unchecked"

#: Tells the fetcher's hooks how the fetch ended (the wall's error, or None: it was content).
Teller = Callable[["FetchError | None"], None]


class Unchecked:
    """The mark of a fetch whose bot-wall check is still to run: the markers it would have
    used and, in the main process, how to tell the fetcher's hooks (never pickled)."""

    __slots__ = ("markers", "tell")

    def __init__(self, markers: tuple[str, ...], tell: Teller | None = None) -> None:
        self.markers = markers
        self.tell = tell

    def __reduce__(self) -> tuple[type[Unchecked], tuple[tuple[str, ...]]]:
        return (Unchecked, (self.markers,))  # to the worker: the markers, not the hooks


def defer(fetched: FetchResult, markers: tuple[str, ...], tell: Teller | None = None) -> None:
    """Mark `fetched` as not checked for a bot wall yet (by the fetch that made it)."""
    fetched.__dict__[_KEY] = Unchecked(markers, tell)


def unchecked(fetched: FetchResult) -> Unchecked | None:
    """The mark of a result whose bot-wall check is still to run, if it is one."""
    mark = fetched.__dict__.get(_KEY)
    return mark if isinstance(mark, Unchecked) else None


def detect_deferred(fetched: FetchResult) -> Wall | None:
    """The wall `fetched` is, by the check its fetch left for later (None: content, or it
    was checked at the fetch). The same call the fetch makes (watcher/net/fetch.py `_stream`)."""
    mark = unchecked(fetched)
    if mark is None:
        return None
    return detect(fetched.status, fetched.headers, fetched.body, mark.markers)


def settle(fetched: FetchResult, error: FetchError | None = None) -> None:
    """The deferred check is done: the result is checked, and the hooks hear of the fetch
    (once: a result already settled, or never deferred, is left as it is)."""
    mark = fetched.__dict__.pop(_KEY, None)
    if isinstance(mark, Unchecked) and mark.tell is not None:
        mark.tell(error)
