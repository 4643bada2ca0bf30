"""Dates from text, measured: the Federal Register's `dates` paragraph against its own
structured `comments_close_on` / `effective_on`, on a fixed development/test split.

    python bench/docdates_eval.py            # test half (report this)
    python bench/docdates_eval.py --half dev # the half the patterns were tuned on
    python bench/docdates_eval.py --misses   # list the errors (development half only)
    python bench/docdates_eval.py --half dev --dateparser  # the same cues, dates found by dateparser

Two precisions are printed. "P" counts a found date right only when it equals the
Register's field. "P read" also counts right a date found where the field is EMPTY and a
person read the paragraph and found it stated there (tests/pages/federal-register-api-json/
dates-read.toml, rules and every reading in the file; an unread one counts wrong). Recall
is against the field only.

The split is made once, by document: the first byte of sha256(document_number) even →
development, odd → test. Only the development half was looked at while writing the
patterns of sources/docdates.py. The baseline is the plain rule "the first date of a
paragraph that says 'comment' (or 'effective')". tests/sources/test_docdates_eval.py runs
`evaluate` on the test half with floors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.docdates import find_dates, first_date

PAGES = Path(__file__).resolve().parent.parent / "tests/pages/federal-register-api-json"
CORPUS = PAGES / "documents-dates.json"
READINGS = PAGES / "dates-read.toml"
KINDS = {"comment": "comments_close_on", "effective": "effective_on"}

Finder = Callable[[str], dict[str, date | None]]


@dataclass(frozen=True)
class Score:
    kind: str
    documents: int  # in the half, with a `dates` paragraph
    gold: int  # of those, with the structured field
    predicted: int
    correct: int
    read_stated: int = 0  # found where the field is empty, and read as stated

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def read_precision(self) -> float:
        return (self.correct + self.read_stated) / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def half_of(document_number: str) -> str:
    return "dev" if hashlib.sha256(document_number.encode()).digest()[0] % 2 == 0 else "test"


def load(path: Path = CORPUS) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["results"]


Readings = dict[tuple[str, str, date], str]  # (document, kind, date) -> verdict


def load_readings(path: Path = READINGS) -> Readings:
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["read"]
    return {(e["document"], e["kind"], date.fromisoformat(e["date"])): e["verdict"] for e in entries}


def finder(text: str) -> dict[str, date | None]:
    found = {f.kind: f.on for f in find_dates(text)}
    return {kind: found.get(kind) for kind in KINDS}


def baseline(text: str) -> dict[str, date | None]:
    """The first date of a paragraph that says 'comment' / 'effective'."""
    lowered = text.lower()
    first = first_date(text)
    return {
        "comment": first if "comment" in lowered else None,
        "effective": first if "effective" in lowered else None,
    }


def evaluate(
    records: Iterable[dict], half: str = "test", find: Finder = finder, readings: Readings | None = None
) -> dict[str, Score]:
    readings = readings or {}
    counts = {kind: [0, 0, 0, 0, 0] for kind in KINDS}
    for record in records:
        text = record.get("dates") or ""
        if half_of(record["document_number"]) != half or not text.strip():
            continue
        predicted = find(text)
        for kind, field in KINDS.items():
            gold = date.fromisoformat(record[field]) if record.get(field) else None
            guess = predicted[kind]
            row = counts[kind]
            row[0] += 1
            row[1] += gold is not None
            row[2] += guess is not None
            row[3] += guess is not None and guess == gold
            row[4] += (
                guess is not None
                and gold is None
                and readings.get((record["document_number"], kind, guess)) == "stated"
            )
    return {kind: Score(kind, *row) for kind, row in counts.items()}


def with_dateparser() -> None:
    """Swap the finder's date reading (a table of written forms + dateutil) for dateparser's
    `search_dates`, the other well-kept candidate, to compare them on the same cues."""
    from dateparser.search import search_dates

    import sources.docdates as docdates

    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DAY_OF_MONTH": "first"}

    def dates_in(sentence: str, *, dayfirst: bool) -> list[tuple[int, int, date]]:
        found = []
        cursor = 0
        for written, moment in search_dates(sentence, languages=["en"], settings=settings) or []:
            start = sentence.find(written, cursor)
            if start < 0:
                continue
            cursor = start + len(written)
            found.append((start, cursor, moment.date()))
        return found

    docdates.dates_in = dates_in  # type: ignore[assignment]


def misses(records: Iterable[dict]) -> None:
    for record in records:
        text = record.get("dates") or ""
        if half_of(record["document_number"]) != "dev" or not text.strip():
            continue
        predicted = finder(text)
        for kind, field in KINDS.items():
            gold = record.get(field)
            guess = predicted[kind].isoformat() if predicted[kind] else None
            if gold != guess:
                print(f"{kind:9} gold={gold} got={guess} [{record['type']}] {text[:240]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half", choices=("dev", "test"), default="test")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--dateparser", action="store_true", help="read dates with dateparser")
    args = parser.parse_args()
    if args.dateparser:
        try:
            with_dateparser()
        except ImportError:
            parser.exit(2, "--dateparser needs `pip install dateparser` (not a regwatch dependency)\n")
    records = load()
    if args.misses:
        misses(records)
        return
    print(f"{args.half} half of {CORPUS.name}" + (" (dates read by dateparser)" if args.dateparser else ""))
    readings = {} if args.dateparser else load_readings()
    print(
        f"{'method':10} {'kind':10} {'docs':>5} {'gold':>5} {'found':>6} {'right':>6} {'P':>6} {'R':>6}"
        f" {'read':>5} {'P read':>7}"
    )
    for name, find in (("baseline", baseline), ("docdates", finder)):
        started = time.perf_counter()
        scores = evaluate(records, args.half, find, readings)
        seconds = time.perf_counter() - started
        for score in scores.values():
            print(
                f"{name:10} {score.kind:10} {score.documents:5} {score.gold:5} {score.predicted:6}"
                f" {score.correct:6} {score.precision:6.3f} {score.recall:6.3f}"
                f" {score.read_stated:5} {score.read_precision:7.3f}  ({seconds:.2f}s)"
            )


if __name__ == "__main__":
    main()
