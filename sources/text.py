"""Bytes to clean text: charset detection that survives wrong declarations, and normalization.

Normalization is what makes regwatch quiet: whitespace is folded, `ignore` regexes
and volatile tokens (CSRF tokens, session ids, counters, cache-busting query strings)
are removed before anything is compared.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence

META_CHARSET = re.compile(rb"""<meta[^<>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
# WHATWG: labels that mean windows-1252 in practice.
ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "l1": "cp1252",
    "x-sjis": "shift_jis",
}
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

WHITESPACE = re.compile(r"\s+")
# Control characters other than tab/newline never carry meaning and can attack terminals.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

#: Tokens that change on every request without meaning anything.
#:
#: Every pattern runs on untrusted page text, so each is linear-time in Python's backtracking
#: engine: repeats that could rescan the rest of the text from every start are bounded
#: (`{0,64}`) or possessive (`*+`, `++`, Python 3.11), and adjacent optional runs cannot split
#: the same characters two ways. `"csrf-" * 40000` took 104 s with `[\w-]*`; it now takes
#: milliseconds (tests/sources/test_regex_bounds.py checks every pattern on such inputs).
VOLATILE = (
    re.compile(
        r"\b(?:csrf|xsrf|authenticity|form_build|form_token|nonce|__requestverificationtoken)"
        r"[\w-]{0,64}+\s*+[:=]\s*+[\"']?[\w+/=.-]{8,}+[\"']?",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:jsessionid|phpsessid|sessionid|sid|aspsessionid\w{0,64}+)=[\w.-]++", re.IGNORECASE),
    re.compile(
        r"([?&])(?:v|ver|version|cb|cachebuster|_|t|ts|timestamp|rand|nocache)=[\w.-]++", re.IGNORECASE
    ),
    # Counters: "Views: 1234", "1,234 views", "Visitors: 98765", "Hits 12".
    re.compile(
        r"\b(?:page\s*+views?|views?|visitors?|visits|hits|downloads|total\s++visitors?|visitor\s+counter"
        r"|no\.\s++of\s++visitors)\s*+(?:count)?\s*+[:#]?\s*+\d[\d,.\s]{0,64}\d?\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b\d[\d,.]{1,40}+\s++(?:views|visits|visitors|hits|downloads)\b", re.IGNORECASE),
    # Render timings: "generated in 0.12s", "Page rendered in 35 ms", "served in 0.3 seconds".
    re.compile(
        r"\b(?:page\s++)?(?:generated|rendered|served|created|built|processed)\s++in\s++[\d.,]{1,40}+\s*+"
        r"(?:ms|milliseconds?|s|secs?|seconds?)\b\.?",
        re.IGNORECASE,
    ),
    # Request/trace ids printed in footers.
    re.compile(
        r"\b(?:request|correlation|trace|session)[\s_-]{0,8}+id\s*+[:#=]\s*+[\w-]{6,}+", re.IGNORECASE
    ),
)


def codec_name(label: str | None) -> str | None:
    """A Python codec for a charset label, or None if Python does not know it."""
    if not label:
        return None
    label = label.strip().lower()
    label = ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None = None) -> str:
    """Decode bytes to text: BOM, then the declared charset, then meta/XML declaration,
    then UTF-8 (with its few bad bytes replaced if it is mostly UTF-8), then detection.
    Never raises; undecodable bytes become U+FFFD."""
    return decode_utf8(body, declared)[0]


def decode_utf8(body: bytes, declared: str | None = None) -> tuple[str, bool]:
    """`decode`, and whether it read the body as well-formed UTF-8 (then the text's UTF-8
    is the body itself, and the HTML parser can be given the body instead of an encoding)."""
    for bom, codec in BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), False
    head = body[:4096]
    candidates = [codec_name(declared)]
    for pattern in (META_CHARSET, XML_DECL):
        found = pattern.search(head)
        if found:
            candidates.append(codec_name(found.group(1).decode("ascii", "ignore")))
    candidates.append("utf-8")
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return body.decode(candidate), candidate == "utf-8"
        except (UnicodeDecodeError, LookupError):
            continue
    if mostly_utf8(body):
        # A UTF-8 page with a few bad bytes: spoil those bytes only, not every accent.
        return body.decode("utf-8", errors="replace"), False
    western = _plausible_cp1252(body)
    if western is not None:
        return western, False
    # Imported only here, for the rare page that is neither UTF-8 nor plausible windows-1252:
    # charset-normalizer costs every process ~4 MB and ~15 ms to import.
    import charset_normalizer

    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), False
    return body.decode("utf-8", errors="replace"), False


