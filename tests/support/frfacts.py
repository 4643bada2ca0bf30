"""The real Federal Register documents with their facts (tests/pages/federal-register-api-json/
documents-facts.json) as a json source serves them: the fields recorded and one page of results."""

from __future__ import annotations

import json
from pathlib import Path

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
