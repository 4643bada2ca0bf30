"""Identifiers and named acts in regulatory text, normalised so two documents that cite the
same thing agree: CFR parts, Federal Register documents and citations, EU act numbers,
dockets, file and case numbers, RINs, Indian gazette and circular numbers, and any other
code a document quotes (`SR-MEMX-2023-40`, `FEMA-3600-EM`, `C-122-858`).

Named acts come from data, not code: `acts.toml` beside this module, plus the acts and
bodies a document defines itself ("Energy Policy and Conservation Act (EPCA)").
Every pattern is bounded (no nested unbounded repetition; inputs are cut by the caller).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from watcher.related.text import phrase, words

ACTS_FILE = Path(__file__).with_name("acts.toml")

_CFR = re.compile(
    r"\b(\d{1,2})\s*C\.?\s?F\.?\s?R\.?\s*(?:(?:parts?|pts?\.?|§§?|sec(?:tions?|s)?\.?)\s*)?"
    r"(\d{1,4})(?:\.\d+[a-z]?)?((?:\s*(?:,|and|&|or)\s*(?:parts?\s*)?\d{1,4}(?:\.\d+[a-z]?)?){0,20})",
    re.IGNORECASE,
)
_CFR_PART = re.compile(r"\d{1,4}(?=(?:\.\d+[a-z]?)?(?:\s|$|[,;)]|\.(?!\d)))")
_FR_DOC = re.compile(r"(?<![\w/.-])((?:19|20)\d\d)-(\d{5})(?![\d-])")
_FR_CITE = re.compile(r"\b(\d{2,3})\s+FR\s+(\d{3,6})\b")
_EU_NEW = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)/(\d{1,4})(?![\d/])")
_EU_OLD = re.compile(r"\((?:EC|EU|EEC)\)\s*No\.?\s*(\d{1,4})/((?:19|20)\d\d)\b", re.IGNORECASE)
_EU_DIRECTIVE = re.compile(r"(?<![\d/])(\d{2,4})/(\d{1,4})/(EC|EEC|EU|EURATOM)\b", re.IGNORECASE)
_RIN = re.compile(r"\bRIN\s*:?\s*(\d{4}-[A-Z]{2}\d{2})\b")
_GAZETTE = re.compile(r"\b(G\.?\s?S\.?\s?R|S\.?\s?O)\.?\s*(\d{1,5})\s*\(\s*E\s*\)", re.IGNORECASE)
_CIRCULAR = re.compile(
    r"\b(?:circular|notification|office memorandum|order|advisory)\s+(?:no\.?|number)\s*:?\s*"
    r"([A-Z0-9][\w().-]{0,40}(?:/[\w().-]{1,40}){1,6})",
    re.IGNORECASE,
)
#: What every `_CFR` match holds ("C.F.R.", "CFR", "C. F. R"), looked for in a lowered ASCII
#: text: one scan for a literal "c" instead of `_CFR`'s attempt at every position.
_CFR_HINT = re.compile(r"c\.?\s?f\.?\s?r")
#: The words a `_LABELLED` match starts with, looked for in a lowered ASCII text.
_LABELS = ("docket", "file", "case", "project")
#: A number the document labels as a docket, file, case or project number ("Docket No. 50-255").
_LABELLED = re.compile(
    r"\b(?i:docket|file|case|project)(?:\s+(?i:id|nos?|numbers?)\.?)?\s*[:#]?\s*"
    r"((?=[A-Za-z0-9.-]{0,40}\d)[A-Z0-9][A-Za-z0-9]{0,20}(?:[.-][A-Za-z0-9]{1,20}){1,5})\b"
)
#: A case or file number written with slashes ("20/02375", "PS/00474/2020", "0610-376/2020/35",
#: "3895/83/22", "6Ob35/21x"): letters and digits joined by slashes (and hyphens within a
#: part), at least one part all digits or a digit in every part (`_is_case_number`). Which
#: codes matter is left to the index: each weighs its rarest token's idf, so "06/2019"
#: (common tokens) says little and "20/02375" much.
_SLASHED = re.compile(
    r"(?<![\w/.-])(?=[A-Za-z0-9/-]{0,60}\d)[A-Z0-9][A-Za-z0-9-]{0,15}(?:/[A-Za-z0-9][A-Za-z0-9-]{0,15}){1,4}(?![\w/])"
)
#: A case number of six or more digits and a short hyphenated suffix ("2225136-1", as an
#: Austrian court's "W211 2225136-1" is cited): no date, FR document number (four digits
#: first), phone number or ZIP+4 code (five) has that shape; the number's own token is rare.
_NUMBERED = re.compile(r"(?<![\w/.-])\d{6,12}-\d{1,4}(?![\w/-])")
#: A part of a slashed code that is a quantity: a number and a unit ("150mg", "850mg"). The
#: look-behind keeps a scan linear: without it, each digit of a long run of digits starts a
#: match that reads the rest of the run (20,000 digits: 2.9 s).
_QUANTITY = re.compile(r"(?<!\d)\d+[a-z]{2,}")
#: Any other code: upper-case letters and digits joined by hyphens ("SR-MEMX-2023-40", "HTI-1").
_CODE = re.compile(
    r"\b(?=[A-Z0-9-]{5,40}\b)(?=[A-Z-]{0,40}\d)(?=[0-9-]{0,40}[A-Z])[A-Z0-9]{1,20}(?:-[A-Z0-9]{1,20}){1,5}\b"
)
#: A name the document defines: two to ten capitalised words, then its acronym in brackets.
_DEFINED = re.compile(
    r"((?:[A-Z][\w'&.-]{0,30}\s{1,3}(?:(?:of|and|for|the|on|to|in|&)\s{1,3}){0,3}){1,9}[A-Z][\w'&-]{0,30})"
    r"(?:,\s{1,3}as amended,?)?\s+\((?:``|\"|“)?([A-Z][A-Za-z&]{1,9})(?:''|\"|”)?\)"
)

#: Reasons shown to users, by identifier kind.
REASONS = {
    "cfr": "cites {}",
    "fr-doc": "cites FR Doc. {}",
    "fr-cite": "cites {}",
    "eu": "cites {}",
    "docket": "same docket {}",
    "rin": "same {}",
    "gazette": "cites {}",
    "circular": "cites circular {}",
    "code": "both cite {}",
    "case": "same case {}",
}


@dataclass(frozen=True)
class Identifier:
    label: str  # normalised, e.g. "45 CFR 164"
    tokens: tuple[str, ...]  # as the index holds them, e.g. ("45", "cfr", "164")
    near: int = 0  # tokens allowed between (CFR: "45 CFR Parts 160 and 164")
    kind: str = "code"  # a key of REASONS

    @property
    def reason(self) -> str:
        return REASONS.get(self.kind, "both cite {}").format(self.label)


def find_identifiers(text: str) -> list[Identifier]:
    """Identifiers in `text`, normalised, in order of kind then appearance, without duplicates
    (a code counted under a better kind, `RIN 0945-AA22`, is not counted again)."""
    found: dict[str, Identifier] = {}
    token_sets: set[tuple[str, ...]] = set()
    # The leading parts of each case number ("C-311" of "C-311/18", "DT-20" of "DT-20/02375"):
    # a code or docket pattern matching only those names the same case, counted once.
    heads: set[tuple[str, ...]] = set()

    def add(ident: Identifier) -> None:
        if (
            ident.tokens
            and ident.label not in found
            and ident.tokens not in token_sets
            and ident.tokens not in heads
        ):
            found[ident.label] = ident
            token_sets.add(ident.tokens)
            if ident.kind == "case":
                heads.update(ident.tokens[:n] for n in range(1, len(ident.tokens)))

    # A pattern that needs a character the text lacks cannot match: not run (most documents
    # quote no EU act or circular number, and many no hyphenated code).
    dash, slash = "-" in text, "/" in text
    # Nor one that needs words the text lacks: the CFR's letters, a docket's or file's label.
    # Case aside: in ASCII text IGNORECASE matches what the lowered text holds; elsewhere it
    # also matches "ſ" for "s", "ı" for "i" and more, so such a text is scanned as it was.
    lowered = text.lower() if text.isascii() else None
    cfr = lowered is None or _CFR_HINT.search(lowered) is not None
    labelled = lowered is None or any(label in lowered for label in _LABELS)
    for match in _CFR.finditer(text) if cfr else ():
        title = match.group(1)
        for part in [match.group(2), *_CFR_PART.findall(match.group(3) or "")]:
            add(Identifier(f"{title} CFR {part}", (title, "cfr", part), 4, "cfr"))
    for match in _FR_DOC.finditer(text) if dash else ():
        add(Identifier(f"{match.group(1)}-{match.group(2)}", (match.group(1), match.group(2)), 0, "fr-doc"))
    for match in _FR_CITE.finditer(text) if "FR" in text else ():
        label = f"{match.group(1)} FR {match.group(2)}"
        add(Identifier(label, (match.group(1), "fr", match.group(2)), 0, "fr-cite"))
    for match in _EU_DIRECTIVE.finditer(text) if slash else ():
        label = f"{match.group(1)}/{match.group(2)}/{match.group(3).upper()}"
        add(Identifier(label, (match.group(1), match.group(2), match.group(3).lower()), 0, "eu"))
    for match in _EU_NEW.finditer(text) if slash else ():
        if text[match.end() : match.end() + 1] == "/":  # part of a directive number, handled above
            continue
        if _is_financial_year(text, match):
            continue
        add(Identifier(f"{match.group(1)}/{match.group(2)}", (match.group(1), match.group(2)), 0, "eu"))
    for match in _EU_OLD.finditer(text) if "(" in text else ():
        add(Identifier(f"{match.group(1)}/{match.group(2)}", (match.group(1), match.group(2)), 0, "eu"))
    for match in _RIN.finditer(text) if "RIN" in text else ():
        add(Identifier(f"RIN {match.group(1)}", tuple(words(match.group(1))), 0, "rin"))
    for match in _GAZETTE.finditer(text) if "(" in text else ():
        prefix = "GSR" if match.group(1).upper().startswith("G") else "SO"
        add(Identifier(f"{prefix} {match.group(2)}(E)", (match.group(2), "e"), 0, "gazette"))
    for match in _CIRCULAR.finditer(text) if slash else ():
        label = match.group(1).rstrip(".").upper()
        tokens = tuple(words(label))
        if any(t.isdigit() for t in tokens) and len(tokens) >= 2:
            add(Identifier(label, tokens, 0, "circular"))
    for match in _SLASHED.finditer(text) if slash else ():
        tokens = tuple(words(match.group(0)))
        if _is_case_number(tokens) and not _is_financial_year(text, match, tokens):
            add(Identifier(match.group(0).upper(), tokens, 0, "case"))
    for match in _NUMBERED.finditer(text) if dash else ():
        add(Identifier(match.group(0), tuple(words(match.group(0))), 0, "case"))
    for match in _LABELLED.finditer(text) if labelled else ():
        label = match.group(1).rstrip(".").upper()
        tokens = tuple(words(label))
        if len(tokens) >= 2 and not _is_date_like(tokens):
            add(Identifier(label, tokens, 0, "docket"))
    for match in _CODE.finditer(text) if dash else ():
        label = match.group(0)
        add(Identifier(label, tuple(words(label)), 0, "code"))
    return list(found.values())


def _is_date_like(tokens: tuple[str, ...]) -> bool:
    """Do three numbers read as a date, a year first or last ("2021-05-03", "03.05.2021")?
    "2021-32-2438" and "2020-431-0061" do not: they are case numbers."""
    if len(tokens) != 3 or not all(t.isdigit() for t in tokens):
        return False
    for year, rest in ((tokens[0], tokens[1:]), (tokens[2], tokens[:2])):
        if len(year) in (2, 4) and all(len(t) <= 2 for t in rest):
            first, second = int(rest[0]), int(rest[1])
            if 1 <= min(first, second) <= 12 and 1 <= max(first, second) <= 31:
                return True
    return False


def _is_case_number(tokens: tuple[str, ...]) -> bool:
    """Is a slashed code a case or file number: at least 4 digits in all, and either one part
    all digits or a digit in every part ("6Ob35/21x") but no quantity ("150mg/850mg"); units
    such as "mg/kWh" have no digit; and not a date ("01/04/2013")?"""
    if len(tokens) < 2:
        return False
    if any(t.isdigit() for t in tokens):
        digits = sum(len(t) for t in tokens if t.isdigit())
    elif all(any(c.isdigit() for c in t) and not _QUANTITY.fullmatch(t) for t in tokens):
        digits = sum(c.isdigit() for t in tokens for c in t)
    else:
        return False
    return digits >= 4 and not _is_date_like(tokens)


#: Words that make "2016/17" an act's number rather than a year: "Regulation (EU) 2016/17".
_ACT_BEFORE = re.compile(r"(?:\(EU\)|\(EC\)|regulation|directive|decision|no\.?)\s*$", re.IGNORECASE)


def _is_financial_year(text: str, match: re.Match[str], tokens: tuple[str, ...] | None = None) -> bool:
    """Is a "YYYY/NN" match a financial or academic year ("2011/12": the year and the next
    year's last two digits), not an act's number? Not when an act's name leads it.
    `tokens`: the match's parts, when it is not an act pattern's (year, number) match."""
    if tokens is not None and len(tokens) != 2:
        return False
    year, number = tokens if tokens is not None else (match.group(1), match.group(2))
    if not year.isdigit() or not number.isdigit() or len(year) != 4:
        return False
    if len(number) != 2 or int(number) != (int(year) + 1) % 100:
        return False
    return not _ACT_BEFORE.search(text[max(0, match.start() - 20) : match.start()])


# -- named acts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    name: str  # canonical, as users read it: "HIPAA"
    aliases: tuple[str, ...]  # lowercase, as written
    numbers: tuple[str, ...] = ()  # identifier labels that name it: "2016/679"

    @property
    def pattern(self) -> re.Pattern[str]:
        return alias_pattern(self.aliases)

    def query(self) -> str:
        """An FTS5 expression: the OR of its aliases and numbers as phrases."""
        phrases = [phrase(words(a)) for a in (*self.aliases, *self.numbers) if words(a)]
        return " OR ".join(dict.fromkeys(phrases)) or phrase(words(self.name) or ["_"])


@lru_cache(maxsize=1024)
def written(label: str) -> re.Pattern[str] | None:
    """How a slashed identifier ("28/2024", "PS/00474/2020", "2016/679") is written in a
    text: its parts joined by a slash (a space either side allowed), not inside a longer
    code; None for a label without a slash. Words drop the slash, so "28/2024" and the date
    "December 28, 2024" are the same tokens: a match, and a count of holders, ask for this.
    Literal parts with single optional spaces: linear in the text."""
    if "/" not in label:
        return None
    parts = [re.escape(part) for part in label.split("/")]
    return re.compile(r"(?<![\w/])" + r" ?/ ?".join(parts) + r"(?![\w/])", re.IGNORECASE)


#: Patterns kept compiled: the catalog's acts and those of recent documents. Bounded: every
#: document that defines an act ("... Act (EPCA)") makes one more (~1 KB), for as long as a
#: service runs.
ALIAS_PATTERNS = 2048


@lru_cache(maxsize=ALIAS_PATTERNS)
def alias_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in aliases) + r")(?![\w-])")


@cache
def known_acts(path: Path = ACTS_FILE) -> Mapping[str, Act]:
    """The acts of the data file, by canonical name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        entry["name"]: Act(
            entry["name"],
            tuple(a.lower() for a in entry.get("aliases", ())),
            tuple(entry.get("numbers", ())),
        )
        for entry in data.get("act", ())
    }


