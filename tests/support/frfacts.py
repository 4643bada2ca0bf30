"""The real Federal Register documents with their facts (tests/pages/federal-register-api-json/
documents-facts.json) as a json source serves them: the fields recorded, one page of results
and the source that reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAGES = Path(__file__).resolve().parent.parent / "pages"
FR = json.loads((PAGES / "federal-register-api-json/documents-facts.json").read_text(encoding="utf-8"))
FIELDS = [
    "type",
    "abstract",
    "comments_close_on",
    "effective_on",
    "dates",
    "docket_ids",
    "cfr_references",
    "agencies",
]


def page(results: list[dict]) -> str:
    """A documents.json page holding `results`."""
    return json.dumps({"count": len(results), "description": FR["description"], "results": results})


def fr_source(url: str, *, regulator: str | None = "Federal Register") -> dict[str, Any]:
    """The json source `us-fr-test` reading documents.json pages at `url` with FIELDS, in the US;
    `regulator=None` leaves the regulator out."""
    source: dict[str, Any] = {
        "id": "us-fr-test",
        "name": "Federal Register test",
        "url": url,
        "kind": "json",
        "fields": FIELDS,
        "next": "",
        "jurisdiction": "US",
    }
    if regulator is not None:
        source["regulator"] = regulator
    return source
