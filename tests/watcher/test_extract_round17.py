"""Round 17 of issue 18 (perfextract8): less work in the extraction worker, every answer the same.

- `attach_dates` tells an item without fields whose summary holds no "1" or "2" (no year can
  start) plain by two scans in C, without the calls through `is_plain` and `may_state_dates`:
  every item still carries what `work_out` gives it (tests/pages' listings, the shared corpus,
  bench pages, odd summaries).
- A listing remembers which of its keys are plain links (`remember_plain_keys`); their
  identities are worked out when `known_identities` first asks: the worker asks for a page a
  diff follows (`expect_delta`) before it answers, so the same identities travel back, and
  drops them unasked for a source's first version, where it used to work out ~50 a page for
  nothing.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import listingcases
import pytest
from passes import fetched

import sources.links as links
import sources.listing as listing
import watcher.dates.carried as carried
from sources.links import identity, known_identities, plain_identity
from sources.listing import Listing, ListingOptions
from watcher.blobs import expect_delta
from watcher.check.extractworker import _extract
from watcher.check.frames import answer
from watcher.dates.carried import NO_DATES, attach_dates, work_out
from watcher.errors import ExtractError
from watcher.model import Item, Snapshot, Source

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("REGWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")
sys.path.insert(0, str(ROOT / "bench"))
import pages as bench_pages  # noqa: E402

BENCH_OPTIONS = listingcases.bench_options()


def _bench_page(index: int) -> bytes:
    return bench_pages.render(index, bench_pages.initial_items(index, 7), 7).encode()


def _snapshots() -> list[tuple[str, Snapshot, Source]]:
    """Every listing case (tests/pages with catalog and generic options, bench pages) and the
    shared corpus's pages read with three generic options, with the source each was read for."""
    found = []
    cases = [*listingcases.cases()]
    for name, body in listingcases.corpus_pages(CORPUS):
        for generic, options in listingcases.GENERIC[:4]:
            cases.append(
                (f"corpus/{name}:{generic}", body, f"https://{name[:12]}.example.gov/news/", options, "UK")
            )
    for name, body, url, options, jurisdiction in cases:
        source = listingcases.listing_source(url, options, jurisdiction)
        try:
            found.append((name, Listing().extract(fetched(body, url), source), source))
        except ExtractError:
            continue
    return found


SNAPSHOTS = _snapshots()


# --- attach_dates ---------------------------------------------------------------------------


def test_every_real_item_carries_what_work_out_gives():
    """On every listing of real and bench pages, each item carries `work_out`'s value under the
    source's jurisdiction, plain or not; both ways are taken many times."""
    shortcut = general = 0
    for name, snapshot, source in SNAPSHOTS:
        attach_dates(snapshot, source)
        for item in snapshot.items:
            assert item.__dict__["_dates"] == (source.jurisdiction, work_out(item, source)), (name, item)
            if not item.fields and "1" not in item.summary and "2" not in item.summary:
                shortcut += 1
            else:
                general += 1
    assert shortcut > 4_000 and general > 40  # 75,376 and 164 with the shared corpus


class _Lying(str):
    """A str subclass whose `in` finds nothing: the shortcut must not trust it."""

    def __contains__(self, other: object) -> bool:
        return False


def test_odd_summaries_go_the_general_way():
    source = Source(id="s", url="https://x.gov/", kind="listing", jurisdiction="US")
    lying = Item("a", "A", "", None, _Lying("Comments are due by March 3, 2025."))
    fielded = Item("b", "B", "", None, "A plain news item.", (("comments_close_on", "2024-06-28"),))
    undated_fields = Item("c", "C", "", None, "No year here.", (("x", "y"),))
    not_text = Item("d", "D", "", None, None)  # type: ignore[arg-type]  # the check raises: nothing carried
    plain = Item("e", "E", "", None, "A plain news item.")
    attach_dates(Snapshot(items=(lying, fielded, undated_fields, not_text, plain)), source)
    assert lying.__dict__["_dates"] == ("US", work_out(lying, source)) != ("US", NO_DATES)
    assert fielded.__dict__["_dates"] == ("US", work_out(fielded, source)) != ("US", NO_DATES)
    assert undated_fields.__dict__["_dates"] == ("US", work_out(undated_fields, source))
    assert "_dates" not in not_text.__dict__
    assert plain.__dict__["_dates"] == ("US", NO_DATES)


