"""Hypothesis strategies for plain URLs (lowercase host, optional non-default port, a path of
unreserved characters): the shape sources/links.py and the listing kind take shortcuts on.
Shared by the tests that check each shortcut against the general path."""

from __future__ import annotations

import re

from hypothesis import strategies as st

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
#: A last label that is a number (`1`, `010`, `0x1f`) makes the host an IPv4 address in
#: short, octal or hex form, which the parsers rewrite: not plain (NUMBER_HOST below).
NUMBER_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
HOST = (
    st.lists(LABEL, min_size=1, max_size=4)
    .map(".".join)
    .filter(lambda host: not NUMBER_LABEL.fullmatch(host.rsplit(".", 1)[-1]))
)
#: Hosts ending in a number: IPv4 in any form the URL standard reads (`0`, `1.2`, `010.0.0.1`,
#: `0x7f.1`, `256.1.1.1`) and canonical dotted quads (`127.0.0.1`), the only ones plain.
NUMBER_HOST = (
    st.lists(
        st.one_of(
            st.integers(0, 300).map(str),
            st.integers(0, 255).map(lambda n: f"0{n:o}"),
            st.integers(0, 255).map(lambda n: f"0x{n:x}"),
            st.just("0x"),
            LABEL,
        ),
        min_size=1,
        max_size=5,
    )
    .map(".".join)
    .filter(lambda host: NUMBER_LABEL.fullmatch(host.rsplit(".", 1)[-1]) is not None)
)
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
