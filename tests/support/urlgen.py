"""Hypothesis strategies for plain URLs (lowercase host, optional non-default port, a path of
unreserved characters): the shape sources/links.py and the listing kind take shortcuts on.
Shared by the tests that check each shortcut against the general path."""

from __future__ import annotations

from hypothesis import strategies as st

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
HOST = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
PORT = st.one_of(
    st.just(""), st.integers(1, 99999).filter(lambda p: p not in (80, 443)).map(lambda p: f":{p}")
)
SEGMENT = st.from_regex(r"[A-Za-z0-9_~-][A-Za-z0-9_~.-]{0,12}", fullmatch=True)
PATH = st.builds(
    lambda segments, slash: "/" + "/".join(segments) + ("/" if slash and segments else ""),
    st.lists(SEGMENT, max_size=5),
    st.booleans(),
)


def origins(schemes: tuple[str, ...], *, ports: bool) -> st.SearchStrategy[str]:
    """`scheme://host[:port]` with one of `schemes`."""
    return st.builds(
        lambda scheme, host, port: f"{scheme}://{host}{port}",
        st.sampled_from(schemes),
        HOST,
        PORT if ports else st.just(""),
    )
