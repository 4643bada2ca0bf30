"""The one place source kinds are registered: add a class here and it is configurable."""

from __future__ import annotations

from sources.base import SourceKind
from sources.feed import Feed
from sources.jsonapi import JsonApi
from sources.listing import Listing
from sources.page import Page
from sources.pdf import PdfDocument

KINDS: dict[str, type[SourceKind]] = {cls.kind: cls for cls in (Page, Listing, Feed, JsonApi, PdfDocument)}


def kind_for(name: str) -> SourceKind:
    return KINDS[name]()
