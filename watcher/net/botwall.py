"""Recognise bot walls: challenge, "Access Denied" and soft-404 pages, which are not content.

A bot wall answered where a regulator page was expected must be recorded as a failed
fetch (`FetchError(reason="bot_wall")`), never extracted and diffed as "every item was
removed". Recognition is by HTTP status and headers, by the page title, and, for short
pages only (a real page may mention "captcha"), by markers in the text. Sources add
their own markers with `bot_markers = ["..."]` (case-insensitive, matched anywhere).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sources.text import decode_utf8

#: Titles of challenge and block pages (Akamai, Cloudflare, Imperva, F5, PerimeterX, AWS WAF...).
WALL_TITLES = (
    "access denied",
    "just a moment",
    "attention required",
    "request rejected",
    "pardon our interruption",
    "are you a robot",
    "are you a human",
    "security check",
    "bot verification",
    "human verification",
    "verify you are human",
    "one more step",
    "ddos-guard",
    "403 forbidden",
    "error 403",
    "captcha",
    "robot check",
)
#: Text or markup of challenge pages; only trusted on short pages.
WALL_MARKERS = (
    "reference #",
    "reference&#32;&#35;",
    "you don't have permission to access",
    "incapsula incident id",
    "_incapsula_resource",
    "checking your browser",
    "checking if the site connection is secure",
    "enable javascript and cookies to continue",
    "verify you are human",
    "/cdn-cgi/challenge-platform",
    "cf-chl",
    "cf-turnstile",
    "g-recaptcha",
    "h-captcha",
    "hcaptcha.com",
    "px-captcha",
    "the requested url was rejected",
    "your support id is",
    "request unsuccessful",
    "awswaf",
    "sorry, you have been blocked",
    "access to this page has been denied",
)
#: Unique to challenge pages whatever their size.
STRONG_MARKERS = ("/cdn-cgi/challenge-platform/", "window._cf_chl_opt", "_incapsula_resource?", "px-captcha")
SOFT_404_TITLES = (
    "page not found",
    "404 not found",
    "404 error",
    "error 404",
    "404 page",
    "page cannot be found",
    "page could not be found",
    "file not found",
    "document not found",
    "seite nicht gefunden",
    "page introuvable",
)
WALL_STATUSES = frozenset([401, 403, 405, 406, 429, 503])
SHORT_TEXT = 4000
# Linear-time on hostile bodies (this runs on the event loop, on up to SCAN_BYTES): a tag
# cannot contain "<", a script/style element ends at its first closing tag or at the end of
# the text, and the leading comments are matched atomically (`(?>...)`: with a plain group,
# 22 empty comments took 1.4 s and each one more doubled it).
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b", re.I)
TAG = re.compile(r"<[^<>]++>")
#: A run of text that `is_short` counts: right after a `>` and any whitespace, at least 12
#: characters with no `<` (shorter runs are left out of its lower bound: they cost a match
#: each; so are runs of whitespace only). `[^<]` is a single character test in the regex
#: engine, twice as fast as a class of two or three; `\s` is what `str.split()` splits at.
TEXT_RUN = re.compile(r">\s*+([^<]{12,})")
#: In runs joined by `<`, an entity reference and what `html.unescape` may take with it: a
#: reference holds none of `\t\n\f <&` (up to its `;`, which it may end with), then the
#: whitespace after it.
FROM_REFERENCE = re.compile(r"&[^\t\n\f <&]*+\s*+")
#: The UTF-8 of runs joined by `<` made a sketch of their words: `x` for ASCII that is not
#: whitespace, a space for whitespace and for every byte of a non-ASCII character.
WORDS_SKETCH = bytes(
    0x3C if b == 0x3C else 0x20 if b >= 0x80 or chr(b).isspace() else 0x78 for b in range(256)
)
#: The end tag of a script or style element (`strip_tags` skips to the first one).
CLOSING = {name: re.compile(rf"</{name}\s*>", re.I) for name in ("script", "style")}
#: `<` tried one by one for a closing tag before one search does the rest (bounded work).
CLOSING_TRIES = 16
LOOKS_HTML = re.compile(
    rb"^\s*+(?:<\?xml[^<>]*+>\s*+)?(?>(?:<!--.*?-->\s*+)*)"
    rb"<(?:!doctype\s+html|html|head|body|title|meta|h1|div|p)\b",
    re.I | re.S,
)
TITLE = re.compile(r"<title\b[^<>]*+>", re.I)
TITLE_END = re.compile(r"</title\s*>", re.I)
SCAN_BYTES = 300_000
#: Characters of markup read at a time while telling a long page from a short one (`is_short`).
SHORT_CHUNK = 4096
#: The non-ASCII characters whose `casefold()` or `lower()` contains an ASCII letter (ß, İ,
#: ſ, the Kelvin sign, ligatures such as ﬁ; tests/watcher/test_botwall_fold.py rebuilds the
#: list from the running Python's Unicode tables). A text without them can be searched for
#: ASCII markers in its UTF-8 bytes with ASCII lowered (see `Folded`).
#: (19 `in` tests over a page cost a third of casefolding it; a regex class, half.)
FOLDS_TO_ASCII = (
    "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)
ASCII_BYTES = bytes(range(128))
#: `FOLDS_TO_ASCII`'s UTF-8 by lead byte, rarest lead first on regulator pages (`\xe2` leads
#: the dashes and quotes of most pages, `\xc3` the accented Latin letters).
FOLDS_BY_LEAD = tuple(
    (lead, tuple(c.encode() for c in FOLDS_TO_ASCII if c.encode()[0] == lead))
    for lead in (0xC7, 0xC4, 0xC5, 0xE1, 0xEF, 0xC3, 0xE2)
)
#: Places of those lead bytes looked at one by one before the whole non-ASCII text is read instead.
FOLD_TRIES = 32


@dataclass(frozen=True)
class Wall:
    """What kind of wall a response is, and the evidence (for the error message)."""

    kind: str  # "challenge" | "access denied" | "soft 404" | "marker"
    evidence: str

    def describe(self) -> str:
        return f"{self.kind} page ({self.evidence})"


def detect(status: int, headers: Mapping[str, str], body: bytes, markers: Sequence[str] = ()) -> Wall | None:
    """The wall this response is, or None when it looks like real content."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("cf-mitigated", "").lower() == "challenge":
        return Wall("challenge", "Cloudflare cf-mitigated: challenge")
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    head = body[:SCAN_BYTES]
    is_html = "html" in content_type or bool(LOOKS_HTML.match(head[:4096]))
    if not is_html and not markers:
        return None
    # Read as well-formed UTF-8, `head` is the text's UTF-8: the markers are searched in it.
    text, utf8 = decode_utf8(head, _charset(lowered.get("content-type", "")))
    folded = Folded(text, head if utf8 else None)
    for marker in markers:
        if marker and marker.casefold() in folded:
            return Wall("marker", f"matched bot_markers entry {marker!r}")
    if not is_html:
        return None
    title = _title(text)
    for marker in STRONG_MARKERS:
        if marker in folded:
            return Wall("challenge", f"challenge script {marker!r}")
    # Whether the page is short is measured only when a verdict needs it (not for a titled
    # long page answered with a wall status), and its visible text is then kept for the markers.
    page = _Measured(text)
    for marker in WALL_TITLES:
        if marker in title and (status in WALL_STATUSES or len(title) <= len(marker) + 24 or page.short):
            kind = "access denied" if marker in ("access denied", "403 forbidden") else "challenge"
            return Wall(kind, f"title {title[:80]!r}")
    if status in WALL_STATUSES or page.short:
        plain = page.visible.casefold()
        for marker in WALL_MARKERS:
            if marker in plain or marker in folded:
                return Wall("challenge" if "access" not in marker else "access denied", f"text {marker!r}")
    if status < 300:
        for marker in SOFT_404_TITLES:
            if marker in title:
                return Wall("soft 404", f"title {title[:80]!r}")
    return None


