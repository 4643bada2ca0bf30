"""Tests that need an optional extra (a browser, Datasette): skipped with a reason on a plain
`pip install -e '.[test]'`, but FAILED in CI (`CI=true`) once the extra is installed, so a
broken Chromium or a Datasette that no longer imports cannot hide behind a skip.

Use `require(reason, extra="browser")` inside a test or at module level (reason None: all
there), or the mark `needs(reason, extra=...)` that tests/conftest.py applies at set-up.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

#: The package each optional extra of pyproject.toml brings.
EXTRAS = {"browser": "playwright", "ui": "datasette"}


def extra_installed(extra: str) -> bool:
    return importlib.util.find_spec(EXTRAS[extra]) is not None


def is_strict(extra: str) -> bool:
    """In CI with the extra installed, what it needs must be there."""
    return os.environ.get("CI") == "true" and extra_installed(extra)


def require(reason: str | None, *, extra: str) -> None:
    """Skip (or, when strict, fail) for `reason`; nothing when `reason` is None."""
    if reason is None:
        return
    if is_strict(extra):
        pytest.fail(
            f"{reason} (CI=true and the {extra!r} extra is installed: this test must run)", pytrace=False
        )
    pytest.skip(reason, allow_module_level=True)


def needs(reason: str | None, *, extra: str) -> pytest.MarkDecorator:
    return pytest.mark.needs(reason=reason, extra=extra)
