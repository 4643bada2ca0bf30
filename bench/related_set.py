"""Build the related-articles evaluation set from real Federal Register documents.

    python bench/related_set.py [--corpus PATH]   # rewrites tests/related/evalset/set.json

Input: the verbatim Federal Register API response of 1,000 documents published in January
2024 (`/work/shared/corpus/federal-register-api-json/`, see tests/related/evalset/SOURCE.md).
Every document becomes a candidate article of the `us-federal-register` feed; some become
*updates* (the new document of a watched agency source). Labels come from the documents'
own metadata, never from a ranker:

- **related** (grade 2): the two documents belong to one proceeding, shown by a shared
  identifier the FR assigns to one proceeding (a docket, a RIN, an SEC file number, a
  trade case number, a FEMA declaration number) or by `correction_of`; every shared
  identifier shared by 2-5 documents was read and adjudicated in ADJUDICATED below;
- **maybe** (grade 1): a shared identifier of a series of routine actions (quota
  transfers under one rule, vouchers under one programme docket, weekly meetings, ADs for
  one aircraft model); dropped when scoring;
- **unrelated**: everything else, including documents that share only a *generic*
  identifier (shared by more than 5 documents: FEMA's yearly docket, the FAA's
  airworthiness-directive RIN, an accounting code): these are the hard negatives (same
  regulator, same kind of notice, another matter).

Updates: every document with a related or maybe label, plus the documents that share only
a generic identifier (hard negatives with no right answer: nothing should be shown).
Split once, by time: updates sorted by (publication date, document number), the earlier
half is `dev`, the later half `test`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import related_gdprhub, related_govuk  # noqa: E402

CORPUS = Path("/work/shared/corpus/federal-register-api-json/documents_2024_page1_per1000_allfields.json")
OUT = ROOT / "tests" / "related" / "evalset" / "set.json"
FEED = "us-federal-register"
GENERIC_ABOVE = 5
CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+){1,4}\b")

#: Every identifier shared by 2-5 documents, read and graded by a person: (grade, why).
#: Identifiers not listed here that are shared by 2-5 documents are placeholders or
#: accounting codes; listed as "unrelated" with the reason.
ADJUDICATED: dict[str, tuple[str, str]] = {
    "Docket No. 50-255": ("related", "one NRC facility docket: exemptions for the Palisades plant"),
    "WC Docket No. 12-375": ("related", "an FCC notice and its correction"),
    "NRC-2023-0094": ("related", "an NRC information collection and its correction"),
    "SR-MEMX-2023-40": ("related", "an SEC rule-change filing and its withdrawal"),
    "Docket No. ACR2023": ("related", "one Postal Regulatory Commission proceeding (FY2023 compliance)"),
    "FEMA-3600-EM": ("related", "amendments 1 and 2 to one emergency declaration"),
    "DS65100000 DWSN00000.000000 24XD4523WS DP.65102": (
        "related",
        "INTERIOR/DOI-10 system of records and the rule exempting it",
    ),
    "WC Docket No. 17-84": ("related", "FCC report and order and FNPRM adopted together (FCC 23-109)"),
    "EERE-2017-BT-STD-0003": ("related", "DOE refrigerator standards: direct final rule and its NPRM"),
    "C-122-858": ("related", "one countervailing-duty order: softwood lumber from Canada"),
    "SR-NYSEARCA-2023-58": ("related", "an SEC filing and the order that decides it"),
    "SR-NASDAQ-2023-019": ("related", "an SEC filing and the order that decides it"),
    "SR-NASDAQ-2023-016": ("related", "an SEC filing and the order that decides it"),
    "SR-NYSEARCA-2023-44": ("related", "an SEC filing and the order that decides it"),
    "SR-NYSEARCA-2021-90": ("related", "an SEC filing and the order that decides it"),
    "Docket No. 221223-0282": ("maybe", "separate quota transfers under one fishery rule"),
    "Docket No. FDA-2020-N-0026": ("maybe", "separate priority review vouchers under one programme docket"),
    "NRC-2024-0001": ("maybe", "weekly Sunshine Act meeting notices"),
    "FMCSA-2017-0058": ("maybe", "two exemption renewals listing one shared driver docket"),
    "Docket No. 2024-0053": ("maybe", "two FAR information collections filed under one docket"),
    "245A2100DD/AAKC001030/A0A501010.999900": ("maybe", "BIA notices under one accounting code"),
    "CL-600-2D15": ("maybe", "airworthiness directives for one aircraft model, different unsafe conditions"),
    "CL-600-2D24": ("maybe", "airworthiness directives for one aircraft model, different unsafe conditions"),
    "CL-600-2C10": ("maybe", "airworthiness directives for one aircraft model, different unsafe conditions"),
    "CL-600-2C11": ("maybe", "airworthiness directives for one aircraft model, different unsafe conditions"),
    "CL-600-2E25": ("maybe", "airworthiness directives for one aircraft family, different unsafe conditions"),
    "A320-211": ("maybe", "airworthiness directives for one aircraft model, different unsafe conditions"),
    "1625-AA00": ("maybe", "Coast Guard safety-zone RIN; two zones at one harbour"),
}


def identifiers(doc: dict) -> set[str]:
    """The proceeding identifiers of one document: dockets (as listed), RINs, and codes its
    title, abstract or dates quote."""
    found: set[str] = set()
    for docket in doc.get("docket_ids") or []:
        found.add(docket)
        found.update(part.strip() for part in docket.split(",") if part.strip())
    found.update(doc.get("regulation_id_numbers") or [])
    text = " ".join(str(doc.get(k) or "") for k in ("title", "abstract", "dates", "excerpts"))
    text += " " + " ".join(doc.get("docket_ids") or [])
    found.update(code for code in CODE.findall(text) if len(code) >= 6)
    return found


def document_text(doc: dict) -> str:
    """What a reader of the document sees first: the FR preamble header (agencies, CFR parts,
    dockets, RIN, action) and its summary and dates, as the full text begins."""
    lines = ["; ".join(doc.get("agency_names") or [])]
    cfr = [f"{c['title']} CFR Part {c['part']}" for c in doc.get("cfr_references") or [] if c.get("part")]
    if cfr:
        lines.append(", ".join(cfr))
    if doc.get("docket_ids"):
        lines.append("[" + "; ".join(doc["docket_ids"]) + "]")
    if doc.get("regulation_id_numbers"):
        lines.append("RIN " + ", ".join(doc["regulation_id_numbers"]))
    lines.append(f"ACTION: {doc.get('action') or doc.get('type')}")
    if doc.get("abstract"):
        lines.append(f"SUMMARY: {doc['abstract']}")
    if doc.get("dates"):
        lines.append(f"DATES: {doc['dates']}")
    return "\n".join(line for line in lines if line)


def build(docs: list[dict]) -> dict:
    numbers = {d["document_number"] for d in docs}
    holders: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for ident in identifiers(doc):
            holders[ident].add(doc["document_number"])
    grade: dict[str, dict[str, str]] = defaultdict(dict)  # doc -> other -> "related"/"maybe"
    evidence: dict[str, dict[str, str]] = defaultdict(dict)
    generic: set[str] = set()

    def label(a: str, b: str, value: str, why: str) -> None:
        if grade[a].get(b) in ("related", value):  # the first evidence of a grade stands
            return
        grade[a][b] = value
        evidence[a][b] = why

    for ident, held in sorted(holders.items()):  # sorted: the same evidence whatever the hash seed
        if len(held) < 2:
            continue
        if len(held) > GENERIC_ABOVE:
            generic.update(held)
            continue
        value, why = ADJUDICATED.get(ident, ("", ""))
        if not value:
            continue
        for a in held:
            for b in held - {a}:
                label(a, b, value, f"{ident}: {why}")
    for doc in docs:  # corrections: `correction_of` names the corrected document
        original = (doc.get("correction_of") or "").rsplit("/", 1)[-1]
        if original in numbers:
            label(doc["document_number"], original, "related", "correction_of")
            label(original, doc["document_number"], "related", "correction_of")
    by_number = {d["document_number"]: d for d in docs}
    chosen = sorted(set(grade) | generic, key=lambda n: (by_number[n]["publication_date"], n))
    half = len(chosen) // 2
    changes = []
    for position, number in enumerate(chosen):
        doc = by_number[number]
        slug = next((a["slug"] for a in doc["agencies"] if a.get("slug")), "other")
        changes.append(
            {
                "id": number,
                "source": f"us-fr-{slug}",
                "date": doc["publication_date"],
                "title": doc["title"],
                "text": document_text(doc),
                "link": doc["html_url"],
                "related": sorted(b for b, v in grade[number].items() if v == "related"),
                "maybe": sorted(b for b, v in grade[number].items() if v == "maybe"),
                "evidence": dict(sorted(evidence[number].items())),
                "split": "dev" if position < half else "test",
                "corpus": "us-fr",
            }
        )
    candidates = [
        {
            "id": d["document_number"],
            "source": FEED,
            "date": d["publication_date"],
            "title": d["title"],
            "text": document_text(d),
            "link": d["html_url"],
        }
        for d in sorted(docs, key=lambda d: d["document_number"])
    ]
    return {"changes": changes, "candidates": candidates}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--govuk", type=Path, default=related_govuk.RAW, help="extracted GOV.UK examples")
    parser.add_argument("--gdprhub", type=Path, default=related_gdprhub.RAW, help="extracted GDPRhub pages")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    docs = json.loads(args.corpus.read_text(encoding="utf-8"))["results"]
    data = build(docs)
    with gzip.open(args.govuk, "rt", encoding="utf-8") as raw:
        updates, candidates = related_govuk.build(json.load(raw))
    data["changes"] += updates
    data["candidates"] += candidates
    with gzip.open(args.gdprhub, "rt", encoding="utf-8") as raw:
        updates, candidates = related_gdprhub.build(json.load(raw))
    data["changes"] += updates
    data["candidates"] += candidates
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for corpus in ("us-fr", "uk-govuk", "eu-gdprhub"):
        for split in ("dev", "test"):
            part = [c for c in data["changes"] if c["split"] == split and c["corpus"] == corpus]
            print(
                f"{corpus} {split}: {len(part)} updates, {sum(1 for c in part if c['related'])} with related,"
                f" {part[0]['date']} .. {part[-1]['date']}"
            )
    print(f"{len(data['candidates'])} candidates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
