"""Linking on a real SQLite database: identifiers, acts, windows, exclusions, hostile input."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from tests.support.evalitems import save_items
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import Change, FetchResult, Item, Snapshot, Source
from watcher.related.identifiers import ALIAS_PATTERNS, alias_pattern
from watcher.related.linking import (
    LinkTarget,
    Ranking,
    find_acts,
    find_identifiers,
    link_change,
    rank,
    stem,
    words,
)

NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("under 45 CFR 164.308(a)(1)", ["45 CFR 164"]),
        ("45 C.F.R. Parts 160 and 164", ["45 CFR 160", "45 CFR 164"]),
        ("45 CFR Part 164, subpart C", ["45 CFR 164"]),
        ("42 CFR Part 2", ["42 CFR 2"]),
        ("FR Doc. 2024-08503 Filed 4-25-24", ["2024-08503"]),
        ("89 FR 32976", ["89 FR 32976"]),
        ("Regulation (EU) 2016/679 (GDPR)", ["2016/679"]),
        ("Directive 95/46/EC", ["95/46/EC"]),
        ("Regulation (EC) No 45/2001", ["45/2001"]),
        ("notified vide G.S.R. 846(E) dated", ["GSR 846(E)"]),
        ("RIN 0945-AA22", ["RIN 0945-AA22"]),
        ("Docket No. FDA-2024-D-4488", ["FDA-2024-D-4488"]),
        ("the HTI-1 final rule", ["HTI-1"]),
        # Numbers a document labels, and codes it quotes, whatever the agency.
        ("File No. SR-MEMX-2023-40", ["SR-MEMX-2023-40"]),
        ("NRC Docket No. 50-255", ["50-255"]),
        ("for the State of Louisiana (FEMA-3600-EM), dated", ["FEMA-3600-EM"]),
        ("Case Nos. A-122-857, C-122-858", ["A-122-857", "C-122-858"]),
        # Not identifiers: dates, phone numbers, fiscal years.
        ("Fri, 10/18/2024 - 11:17 and 2024-10-18", []),
        ("Call 1-800-368-1019 for FY 2023-24", []),
        # Financial years with a slash (real GOV.UK text of the evaluation set), not EU acts:
        ("taken drugs in 2003/04 (when FRANK was created)", []),
        ("traineeship opportunities for 2008/09 to 2014/15 year-to-date", []),
        # ... unless an act's name leads the number; other YYYY/N numbers stay identifiers.
        ("Regulation (EU) 2016/17 and Decision 2019/20", ["2016/17", "2019/20"]),
        ("Accounting Practice Regulations 2004 (SI 2004/3271)", ["2004/3271"]),
        # Case and file numbers written with slashes (real GDPRhub titles and infoboxes of the
        # evaluation set), whatever the authority; and labelled numbers that are not dates.
        ("Datatilsynet (Norway) - 20/02375", ["20/02375"]),
        ("AEPD (Spain) - PS/00474/2020", ["PS/00474/2020"]),
        ("IP - 0610-376/2020/35", ["0610-376/2020/35"]),
        ("Court of Appeal of Brussels - 2019/AR/1600", ["2019/AR/1600"]),
        ("Authority: Datatilsynet (Denmark); Case: 2021-32-2438", ["2021-32-2438"]),
        # A case number counts once, not again by its leading parts ("C-311", "DT-20").
        ("the CJEU's judgment in C-311/18 (Schrems II)", ["C-311/18"]),
        ("Case: DT-20/02375", ["DT-20/02375"]),
        # Not case numbers: dates, units, too few digits.
        ("from 01/04/2013 to 31/03/2014", []),
        ("150mg/850mg, 500gCO2/kWh", []),
        ("the 24/7 helpline", []),
    ],
)
def test_identifiers_are_found_and_normalised(text, labels):
    assert [i.label for i in find_identifiers(text)] == labels


def test_named_acts_by_alias_and_number():
    text = "the Health Insurance Portability and Accountability Act and Regulation (EU) 2024/1689"
    assert find_acts(text, find_identifiers(text)) == ["HIPAA", "AI Act"]
    assert find_acts("Digital Personal Data Protection Rules") == ["DPDP"]
    assert find_acts("privacy marketing campaign") == []


def test_compiled_act_patterns_are_bounded():
    """Each document that defines an act compiles a pattern for it: a service that runs for
    months keeps only the most recent ones."""
    for number in range(ALIAS_PATTERNS + 100):
        assert alias_pattern((f"act{number}", f"the act number {number}")).search(f"under act{number}")
    assert alias_pattern.cache_info().currsize <= ALIAS_PATTERNS


def test_stemming_matches_the_index(tmp_path):
    """The ranker's stems are the FTS5 porter tokenizer's (else idf and matching drift)."""
    from bench.related_eval import load

    data = load()
    vocabulary = sorted({w for e in data["candidates"] for w in words(e["title"] + " " + e["text"])})
    db = sqlite3.connect(tmp_path / "stems.db")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(w, tokenize='porter')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    db.executemany("INSERT INTO f(rowid, w) VALUES (?, ?)", list(enumerate(vocabulary)))
    index = {doc: term for term, doc in db.execute("SELECT term, doc FROM v")}
    mismatches = [w for i, w in enumerate(vocabulary) if index[i] != stem(w)]
    assert len(vocabulary) > 800
    assert mismatches == []


def source(source_id, role="related"):
    return Source(
        id=source_id, url=f"https://{source_id}.example.org/", kind="listing", name=source_id, role=role
    )


def index(store, source_id, items):
    save_items(store, source_id, items, NOW, kind="listing")


def add_change(store, item, text, source_id="us-hhs-guidance"):
    src = source(source_id, role="watch")
    store.sync_sources([src], NOW)
    outcome = store.save_change(
        src,
        FetchResult(src.url, src.url, 200),
        Snapshot(items=(item,)),
        Change(source_id, "", "", added=(item,)),
        (),
        NOW,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
    )
    (stored,) = store.change_items(outcome.change_id)
    store.set_item_text(stored.id, text, NOW)
    return outcome.change_id


GUIDANCE = Item(
    "g1", "Guidance on risk analysis under the HIPAA Security Rule", "https://hhs.example/g1", "2025-01-14"
)
GUIDANCE_TEXT = "OCR guidance on the risk analysis required at 45 CFR 164.308, see FR Doc. 2024-30983."


def fr_item(key, day, title="HIPAA Security Rule To Strengthen the Cybersecurity of ePHI", summary=""):
    return Item(
        key, title, f"https://fr.example/{key}", day, summary or "FR Doc. 2024-30983; 45 CFR Part 164"
    )


def test_window_same_source_and_self_are_excluded(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    index(
        store,
        "us-fr",
        [
            fr_item("in-window", "2025-01-06"),
            fr_item("too-old", "2024-01-06"),  # 373 days before: outside 120 days
            fr_item("too-new", "2026-03-01"),  # more than 365 days after
            Item("same-link", GUIDANCE.title, GUIDANCE.link, "2025-01-14"),  # the document itself, elsewhere
        ],
    )
    index(store, "us-hhs-guidance", [fr_item("own-source", "2025-01-10")])
    change_id = add_change(store, GUIDANCE, GUIDANCE_TEXT)
    links = link_change(store.db, change_id, now=NOW)
    keys = [link.link.rsplit("/", 1)[1] for link in links]
    assert keys == ["in-window"]
    assert links[0].shown and links[0].rank == 1
    assert "2024-30983" in links[0].terms and "45 CFR 164" in links[0].terms
    wider = link_change(store.db, change_id, now=NOW, ranking=Ranking(before_days=400))
    assert {link.link.rsplit("/", 1)[1] for link in wider} == {"in-window", "too-old"}
    store.close()


def test_undated_items_use_first_seen_and_undated_documents_detection_time(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    index(store, "us-fr", [fr_item("undated", None)])  # first seen NOW (2025-01-20)
    old = Item("g-old", GUIDANCE.title, "https://hhs.example/old", "2023-01-01")
    assert link_change(store.db, add_change(store, old, GUIDANCE_TEXT), now=NOW) == []
    undated = Item("g-undated", GUIDANCE.title, "https://hhs.example/undated", None)
    links = link_change(store.db, add_change(store, undated, GUIDANCE_TEXT), now=NOW)
    assert [link.link for link in links] == ["https://fr.example/undated"]
    store.close()


def test_weak_matches_are_stored_but_not_shown_and_at_most_three_are_shown(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    strong = [fr_item(f"fr-{i}", "2025-01-06") for i in range(4)]
    weak = Item(
        "weak",
        "Bank regulators stress security of payment systems",
        "https://news.example/weak",
        "2025-01-10",
    )
    index(store, "us-fr", [*strong, weak])
    links = link_change(store.db, add_change(store, GUIDANCE, GUIDANCE_TEXT), now=NOW)
    assert [link.rank for link in links] == list(range(1, len(links) + 1))
    assert [link.score for link in links] == sorted((link.score for link in links), reverse=True)
    assert sum(link.shown for link in links) == 3
    weak_link = next(link for link in links if link.link.endswith("/weak"))
    assert not weak_link.shown and weak_link.score < Ranking().threshold
    store.close()


@pytest.mark.parametrize(
    "title",
    [
        'He said "HIPAA" AND (security OR NOT) NEAR(x y, 2) title: * ^ -',
        "\"'\\;--",
        "",
        "   ",
        "ünïcödé — “quotes” 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \x00\x1b[31m",
        "a " * 5000,
    ],
)
def test_hostile_titles_never_break_the_query(tmp_path, title):
    store = Store(tmp_path / "db.sqlite")
    index(store, "us-fr", [fr_item("fr", "2025-01-06")])
    target = LinkTarget("k", title, title, "us-hhs-guidance", date(2025, 1, 14))
    links = rank(store.db, target, detected=NOW)
    assert isinstance(links, list)
    store.close()


def test_a_document_of_common_words_links_the_newest_matches_without_bm25(tmp_path):
    """With no selective feature, candidates are the newest items holding its two most
    selective words, read without FTS5's bm25(): that counts each phrase's items over the
    whole index before ranking a row, a cost that grew with every item of the history. Nor
    does the topical query run: the document's phrases are of common words too."""
    from watcher.related.features import DF_CAP

    def notices(count):
        return [
            Item(f"n{i}", f"Privacy notice {i}", f"https://fr.example/n{i}", "2025-01-06", "privacy notice")
            for i in range(count)
        ]

    target = LinkTarget("k", "Privacy notice", "privacy notice", "us-hhs-guidance", date(2025, 1, 14))
    store = Store(tmp_path / "db.sqlite")
    index(store, "us-fr", notices(DF_CAP + 20))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    links = rank(store.db, target, detected=NOW)  # nor the topical query (topical.py)
    store.db.conn.set_trace_callback(None)
    assert len(links) == Ranking().keep
    newest = {f"https://fr.example/n{i}" for i in range(DF_CAP - 5, DF_CAP + 20)}
    assert {link.link for link in links} <= newest
    assert not [s for s in statements if "bm25(" in s]
    # The newest rowid is the Vocabulary's max(rowid) of items: items_fts has external
    # content, so its own max(rowid) (which FTS5 reads from items) is not read again.
    assert not [s for s in statements if "max(rowid) FROM items_fts" in s]
    store.close()
    # BM25 unknown counts as the best: an item scores as it does where BM25 ranks (in a
    # small index the words are selective, and every item here has the best BM25).
    small = Store(tmp_path / "small.sqlite")
    index(small, "us-fr", notices(30))
    ranked = rank(small.db, target, detected=NOW, ranking=Ranking(topical=0))
    assert links[0].score == pytest.approx(ranked[0].score)
    small.close()