def defined_acts(text: str) -> list[Act]:
    """Names the text defines with an acronym ("Energy Policy and Conservation Act (EPCA)"):
    both spellings then count as one feature, and match a candidate that uses either."""
    acts: dict[str, Act] = {}
    if "(" not in text:  # the acronym is in brackets: without one, no match (and no scan)
        return []
    for match in _DEFINED.finditer(text):
        acronym = match.group(2)
        long_words = match.group(1).split()
        # Keep the shortest tail of the capitalised run whose initials spell the acronym.
        for start in range(len(long_words)):
            initials = "".join(w[0] for w in long_words[start:] if w[0].isupper())
            if initials.lower() == acronym.lower().replace("&", ""):
                name = " ".join(long_words[start:])
                acts.setdefault(acronym, Act(acronym, (acronym.lower(), name.lower())))
                break
    return list(acts.values())


def find_acts(text: str, identifiers: Iterable[Identifier] = ()) -> list[str]:
    """Known acts mentioned in `text` (by alias or by number), canonical names."""
    lowered = text.lower()
    acts = known_acts()
    # Most documents name no act: one search for any alias (an act's own search matches
    # only where this one does) spares them one search per act, ten times its cost.
    none_named = all(act.aliases for act in acts.values()) and not _any_alias(acts).search(lowered)
    found = [] if none_named else [name for name, act in acts.items() if act.pattern.search(lowered)]
    labels = {i.label for i in identifiers}
    if labels:  # without identifiers no act is named by its number
        found += [name for name, act in acts.items() if name not in found and labels & set(act.numbers)]
    return found


def _any_alias(acts: Mapping[str, Act]) -> re.Pattern[str]:
    if _ANY_ALIAS and _ANY_ALIAS[0] is acts:  # the catalog's (known_acts is cached): made once
        return _ANY_ALIAS[1]
    pattern = alias_pattern(tuple(alias for act in acts.values() for alias in act.aliases))
    _ANY_ALIAS[:] = [acts, pattern]
    return pattern


#: The last acts mapping `_any_alias` was asked for and its pattern.
_ANY_ALIAS: list = []


def act_words(acts: Iterable[Act]) -> frozenset[str]:
    """Words that are an act's whole name ("hipaa"): counted once, as the act, not as words."""
    return frozenset(a for act in acts for a in act.aliases if " " not in a and "-" not in a)
