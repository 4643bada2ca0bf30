"""Two-column rendering of a change: the version before on the left, after on the right."""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Iterator, Sequence
from itertools import zip_longest

from alerts.render import safe

MARKS = {"equal": " ", "replace": "|", "delete": "<", "insert": ">"}


def side_by_side(
    before: Sequence[str], after: Sequence[str], *, width: int = 160, context: int = 2
) -> Iterator[str]:
    """Rows `left <mark> right` (mark: | changed, < only before, > only after); unchanged
    stretches longer than 2 x `context` lines are elided."""
    half = max(20, (width - 3) // 2)
    left_lines = [safe(line, 5000) for line in before]
    right_lines = [safe(line, 5000) for line in after]
    matcher = difflib.SequenceMatcher(a=left_lines, b=right_lines, autojunk=False)
    yield f"{'before'.ljust(half)}   after"
    yield f"{'-' * half}   {'-' * half}"
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            span = list(range(i1, i2))
            if len(span) > 2 * context:
                shown = [*span[:context], -1, *span[-context:]] if context else [-1]
            else:
                shown = span
            for i in shown:
                if i == -1:
                    yield f"{'…'.ljust(half)}   …"
                else:
                    yield from _row(left_lines[i], right_lines[j1 + i - i1], " ", half)
            continue
        pairs = zip_longest(left_lines[i1:i2], right_lines[j1:j2], fillvalue=None)
        for left, right in pairs:
            mark = MARKS[tag] if left is not None and right is not None else ("<" if right is None else ">")
            yield from _row(left or "", right or "", mark, half)


def _row(left: str, right: str, mark: str, half: int) -> Iterator[str]:
    left_wrapped = textwrap.wrap(left, half) or [""]
    right_wrapped = textwrap.wrap(right, half) or [""]
    for n, (a, b) in enumerate(zip_longest(left_wrapped, right_wrapped, fillvalue="")):
        yield f"{a.ljust(half)} {mark if n == 0 else ' '} {b}".rstrip()