def test_plain_bench_items_are_decided_without_is_plain(monkeypatch):
    """Fails without the shortcut: a bench page's items (no digit in any summary) never reach
    `is_plain`; one whose summary has a digit does."""
    calls: list[Item] = []
    original = carried.is_plain

    def counting(item: Item, text: str = "") -> bool:
        calls.append(item)
        return original(item, text)

    monkeypatch.setattr(carried, "is_plain", counting)
    source = listingcases.listing_source("http://127.0.0.1:8080/p/2.html", BENCH_OPTIONS)
    snapshot = Listing().extract(fetched(_bench_page(2), "http://127.0.0.1:8080/p/2.html"), source)
    attach_dates(snapshot, source)
    assert len(snapshot.items) > 40 and calls == []
    assert {item.__dict__["_dates"] for item in snapshot.items} == {("US", NO_DATES)}
    dated = Item("k", "T", "", None, "Comments close on 12 March 2024.")
    attach_dates(Snapshot(items=(dated,)), source)
    assert calls and all(call is dated for call in calls)


# --- identities worked out when asked -------------------------------------------------------


def test_remembered_plain_keys_give_their_identities_in_order():
    """Every listing's remembered identities are each key's `identity`, in the order read; asked
    again, the same dict (worked out once)."""
    checked = 0
    for name, snapshot, _ in SNAPSHOTS:
        if not snapshot.__dict__.get("_known_identities"):
            continue
        keys = list(snapshot.__dict__["_known_identities"])
        known = known_identities(snapshot)
        assert list(known) == list(dict.fromkeys(keys)), name
        assert all(found == identity(key) for key, found in known.items()), name
        assert known_identities(snapshot) is known
        checked += len(known)
    assert checked > 1_000  # 1,035 here, more with the shared corpus


def _worker(page, source) -> Snapshot:
    task = pickle.dumps((Listing(), page, source), protocol=pickle.HIGHEST_PROTOCOL)
    ok, snapshot = pickle.loads(answer(_extract, task))
    assert ok
    return snapshot


@pytest.fixture
def counted_identities(monkeypatch) -> list[str]:
    """Every `plain_identity` call, through the links module or a name imported from it."""
    calls: list[str] = []

    def counting(url: str) -> str:
        calls.append(url)
        return plain_identity(url)

    monkeypatch.setattr(links, "plain_identity", counting)
    monkeypatch.setattr(listing, "plain_identity", counting, raising=False)
    return calls


def test_a_first_version_works_out_no_identity(counted_identities):
    """Fails when the listing works out its keys' identities as it reads them: a source's first
    version (no `expect_delta`) comes back from the worker without any, none worked out."""
    url = "http://127.0.0.1:8080/p/4.html"
    source = Source(id="b", url=url, kind="listing", options=ListingOptions(**BENCH_OPTIONS))
    snapshot = _worker(fetched(_bench_page(4), url), source)
    assert len(snapshot.items) > 40
    assert known_identities(snapshot) == {} and counted_identities == []


def test_a_page_a_diff_follows_brings_its_identities_back_worked_out(counted_identities):
    """With `expect_delta`, the answer carries the identities as a dict (worked out in the
    worker, once per key), equal to what an inline extraction gives when asked."""
    url = "http://127.0.0.1:8080/p/6.html"
    source = Source(id="b", url=url, kind="listing", options=ListingOptions(**BENCH_OPTIONS))
    page = fetched(_bench_page(6), url)
    expect_delta(page)
    snapshot = _worker(page, source)
    carried_known = snapshot.__dict__["_known_identities"]
    assert isinstance(carried_known, dict) and len(carried_known) == len(snapshot.items)
    assert len(counted_identities) == len(snapshot.items)
    inline = Listing().extract(fetched(_bench_page(6), url), source)
    assert known_identities(inline) == carried_known
    assert carried_known == {item.key: identity(item.key) for item in snapshot.items}


def test_merged_pages_know_every_remembered_identity():
    """Pagination merges the pages' identities (sources/base.py): remembered keys are worked
    out there, as `known_identities` of each page gives them."""
    from sources.links import remember_plain_keys

    first = Snapshot(items=(Item("https://a.gov/x/", "X", "https://a.gov/x/"),))
    second = Snapshot(items=(Item("https://www.a.gov/y", "Y", "https://www.a.gov/y"),))
    remember_plain_keys(first, ["https://a.gov/x/"])
    remember_plain_keys(second, ["https://www.a.gov/y"])
    merged = Listing().merge([first, second])
    assert known_identities(merged) == {"https://a.gov/x/": "//a.gov/x", "https://www.a.gov/y": "//a.gov/y"}
    empty = Snapshot()
    remember_plain_keys(empty, [])
    assert "_known_identities" not in empty.__dict__ and known_identities(empty) == {}
