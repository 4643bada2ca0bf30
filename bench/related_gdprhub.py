"""The EU part of the related-articles evaluation set: real GDPRhub pages on decisions of EU
(and EEA, UK) data protection authorities and courts, labelled from the links between them.

    python bench/related_gdprhub.py extract GIT_DIR   # rewrites tests/related/evalset/gdprhub-pages.json.gz

`extract` reads the `fast_scrape/html_pages/*.html` files of a checkout (a bare git directory)
of mnov88/eurlextract: GDPRhub (gdprhub.eu, noyb's wiki of GDPR decisions) pages as the site
served them in September 2025, one per decision, each with its infobox (authority or court,
jurisdiction, decision date, parties, national case number, ...), its English summary and
the links its editors put in it to other decision pages. It keeps only the fields the set
needs in a small gzip'd JSON file; `build` (called by bench/related_set.py) turns that file
into updates and candidates:

- **candidates**: every page with a decision (or publication) date, items of the
  `eu-gdprhub` feed; text = the infobox's fields, the lead sentence and the English summary
  (the machine translation of the decision that follows is not kept);
- **updates**: every page of a supervisory authority (an *Authority*, not a *Court*) with a
  related candidate inside the ranking window, as a new decision of that authority's
  watched source (`eu-dpa-<authority>`), and, as hard negatives (same regulator, another
  matter), the same authority's decisions just before and just after each of them that
  have no related candidate in the window;
- **related**: one page links the other in its infobox or summary (an editor citing an
  earlier decision, the appeal against it, the judgment it applies, the decision it
  follows), either direction, recorded per pair as evidence ("links to: CNIL (France) -
  SAN-2024-014");
- **maybe**: the two pages name the same parties (the infobox's *Parties*, a named
  controller, not a placeholder) and neither links the other; dropped when scoring;
- **unrelated**: everything else, including the other decisions of the same authority.

Pairs whose candidate falls outside the ranking window (more than 120 days older or 365 days
newer than the update) are outside the scoring protocol: kept in `out_of_window`, not labels.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "tests" / "related" / "evalset" / "gdprhub-pages.json.gz"
REPOSITORY = "mnov88/eurlextract"
PAGES = "fast_scrape/html_pages/"
FEED = "eu-gdprhub"
SITE = "https://gdprhub.eu/index.php?title="
TEXT_CHARS = 1500
BEFORE_DAYS = 120
AFTER_DAYS = 365
#: Infobox fields, in the order GDPRhub prints them (an authority's page or a court's).
FIELDS = (
    "Authority",
    "Court",
    "Jurisdiction",
    "Relevant Law",
    "Type",
    "Outcome",
    "Started",
    "Decided",
    "Published",
    "Fine",
    "Parties",
    "National Case Number/Name",
    "European Case Law Identifier",
    "Appeal",
    "Original Language(s)",
    "Original Source",
    "Initial Contributor",
)
FIELD = re.compile(r"\b(" + "|".join(re.escape(f) for f in FIELDS) + r"):")
#: Sections of a page that are no summary: the machine translation and empty placeholders.
STOP_HEADINGS = ("English Machine Translation", "Machine Translation")
PLACEHOLDERS = ("Share your comments here!", "Share blogs or news articles here!")
#: Wiki pages that are not decisions (a decision page's title is "Authority - case").
NOT_DECISIONS = ("Article ", "Category:", "File:", "Special:", "Template:", "Help:", "GDPRhub", "Talk:")
#: Parties fields that name nobody in particular (placeholders, anonymised parties).
NO_PARTY = re.compile(
    r"anonym|exempt|excempt|redact|undisclosed|not (?:known|disclosed|public|specified)|unknown|"
    r"^(?:n/?a|none|x+|\?|-+|(?:an? |the )?(?:controller|processor|data subjects?|complainants?|"
    r"individuals?|compan(?:y|ies)|persons?|applicants?|defendants?|plaintiffs?|claimants?|"
    r"private persons?|natural persons?|employers?|employees?))$",
    re.IGNORECASE,
)
#: A party named on more pages than this is a frequent defendant (a telecoms operator fined
#: for many unrelated matters): its pages are not labelled from the name alone.
FREQUENT_PARTY = 5


def _text(element: lxml.html.HtmlElement) -> str:
    """The element's text, its pieces (table cells, list items, links) apart."""
    return " ".join(" ".join(element.itertext()).split())


