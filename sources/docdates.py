"""Comment deadlines and effective dates found in a document's own words.

Pure text → dates, for documents whose source has no structured date field (or left it
empty): Federal Register `dates` paragraphs ("Comments must be received on or before
February 1, 2024." / "This rule is effective March 8, 2024."), EU acts ("It shall apply
from 2 August 2026"), UK consultations ("This consultation closes on 12 March 2024"),
Indian circulars ("with effect from 01.04.2024").

How: the text is cut into sentences; a sentence that speaks of comments (comments,
consultation, responses, nominations…) and of a deadline (on or before, by, until, due,
closes…) gives the comment deadline; one that speaks of taking effect (effective, shall
apply from, with effect from, comes into force…) gives the effective date. The date taken
is the one written closest after the cue; an extended comment period (and a delayed
effective date) takes the sentence's last date; one sentence may give both kinds (a direct
final rule: "effective March 18, 2024, unless adverse comment is received by February 15,
2024"), never one date as both. Dates are found with a small table of written forms and read by dateutil.
Measured on the Federal Register corpus (bench/docdates_eval.py, README "Dates from text").

Every pattern is linear (no nested quantifiers) and the input is capped at `MAX_TEXT`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sources.dates import YEAR_FIRST

DateKind = Literal["comment", "effective"]

MAX_TEXT = 20_000
MAX_SENTENCE = 1_500
#: How far after its cue (characters) a date may stand and still belong to it.
CUE_REACH = 160

MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d\d"
DATE = re.compile(
    rf"\b{MONTH}\s{{1,3}}{DAY},?\s{{1,3}}{YEAR}\b"  # February 1, 2024 / January 1 2024
    rf"|\b{DAY}\s{{1,3}}(?:of\s{{1,3}})?{MONTH},?\s{{1,3}}{YEAR}\b"  # 2 August 2026
    rf"|\b{YEAR}-[01]\d-[0-3]\d\b"  # 2024-02-01
    rf"|\b[0-3]?\d[./-][01]?\d[./-]{YEAR}\b",  # 01.04.2024 (day first where so written)
    re.IGNORECASE,
)
NUMERIC = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{4}$")
# A sentence ends at . ; or ! followed by space and a capital. Abbreviations such as
# "p.m. Eastern" break too early: the date after "by 5 p.m. Eastern Time on" is then lost.
# Keeping such sentences whole was measured (bench/README.md "Dates from text"): it finds
# more stated deadlines, but ones the Register's field leaves empty (meeting registration,
# nominations), so it agreed less with the field on the development half and is not used.
SENTENCE_END = re.compile(r"(?<=[.;!])\s{1,5}(?=[A-Z(])|\n")

COMMENT_SUBJECT = re.compile(
    r"\bcomments?\b|\bcommenters?\b|\bconsultation\b|\bresponses?\b|\bnominations?\b"
    r"|\brepresentations\b|\bsuggestions\b|\bwritten\s{1,3}information\b"
    r"|\bfeedback\b|\bviews\b",
    re.IGNORECASE,
)
COMMENT_DEADLINE = re.compile(
    r"\bon\s{1,3}or\s{1,3}before\b|\bno\s{1,3}later\s{1,3}than\b|\bby\b|\buntil\b|\bdue\b"
    r"|\bup\s{1,3}to\b|\bdeadline\b|\bclos(?:es?|ed|ing)\b|\bextended\b|\breceived\b|\bwithin\b|\bbefore\b",
    re.IGNORECASE,
)
EXTENDED = re.compile(r"\bextend(?:s|ed|ing)?\b|\breopen(?:s|ed|ing)?\b", re.IGNORECASE)
DELAYED = re.compile(r"\b(?:delay(?:s|ed|ing)?|postpone(?:s|d)?|deferr?(?:s|ed)?)\b", re.IGNORECASE)
EFFECTIVE = re.compile(
    r"\beffective\b|\bshall\s{1,3}apply\s{1,3}from\b|\bappl(?:y|ies)\s{1,3}from\b"
    r"|\bapplicab(?:le|ility)\s{1,3}(?:date|from|as\s{1,3}of)\b|\bwith\s{1,3}effect\s{1,3}from\b"
    r"|\bw\.e\.f\.|\b(?:comes?|came|shall\s{1,3}come)\s{1,3}into\s{1,3}(?:force|effect)\b"
    r"|\bin\s{1,3}force\s{1,3}(?:from|on)\b|\btakes?\s{1,3}effect\b|\bin\s{1,3}effect\b",
    re.IGNORECASE,
)
# Sentences about other things that mention comments or effect in passing.
NOT_EFFECTIVE = re.compile(r"\beffective\s{1,3}immediately\b|\bupon\s{1,3}publication\b", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    """A date found in text: which kind, the day, and the sentence that says so."""

    kind: DateKind
    on: date
    phrase: str


def sentences(text: str) -> list[str]:
    """The text cut into sentences (bounded in number and length)."""
    text = text[:MAX_TEXT]
    return [s.strip()[:MAX_SENTENCE] for s in SENTENCE_END.split(text) if s.strip()]


def read_date(written: str, *, dayfirst: bool = False) -> date | None:
    """One date as written (`February 1, 2024`, `2 August 2026`, `01.04.2024`), or None."""
    written = written.replace(".", " ") if not NUMERIC.match(written) else written
    if YEAR_FIRST.match(written):  # `2024-10-05`: year, month, day in every jurisdiction
        dayfirst = False
    # Loaded with the first date written out: a worker reading ISO dates (and plain items,
    # whose dates it works out: watcher/dates/carried.py) never loads it.
    from dateutil import parser as dateutil_parser

    try:
        parsed = dateutil_parser.parse(written, dayfirst=dayfirst, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if not 1950 <= parsed.year <= 2100:
        return None
    return parsed.date()


def dates_in(sentence: str, *, dayfirst: bool) -> list[tuple[int, int, date]]:
    """(start, end, date) of each readable date in the sentence, in order."""
    found = []
    for match in DATE.finditer(sentence):
        day = read_date(match.group(0), dayfirst=dayfirst)
        if day is not None:
            found.append((match.start(), match.end(), day))
    return found


def nearest_after(cues: re.Pattern[str], sentence: str, dates: list[tuple[int, int, date]]) -> date | None:
    """The date written closest after any cue in the sentence (within CUE_REACH)."""
    best: tuple[int, date] | None = None
    for cue in cues.finditer(sentence):
        for start, _end, day in dates:
            if start >= cue.end():
                gap = start - cue.end()
                if gap <= CUE_REACH and (best is None or gap < best[0]):
                    best = (gap, day)
                break
    return best[1] if best else None


def comment_date(sentence: str, dates: list[tuple[int, int, date]]) -> date | None:
    if not COMMENT_SUBJECT.search(sentence) or not COMMENT_DEADLINE.search(sentence):
        return None
    extended = EXTENDED.search(sentence)
    if extended:
        # "extended from January 8, 2024, to February 7, 2024": the new date comes last;
        # "the comment period for the document of November 24, 2023 is extended." gives none.
        after = [day for start, _end, day in dates if start >= extended.end()]
        return after[-1] if after else None
    return nearest_after(COMMENT_DEADLINE, sentence, dates) or nearest_after(COMMENT_SUBJECT, sentence, dates)


def effective_date(sentence: str, dates: list[tuple[int, int, date]]) -> date | None:
    if not EFFECTIVE.search(sentence):
        return None
    delayed = DELAYED.search(sentence)
    if delayed:
        # "The effective date of the rule published December 1, 2023 is delayed until
        # March 1, 2024": the new date comes last.
        after = [day for start, _end, day in dates if start >= delayed.end()]
        if after:
            return after[-1]
    return nearest_after(EFFECTIVE, sentence, dates)


# Cheap tests first: most text (news items, feed summaries) has neither a year nor a cue.
ANY_YEAR = re.compile(r"(?:19|20)\d\d")
# Stems of every subject and effect cue below (the filter never changes a result).
CUES = (
    "comment",
    "consultation",
    "response",
    "nomination",
    "representations",
    "suggestions",
    "written",
    "feedback",
    "views",
    "effect",
    "apply",
    "applies",
    "applica",
    "force",
    "w.e.f",
)


def may_state_dates(text: str) -> bool:
    text = text[:MAX_TEXT]
    # A year starts with "1" or "2": two scans in C (0.1 µs each) rule out most news items'
    # text before the regex scans it (0.9 µs for a 200-character summary).
    if ("1" not in text and "2" not in text) or ANY_YEAR.search(text) is None:
        return False
    lowered = text.lower()
    return any(cue in lowered for cue in CUES)


def find_dates(text: str, *, dayfirst: bool = False) -> tuple[FoundDate, ...]:
    """The comment deadline and the effective date the text states (each at most once).

    The first sentence that gives a kind wins: documents state the main date first and
    secondary ones (reply comments, later compliance dates) after it.
    """
    if not may_state_dates(text):
        return ()
    found: dict[DateKind, FoundDate] = {}
    for sentence in sentences(text):
        if len(found) == 2:
            break
        dates = dates_in(sentence, dayfirst=dayfirst)
        if not dates:
            continue
        comment = None
        if "comment" not in found:
            comment = comment_date(sentence, dates)
            if comment is not None:
                found["comment"] = FoundDate("comment", comment, sentence[:300])
        if "effective" not in found and not NOT_EFFECTIVE.search(sentence):
            # A direct final rule: "effective March 18, 2024, unless adverse comment is
            # received by February 15, 2024" states both; one date is never both.
            day = effective_date(sentence, [d for d in dates if d[2] != comment])
            if day is not None:
                found["effective"] = FoundDate("effective", day, sentence[:300])
    return tuple(found[k] for k in ("comment", "effective") if k in found)


def first_date(text: str, *, dayfirst: bool = False) -> date | None:
    """The first date written in the text: the plain baseline the finder is measured against."""
    found = dates_in(text[:MAX_TEXT], dayfirst=dayfirst)
    return found[0][2] if found else None
