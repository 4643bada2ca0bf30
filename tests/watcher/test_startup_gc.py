"""The program's collector after start-up (watcher/startup.py): its youngest generation is
collected every `YOUNG_THRESHOLD` objects; regwatch imported as a library leaves it alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from watcher import startup


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    enabled, threshold, paused = gc.isenabled(), gc.get_threshold(), startup._paused
    try:
        yield
    finally:
        startup._paused = paused
        gc.set_threshold(*threshold)
        gc.unfreeze()
        (gc.enable if enabled else gc.disable)()


def test_the_program_collects_its_youngest_generation_every_5000_objects(collector):
    gc.set_threshold(700, 10, 10)
    startup.pause()
    assert not gc.isenabled()
    startup.resume()
    assert gc.isenabled()
    assert gc.get_threshold() == (startup.YOUNG_THRESHOLD, 10, 10) == (5000, 10, 10)


def test_the_older_generations_keep_their_thresholds(collector):
    gc.set_threshold(700, 7, 13)
    startup.pause()
    startup.resume()
    assert gc.get_threshold() == (5000, 7, 13)


def test_a_library_import_leaves_the_collector_as_it_is(collector):
    """Tests and `docs/generate.py` import regwatch without `pause`: `resume` does nothing."""
    gc.set_threshold(700, 10, 10)
    startup._paused = False
    startup.resume()
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.isenabled()


def test_fewer_young_collections_over_the_same_allocations(collector):
    """What the threshold is for: objects that live a little while (a page's in flight) and
    die by their reference counts are walked by far fewer collections."""

    def collections_while_churning(young: int) -> int:
        gc.set_threshold(young, 10, 10)
        gc.collect()
        seen: list[int] = []

        def note(phase: str, info: dict) -> None:
            if phase == "start":
                seen.append(info["generation"])

        gc.callbacks.append(note)
        try:
            window: list[list[dict[str, int]]] = []
            for page in range(2_000):
                window.append([{"item": page, "n": n} for n in range(50)])  # a page's items
                if len(window) > 16:  # 16 pages in flight, the oldest done
                    window.pop(0)
        finally:
            gc.callbacks.remove(note)
        return len(seen)

    at_default = collections_while_churning(700)
    at_ours = collections_while_churning(startup.YOUNG_THRESHOLD)
    assert at_ours * 5 <= at_default
