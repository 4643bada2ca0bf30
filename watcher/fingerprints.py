"""The strings a snapshot's fingerprint hashes (`watcher.model.Snapshot.fingerprint`): each item
as `json.dumps(item.to_dict(), sort_keys=True)` writes it, and the payload of blocks and items
as `json.dumps(..., ensure_ascii=False)` writes it, each made faster into the same bytes.

Fingerprints are stored and key every version in history: a byte of difference would make
every source look changed once (tests/watcher/test_snapshot_json.py and
test_fingerprint_round14.py compare every path with those definitions). A leaf module (json
and orjson only); items are read by their attributes (`key`, `title`, `link`, `date`,
`summary`, `fields`) and `to_dict()`.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat
from typing import Any

import orjson

#: The C function `json.dumps` escapes strings with (its default `ensure_ascii=True`).
_ESCAPE = json.encoder.encode_basestring_ascii


def _sorted_json(item: Any) -> str:
    """`json.dumps(item.to_dict(), sort_keys=True)`, written out for an item without fields
    (~1 µs instead of ~8: a fingerprint writes every item of a snapshot). The escaper is
    `json.dumps`' own, which writes any str (a subclass too) as `json.dumps` does and refuses
    anything else: an item holding a value that is not text goes through `json.dumps`, which
    writes or refuses it as before (tests/watcher/test_snapshot_json.py compares them)."""
    if not item.fields:
        key, link, date, summary = item.key, item.link, item.date, item.summary
        try:
            escaped_key = _ESCAPE(key)
            # A plain link is its item's key, the same string: escaped once (~0.1 µs an item).
            escaped_link = escaped_key if link is key else _ESCAPE(link)
            return (
                f'{{"date": {"null" if date is None else _ESCAPE(date)}, "key": {escaped_key},'
                f' "link": {escaped_link}, "summary": {_ESCAPE(summary)}, "title": {_ESCAPE(item.title)}}}'
            )
        except TypeError:  # a value that is not text
            pass
    return json.dumps(item.to_dict(), sort_keys=True)


_join = "".join
_isascii = str.isascii


def _item_strings(items: Iterable[Any]) -> tuple[list[str], dict[str, bytes]]:
    """`list(map(_sorted_json, items))`, the strings a fingerprint sorts and hashes, and each
    string as orjson writes it (`_fingerprint_payload`'s way); an item of plain text written
    without json's escaper (~0.6 µs an item instead of ~1).

    A value of printable ASCII without `"` or `\\` is its own JSON string between quotes, so
    an item without fields whose values are all such text is `_sorted_json`'s string with its
    values joined in as they are. Told per item: `str.join` (and `str.isascii`) refuse what is
    not text, and write a str subclass's own characters, as json's escaper does; the joined
    string is ASCII (O(1) to tell) without DEL; and orjson, which writes it anyway, escapes
    nothing in it but its own 20 quotes (18 with no date): any `"`, `\\` or control character
    in a value would make what it writes longer. Any other item goes through `_sorted_json`.
    """
    strings: list[str] = []
    append = strings.append
    written: dict[str, bytes] = {}
    for item in items:
        if not item.fields:
            date, title, summary = item.date, item.title, item.summary
            try:
                # Not ASCII (an item's title or summary, most often) told before joining
                # (str.isascii is O(1); it refuses what is not text, as `str.join` does).
                if _isascii(title) and _isascii(summary):
                    if date is None:
                        text = _join(
                            ('{"date": null, "key": "', item.key, '", "link": "', item.link,
                             '", "summary": "', summary, '", "title": "', title, '"}')
                        )  # fmt: skip
                        quotes = 18
                    else:
                        text = _join(
                            ('{"date": "', date, '", "key": "', item.key, '", "link": "', item.link,
                             '", "summary": "', summary, '", "title": "', title, '"}')
                        )  # fmt: skip
                        quotes = 20
                    if text.isascii() and "\x7f" not in text:
                        json_text = _dumps(text, None, _SUBCLASS_REFUSED)
                        if len(json_text) == len(text) + 2 + quotes:
                            append(text)
                            written[text] = json_text
                            continue
            except TypeError:  # a value that is not text: `_sorted_json` writes or refuses it
                pass
        text = _sorted_json(item)
        append(text)
        # ASCII (json's `ensure_ascii`): orjson writes it
        written[text] = _dumps(text, None, _SUBCLASS_REFUSED)
    return strings, written


def fingerprint(blocks: tuple[str, ...], items: Iterable[Any]) -> str:
    """The fingerprint of a snapshot's `blocks` and `items`: the SHA-256 of
    `json.dumps({"b": list(blocks), "i": sorted(map(_sorted_json, items))}, ensure_ascii=False)`
    as UTF-8, independent of item order."""
    strings, written = _item_strings(items)
    strings.sort()
    return hashlib.sha256(_fingerprint_payload(blocks, strings, written)).hexdigest()


def _fingerprint_payload(
    blocks: tuple[str, ...], items: list[str], written: Mapping[str, bytes] | None = None
) -> bytes:
    """`json.dumps({"b": list(blocks), "i": items}, ensure_ascii=False).encode()`, each string
    written by orjson (the same escapes, as UTF-8: a quarter of the time for 50 items), or read
    from `written` when `_item_strings` wrote the items already; a value orjson refuses (a lone
    surrogate) goes through `json`, which then raises as before."""
    item_json = _each_orjson(items) if written is None else map(written.__getitem__, items)
    try:
        return b'{"b": [%s], "i": [%s]}' % (b", ".join(_each_orjson(blocks)), b", ".join(item_json))
    except TypeError:
        return json.dumps({"b": list(blocks), "i": items}, ensure_ascii=False).encode("utf-8")


#: One string as orjson writes it: `_dumps(text, None, _SUBCLASS_REFUSED)` (a str subclass
#: refused, so `json` writes it instead). The default and option passed by position: a
#: `functools.partial` holding `option=` as a keyword made a keywords dict at every call
#: (~0.15 µs of ~0.3, a fingerprint writes ~50 item strings).
_dumps = orjson.dumps
_SUBCLASS_REFUSED = orjson.OPT_PASSTHROUGH_SUBCLASS


def _each_orjson(strings: Iterable[str]) -> Iterator[bytes]:
    """Each string as orjson writes it, called from C (`map`): no Python frame for each."""
    return map(_dumps, strings, repeat(None), repeat(_SUBCLASS_REFUSED))