def _decision_title(href: str) -> str | None:
    """The title of the decision page a wiki link points to (None for other pages, red links)."""
    parsed = urlparse(href)
    if parsed.netloc not in ("", "gdprhub.eu") or not parsed.path.startswith("/index.php"):
        return None
    query = parse_qs(parsed.query)
    if "action" in query or "redlink" in query or "oldid" in query or "title" not in query:
        return None
    title = query["title"][0].replace("_", " ").strip()
    if title.startswith(NOT_DECISIONS) or " - " not in title:
        return None
    return title


def _infobox(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    parts = FIELD.split(text)
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        found.setdefault(key, value.strip())
    return found


def parse_page(html: str) -> dict | None:
    """One GDPRhub page: its title, revision link, infobox, lead, English summary and the
    decision pages its infobox and summary link to."""
    doc = lxml.html.fromstring(html)
    heading = doc.xpath('//h1[@id="firstHeading"]')
    body = doc.xpath('//div[@id="mw-content-text"]//div[contains(@class, "mw-parser-output")]')
    if not heading or not body:
        return None
    title = _text(heading[0])
    infobox: dict[str, str] = {}
    lead: list[str] = []
    summary: list[str] = []
    links: list[str] = []
    seen_toc = False
    for child in body[0]:
        if not isinstance(child.tag, str):
            continue  # comments
        words = _text(child)
        if child.tag == "table" and not infobox:
            infobox = _infobox(words)
        elif "toc" in (child.get("class") or "") or child.get("id") == "toc":
            seen_toc = True
            continue
        elif child.tag in ("h2", "h3", "h4"):
            if words.startswith(STOP_HEADINGS):
                break
        elif words and words not in PLACEHOLDERS:
            (summary if seen_toc else lead).append(words)
        for anchor in child.iter("a"):
            linked = _decision_title(anchor.get("href") or "")
            if linked and linked != title and linked not in links:
                links.append(linked)
    revision = ""
    for anchor in doc.xpath('//div[@class="printfooter"]//a'):
        revision = anchor.get("href") or ""
    return {
        "title": title,
        "revision": revision,
        "infobox": infobox,
        "lead": " ".join(lead),
        "summary": " ".join(summary)[:TEXT_CHARS],
        "links": links,
    }


def extract(git_dir: Path) -> dict:
    """The fields the set needs from every saved GDPRhub page of the repository's HEAD."""

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(git_dir), *args], capture_output=True, check=True
        ).stdout

    commit = git("rev-parse", "HEAD").decode().strip()
    committed = git("log", "-1", "--format=%cs", "HEAD").decode().strip()
    names = [n.decode() for n in git("ls-tree", "-r", "-z", "--name-only", "HEAD", PAGES).split(b"\0") if n]
    pages = []
    for path in sorted(names):
        if not path.endswith(".html") or "/" in path[len(PAGES) :]:
            continue
        page = parse_page(git("show", f"HEAD:{path}").decode("utf-8", errors="replace"))
        if page:
            pages.append({"path": path, **page})
    return {"repository": REPOSITORY, "commit": commit, "committed": committed, "pages": pages}


def _day(value: str | None) -> str:
    """A GDPRhub date (dd.mm.yyyy) as ISO, or "" when missing or not a date."""
    match = re.match(r"(\d{2})\.(\d{2})\.(\d{4})", value or "")
    if not match:
        return ""
    try:
        return datetime.strptime(match.group(0), "%d.%m.%Y").date().isoformat()
    except ValueError:
        return ""


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "other"


def _party(value: str | None) -> str:
    """The infobox's parties as one key (lower case, punctuation dropped), "" for a placeholder."""
    value = " ".join((value or "").split())
    if not value or NO_PARTY.search(value):
        return ""
    return re.sub(r"[^\w]+", " ", value.lower()).strip()


def page_text(page: dict) -> str:
    """What a reader sees at the top of the page: the infobox's main fields, the lead
    sentence and the English summary."""
    box = page["infobox"]
    head = []
    for key in ("Authority", "Court", "Jurisdiction", "Type", "Outcome", "Fine", "Parties"):
        if box.get(key):
            head.append(f"{key}: {box[key]}")
    if box.get("National Case Number/Name"):
        head.append(f"Case: {box['National Case Number/Name']}")
    if box.get("Relevant Law"):
        head.append(f"Relevant Law: {box['Relevant Law']}")
    return "\n".join(p for p in ("; ".join(head), page["lead"], page["summary"]) if p)


