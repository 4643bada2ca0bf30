"""Real capture pairs for the alert headline (alerts/headline.py), each run through the real
source kind and the real diff, as a check would: the edits the alert-fidelity tests make to
real EUR-Lex, Federal Register, eCFR, Guardian RSS and fda.gov captures, and a few more edits
of the same captures. The hand-written expected line of each is in
tests/alerts/headline_cases.toml; bench/headline_eval.py scores the builder on them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passes import fetched, source_for
from pdfgen import ACT_V1, make_pdf

from alerts.headline import headline_of
from sources.catalog import load_catalog
from sources.registry import kind_for
from watcher.check.diff import diff
from watcher.dates.facts import facts_of_change
from watcher.model import Change, DocumentFacts, SourceInfo

TESTS = Path(__file__).resolve().parents[1]
PAGES = TESTS / "pages"
EXPECTED = TESTS / "alerts" / "headline_cases.toml"
CATALOG = {entry["id"]: entry for entry in load_catalog()}

GDPR = (PAGES / "eurlex/gdpr-articles-5-32-34.html").read_text("utf-8")
FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text("utf-8"))
FR_NEWEST = sorted(FR["results"], key=lambda r: (r["publication_date"], r["document_number"]), reverse=True)
ECFR = json.loads((PAGES / "ecfr-versions/title-6.json").read_text("utf-8"))
GUARDIAN = (PAGES / "feeds-realworld-rss-parser/guardian.rss").read_text("utf-8")
AI_ACT = (PAGES / "catalog-real/eu-eurlex-ai-act-oj.html").read_text("utf-8")
FR_HHS = json.loads((PAGES / "catalog-real/us-fr-hhs-rules-2024-01.json").read_text("utf-8"))
FDA_HTTP = (PAGES / "fda-rss/press-releases-http.xml").read_text("utf-8")
FDA_HTTPS = FDA_HTTP.replace("http://www.fda.gov/", "https://www.fda.gov/")


@dataclass(frozen=True)
class Pair:
    """Two bodies of one source (before, after) and how the source is configured."""

    kind: str
    options: dict[str, Any]
    before: bytes
    after: bytes
    content_type: str


@dataclass(frozen=True)
class Case:
    id: str
    expected: str
    mirrors: str  # the fidelity test whose edit this is ("" for an edit of our own)
    capture: str
    note: str
    late: bool = False  # added after the builder was final: never used to fix it

    @property
    def half(self) -> str:
        """The fixed split: sha256(id) first byte even → development, odd → test."""
        return "dev" if hashlib.sha256(self.id.encode()).digest()[0] % 2 == 0 else "test"


# -- the pairs ------------------------------------------------------------------------


def page(before: str, after: str) -> Pair:
    return Pair("page", {"select": "div.eli-container"}, before.encode(), after.encode(), "text/html")


def gdpr(*edits: tuple[str, str]) -> Pair:
    after = GDPR
    for old, new in edits:
        assert after.count(old) == 1, old
        after = after.replace(old, new)
    return page(GDPR, after)


def ai_act(old: str, new: str) -> Pair:
    entry = CATALOG["eu-eurlex-ai-act"]
    assert AI_ACT.count(old) == 1, old
    after = AI_ACT.replace(old, new)
    options = {k: entry[k] for k in ("select", "exclude")}
    return Pair("page", options, AI_ACT.encode(), after.encode(), "text/html")


def fr_hhs(edit: Callable[[list[dict]], list[dict]]) -> Pair:
    """The real us-fr-hhs-rules capture under its catalog entry, then as `edit` leaves it."""
    options = {"next": "", "fields": CATALOG["us-fr-hhs-rules"]["fields"]}
    before = copy.deepcopy(FR_HHS)
    after = copy.deepcopy(FR_HHS)
    after["results"] = edit(after["results"])
    return Pair("json", options, json.dumps(before).encode(), json.dumps(after).encode(), "application/json")


def number(records: list[dict], document_number: str) -> dict:
    return next(r for r in records if r["document_number"] == document_number)


def fr_body(records: list[dict]) -> bytes:
    rest = {k: v for k, v in FR.items() if k != "results"}
    return json.dumps({**rest, "next_page_url": None, "results": records}).encode()


def fr(before: list[dict], after: list[dict], *, catalog: str = "us-fr-45cfr164") -> Pair:
    options: dict[str, Any] = {"next": ""}
    if catalog:
        options["fields"] = CATALOG[catalog]["fields"]
    return Pair("json", options, fr_body(before), fr_body(after), "application/json")


def fr_record(number: str) -> dict:
    return copy.deepcopy(next(r for r in FR_NEWEST if r["document_number"] == number))


def fr_edited(**changes: dict[str, Any]) -> Pair:
    """The newest ten records, then the same with fields of some records changed."""
    before = [copy.deepcopy(r) for r in FR_NEWEST[:10]]
    after = copy.deepcopy(before)
    for number, fields in changes.items():
        next(r for r in after if r["document_number"] == number).update(fields)
    return fr(before, after)


def ecfr(edit: Callable[[dict], None]) -> Pair:
    entry = CATALOG["us-ecfr-45cfr164-versions"]
    options = {k: entry[k] for k in ("items", "key", "title", "link", "date", "summary", "next", "fields")}
    after = copy.deepcopy(ECFR)
    edit(after)
    return Pair("json", options, json.dumps(ECFR).encode(), json.dumps(after).encode(), "application/json")


def ecfr_record(data: dict, identifier: str) -> dict:
    return next(r for r in data["content_versions"] if r["identifier"] == identifier)


def feed_parts(text: str) -> tuple[str, list[str], str]:
    found = list(re.finditer(r"<item>.*?</item>", text, re.S))
    return text[: found[0].start()], [m.group(0) for m in found], text[found[-1].end() :]


def feed(before: str, after: str) -> Pair:
    return Pair("feed", {}, before.encode(), after.encode(), "application/rss+xml")


def guardian(before: slice | list[int], after: slice | list[int], extra: str = "") -> Pair:
    head, entries, tail = feed_parts(GUARDIAN)

    def pick(which: slice | list[int]) -> str:
        chosen = entries[which] if isinstance(which, slice) else [entries[i] for i in which]
        return head + "".join(chosen) + tail

    after_text = pick(after)
    if extra:  # a new entry at the top
        after_text = after_text.replace("<item>", extra + "<item>", 1)
    return feed(pick(before), after_text)


HOSTILE_ITEM = (
    "<item><title>EDPB statement &lt;!here&gt; on &lt;https://x.example/|international transfers&gt;"
    " &amp; adequacy decisions</title><link>https://www.edpb.europa.eu/news/statement-transfers</link>"
    "<description>The EDPB adopted a statement.</description>"
    "<guid>https://www.edpb.europa.eu/news/statement-transfers</guid></item>"
)
FDA_NEW_ITEM = (
    "<item><title>FDA Approves First Treatment for MCT8 Deficiency</title>"
    "<link>https://www.fda.gov/news-events/press-announcements/fda-approves-first-treatment-mct8-deficiency</link>"
    "<pubDate>Fri, 14 Aug 2026 10:00:00 EDT</pubDate>"
    '<guid isPermaLink="true">https://www.fda.gov/news-events/press-announcements/'
    "fda-approves-first-treatment-mct8-deficiency</guid></item>\n"
)
ART_5_E = "the rights and freedoms of the data subject (‘storage limitation’);"
_32_4 = GDPR.index('<div id="032.004">')
GDPR_32_4 = GDPR[_32_4 : GDPR.index("</div>", _32_4) + len("</div>")]  # Article 32(4), whole
ART_33_1 = "not later than 72 hours after having become aware of it"


def pairs() -> dict[str, Callable[[], Pair]]:
    """Each case's pair, built when asked (some read several captures)."""
    hostile = fr_record(FR_NEWEST[0]["document_number"])
    hostile.update(
        document_number="2025-99999",
        title="Request for Information: De-Identification Standards <!everyone>",
        html_url="https://www.federalregister.gov/d/2025-99999",
    )
    return {
        "gdpr-art5-storage-limitation-end-edit": lambda: gdpr(
            (
                ART_5_E,
                ART_5_E.replace("subject (", "subject, and in any event for no longer than ten years ("),
            )
        ),
        "gdpr-art33-deadline-rewritten": lambda: gdpr((ART_33_1, "within seventy-two hours")),
        "gdpr-art33-and-art34-edited": lambda: gdpr(
            (ART_33_1, "within seventy-two hours"),
            ("to the data subject without undue delay.", "to the data subject within 24 hours."),
        ),
        "gdpr-art32-title-renamed": lambda: gdpr(
            ("Security of processing<", "Security of personal data processing<")
        ),
        "gdpr-art34-paragraph-added": lambda: gdpr(
            (
                "may decide that any of the conditions referred to in paragraph 3 are met.</p>",
                "may decide that any of the conditions referred to in paragraph 3 are met.</p></div>"
                '<div id="034.005"><p class="oj-normal">5.   The controller shall document every'
                " communication to data subjects under this Article.</p>",
            )
        ),
        "gdpr-art32-paragraph-4-removed": lambda: gdpr((GDPR_32_4, "")),
        "fr-effective-date-moved": lambda: fr_edited(**{"2024-00411": {"effective_on": "2024-06-01"}}),
        "fr-two-new-records": lambda: fr(FR_NEWEST[2:12], FR_NEWEST[0:12]),
        "ecfr-new-section-version": lambda: ecfr(
            lambda d: d["content_versions"].insert(
                0,
                {
                    **ecfr_record(d, "21.4"),
                    "date": "2024-05-01",
                    "amendment_date": "2024-05-01",
                    "issue_date": "2024-05-01",
                },
            )
        ),
        "guardian-two-new-items": lambda: guardian(slice(2, 22), slice(0, 20)),
        "ai-act-art5-title-renamed": lambda: ai_act(
            "Prohibited AI practices", "Prohibited artificial intelligence practices"
        ),
        "ai-act-art5-1-intro-edited": lambda: ai_act(
            "The following AI practices shall be prohibited:",
            "The following AI practices shall be prohibited in the Union:",
        ),
        "ai-act-art5-1a-edited": lambda: ai_act(
            "appreciably impairing their ability to make an informed decision",
            "impairing their ability to make an informed decision",
        ),
        "fr-hhs-rules-comment-period-extended": lambda: fr_hhs(
            lambda rs: [
                r if r["document_number"] != "2023-28948" else {**r, "comments_close_on": "2024-04-08"}
                for r in rs
            ]
        ),
        "fr-hhs-rules-effective-date-withdrawn": lambda: fr_hhs(
            lambda rs: [
                r if r["document_number"] != "2024-00091" else {**r, "effective_on": None} for r in rs
            ]
        ),
        "fr-hhs-rules-hti1-arrives": lambda: Pair(
            "json",
            {"next": "", "fields": CATALOG["us-fr-hhs-rules"]["fields"]},
            json.dumps(
                {**FR_HHS, "results": [r for r in FR_HHS["results"] if r["document_number"] != "2023-28857"]}
            ).encode(),
            json.dumps(FR_HHS).encode(),
            "application/json",
        ),
        "fr-new-record-hostile-title": lambda: fr(FR_NEWEST[:10], [hostile, *FR_NEWEST[:10]], catalog=""),
        "fr-new-record-catalog-fields": lambda: fr(FR_NEWEST[1:11], FR_NEWEST[0:11]),
        "fr-window-scroll": lambda: fr(FR_NEWEST[1:11], FR_NEWEST[0:10], catalog=""),
        "fr-deadline-extended-and-type-final": lambda: fr_edited(
            **{"2024-00410": {"comments_close_on": "2024-04-11"}, "2024-00411": {"type": "Rule"}}
        ),
        "fr-deadline-extended": lambda: fr_edited(**{"2024-00410": {"comments_close_on": "2024-04-11"}}),
        "fr-abstract-edited": lambda: fr_edited(
            **{"2024-00411": {"abstract": fr_record("2024-00411")["abstract"].rstrip(".") + ", and others."}}
        ),
        "fr-hti1-first-listed": lambda: fr([], [fr_record("2023-28857")], catalog="us-fr-45cfr170"),
        "ecfr-section-marked-removed": lambda: ecfr(lambda d: ecfr_record(d, "21.4").update(removed=True)),
        "guardian-hostile-title-new-item": lambda: guardian(slice(None), slice(None), HOSTILE_ITEM),
        "guardian-window-scroll": lambda: guardian(slice(1, 21), slice(0, 20)),
        "guardian-entry-vanished-inside-window": lambda: guardian(slice(0, 20), [*range(5), *range(6, 20)]),
        "fda-https-move-then-new-item": lambda: feed(
            FDA_HTTP, FDA_HTTPS.replace("<item>", FDA_NEW_ITEM + "<item>", 1)
        ),
        "dpdp-pdf-retention-period-edit": lambda: Pair(
            "pdf",
            {},
            make_pdf(ACT_V1),
            make_pdf([ACT_V1[0], [ACT_V1[1][0], ACT_V1[1][1].replace("thirty", "seven")]]),
            "application/pdf",
        ),
    }


# -- running a case ---------------------------------------------------------------------


def cases() -> list[Case]:
    data = tomllib.loads(EXPECTED.read_text("utf-8"))
    return [
        Case(
            c["id"],
            c["expected"],
            c.get("mirrors", ""),
            c["capture"],
            c.get("note", ""),
            c.get("late", False),
        )
        for c in data["cases"]
    ]


def change_of(pair: Pair) -> tuple[Change, dict[str, DocumentFacts]]:
    """The change a check would record, and the document facts its alert would carry."""
    url = "https://example.gov/source"
    source = source_for(pair.kind, url, **pair.options)
    kind = kind_for(pair.kind)
    before = kind.extract(fetched(pair.before, url, pair.content_type), source)
    after = kind.extract(fetched(pair.after, url, pair.content_type), source)
    change = diff(source.id, before, after, removals=source.removals or kind.removals)
    assert change is not None and not change.is_empty, "the pair is not a change"
    return change, facts_of_change(change, SourceInfo(source.id, "", url), {})


def produced(case: Case) -> str:
    change, facts = change_of(pairs()[case.id]())
    return headline_of(change, facts)
