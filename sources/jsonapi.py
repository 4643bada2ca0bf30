"""`json`: watch the records of a JSON API (defaults fit the US Federal Register API)."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from sources import html
from sources.base import SourceKind
from sources.dates import DAY_FIRST_JURISDICTIONS, parse_date
from sources.keys import unique_items
from sources.links import absolute, canonical, remember_identities, without_tracking
from sources.markup import field_text
from sources.text import clean_line, decode
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Item, Snapshot, Source

JSON_ACCEPT = "application/json, text/json;q=0.9, */*;q=0.5"
SUMMARY_LIMIT = 1000
FIELD_LIMIT = 500
#: Lists and objects within one field nested deeper than this read as "…" (`as_text`).
MAX_FIELD_DEPTH = 32
# A tag cannot contain "<": with `[^>]*`, "<a<a<a…" rescanned the rest of the text from every "<".
MARKUP = re.compile(r"<[a-zA-Z/!][^<>]*+>")
DATETIME_ATTR = re.compile(r"""<time\b[^<>]*?\bdatetime\s*+=\s*+["']([^"'<>]++)["']""", re.I)
#: A JSON escape of a UTF-16 surrogate (`\ud83d`): `json.loads` joins a pair into one
#: character and leaves a lone one as it is, which no UTF-8 (the store's JSON, SQLite) takes.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class JsonOptions:
    """Options of the `json` kind. Every field name is a dotted path (`data.items`, `agencies.0.name`).

    items: path to the list of records ("" when the document itself is the list).
    key: path(s) to the record's stable id; several paths are joined into one key (eCFR
        versions: ["identifier", "date"]). Default "document_number".
    title, link, date, summary: paths within a record ("" to leave one out).
    next: path to the next page's URL (pagination, up to `limits.max_pages` pages).
    fields: extra paths recorded with each item (e.g. "type", "effective_on").
    where: keep only records whose field contains the given text, case-insensitively
        (`where = {agency_names = "Health and Human Services"}`).
    """

    items: str = "results"
    key: tuple[str, ...] = ("document_number",)
    title: str = "title"
    link: str = "html_url"
    date: str = "publication_date"
    summary: str = "abstract"
    next: str = "next_page_url"
    fields: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()


class JsonApi(SourceKind):
    """Watch the records of a JSON API; each record is an item.

    `items` is a dotted path to the list of records; `key`, `title`, `link`, `date` and
    `summary` name the fields of a record (defaults fit the US Federal Register API:
    `results`, `document_number`, `title`, `html_url`, `publication_date`, `abstract`).
    The id gives each document a stable identity (`document_number:2024-00001`), then
    the canonical link, then the title. A missing list key means "no results" (the
    Federal Register omits `results` when nothing matches), not an error; a body that is
    not JSON (truncated, or an HTML page) is an error of the source (`not_json`).
    Pagination follows the `next` field (default `next_page_url`) up to
    `limits.max_pages` pages. Values holding HTML elements (`<p>`, `<a href=...>`) are
    converted to their text; any other string is kept verbatim, `<…>` included (a title
    ending `<!everyone>` keeps it); a link field holding an anchor gives its href. Options: `items`, `key`,
    `title`, `link`, `date`, `summary`, `next`, `fields`, `where`.

    API queries usually return the newest N records, so `removals` defaults to "window":
    a record that drops off the old end is recorded, not alerted; one that vanishes from
    inside the window is alerted as removed. The `fields` take part in change detection
    and are shown as field changes (`comments_close_on 2025-03-07 → 2025-04-07`); two
    records with the same key are both kept (the second as `key#2`) with a warning.
    """

    kind = "json"
    Options = JsonOptions
    accept = JSON_ACCEPT
    has_items = True
    removals = "window"

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: JsonOptions = source.options
        data = load(fetched)
        records = lookup(data, options.items)
        if records is None:
            return Snapshot()  # the key is absent: no results
        if isinstance(records, dict) and not options.items:
            records = [records]
        if not isinstance(records, list):
            raise ExtractError(
                f"items path {options.items!r} holds a {type(records).__name__}, not a list of records",
                reason=Reason.PARSE,
            )
        dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
        items: list[Item] = []
        skipped = 0
        for record in records:
            if not isinstance(record, dict):
                skipped += 1
                continue
            if options.where and not matches(record, options.where):
                continue
            item = read_record(record, options, fetched.final_url, source.ignore, dayfirst)
            if item is None:
                skipped += 1
                continue
            items.append(item)
        known: dict[str, str] = {}
        items, warnings = unique_items(items, known)
        if skipped:
            warnings += (f"{skipped} record(s) had no id, link or title and were skipped",)
        snapshot = Snapshot(items=tuple(items), warnings=warnings)
        remember_identities(snapshot, known)  # so the diff does not work them out again
        return snapshot

    def next_page(self, fetched: FetchResult, source: Source) -> str | None:
        options: JsonOptions = source.options
        if not options.next:
            return None
        try:
            data = load(fetched)
        except ExtractError:
            return None
        value = lookup(data, options.next)
        if not isinstance(value, str) or not value.strip():
            return None
        return absolute(fetched.final_url, value) or None


def load(fetched: FetchResult) -> Any:
    """The parsed JSON body; anything else is ExtractError(reason="not_json")."""
    body = fetched.body
    if not body.strip():
        raise ExtractError("the response body is empty, not JSON", reason=Reason.NOT_JSON)
    text = decode(body, fetched.charset)
    try:
        data = parse(text)
        if SURROGATE_ESCAPE.search(text):
            data = without_lone_surrogates(data)
    except (json.JSONDecodeError, RecursionError) as exc:
        start = text.lstrip()[:1]
        if start == "<":
            what = f"an HTML/XML page ({fetched.content_type or 'no content type'})"
        elif text.rstrip()[-1:] not in ("}", "]") and start in ("{", "["):
            what = "truncated JSON"
        else:
            what = "invalid JSON"
        detail = (
            f": {exc.msg} at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ": nested too deeply"
        )
        raise ExtractError(
            f"expected JSON from {fetched.final_url} but got {what}{detail}", reason=Reason.NOT_JSON
        ) from exc
    return data


def parse(text: str) -> Any:
    """`json.loads(text)`, but an integer longer than Python turns into an int (4,300 digits:
    `json.loads` raises ValueError, which failed the source as a bug) is kept as its digits."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # only the digit limit: json.loads raises JSONDecodeError for the rest
        return json.loads(text, parse_int=_integer)