class Folded:
    """`marker in Folded(text)` is `marker in text.casefold()`, for a casefolded marker.

    Casefolding a 60 KB page that is not pure ASCII costs ~0.7 ms, and every page is searched
    for markers. The markers are ASCII, and an ASCII marker can only match ASCII characters:
    when the text has none of the few characters that fold into ASCII (`FOLDS_TO_ASCII`),
    its UTF-8 bytes with ASCII lowered have the same runs of ASCII, between non-ASCII bytes,
    as its casefolded form has between non-ASCII characters, and the search runs on them.

    A marker found in those bytes is in the casefolded text whatever the text holds (each
    character casefolds on its own, ASCII ones to their lower case), so the text is looked
    through for characters that fold into ASCII only when a marker is not found, and then in
    its non-ASCII bytes only.
    """

    def __init__(self, text: str, utf8: bytes | None = None) -> None:
        """`utf8`: the text's UTF-8 bytes when the caller has them (it decoded them)."""
        self.text = text
        self._utf8 = utf8
        self._bytes: bytes | None = None
        self._folded: str | None = None
        self._folds_to_ascii: bool | None = None

    def __contains__(self, marker: str) -> bool:
        if marker.isascii():
            if self._bytes is None:
                utf8 = self._utf8 if self._utf8 is not None else self.text.encode("utf-8", "surrogatepass")
                self._bytes = utf8.lower()
            if marker.encode("ascii") in self._bytes:
                return True
            if not self._has_folds_to_ascii(self._bytes):
                return False
        if self._folded is None:
            self._folded = self.text.casefold()
        return marker in self._folded

    def _has_folds_to_ascii(self, encoded: bytes) -> bool:
        if self._folds_to_ascii is None:
            self._folds_to_ascii = not self.text.isascii() and holds_folds_to_ascii(encoded)
        return self._folds_to_ascii


