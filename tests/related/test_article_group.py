"""Several articles written about one update (the issue's acceptance shape: 3-4 articles a
regulatory update, among the same regulator's other documents): the alert shows the best
three when they lead the rest as a group, though their shared words are not rare enough on
their own and the fourth article scores like the other three (`Ranking.lead_break`).

The update and the background are real Federal Register documents of the evaluation set (US
government works); the four articles and two hard negatives are written for this test in
the manner of law-firm alerts (third-party articles are not copied into the project): their
words are the rule's own, as such articles' are."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bench.related_eval import load
from tests.related.test_linking import add_change
from tests.support.evalitems import save_entries, save_items
from watcher.db.store import Store
from watcher.model import Item
from watcher.related.linking import link_change
from watcher.related.values import DEFAULT_RANKING

NOW = datetime(2024, 2, 1, tzinfo=UTC)
UPDATE_ID = "2023-28857"  # ONC's HTI-1 final rule, 9 January 2024

ARTICLES = [
    (
        "hti1-a",
        "HTI-1 final rule: health data, technology and interoperability certification program updates",
        "The Office of the National Coordinator for Health Information Technology published the "
        "Health Data, Technology, and Interoperability (HTI-1) final rule: certification program "
        "updates, algorithm transparency for decision support interventions, USCDI version 3 and "
        "information sharing under revised information blocking exceptions.",
    ),
    (
        "hti1-b",
        "ONC's HTI-1 rule brings algorithm transparency and information sharing changes to certified health IT",
        "HTI-1, the Health Data, Technology, and Interoperability final rule, updates the ONC "
        "certification program: predictive decision support interventions must disclose source "
        "attributes, USCDI version 3 becomes the baseline and information blocking exceptions "
        "are revised.",
    ),
    (
        "hti1-c",
        "Algorithm transparency and information sharing: ONC finalizes HTI-1 certification program updates",
        "With the Health Data, Technology, and Interoperability final rule, the Office of the "
        "National Coordinator requires certified health IT that supplies predictive decision "
        "support interventions to explain how the algorithm was developed and evaluated, and "
        "moves the certification program to USCDI version 3.",
    ),
    (
        "hti1-d",
        "Health data, technology, and interoperability: what the HTI-1 final rule requires",
        "The HTI-1 final rule from the Office of the National Coordinator for Health Information "
        "Technology revises the information blocking exceptions, adopts USCDI version 3 in the "
        "certification program and brings algorithm transparency to decision support "
        "interventions.",
    ),
]
NEGATIVES = [
    (
        "cms-interop",
        "CMS finalizes interoperability and prior authorization rule for payers",
        "The Centers for Medicare & Medicaid Services requires impacted payers to implement "
        "patient access, provider access and payer-to-payer application programming interfaces "
        "and to shorten prior authorization decision timeframes.",
    ),
    (
        "ftc-hbnr",
        "FTC proposes changes to the Health Breach Notification Rule for health apps",
        "The Federal Trade Commission would clarify that health apps and similar technologies are "
        "covered by the Health Breach Notification Rule and that a breach includes unauthorized "
        "disclosures.",
    ),
]

#: Earlier coverage of the proposed rule (April 2023), outside the 120-day window: not
#: candidates, but holders of the same words, as a real history has them. With it, nothing
#: the articles share is rare on its own.
EARLIER = [
    (
        f"hti1-proposed-{n}",
        f"ONC proposes HTI-1 ({topic})",
        "The Office of the National Coordinator for Health Information Technology proposed the "
        f"Health Data, Technology, and Interoperability (HTI-1) rule on {topic}: algorithm "
        "transparency for predictive decision support interventions, USCDI version 3 in the "
        "certification program and information sharing under information blocking exceptions.",
    )
    for n, topic in enumerate(
        [
            "algorithm transparency",
            "USCDI v3",
            "information blocking",
            "decision support interventions",
            "certification program updates",
            "insights conditions",
            "developer obligations",
            "comment period",
            "health IT developers",
            "predictive models",
        ]
    )
]


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    data = load()
    federal_register = [c for c in data["candidates"] if c["source"] == "us-federal-register"]
    (update,) = [c for c in federal_register if c["id"] == UPDATE_ID]
    store = Store(tmp_path_factory.mktemp("group") / "db.sqlite")
    save_entries(
        store, "us-federal-register", "related", [c for c in federal_register if c["id"] != UPDATE_ID], NOW
    )
    press = [
        Item(key, title, f"https://press.example/{key}", f"2024-01-{10 + n:02d}", summary=text)
        for n, (key, title, text) in enumerate(ARTICLES + NEGATIVES)
    ]
    earlier = [
        Item(key, title, f"https://press.example/{key}", f"2023-05-{10 + n:02d}", summary=text)
        for n, (key, title, text) in enumerate(EARLIER)
    ]
    save_items(store, "trade-press", press + earlier, NOW)
    store.index_pending()
    item = Item(UPDATE_ID, update["title"], update["link"], update["date"])
    change_id = add_change(store, item, update["text"], source_id="us-onc")
    yield store, change_id
    store.close()


def _shown(linked, ranking):
    store, change_id = linked
    links = link_change(store.db, change_id, now=NOW, ranking=ranking)
    return [link.link.rsplit("/", 1)[1] for link in links if link.shown], links


def test_the_best_three_of_four_articles_are_shown(linked):
    shown, links = _shown(linked, DEFAULT_RANKING)
    about = {key for key, _, _ in ARTICLES}
    assert {link.link.rsplit("/", 1)[1] for link in links[:4]} == about  # the ranking finds them
    assert len(shown) == 3 and set(shown) <= about


def test_before_the_group_rule_fewer_were_shown(linked):
    shown, _ = _shown(linked, replace(DEFAULT_RANKING, lead_break=0.0))
    assert len(shown) < 3
