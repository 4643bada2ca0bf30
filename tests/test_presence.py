"""Presence-gated tests skip on a plain install but fail in CI once their extra is installed."""

from __future__ import annotations

import presence
import pytest
from _pytest.outcomes import Failed, Skipped


@pytest.mark.parametrize(
    ("ci", "installed", "outcome"),
    [
        (None, False, Skipped),
        (
            None,
            True,
            Skipped,
        ),  # a developer's machine with the extra but no Chromium: a skip, with its reason
        ("true", False, Skipped),  # CI without the extra: nothing to run it with
        ("true", True, Failed),  # CI with the extra: the missing piece is a failure
        ("1", True, Skipped),  # only CI=true counts
    ],
)
def test_require_skips_or_fails(monkeypatch, ci, installed, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(presence, "extra_installed", lambda extra: installed)
    with pytest.raises(outcome, match="no Chromium"):
        presence.require("no Chromium", extra="browser")


def test_nothing_missing_runs(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(presence, "extra_installed", lambda extra: True)
    presence.require(None, extra="browser")


def test_every_extra_named_is_in_pyproject():
    import tomllib
    from pathlib import Path

    extras = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert set(presence.EXTRAS) <= set(extras["project"]["optional-dependencies"])