def holds_folds_to_ascii(encoded: bytes) -> bool:
    """Whether the UTF-8 bytes `encoded` (ASCII letters may be lowered) hold a character of
    `FOLDS_TO_ASCII`.

    A character's UTF-8 starts with its lead byte, which is never inside another character's,
    so the character is there exactly when its bytes start at one of the places of that lead
    byte: those are found by `bytes.find` of one byte (memchr), a few µs for a 60 KB page,
    where removing the page's ASCII bytes to read what is left cost ~25 µs. A page where
    they are many (accented text) is read whole that way instead, after `FOLD_TRIES` places:
    linear either way.
    """
    tries = FOLD_TRIES
    for lead, encodings in FOLDS_BY_LEAD:
        at = encoded.find(lead)
        while at >= 0:
            if encoded.startswith(encodings, at):
                return True
            tries -= 1
            if not tries:
                return _holds_folds_to_ascii_whole(encoded)
            at = encoded.find(lead, at + 1)
    return False


def _holds_folds_to_ascii_whole(encoded: bytes) -> bool:
    # The UTF-8 bytes less the ASCII ones are the non-ASCII characters, whole.
    rest = encoded.translate(None, ASCII_BYTES).decode("utf-8", "surrogatepass")
    return any(c in rest for c in FOLDS_TO_ASCII)


def visible_text(text: str) -> str:
    """The page's text as a reader sees it: tags, scripts and styles gone, entities decoded,
    whitespace runs made one space."""
    return " ".join(html.unescape(strip_tags(text)).split())


