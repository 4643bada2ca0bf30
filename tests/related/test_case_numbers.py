"""Case and file numbers as identifiers (identifiers._SLASHED): a decision and the ruling on
its appeal share the decision's number ("Datatilsynet (Norway) - 20/02375" and the appeal
board's "Personvernnemda (Norway) - 2022-03 (20/02375)"), however the authority writes it;
its weight comes from the index (a rare number weighs much, "06/2019" little), no list of
authorities. Real GDPRhub pages of the evaluation set's development half."""

from __future__ import annotations

import gzip
import json

from bench.related_eval import EVAL_SET, Bench, load
from bench.related_gdprhub import RAW
from bench.related_losses import court_updates
from watcher.related import labels
from watcher.related.identifiers import find_identifiers
from watcher.related.values import Ranking


def test_an_appeal_that_quotes_the_decision_number_comes_first(tmp_path):
    data = load(EVAL_SET, ("eu-gdprhub",))
    bench = Bench(data, tmp_path / "eu.db")
    try:
        update = next(c for c in data["changes"] if c["id"] == "Datatilsynet (Norway) - 20/02375")
        assert update["split"] == "dev"
        ranked, reasons = bench.rank_change(update, Ranking())
    finally:
        bench.close()
    first, _, shown = ranked[0]
    assert first == "Personvernnemda (Norway) - 2022-03 (20/02375)"
    assert shown
    assert "same case 20/02375" in reasons[0]


# -- round 9: numbers plain BM25 matched and the features did not -----------------------------
# GDPRhub court pages of the development period (candidates of the set, linked here as updates
# by bench/related_losses.py --courts): a court's page cites another decision by a number no
# pattern read, so plain BM25 (which matches every token, digits included) ranked it first and
# the ranking, whose words are letters only, ranked another decision of the same court first.


def test_a_number_with_a_hyphenated_suffix_is_a_case_number():
    # BVwG - W274 2232028-1/3E, as GDPRhub's summary cites the earlier ruling
    text = "Under case law by the BVwG (see BVwG - W211 2225136-1 ), CRAs are allowed to store data"
    assert [(i.label, i.tokens, i.reason) for i in find_identifiers(text)] == [
        ("2225136-1", ("2225136", "1"), "same case 2225136-1")
    ]


def test_a_slashed_number_with_letters_in_every_part_is_a_case_number():
    # OGH - 6Ob35/21x, the infobox of the Austrian Supreme Court's page
    text = "Parties: unknown (claimant) Österreichische Post AG (defendant); Case: 6Ob35/21x; Relevant Law"
    assert [i.label for i in find_identifiers(text)] == ["6OB35/21X"]


def test_doses_dates_phone_numbers_and_zip_codes_are_not_case_numbers():
    # the set's GOV.UK drug safety update on SGLT2 inhibitors lists its tablets' strengths
    doses = "Canagliflozin/metformin tablets (50 mg/850 mg, 50 mg/1000 mg, 150mg/850mg, 150mg/1000mg)"
    assert find_identifiers(doses) == []
    assert find_identifiers("on 01/04/2013, call 555-1234, Washington DC 20500-0001") == []
    # an IRS docket stays one code, not a case number inside it
    assert [i.label for i in find_identifiers("[REG-142338-07] RIN 1545-BI33")] == [
        "RIN 1545-BI33",
        "REG-142338-07",
    ]


def _court_page_linked(title: str, tmp_path, ranking: Ranking | None = None) -> tuple[list, list]:
    data = load(EVAL_SET, ("eu-gdprhub",))
    raw = json.loads(gzip.decompress(RAW.read_bytes()))
    update = next(u for u in court_updates(data, raw) if u["id"] == title)
    data = {"changes": [update], "candidates": data["candidates"]}
    bench = Bench(data, tmp_path / "eu.db")
    try:
        return bench.rank_change(update, ranking or Ranking())
    finally:
        bench.close()


def test_a_ruling_citing_an_earlier_ruling_by_its_number_links_it_first(tmp_path):
    ranked, reasons = _court_page_linked("BVwG - W274 2232028-1/3E", tmp_path)
    assert ranked[0][0] == "BVwG - W211 2225136-1"  # third before, after two of the same chamber
    assert ranked[0][2]
    assert "same case 2225136-1" in reasons[0]


def test_a_request_for_a_preliminary_ruling_links_the_ruling_that_made_it(tmp_path):
    ranked, reasons = _court_page_linked(
        "OGH - 6Ob35/21x (request for preliminary ruling under Article 267 TFEU)", tmp_path
    )
    assert ranked[0][0] == "OGH - 6Ob35/21x"  # not in the best 3 before
    assert "same case 6OB35/21X" in reasons[0]


# -- round 10: the title of another case is a label, not a topic ------------------------------
# A court's pages are titled by the court and a case number ("BVwG - W211 2210458-1/10"): a
# candidate whose title names another case shares the document's title words as the issuer's
# name, so they weigh as shared words of the body would (labels.label_weight); before, the
# title bonus put another decision of the same court first.


def test_another_decision_of_the_same_court_no_longer_comes_first_by_its_title(tmp_path):
    label = Ranking(title_label=True)
    ranked, _ = _court_page_linked("VG Wiesbaden - 6 K 788/20.WI", tmp_path, label)
    assert ranked[0][0] == "BVwG - W211 2234354-1"
    ranked, _ = _court_page_linked("VG Wiesbaden - 6 K 788/20.WI", tmp_path)  # the setting off (default)
    assert ranked[0][0] == "VG Wiesbaden - 6 K 549/21.WI"
    ranked, _ = _court_page_linked("BVwG - W274 2243175-1", tmp_path, label)
    assert ranked[0][0] == "BVwG - W256 2240235-1"  # 2nd with the setting off, after "BVwG - W274 2240078-1"


def test_a_title_naming_the_same_case_or_none_keeps_its_title_bonus():
    cases = labels.title_cases("BVwG - W211 2210458-1/10")
    assert cases == {"2210458-1/10"}
    assert labels.names_other_case("BVwG - W211 2221963-1", cases)
    assert not labels.names_other_case("BVwG - W211 2210458-1/10 (appeal)", cases)
    assert not labels.names_other_case("Austrian Federal Administrative Court rulings", cases)
    assert labels.title_cases("Onshore wind: part of the UK's energy mix") == frozenset()
