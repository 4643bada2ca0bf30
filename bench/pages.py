"""Generate N regulator-like listing pages (deterministic by seed) and mutate a fraction of them.

Each page looks like a real regulator newsroom: a <head> with inline CSS and JS (the bulk of
the bytes, as on real sites), a header with navigation, a `main` with a list of 50 items
(title link, <time datetime>, summary), and a footer full of links. Pages are 40-80 KB.

    python bench/pages.py generate bench/work/site --n 1000 --seed 7
    python bench/pages.py mutate bench/work/site --fraction 0.1 --round 1

`mutate` adds one new item at the top of the list of the chosen pages and writes the ids
it changed to `<dir>/mutated-<round>.txt`; the benchmark checks every tool detected
exactly those.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from html import escape
from pathlib import Path

ITEMS = 50
WORDS = [
    "guidance",
    "notice",
    "circular",
    "regulation",
    "amendment",
    "consultation",
    "enforcement",
    "privacy",
    "data",
    "health",
    "information",
    "security",
    "breach",
    "disclosure",
    "reporting",
    "compliance",
    "framework",
    "standard",
    "directive",
    "opinion",
    "decision",
    "penalty",
    "settlement",
    "investigation",
    "covered",
    "entity",
    "business",
    "associate",
    "consent",
    "processing",
    "controller",
    "processor",
    "transfer",
    "adequacy",
    "safeguard",
    "interoperability",
    "registry",
    "digital",
    "mission",
    "identity",
    "record",
    "exchange",
    "protocol",
    "audit",
    "review",
    "draft",
    "final",
    "rule",
    "comment",
    "period",
    "extension",
    "clarification",
    "frequently",
    "asked",
    "questions",
    "bulletin",
    "advisory",
    "statement",
]
REGULATORS = (
    ("Office for Civil Rights", "US"),
    ("Data Protection Board", "EU"),
    ("Digital Health Mission", "IN"),
    ("Information Commissioner", "UK"),
    ("Privacy Commissioner", "CA"),
)
SELECT = "main ul.news > li"


def page_id(index: int) -> str:
    return f"s{index:05d}"


def page_path(root: Path, index: int) -> Path:
    """Pages live in shards of 1,000 so no directory gets huge."""
    return root / f"p{index // 1000:02d}" / f"{page_id(index)}.html"


def url_path(index: int) -> str:
    return f"/p{index // 1000:02d}/{page_id(index)}.html"


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize()


def _item(rng: random.Random, index: int, serial: int, day: date) -> dict[str, str]:
    return {
        "title": _sentence(rng, 5, 12),
        "link": f"/docs/{page_id(index)}/{serial:06d}-{rng.randrange(16**6):06x}.html",
        "date": day.isoformat(),
        "summary": _sentence(rng, 12, 30) + ".",
    }


def _css(rng: random.Random, size: int) -> str:
    rules = []
    total = 0
    while total < size:
        name = f".{rng.choice(WORDS)}-{rng.randrange(1000)}"
        body = ";".join(
            f"{prop}:{rng.randrange(1, 400)}px"
            for prop in rng.sample(
                ["margin", "padding", "width", "max-width", "line-height", "top", "left", "gap"], 4
            )
        )
        rule = f"{name} > a:hover, {name} .item {{{body};color:#{rng.randrange(16**6):06x}}}\n"
        rules.append(rule)
        total += len(rule)
    return "".join(rules)


def _js(rng: random.Random, size: int) -> str:
    parts = []
    total = 0
    while total < size:
        name = f"{rng.choice(WORDS)}_{rng.randrange(10000)}"
        part = (
            f"function {name}(e){{var t=document.querySelectorAll('.{rng.choice(WORDS)}');"
            f"for(var i=0;i<t.length;i++){{t[i].setAttribute('data-{rng.choice(WORDS)}',"
            f"'{rng.randrange(16**8):08x}')}}return e&&e.preventDefault&&e.preventDefault()}}\n"
        )
        parts.append(part)
        total += len(part)
    return "".join(parts)


def _nav(rng: random.Random, count: int) -> str:
    links = "".join(
        f'<li><a href="/{rng.choice(WORDS)}/{rng.choice(WORDS)}">{escape(_sentence(rng, 1, 3))}</a></li>'
        for _ in range(count)
    )
    return f'<nav class="primary" aria-label="Main"><ul>{links}</ul></nav>'


def render(index: int, items: list[dict[str, str]], seed: int) -> str:
    """The page for `index` with these items; everything else is fixed by (seed, index)."""
    rng = random.Random(f"{seed}:{index}:chrome")
    regulator, jurisdiction = REGULATORS[index % len(REGULATORS)]
    css = _css(rng, rng.randint(12_000, 30_000))
    js = _js(rng, rng.randint(8_000, 22_000))
    entries = "\n".join(
        f'<li class="news-item"><h3><a href="{escape(i["link"])}">{escape(i["title"])}</a></h3>'
        f'<time datetime="{i["date"]}">{date.fromisoformat(i["date"]).strftime("%B %-d, %Y")}</time>'
        f'<p class="summary">{escape(i["summary"])}</p></li>'
        for i in items
    )
    footer_links = "".join(
        f'<a href="/about/{rng.choice(WORDS)}">{escape(_sentence(rng, 1, 3))}</a> ' for _ in range(30)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{regulator} — newsroom {page_id(index)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style>
<script>window.dataLayer=window.dataLayer||[];{js}</script>
</head><body>
<a class="skip" href="#main">Skip to main content</a>
<header><div class="brand">{regulator} ({jurisdiction})</div>{_nav(rng, 40)}
<form class="search" action="/search"><input type="hidden" name="csrf" value="{rng.randrange(16**12):012x}">
<input name="q" placeholder="Search"></form></header>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a> › Newsroom</div>
<main id="main"><h1>Newsroom</h1>
<ul class="news">
{entries}
</ul>
<nav class="pager"><a href="?page=2">Next</a></nav>
<aside class="popular"><h2>Popular</h2>{_nav(rng, 8)}</aside>
</main>
<footer><p>{footer_links}</p><p>Page last reviewed: {date(2024, 10, 1).isoformat()}</p></footer>
</body></html>
"""