class _Measured:
    """A page's shortness and visible text, each worked out once and only when asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._short: bool | None = None
        self._visible: str | None = None

    @property
    def short(self) -> bool:
        if self._short is None:
            self._visible = short_visible_text(self.text)
            self._short = self._visible is not None
        return self._short

    @property
    def visible(self) -> str:
        if self._visible is None:
            self._visible = visible_text(self.text)
        return self._visible


def is_short(text: str, limit: int = SHORT_TEXT, chunk: int = SHORT_CHUNK) -> bool:
    """`len(visible_text(text)) <= limit`, mostly without reading the whole page (see
    `short_visible_text`)."""
    return short_visible_text(text, limit, chunk) is not None


def short_visible_text(text: str, limit: int = SHORT_TEXT, chunk: int = SHORT_CHUNK) -> str | None:
    """`visible_text(text)` when it is at most `limit` characters long, else None, mostly
    without reading the whole page.

    The page is read in pieces that end just after a `>` or where a script or style element
    starts (the element is skipped as `strip_tags` skips it), counting what its long runs of
    text (`TEXT_RUN`: after a `>`, free of `<`) add to the visible text at the least
    (`_counted`). A run's characters are outside every tag (a tag holding one would hold the
    first `>` before it, and no `<` follows that), and up to its first `&` `html.unescape`
    keeps them as they are: in a named reference that started before the run's `>` what
    follows the `>` is kept verbatim (entity names hold no `>`), and a numeric one ends at
    it. The count is thus a lower bound of the visible text's length; once it passes
    `limit` the page is long (for a 60 KB listing that is ~10 KB of markup in, after its
    head's styles and scripts). A page that never passes it is measured whole. One regex
    match per long run of text rather than one per tag: this is most of what the bot-wall
    check costs on a long page.
    """
    position, end, seen = 0, len(text), 0
    while position < end:
        cut = text.find(">", position + chunk)
        piece_end = end if cut < 0 else cut + 1
        # No `<script` match can end at the cut (just after a `>`): searching up to it finds
        # the element a search of the whole text would, if it starts before the cut.
        found = SCRIPT_OR_STYLE.search(text, position, piece_end)
        stop = piece_end if found is None else found.start()
        seen += _counted(TEXT_RUN.findall(text, position, stop))
        if seen > limit:
            return None
        position = stop if found is None else _element_end(text, found)
    visible = visible_text(text)
    return visible if len(visible) <= limit else None


def _counted(runs: list[str]) -> int:
    """A lower bound of what `runs` (`TEXT_RUN`'s) add to the visible text's length.

    Each run is cut where an entity reference starts and taken up again after it and the
    whitespace that follows (`FROM_REFERENCE`); what is left stands in the visible text as it
    is. Counted: its ASCII characters that are not whitespace, and each group of whitespace
    and non-ASCII characters followed by one of those. Such a group stands in the visible
    text for at least one character of its own: a non-ASCII one that is not whitespace, or,
    when it is all whitespace, the space `visible_text` puts between the words on either
    side (there is a word before it: neither a run nor what follows a cut starts with
    whitespace). Reading a sketch of the bytes (`WORDS_SKETCH`) costs a fifth of splitting
    the runs into words.
    """
    if not runs:
        return 0
    # `<` is in no run: it keeps them apart for `FROM_REFERENCE` and in the sketch.
    joined = "<".join(runs)
    if "&" in joined:
        joined = FROM_REFERENCE.sub("", joined)
    sketch = joined.encode("utf-8", "surrogatepass").translate(WORDS_SKETCH)
    letters = len(sketch) - sketch.count(b" ") - (len(runs) - 1)
    return letters + sketch.count(b" x")


def _element_end(text: str, found: re.Match[str]) -> int:
    """Where the script or style element opened at `found` ends: after its first closing tag,
    or at the end of the text when it is never closed."""
    name = found.group(1)
    closing = CLOSING.get(name) or CLOSING.get(name.lower()) or re.compile(rf"</{name}\s*>", re.I)
    # Straight to the candidates: a stylesheet holds no `<`, a script few.
    at = text.find("<", found.end())
    for _ in range(CLOSING_TRIES):
        if at < 0:
            return len(text)
        matched = closing.match(text, at)
        if matched:
            return matched.end()
        at = text.find("<", at + 1)
    if at < 0:
        return len(text)
    matched = closing.search(text, at)
    return matched.end() if matched else len(text)


def strip_tags(text: str) -> str:
    """Text with tags, scripts and styles replaced by spaces, in one linear scan."""
    pieces = []
    position = 0
    while (found := SCRIPT_OR_STYLE.search(text, position)) is not None:
        pieces.append(TAG.sub(" ", text[position : found.start()]))
        position = _element_end(text, found)
        pieces.append(" ")
    pieces.append(TAG.sub(" ", text[position:]))
    return "".join(pieces)


def _title(text: str) -> str:
    found = TITLE.search(text, 0, SCAN_BYTES)
    if not found:
        return ""
    end = TITLE_END.search(text, found.end(), SCAN_BYTES)
    if not end:
        return ""
    return " ".join(html.unescape(text[found.end() : end.start()]).split()).casefold()


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
