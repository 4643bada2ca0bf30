"""A candidate of the same proceeding (a shared docket or file number held by a handful of
items) makes identifiers the evidence: the candidate-title share, which favours notices of
the same template, is then not used. Real Federal Register documents from the evaluation
set's development half: an SEC filing, its withdrawal (the same file number), and other
filings of the same exchange (another matter, the same title template). The title share is
off by default since round 7 (bench/README); these tests turn it on to test the rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.linking import LinkTarget, Ranking, rank

NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)
FILING, WITHDRAWAL = "2023-29007", "2024-00082"  # SR-MEMX-2023-40
SIBLINGS = ("2024-00079", "2024-00080")  # other MEMX fee filings
WITH_TITLE_SHARE = Ranking(title_coverage="plain")
ALWAYS = Ranking(title_coverage="plain", proceeding_holders=0)


def _scores(tmp_path, doc_id: str, candidate_ids: tuple[str, ...], ranking: Ranking) -> dict[str, float]:
    by_id = {c["id"]: c for c in load()["candidates"]}
    store = Store(tmp_path / f"{doc_id}-{ranking.proceeding_holders}-{ranking.title_coverage}.sqlite")
    try:
        save_entries(store, "us-federal-register", "related", [by_id[c] for c in candidate_ids], NOW)
        doc = by_id[doc_id]
        save_entries(store, "us-fr-sec", "watch", [doc], NOW)  # the document is indexed, as in a real change
        target = LinkTarget(
            doc["id"], doc["title"], doc["text"], "us-fr-sec", date.fromisoformat(doc["date"])
        )
        links = rank(store.db, target, detected=NOW, ranking=ranking)
        return {link.link.rstrip("/").rsplit("/", 2)[-2]: link.score for link in links}
    finally:
        store.close()


def test_a_shared_file_number_turns_the_title_share_off(tmp_path):
    defaults = _scores(tmp_path, FILING, (WITHDRAWAL, *SIBLINGS), WITH_TITLE_SHARE)
    always = _scores(tmp_path, FILING, (WITHDRAWAL, *SIBLINGS), ALWAYS)
    never = _scores(tmp_path, FILING, (WITHDRAWAL, *SIBLINGS), Ranking(title_coverage=""))
    assert set(defaults) == {WITHDRAWAL, *SIBLINGS}
    assert defaults == never  # identifiers decide: the same scores as with the title share off

    def lead(scores: dict[str, float]) -> float:
        return scores[WITHDRAWAL] - max(scores[s] for s in SIBLINGS)

    # With the title share, the template siblings close in on the withdrawal.
    assert lead(defaults) > lead(always) > 0


def test_without_a_shared_proceeding_the_title_share_stays(tmp_path):
    """The siblings share the exchange's title template with the filing, not its file number."""
    defaults = _scores(tmp_path, FILING, SIBLINGS, WITH_TITLE_SHARE)
    always = _scores(tmp_path, FILING, SIBLINGS, ALWAYS)
    never = _scores(tmp_path, FILING, SIBLINGS, Ranking(title_coverage=""))
    assert defaults == always != never
