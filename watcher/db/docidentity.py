"""The identity of a document across sources: the same rule seen by several sources is one document.

In order: a Federal Register document number (the `document_number` key of a JSON
source, or a federalregister.gov/documents/... link), a CELEX number, an ELI, a DOI,
then the link's identity (watcher/check/matching.py's form). Pure; patterns are anchored
on short literal prefixes and bounded, so untrusted links cannot make them slow.
"""

from __future__ import annotations

import re

from sources.links import identity
from watcher.model import Item

FR_LINK = re.compile(r"federalregister\.gov/(?:documents|d)/(?:\d{4}/\d{2}/\d{2}/)?(\d{2,4}-\d{3,6})\b")
CELEX = re.compile(r"CELEX(?::|%3A)([0-9A-Z()]{5,30})", re.I)
ELI = re.compile(r"/eli/([a-z0-9_/-]{3,200}?)/?(?:[?#]|$)", re.I)
DOI = re.compile(r"(?:doi\.org/|doi:)(10\.\d{4,9}/[^\s?#]{1,200})", re.I)
MAX_TEXT = 2000


def document_key(item: Item) -> str:
    """A stable name of the document an item lists (`fr:2024-00001`, `celex:32016R0679`, ...),
    or "" when the item has no identity another source could share."""
    if item.key.startswith("document_number:"):
        return "fr:" + item.key.removeprefix("document_number:")
    link = item.link[:MAX_TEXT]
    text = f"{item.key[:MAX_TEXT]} {link}"
    for prefix, pattern in (("fr:", FR_LINK), ("celex:", CELEX), ("eli:", ELI), ("doi:", DOI)):
        found = pattern.search(text)
        if found:
            value = found.group(1)
            return prefix + (value.upper() if prefix == "celex:" else value.lower())
    if link:
        return "url:" + identity(link)
    if item.key.startswith(("http://", "https://")):
        return "url:" + identity(item.key)
    return ""  # a title or a feed's own guid names nothing another source could list
