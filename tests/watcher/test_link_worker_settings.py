"""The linking worker's tasks carry the pass's ranking pickled once by the parent
(`ProcessLinker`), and the worker unpickles those bytes once (`linkworker.settings`): the
links are those the ranking itself gives, through a real worker process, on real material
(the related evaluation set's candidates and development updates)."""

from __future__ import annotations

import asyncio
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.related_eval import FIRST_CORPORA, Bench, changes_of, load
from watcher.check import linkstage, linkworker
from watcher.check.linkstage import ProcessLinker
from watcher.db.store import Store
from watcher.model import Source
from watcher.related.linking import link_change
from watcher.related.values import Ranking

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)
#: Not the defaults, so a worker that linked with its own would store other rows.
RANKING = Ranking(keep=3, shown=1, before_days=400)
RELATED = "SELECT change_id, item_key, related_item_id, score, terms, rank, shown, reason FROM related"


@pytest.fixture(scope="module")
def evalset_db(tmp_path_factory) -> tuple[Path, dict[int, str]]:
    """The set's candidates and 25 development updates, each stored as a change."""
    path = tmp_path_factory.mktemp("settings") / "base.db"
    data = load(corpora=FIRST_CORPORA)
    bench = Bench(data, path)
    try:
        changes = {bench.store_change(c)[0]: c["source"] for c in changes_of(data, "dev")[:25]}
    finally:
        bench.close()
    return path, changes


def _source(source_id: str) -> Source:
    return Source(id=source_id, url=f"https://{source_id}.example.org/", kind="json", name=source_id)


def test_tasks_carry_the_ranking_pickled_once_and_the_worker_links_with_it(evalset_db, monkeypatch):
    path, changes = evalset_db
    payloads: list[bytes] = []
    task_type = linkstage.Task

    def recording(payload, limit, future):
        payloads.append(payload)
        return task_type(payload, limit, future)

    monkeypatch.setattr(linkstage, "Task", recording)

    async def through_worker() -> None:
        store = Store(path)
        linker = ProcessLinker(store, clock=lambda: NOW, ranking=RANKING)
        try:
            with store.batching():
                for change_id, source_id in changes.items():
                    linker.submit(change_id, _source(source_id))
                await linker.drain()
            assert linker._worker is not None and linker._worker.alive  # a real worker linked them
        finally:
            linker.close()
            store.close()

    asyncio.run(through_worker())
    sent = [pickle.loads(payload)[3] for payload in payloads]
    assert len(sent) == len(changes)
    assert all(isinstance(ranking, bytes) for ranking in sent)
    assert len(set(sent)) == 1  # the same bytes
    assert pickle.loads(sent[0]) == RANKING

    store = Store(path)
    try:
        stored = [
            (*row[:4], json.loads(row[4]), row[5], bool(row[6]), row[7])
            for row in store.db.execute(f"{RELATED} ORDER BY change_id, item_key, rank").fetchall()
        ]
        expected = [
            (change_id, *(link.row()[k] for k in ("item_key", "related_item_id", "score", "terms", "rank")),
             link.shown, link.reason)
            for change_id in changes
            for link in link_change(store.db, change_id, now=NOW, ranking=RANKING)
        ]  # fmt: skip
    finally:
        store.close()
    assert len(stored) >= 2 * len(changes)
    assert max(row[5] for row in stored) == RANKING.keep  # the sent ranking's, not the default 10
    assert stored == expected


def test_the_worker_unpickles_one_ranking_once(evalset_db):
    """Frames as the parent writes them: the same pickle gives the same `Ranking` object
    task after task, and the links the ranking itself gives; a `Ranking` sent whole still links."""
    path, changes = evalset_db
    data = pickle.dumps(RANKING, protocol=pickle.HIGHEST_PROTOCOL)
    linkworker._settings.clear()
    first = linkworker.settings(data)
    assert first == RANKING and linkworker.settings(bytes(data)) is first
    assert linkworker.settings(RANKING) is RANKING
    for change_id in list(changes)[:8]:
        for ranking in (data, RANKING):
            frame = pickle.dumps((str(path), change_id, NOW, ranking), protocol=pickle.HIGHEST_PROTOCOL)
            ok, links = pickle.loads(linkworker.run_task(frame))
            assert ok and links == linkworker.link(str(path), change_id, NOW, RANKING)
            assert len(links) <= RANKING.keep
    assert list(linkworker._settings.values()) == [RANKING]
