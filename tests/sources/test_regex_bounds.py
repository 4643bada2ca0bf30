"""Every regular expression applied to untrusted text runs in bounded time.

Hostile inputs are repetitions of each pattern's own prefixes (its literal words and the
punctuation around them), a few hundred KB long: what makes a backtracking engine rescan
the rest of the text from every start (quadratic) or split a run two ways (exponential).
Before the rewrite, `"csrf-" * 40000` took 104 s in the volatile-token pattern and 22
empty HTML comments took 1.4 s in the "looks like HTML" test (doubling with each one more).

The bound is generous (a linear scan of 300 KB takes milliseconds; the slow cases took
seconds to hours): this guards against a runaway, it does not measure speed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import alerts.mrkdwn
import alerts.render
import sources.dates
import sources.feed
import sources.html
import sources.jsonapi
import sources.pdf
import sources.text
import watcher.net.botwall
import watcher.related.identifiers
import watcher.related.linking
import watcher.related.text
import watcher.summary.grounding
import watcher.summary.safety

BOUND = 3.0  # seconds for one scan of up to ~300 KB; the runaways took 6 s (40 KB) to hours

MODULES = (
    sources.text,
    sources.feed,
    sources.jsonapi,
    sources.dates,
    sources.pdf,
    sources.html,
    watcher.net.botwall,
    watcher.related.linking,
    watcher.related.identifiers,
    watcher.related.text,
    watcher.summary.grounding,
    watcher.summary.safety,
    alerts.render,
    alerts.mrkdwn,
)


def _patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Every compiled pattern at module level of the modules that read untrusted text."""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for module in MODULES:
        for name, value in vars(module).items():
            values = value if isinstance(value, tuple) else (value,)
            for index, pattern in enumerate(values):
                if isinstance(pattern, re.Pattern):
                    found[f"{module.__name__}.{name}[{index}]"] = pattern
            if isinstance(value, dict):
                for key, pattern in value.items():
                    if isinstance(pattern, re.Pattern):
                        found[f"{module.__name__}.{name}[{key}]"] = pattern
    return found


PATTERNS = _patterns()

#: Functions that scan untrusted text with several patterns or loops of their own.
FUNCTIONS: dict[str, Callable[[str], object]] = {
    "sources.text.clean_blocks": lambda text: sources.text.clean_blocks([text]),
    "watcher.net.botwall.strip_tags": watcher.net.botwall.strip_tags,
    "watcher.net.botwall.detect": lambda text: watcher.net.botwall.detect(
        200, {"content-type": "text/html"}, text.encode()
    ),
    "alerts.render.safe": lambda text: alerts.render.safe(text, 10**7),
    "alerts.mrkdwn.escape": alerts.mrkdwn.escape,
}

PUNCTUATION = [
    "<",
    ">",
    "</",
    "<!--",
    "-->",
    "<?xml ",
    "=",
    ":",
    "-",
    "_",
    ".",
    ",",
    "/",
    "1",
    "1.",
    "12",
    " ",
    "  ",
    "\t",
    '"',
    "'",
    "(",
    ")",
    "§",
    "\x1b",
    "\x1b[",
    "\x1b]",
    "a",
    "x",
]


def _words() -> list[str]:
    words: set[str] = set()
    for pattern in PATTERNS.values():
        source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
        words.update(re.findall(r"[A-Za-z_]{2,}", source))
    # Words of escapes (\b, \s...) glued to letters are harmless extras.
    return sorted(words)


FRAGMENTS = _words() + PUNCTUATION
KNOWN_RUNAWAYS = [
    ("csrf-", 60_000),
    ("<!---->", 20_000),
    ("<script", 40_000),
    ("<a", 100_000),
    ("<time ", 40_000),
    ("<title>", 40_000),
    ("1.", 100_000),
    ("aspsessionid", 20_000),
    ("views 1 ,", 30_000),
    ("circular no ", 20_000),
    ("[a](", 75_000),
    ("http:", 60_000),
    ("1", 40_000),  # a run of digits: watcher.related.identifiers._QUANTITY (hypothesis, round 17)
]


def _scan(pattern: re.Pattern[str] | re.Pattern[bytes], text: str) -> None:
    if isinstance(pattern.pattern, bytes):
        data = text.encode("utf-8", "replace")
        pattern.sub(b"", data)  # type: ignore[arg-type]
        pattern.match(data)  # type: ignore[arg-type]
    else:
        pattern.sub("", text)  # type: ignore[arg-type]
        pattern.match(text)  # type: ignore[arg-type]


def _slowest(text: str) -> tuple[str, float]:
    worst = ("", 0.0)
    scanners: list[tuple[str, Callable[[str], object]]] = [
        *((name, lambda t, p=p: _scan(p, t)) for name, p in PATTERNS.items()),
        *FUNCTIONS.items(),
    ]
    for name, scan in scanners:
        started = time.perf_counter()
        scan(text)
        took = time.perf_counter() - started
        if took > worst[1]:
            worst = (name, took)
    return worst


def test_the_audit_sees_the_patterns_that_read_page_text() -> None:
    names = set(PATTERNS)
    assert {
        "sources.text.VOLATILE[0]",
        "sources.feed.HTML_START[0]",
        "watcher.net.botwall.LOOKS_HTML[0]",
    } <= names
    assert len(names) >= 30


@pytest.mark.parametrize(("unit", "count"), KNOWN_RUNAWAYS)
def test_known_runaway_inputs_are_bounded(unit: str, count: int) -> None:
    name, took = _slowest(unit * count + "!")
    assert took < BOUND, f"{name} took {took:.1f}s on {unit!r} * {count}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join),
    size=st.integers(min_value=20_000, max_value=300_000),
    tail=st.sampled_from(["", "!", "x", "<", "\n"]),
)
@example(unit="csrf-", size=200_000, tail="")
@example(unit="<!---->", size=60_000, tail="x")
def test_repeated_prefixes_are_bounded(unit: str, size: int, tail: str) -> None:
    text = unit * max(1, size // len(unit)) + tail
    name, took = _slowest(text)
    assert took < BOUND, f"{name} took {took:.1f}s on {unit!r} repeated to {len(text):,} characters"
