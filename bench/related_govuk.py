"""The GOV.UK (UK) part of the related-articles evaluation set: real GOV.UK content items and
the documents they link to, labelled from those links.

    python bench/related_govuk.py extract GIT_DIR   # rewrites tests/related/evalset/govuk-examples.json.gz

`extract` reads the `examples/*/frontend/*.json` files of a checkout (a bare git directory) of
alphagov/govuk-content-schemas: content items as the GOV.UK content store served them, each
with its *expanded links* (title, description, document type, date of every linked item).
It keeps only the fields the set needs (the body as plain text) in a small gzip'd JSON file;
`build` (called by bench/related_set.py) turns that file into updates and candidates:

- **candidates**: every example content item and every document it links to (GOV.UK items of
  document types only: no organisations, people, taxons, browse pages, finders), items of
  the `uk-govuk` feed; text = description (+ body text for the example items);
- **updates**: every example content item of a document type, as a new document of its
  organisation's watched source (`uk-gov-<organisation>`);
- **related**: the two items link to each other explicitly through an editorial link
  (`ordered_related_items`, `related`, `documents`/`document_collections`,
  `parent`/`children`, step-by-step navigation, ...), recorded per pair as evidence
  ("document_collections: DVLA annual reports and accounts");
- **maybe**: only a machine-suggested link (`suggested_ordered_related_items`), a tag to a
  policy page (`related_policies`: a topic hub), or a shared topic, taxon, policy area or
  topical event; dropped when scoring;
- **unrelated**: everything else, including the other items of the same organisation (the
  hard negatives).

Pairs whose candidate falls outside the ranking window (more than 120 days older or 365 days
newer than the update) are outside the scoring protocol: kept in `out_of_window`, not labels.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "tests" / "related" / "evalset" / "govuk-examples.json.gz"
FEED = "uk-govuk"
SITE = "https://www.gov.uk"
BODY_CHARS = 4000
BEFORE_DAYS = 120
AFTER_DAYS = 365

#: Expanded links that are an editor's statement that two documents belong together.
RELATED_LINKS = {
    "ordered_related_items",
    "related",
    "related_guides",
    "documents",
    "document_collections",
    "parent",
    "children",
    "linked_items",
    "part_of_step_navs",
    "pages_part_of_step_nav",
    "related_to_step_navs",
    "pages_related_to_step_nav",
    "ordered_related_items_overrides",
    "related_statistical_data_sets",
}
#: Links that put two documents near each other without an editor pointing from one to the
#: other: a machine's suggestion, or a tag to a policy page (2013-2017 GOV.UK policies were
#: topic hubs listing every document tagged with them: a shared topic, not a citation).
MAYBE_LINKS = {"suggested_ordered_related_items", "related_policies", "policies"}
SHARED_TAGS = {"topics", "taxons", "policy_areas", "topical_events", "mainstream_browse_pages"}
#: Linked items that are not documents a reader would be pointed to as related reading.
NOT_DOCUMENTS = {
    "organisation",
    "placeholder_organisation",
    "person",
    "government",
    "ministerial_role",
    "board_member_role",
    "role",
    "mainstream_browse_page",
    "topic",
    "taxon",
    "finder",
    "finder_email_signup",
    "email_alert_signup",
    "policy_area",
    "placeholder_policy_area",
    "world_location",
    "need",
    "homepage",
    "redirect",
    "gone",
    "unpublishing",
    "special_route",
    "coming_soon",
    "placeholder",
    "working_group",
    "contact",
    "service_manual_topic",
    "service_manual_homepage",
    "topical_event",
    "topical_event_about_page",
    "organisation_about_page",
    "about",
    "travel_advice_index",
    "help_page",
    None,
}
KEPT = ("base_path", "title", "description", "document_type", "public_updated_at")


def _text(html: str) -> str:
    if not html.strip():
        return ""
    return " ".join(lxml.html.fromstring(html).text_content().split())[:BODY_CHARS]


def extract(git_dir: Path) -> dict:
    """The fields the set needs from every frontend example of the repository's HEAD."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(git_dir), *args], capture_output=True, text=True, check=True
        ).stdout

    commit = git("rev-parse", "HEAD").strip()
    items = []
    for path in sorted(git("ls-tree", "-r", "--name-only", "HEAD", "examples/").split()):
        if "/frontend/" not in path or not path.endswith(".json"):
            continue
        doc = json.loads(git("show", f"HEAD:{path}"))
        if not isinstance(doc, dict) or not doc.get("base_path"):
            continue
        body = (doc.get("details") or {}).get("body")
        links = {
            key: [{k: x.get(k) for k in KEPT} for x in value if isinstance(x, dict) and x.get("base_path")]
            for key, value in sorted((doc.get("links") or {}).items())
            if isinstance(value, list) and key != "available_translations"
        }
        items.append(
            {
                "path": path,
                **{k: doc.get(k) for k in KEPT},
                "body": _text(body) if isinstance(body, str) else "",
                "links": links,
            }
        )
    return {"repository": "alphagov/govuk-content-schemas", "commit": commit, "items": items}


