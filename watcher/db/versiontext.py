"""The searchable text of a version: the lines a snapshot introduced compared with the one before.

Indexing only new lines keeps the full-text index proportional to what changed, not to
(versions x page size), while every line a source ever showed stays findable once.
"""

from __future__ import annotations


def introduced_text(text: str, previous: str | None) -> str:
    """Lines of `text` absent from `previous` (all of `text` when there is no previous)."""
    if previous is None:
        return text
    seen = set(previous.splitlines())
    return "\n".join(line for line in text.splitlines() if line not in seen)
