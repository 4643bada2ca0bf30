"""Listing extractions whose snapshots must never move: real pages of tests/pages read with
their catalog options and with generic options that turn most of a page into items (links,
list items, table rows, dates in text), plus generated bench pages.

`digests()` gives, per case, a hash of every item field and the snapshot's fingerprint;
tests/sources/test_extract_same.py compares them with the frozen `listing-digests.json`
(written from the code before the per-item shortcuts of round 6):

    python tests/support/listingcases.py > tests/sources/listing-digests.json

With folders of other HTML pages as arguments it digests those too: run it under two checkouts
(PYTHONPATH=<checkout>) and compare the outputs to check a change on a whole corpus.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"
HTML_DIRS = ("catalog", "catalog-real", "eurlex", "html-trafilatura")
#: Generic options: (name, options). Each reads many elements of any page, so the per-item
#: paths (text, links, dates, identity) meet real markup in quantity.
GENERIC = (
    ("links", {"select": "a[href]"}),
    ("links-by-title", {"select": "a[href]", "identity": "title"}),
    ("list", {"select": "li", "title": "a", "link": "a", "date": "time", "summary": "p"}),
    (
        "rows",
        {"select": "tr", "title": "td", "link": "a[href]", "date": "td + td", "summary": "td + td + td"},
    ),
    ("blocks", {"select": "p, li, h2, h3, dd, td", "date": "span, time, em", "identity": "link"}),
    ("headings", {"select": "h1, h2, h3, h4", "summary": "a", "date": "*"}),
    ("ignoring", {"select": "li, p", "summary": "a", "ignore": [r"\\d+", "(?i)the "]}),
)
JURISDICTIONS = ("US", "UK")
BENCH_PAGES = 6


def corpus_pages(corpus: Path) -> list[tuple[str, bytes]]:
    """(file name, body) of the shared corpus's HTML pages (`corpus`: its folder), gzip read
    open, in a fixed order; none when the corpus is not there."""
    found = []
    for folder in ("html-trafilatura", "html-article-extraction-benchmark"):
        for path in sorted((corpus / folder).rglob("*.htm*")):
            body = path.read_bytes()
            found.append((path.name, gzip.decompress(body) if path.suffix == ".gz" else body))
    return found


def cases(extra: tuple[Path, ...] = ()) -> list[tuple[str, bytes, str, dict, str]]:
    """(name, body, url, options, jurisdiction) for every case, in a fixed order; `extra`
    folders of HTML pages (such as a corpus outside the repository) are read like ours."""
    catalog = _catalog_listings()
    found = []
    for folder in [*(PAGES / name for name in HTML_DIRS), *extra]:
        for path in sorted(folder.glob("*.htm*")):
            body = path.read_bytes()
            url = f"https://{path.stem}.example.gov/news/index.html"
            entry = catalog.get(path.stem)
            if entry is not None:
                found.append(
                    (f"{folder.name}/{path.name}:catalog", body, entry["url"], entry["options"], entry["j"])
                )
            for name, options in GENERIC:
                for jurisdiction in JURISDICTIONS:
                    found.append(
                        (f"{folder.name}/{path.name}:{name}:{jurisdiction}", body, url, options, jurisdiction)
                    )
    pages = _bench_pages()
    bench = bench_options()
    for index in range(BENCH_PAGES):
        body = pages.render(index, pages.initial_items(index, 7), 7).encode()
        url = f"http://127.0.0.1:8080{pages.url_path(index)}"
        found.append((f"bench/{index}", body, url, bench, "US"))
    return found


def _bench_pages():
    """bench/pages.py, the generator of the benchmark's listing pages."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    import pages

    return pages


def bench_options() -> dict:
    """The listing options that read the benchmark's pages (bench/pages.py)."""
    return {
        "select": _bench_pages().SELECT,
        "title": "h3 a",
        "link": "h3 a",
        "date": "time[datetime]",
        "summary": "p.summary",
    }


def _catalog_listings() -> dict[str, dict]:
    found = {}
    for path in sorted((ROOT / "sources" / "catalog").glob("*.toml")):
        for entry in tomllib.loads(path.read_text()).get("sources", []):
            if entry.get("kind") == "listing" and entry.get("select"):
                keys = ("select", "title", "link", "date", "summary", "exclude", "identity")
                options = {k: entry[k] for k in keys if k in entry}
                options["ignore"] = entry.get("ignore", [])
                found[entry["id"]] = {"url": entry["url"], "options": options, "j": entry["jurisdiction"]}
    return found


def listing_source(url: str, options: dict, jurisdiction: str = "US"):
    """The listing source a case's options describe (`ignore` and `exclude` as tuples)."""
    from sources.listing import ListingOptions
    from watcher.model import Source

    values = dict(options)
    ignore = tuple(values.pop("ignore", ()))
    if "exclude" in values:
        values["exclude"] = tuple(values["exclude"])
    return Source(
        id="us-test-listing",
        url=url,
        kind="listing",
        options=ListingOptions(**values),
        jurisdiction=jurisdiction,
        ignore=ignore,
    )


def digest(body: bytes, url: str, options: dict, jurisdiction: str) -> str:
    """Every item field of the snapshot (in order) and its fingerprint, hashed; or the error."""
    from sources.listing import Listing
    from watcher.errors import ExtractError
    from watcher.model import FetchResult

    source = listing_source(url, options, jurisdiction)
    fetched = FetchResult(
        url=url, final_url=url, status=200, headers={"content-type": "text/html"}, body=body
    )
    try:
        snapshot = Listing().extract(fetched, source)
    except ExtractError as exc:
        return "error: " + str(exc)
    content = json.dumps([item.to_dict() for item in snapshot.items], sort_keys=True)
    return f"{len(snapshot.items)} {hashlib.sha256(content.encode()).hexdigest()[:32]} {snapshot.fingerprint[:32]}"


def digests(extra: tuple[Path, ...] = ()) -> dict[str, str]:
    return {name: digest(body, url, options, j) for name, body, url, options, j in cases(extra)}


if __name__ == "__main__":
    print(json.dumps(digests(tuple(Path(arg) for arg in sys.argv[1:])), indent=1, sort_keys=True))