def _day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def _source(item: dict) -> str:
    for key in ("primary_publishing_organisation", "organisations"):
        for org in item["links"].get(key, []):
            return "uk-gov-" + org["base_path"].rstrip("/").rsplit("/", 1)[-1]
    return "uk-gov-other"


def build(raw: dict) -> tuple[list[dict], list[dict]]:
    """(updates, candidates) of the GOV.UK part; updates split once by time (earlier half dev)."""
    examples: dict[str, dict] = {}
    for item in raw["items"]:  # several examples of one page: the first (by path) stands
        if item["document_type"] not in NOT_DOCUMENTS and _day(item["public_updated_at"]):
            examples.setdefault(item["base_path"], item)
    candidates: dict[str, dict] = {}
    for item in raw["items"]:
        for linked in [x for xs in item["links"].values() for x in xs] + [item]:
            if linked["document_type"] in NOT_DOCUMENTS or not _day(linked["public_updated_at"]):
                continue
            path = linked["base_path"]
            full = examples.get(path)
            text = "\n".join(p for p in (linked.get("description") or "", (full or {}).get("body", "")) if p)
            entry = {
                "id": path,
                "source": FEED,
                "date": _day((full or linked)["public_updated_at"]),
                "title": (full or linked)["title"],
                "text": text,
                "link": SITE + path,
            }
            if path not in candidates or len(entry["text"]) > len(candidates[path]["text"]):
                candidates[path] = entry
    grade: dict[str, dict[str, str]] = defaultdict(dict)
    evidence: dict[str, dict[str, str]] = defaultdict(dict)

    def label(a: str, b: str, value: str, why: str) -> None:
        if a == b or b not in candidates or grade[a].get(b) == "related":
            return
        grade[a][b] = value
        evidence[a][b] = why

    tags: dict[str, set[str]] = defaultdict(set)
    for path, item in examples.items():
        for key, linked in item["links"].items():
            for x in linked:
                if key in RELATED_LINKS:
                    label(path, x["base_path"], "related", f"{key}: {x['title']}")
                    label(x["base_path"], path, "related", f"linked from {item['title']} ({key})")
                elif key in MAYBE_LINKS:
                    label(path, x["base_path"], "maybe", f"{key}: {x['title']}")
                elif key in SHARED_TAGS:
                    tags[x["base_path"]].add(path)
    for tagged in tags.values():
        for a in tagged:
            for b in tagged - {a}:
                label(a, b, "maybe", "shared topic or taxon")
    updates = []
    for path, item in sorted(examples.items(), key=lambda kv: (_day(kv[1]["public_updated_at"]), kv[0])):
        day = date.fromisoformat(_day(item["public_updated_at"]))
        low, high = (
            (day - timedelta(days=BEFORE_DAYS)).isoformat(),
            (day + timedelta(days=AFTER_DAYS)).isoformat(),
        )
        inside = {b: v for b, v in grade[path].items() if low <= candidates[b]["date"] <= high}
        updates.append(
            {
                "id": path,
                "source": _source(item),
                "date": day.isoformat(),
                "title": item["title"],
                "text": candidates[path]["text"] if path in candidates else item.get("description") or "",
                "link": SITE + path,
                "related": sorted(b for b, v in inside.items() if v == "related"),
                "maybe": sorted(b for b, v in inside.items() if v == "maybe"),
                "evidence": {b: evidence[path][b] for b in sorted(inside)},
                "out_of_window": sorted(
                    b for b in grade[path] if b not in inside and grade[path][b] == "related"
                ),
                "corpus": "uk-govuk",
            }
        )
    half = len(updates) // 2
    for position, update in enumerate(updates):
        update["split"] = "dev" if position < half else "test"
    return updates, sorted(candidates.values(), key=lambda c: c["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["extract"])
    parser.add_argument("git_dir", type=Path)
    parser.add_argument("--out", type=Path, default=RAW)
    args = parser.parse_args(argv)
    raw = extract(args.git_dir)
    with gzip.open(args.out, "wt", encoding="utf-8") as out:
        json.dump(raw, out, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(raw['items'])} items from {raw['repository']}@{raw['commit'][:12]} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
