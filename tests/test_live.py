"""Live checks against the real regulator sites (off by default: `python -m pytest -m live`).

Each catalog entry is fetched once through the real pipeline; a pass means the URL answers
and the selectors still find content. A bot wall is reported as such (a skip with the
reason), because it says nothing about the selectors. Use the results to flip `verified`.
"""

from __future__ import annotations

import pytest
from passes import Passes, make_config

from sources.catalog import load_catalog

CATALOG = load_catalog()


@pytest.mark.live
@pytest.mark.parametrize("entry", CATALOG, ids=[e["id"] for e in CATALOG])
def test_catalog_entry_live(entry, tmp_path):
    config = make_config(tmp_path, [entry], allow_private=False)
    outcome = Passes(config, tmp_path / "live.db").one()
    if outcome.reason == "bot_wall":
        pytest.skip(f"bot wall: {outcome.error}")
    assert outcome.status == "baseline", f"{outcome.reason}: {outcome.error}"
