"""The crash-point hook: dies exactly at the n-th hit when armed, does nothing when not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from clirun import ROOT

from watcher.db import crashpoints

SCRIPT = (
    "from watcher.db import crashpoints\n"
    "for point in ['after_fetch', 'after_extract', 'after_fetch', 'after_send']:\n"
    "    crashpoints.reached(point)\n"
    "    print('passed', point, flush=True)\n"
)


def run(spec: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(crashpoints.VARIABLE, None)
    if spec is not None:
        env[crashpoints.VARIABLE] = spec
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True)


def test_unset_means_a_function_that_does_nothing():
    assert crashpoints.reached is crashpoints._never  # the test process never arms it
    result = run(None)
    assert result.returncode == 0 and result.stdout.count("passed") == 4


@pytest.mark.parametrize(("spec", "survived"), [("after_fetch:2", 2), ("after_fetch:1", 0), ("any:4", 3)])
def test_armed_it_dies_at_the_nth_hit(spec, survived):
    result = run(spec)
    assert result.returncode == crashpoints.EXIT_CODE
    assert result.stdout.count("passed") == survived
    assert "simulated crash at" in result.stderr


def test_a_point_never_reached_changes_nothing():
    assert run("before_commit:1").returncode == 0


@pytest.mark.parametrize("spec", ["after_fetch", "nowhere:1", "after_fetch:0", "after_fetch:x"])
def test_a_bad_spec_is_refused(spec):
    with pytest.raises(ValueError, match=crashpoints.VARIABLE):
        crashpoints.parse(spec)