def mostly_utf8(body: bytes) -> bool:
    """Invalid UTF-8 that is still mostly UTF-8: at least as many well-formed multi-byte
    characters as bad bytes. Other encodings almost never form valid UTF-8 sequences."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127) - bad
    return good > 0 and good >= bad


def _plausible_cp1252(body: bytes) -> str | None:
    """Undeclared non-UTF-8 text from Western regulators is nearly always windows-1252;
    accept it when its non-ASCII characters are mostly letters and typographic punctuation
    (statistical detectors guess wildly on short texts)."""
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        return None
    special = [c for c in text if ord(c) > 127]
    if not special:
        return text
    plausible = sum(1 for c in special if c.isalpha() or c in "‘’“”–—… §°€©®•")
    return text if plausible / len(special) >= 0.8 else None


#: The characters of CONTROL that are ASCII, for `bytes.translate` to delete.
ASCII_CONTROL = bytes(c for c in range(128) if CONTROL.match(chr(c)))


def fold(text: str) -> str:
    """Collapse runs of whitespace and drop control characters."""
    # str.split() and regex \s agree on what whitespace is (both use Py_UNICODE_ISSPACE).
    if text.isascii():  # most text: the control characters deleted by one pass in C
        raw = text.encode("ascii")
        kept = raw.translate(None, ASCII_CONTROL)
        return " ".join((text if len(kept) == len(raw) else kept.decode("ascii")).split())
    return " ".join(CONTROL.sub("", text).split())


#: Per VOLATILE pattern, lowercase words one of which any match must contain: in ASCII text
#: (where IGNORECASE is plain ASCII case folding) a pattern none of whose words occur cannot
#: match, and its scan is skipped. Most titles and summaries contain none of them.
VOLATILE_WORDS = (
    ("csrf", "xsrf", "authenticity", "form_build", "form_token", "nonce", "__requestverificationtoken"),
    ("sid", "sessionid"),
    ("=",),
    ("view", "visit", "hits", "download"),
    ("view", "visit", "hits", "download"),
    ("generated", "rendered", "served", "created", "built", "processed"),
    ("request", "correlation", "trace", "session"),
)

#: Every word of `VOLATILE_WORDS` once: a text none of which occur in needs no pattern at all.
#: Tested with `in` one by one: ~25 substring tests cost a tenth of one regex alternation.
ANY_VOLATILE_WORDS = tuple(dict.fromkeys(w for words in VOLATILE_WORDS for w in words))


def _keep_separator(match: re.Match[str]) -> str:
    return match.group(1) if match.groups() and match.group(1) else ""


#: Every VOLATILE match contains a digit, `:`, `=` or `#`, except a render timing, whose number
#: may be only `.` or `,` after "in" and whitespace ("rendered in . s"). In ASCII text one
#: `bytes.translate` (a pass in C) turns those signs into `#` and whitespace into a space;
#: a text then without `#`, ` .` or ` ,` (most titles and summaries) contains no token.
_SIGNS = bytes(
    ord("#") if chr(c) in "0123456789:=#" else ord(" ") if chr(c).isspace() else c for c in range(256)
)
#: The same condition for any text (`\d` and IGNORECASE as in VOLATILE): slower, for non-ASCII.
VOLATILE_SIGN = re.compile(r"[\d:=#]|in\s++[.,]", re.IGNORECASE)


def _may_be_volatile(text: str) -> bool:
    if text.isascii():
        signs = text.encode("ascii").translate(_SIGNS)
        return b"#" in signs or b" ." in signs or b" ," in signs
    return VOLATILE_SIGN.search(text) is not None


def strip_volatile(text: str) -> str:
    """`text` without the VOLATILE tokens (each pattern in turn); `text` itself if it has none."""
    if not _may_be_volatile(text):
        return text
    if not text.isascii():
        for pattern in VOLATILE:
            text = pattern.sub(_keep_separator, text)
        return text
    lowered = text.lower()
    if not any(word in lowered for word in ANY_VOLATILE_WORDS):
        return text
    for pattern, words in zip(VOLATILE, VOLATILE_WORDS, strict=True):
        if any(word in lowered for word in words):
            stripped = pattern.sub(_keep_separator, text)
            if stripped != text:
                text, lowered = stripped, stripped.lower()
    return text


def compile_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def clean_blocks(blocks: Iterable[str], ignore: Sequence[str] = ()) -> tuple[str, ...]:
    """Fold whitespace, remove ignored patterns and volatile tokens; drop empty blocks."""
    patterns = compile_patterns(ignore)
    result = []
    for block in blocks:
        text = fold(block)
        for pattern in patterns:
            text = pattern.sub("", text)
        text = fold(strip_volatile(text))
        if text:
            result.append(text)
    return tuple(result)


#: Per byte of ASCII text: 0 for the characters of CONTROL (`fold` deletes them) and for the
#: signs of `_SIGNS` (both need the general path), a space for whitespace, `.` for `.` and
#: `,`, else the byte. One `bytes.translate` then tells both whether a text needs more than
#: its whitespace folded and whether it may hold a VOLATILE token, in two scans (a 0, or
#: ` .`) instead of four (a 0, `#`, ` .`, ` ,`: 0.5 µs of a summary's 2.3).
_CLEAN_SIGNS = bytes(
    0 if c in ASCII_CONTROL or _SIGNS[c] == ord("#") else ord(".") if c == ord(",") else _SIGNS[c]
    for c in range(256)
)


#: A text longer than this is first checked for being folded already: a field of several
#: words (a bench summary's split and join cost ~0.6 µs) usually is, a shorter one (most
#: link texts of real pages: "Home", "Next") is folded for less than the check costs.
FOLDED_AT = 24


def clean_text(raw: str, ignore: Sequence[str] = ()) -> str:
    """`clean_line(" ".join(raw.split()), ignore)`: an element's text as one cleaned field.

    Most fields (ASCII, no control character, no digit or other sign a VOLATILE token
    needs) are then their text with its whitespace folded, and are folded once instead of
    three times (the text, `fold`, `strip_volatile`'s test): a listing reads two per item.
    Folding keeps every character but whitespace and turns a run of whitespace into one
    space, so a folded text holds a sign, ` .` or ` ,` only if `raw` does. And `raw` is
    its own folded text when its only whitespace is single spaces between other characters:
    the ASCII whitespace of `str.split` is tab, newline, space and characters of CONTROL
    (vertical tab, form feed, CR, \\x1c-\\x1f: ruled out already), and `signs` has a space
    for each.
    """
    if not ignore and raw.isascii():
        signs = raw.encode("ascii").translate(_CLEAN_SIGNS)
        # `0 in` is a memchr; `b"\x00" in` first tries its bytes as an integer, raising and
        # clearing a TypeError (~0.1 µs). ` .` needs a `.` (or a `,`, mapped to it): a memchr
        # rules out most titles before `find` (which `in` would again reach through the error).
        if 0 not in signs and (46 not in signs or signs.find(b" .") < 0):
            if (
                len(raw) > FOLDED_AT
                and signs.find(b"  ") < 0
                and signs[0] != 32
                and signs[-1] != 32
                and "\n" not in raw
                and "\t" not in raw
            ):
                return raw  # already folded (see below)
            return " ".join(raw.split())
    return clean_line(" ".join(raw.split()), ignore)


def clean_line(text: str, ignore: Sequence[str] = ()) -> str:
    """One field (an item title or summary) cleaned like a block."""
    if ignore:
        cleaned = clean_blocks([text], ignore)
        return cleaned[0] if cleaned else ""
    # The same steps without `ignore` (a listing cleans two fields of 50 items per page);
    # `fold` is idempotent, so a text `strip_volatile` left as it was is not folded again.
    folded = fold(text)
    stripped = strip_volatile(folded)
    return folded if stripped is folded else fold(stripped)