def build(raw: dict) -> tuple[list[dict], list[dict]]:
    """(updates, candidates) of the GDPRhub part; updates split once by time (earlier half dev)."""
    pages: dict[str, dict] = {}
    for page in raw["pages"]:  # one page per title (the first by path)
        day = _day(page["infobox"].get("Decided")) or _day(page["infobox"].get("Published"))
        if day > raw["committed"]:
            day = ""  # a mistyped year (2036): no date a reader could trust
        if day and page["title"] not in pages:
            pages[page["title"]] = {**page, "date": day}
    candidates = {
        title: {
            "id": title,
            "source": FEED,
            "date": page["date"],
            "title": title,
            "text": page_text(page),
            "link": SITE + quote(title.replace(" ", "_"), safe="()_-.,:/"),
        }
        for title, page in pages.items()
    }
    grade: dict[str, dict[str, str]] = defaultdict(dict)
    evidence: dict[str, dict[str, str]] = defaultdict(dict)

    def label(a: str, b: str, value: str, why: str) -> None:
        if a == b or grade[a].get(b) == "related":
            return
        grade[a][b] = value
        evidence[a][b] = why

    for title, page in pages.items():
        for linked in page["links"]:
            if linked in pages:
                label(title, linked, "related", f"links to: {linked}")
                label(linked, title, "related", f"linked from: {title}")
    parties: dict[str, set[str]] = defaultdict(set)
    for title, page in pages.items():
        key = _party(page["infobox"].get("Parties"))
        if key:
            parties[key].add(title)
    for holders in parties.values():
        if len(holders) > FREQUENT_PARTY:
            continue
        for a in holders:
            for b in holders - {a}:
                if b not in grade[a]:
                    label(a, b, "maybe", f"same parties: {pages[a]['infobox']['Parties']}")

    def window(title: str) -> tuple[str, str]:
        day = date.fromisoformat(pages[title]["date"])
        return (
            (day - timedelta(days=BEFORE_DAYS)).isoformat(),
            (day + timedelta(days=AFTER_DAYS)).isoformat(),
        )

    def inside(title: str) -> dict[str, str]:
        low, high = window(title)
        return {b: v for b, v in grade[title].items() if low <= pages[b]["date"] <= high}

    def authority(title: str) -> str:
        return pages[title]["infobox"].get("Authority", "")

    answered = {t for t in pages if authority(t) and "related" in inside(t).values()}
    by_authority: dict[str, list[str]] = defaultdict(list)
    for title in sorted(pages, key=lambda t: (pages[t]["date"], t)):
        if authority(title):
            by_authority[authority(title)].append(title)
    chosen = set(answered)
    for title in sorted(answered):  # hard negatives: the same authority's neighbours in time
        row = by_authority[authority(title)]
        position = row.index(title)
        for step in (-1, 1):
            at = position + step
            while 0 <= at < len(row) and row[at] in answered:
                at += step
            if 0 <= at < len(row):
                chosen.add(row[at])
    updates = []
    for title in sorted(chosen, key=lambda t: (pages[t]["date"], t)):
        page, mine = pages[title], inside(title)
        updates.append(
            {
                "id": title,
                "source": "eu-dpa-" + _slug(authority(title)),
                "date": page["date"],
                "title": title,
                "text": candidates[title]["text"],
                "link": candidates[title]["link"],
                "related": sorted(b for b, v in mine.items() if v == "related"),
                "maybe": sorted(b for b, v in mine.items() if v == "maybe"),
                "evidence": {b: evidence[title][b] for b in sorted(mine)},
                "out_of_window": sorted(
                    b for b, v in grade[title].items() if v == "related" and b not in mine
                ),
                "corpus": "eu-gdprhub",
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
    with gzip.GzipFile(args.out, "wb", mtime=0) as packed, io.TextIOWrapper(packed, encoding="utf-8") as out:
        json.dump(raw, out, ensure_ascii=False, separators=(",", ":"))  # mtime 0: the same bytes each time
    print(f"{len(raw['pages'])} pages from {raw['repository']}@{raw['commit'][:12]} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