def _integer(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= sys.get_int_max_str_digits() else digits


def without_lone_surrogates(data: Any) -> Any:
    """`data` with each lone surrogate its strings hold (`"\\ud800"`) replaced by U+FFFD, as a
    broken byte of a page is: the record is kept, the rest of its words too. In place and
    without recursion, so a deep document reads the same on any stack."""
    if isinstance(data, str):
        return LONE_SURROGATE.sub("\ufffd", data)
    stack = [data] if isinstance(data, dict | list) else []
    while stack:
        node = stack.pop()
        pairs: list[tuple[Any, Any]] = list(node.items() if isinstance(node, dict) else enumerate(node))
        for key, value in pairs:
            if isinstance(value, str):
                node[key] = LONE_SURROGATE.sub("\ufffd", value)
            elif isinstance(value, dict | list):
                stack.append(value)
        if isinstance(node, dict) and any(LONE_SURROGATE.search(key) for key in node):
            fixed = [(LONE_SURROGATE.sub("\ufffd", key), value) for key, value in node.items()]
            node.clear()
            node.update(fixed)
    return data


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (`results`, `data.items`, `agencies.0.name`), or None."""
    if not path:
        return data
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return None
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return None
            current = current[index]
        else:
            return None
    return current


def as_text(value: Any, depth: int = 0) -> str:
    """A JSON value as one line of text: scalars as-is, lists joined, objects by their name.

    Lists and objects nested more than `MAX_FIELD_DEPTH` deep are "…": no regulator's field
    is, and reading one must not depend on the stack's depth (a RecursionError failed the
    source as a bug, sooner on the event loop's deeper stack than in an extraction worker)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "true"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return field_text(value)
    if isinstance(value, list):
        if depth >= MAX_FIELD_DEPTH:
            return "…"
        return ", ".join(t for t in (as_text(v, depth + 1) for v in value) if t)
    if isinstance(value, dict):
        if isinstance(value.get("title"), int) and value.get("part"):  # a CFR reference
            return f"{value['title']} CFR {value['part']}"
        for key in ("name", "title", "raw_name", "label", "value", "id"):
            if key in value and not isinstance(value[key], dict | list):
                return as_text(value[key], depth + 1)
        if nested_deeper(value, MAX_FIELD_DEPTH - depth):
            return "…"
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def nested_deeper(value: dict | list, limit: int) -> bool:
    """Whether lists and objects nest in `value` (itself one level) more than `limit` deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False


def link_value(value: Any, base: str) -> str:
    """A link field: a URL, or HTML holding an anchor (`<a href="/media/1/download">`)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    if MARKUP.search(value):
        try:
            root = html.parse_text(f"<html><body><div>{value}</div></body></html>", base)
        except ExtractError:
            return ""
        for anchor in root.iter("a"):
            found = absolute(base, anchor.get("href"))
            if found:
                return found
        return ""
    return absolute(base, value.strip())


def date_value(value: Any) -> str:
    """A date field as text; HTML such as `<time datetime="...">` gives its machine-readable value."""
    if isinstance(value, str) and MARKUP.search(value):
        found = DATETIME_ATTR.search(value)
        if found:
            return found.group(1)
    return as_text(value)


def matches(record: dict[str, Any], where: tuple[tuple[str, str], ...]) -> bool:
    return all(str(want).casefold() in as_text(lookup(record, path)).casefold() for path, want in where)


def read_record(
    record: dict[str, Any], options: JsonOptions, base: str, ignore, dayfirst: bool
) -> Item | None:
    paths = [p for p in options.key if p]
    ids = [as_text(lookup(record, path)) for path in paths]
    title = clean_line(as_text(lookup(record, options.title)), ignore) if options.title else ""
    link = without_tracking(link_value(lookup(record, options.link), base)) if options.link else ""
    if paths and all(ids):
        key = f"{paths[0]}:" + "@".join(ids)
    elif link:
        key = canonical(link)
    elif title:
        key = "title:" + title.casefold()
    else:
        return None
    date = None
    if options.date:
        raw = date_value(lookup(record, options.date))
        date = parse_date(raw, dayfirst=dayfirst) if raw else None
    summary = ""
    if options.summary:
        summary = clean_line(as_text(lookup(record, options.summary)), ignore)[:SUMMARY_LIMIT]
    fields = []
    for path in options.fields:
        value = as_text(lookup(record, path))
        if value:
            fields.append((path, value[:FIELD_LIMIT]))
    return Item(
        key=key,
        title=title or link or key,
        link=link,
        date=date,
        summary=summary,
        fields=tuple(sorted(fields)),
    )
