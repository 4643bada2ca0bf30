"""The line that leads every alert is right on real capture pairs: each edit the
alert-fidelity tests make to a real EUR-Lex, Federal Register, eCFR, Guardian or fda.gov
capture (and a few more), run through the real source kind and diff, gives the line written
by hand from its diff (tests/alerts/headline_cases.toml; bench/headline_eval.py scores it)."""

from __future__ import annotations

import pytest
from headlinecases import cases, pairs, produced

CASES = cases()


def test_every_pair_has_its_expected_line_and_a_half():
    assert sorted(c.id for c in CASES) == sorted(pairs())
    halves = {c.half for c in CASES}
    assert halves == {"dev", "test"}
    assert all(c.expected and c.capture and c.note for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_headline_on_a_real_capture_pair(case):
    assert produced(case) == case.expected