def test_common_words_retrieval_reads_a_phrase_without_the_word_it_holds(tmp_path):
    """Two common features, a word and a phrase holding it: "word AND phrase" finds exactly
    the phrase's items (FTS5 matches both by the same stems), so the phrase is read alone,
    one doclist fewer; the newest matches are the same, in the same order."""
    from watcher.related.features import DF_CAP
    from watcher.related.ranking import retrieval_query, retrieve, window
    from watcher.related.values import Feature

    word = Feature("notices", "word", '"notices"', 2.0, (stem("notices"),), DF_CAP)
    pair = Feature(
        "privacy notice", "phrase", '"privacy notice"', 1.0, (stem("privacy"), stem("notice")), DF_CAP
    )
    other = Feature("rules", "word", '"rules"', 1.5, (stem("rules"),), DF_CAP)
    assert retrieval_query([word, pair]) == ('("privacy notice")', False)
    assert retrieval_query([pair, word]) == ('("privacy notice")', False)
    assert retrieval_query([other, pair]) == ('("rules") AND ("privacy notice")', False)

    items = [
        Item(f"n{i}", title, f"https://fr.example/n{i}", "2025-01-06", summary)
        for i, (title, summary) in enumerate(
            [("Privacy notices", "a notice on privacy"), ("Privacy notice", "notices"), ("Notice", "privacy")]
            * 12
        )
    ]
    store = Store(tmp_path / "db.sqlite")
    index(store, "us-fr", items)
    target = LinkTarget("k", "Privacy notice", "privacy notice", "us-hhs-guidance", date(2025, 1, 14))
    start, end = window(target, NOW, Ranking())
    found = retrieve(store.db, retrieval_query([word, pair])[0], target, start, end, recent_first=True)
    both = retrieve(store.db, f"({word.query}) AND ({pair.query})", target, start, end, recent_first=True)
    assert [c.id for c in found] == [c.id for c in both] and len(found) == 24
    store.close()