def initial_items(index: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(f"{seed}:{index}:items")
    start = date(2025, 6, 30)
    return [_item(rng, index, ITEMS - k, start - timedelta(days=3 * k)) for k in range(ITEMS)]


def generate(root: Path, n: int, seed: int = 7) -> None:
    """Write pages 0..n-1 and their item lists (state for later mutation)."""
    root.mkdir(parents=True, exist_ok=True)
    state: dict[str, list[dict[str, str]]] = {}
    for index in range(n):
        items = initial_items(index, seed)
        state[page_id(index)] = items
        path = page_path(root, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(index, items, seed), encoding="utf-8")
    (root / "state.json").write_text(json.dumps({"seed": seed, "n": n, "items": state}), encoding="utf-8")


def mutate(root: Path, fraction: float, round_: int) -> list[str]:
    """Add one new item at the top of a `fraction` of the pages; return the ids changed."""
    meta = json.loads((root / "state.json").read_text(encoding="utf-8"))
    seed, n, state = meta["seed"], meta["n"], meta["items"]
    rng = random.Random(f"{seed}:mutate:{round_}")
    count = round(n * fraction)
    chosen = sorted(rng.sample(range(n), count))
    for index in chosen:
        items = state[page_id(index)]
        item_rng = random.Random(f"{seed}:{index}:new:{round_}")
        newest = date.fromisoformat(items[0]["date"]) + timedelta(days=1)
        items.insert(0, _item(item_rng, index, 1000 + round_, newest))
        page_path(root, index).write_text(render(index, items, seed), encoding="utf-8")
    ids = [page_id(i) for i in chosen]
    (root / f"mutated-{round_}.txt").write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    (root / "state.json").write_text(json.dumps(meta), encoding="utf-8")
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write N pages")
    gen.add_argument("root", type=Path)
    gen.add_argument("--n", type=int, default=1000)
    gen.add_argument("--seed", type=int, default=7)
    mut = sub.add_parser("mutate", help="add an item to a fraction of the pages")
    mut.add_argument("root", type=Path)
    mut.add_argument("--fraction", type=float, default=0.1)
    mut.add_argument("--round", type=int, default=1, dest="round_")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.root, args.n, args.seed)
        print(f"wrote {args.n} pages under {args.root}")
    else:
        ids = mutate(args.root, args.fraction, args.round_)
        print(f"changed {len(ids)} page(s); list in {args.root}/mutated-{args.round_}.txt")


if __name__ == "__main__":
    main()
