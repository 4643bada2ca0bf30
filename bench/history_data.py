"""Synthetic but regulator-like history data for the history benchmarks (deterministic by seed)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from watcher.db.store import Store
from watcher.model import Item, Snapshot, Source

REGULATORS = [
    ("US", "HHS", ["hipaa", "privacy"]),
    ("US", "FTC", ["privacy", "ai"]),
    ("US", "CMS", ["interoperability"]),
    ("EU", "EDPB", ["gdpr", "ai"]),
    ("EU", "EC", ["ai", "data-act"]),
    ("UK", "ICO", ["privacy", "ai"]),
    ("IN", "ABDM", ["abdm"]),
    ("IN", "MeitY", ["dpdp", "ai"]),
]
SUBJECTS = [
    "Security Rule",
    "breach notification",
    "online tracking technologies",
    "artificial intelligence",
    "AI Act",
    "legitimate interest",
    "consent managers",
    "health information exchange",
    "data protection impact assessment",
    "cross-border transfers",
    "right of access",
    "ransomware",
    "telehealth",
    "de-identification",
    "cookie banners",
    "children's data",
    "algorithmic fairness",
    "health facility registry",
    "interoperability rule",
    "information blocking",
]
FORMS = [
    "Guidance on {}",
    "Statement on {}",
    "Proposed rule: {}",
    "Final rule on {}",
    "FAQ update: {}",
    "Enforcement action concerning {}",
    "Opinion on {}",
    "Circular on {}",
    "Consultation on {}",
    "Settlement involving {}",
]


def sources(n: int) -> list[Source]:
    out = []
    for i in range(n):
        jurisdiction, regulator, tags = REGULATORS[i % len(REGULATORS)]
        out.append(
            Source(
                id=f"{jurisdiction.lower()}-{regulator.lower()}-feed-{i:05d}",
                url=f"https://{regulator.lower()}.example.gov/news/{i}",
                kind="listing",
                name=f"{regulator} newsroom {i}",
                tags=tuple(tags),
                jurisdiction=jurisdiction,
                regulator=regulator,
            )
        )
    return out


def item(rng: random.Random, source: Source, serial: int, day: str) -> Item:
    title = rng.choice(FORMS).format(rng.choice(SUBJECTS)) + f" ({source.regulator} {serial:06d})"
    link = f"{source.url}/{day}/{serial:06d}-{title[:24].lower().replace(' ', '-')}.html"
    return Item(key=link, title=title, link=link, date=day)


def listing(items: list[Item]) -> Snapshot:
    return Snapshot(items=tuple(items))


def fresh_store(path: Path, n_sources: int, start: datetime) -> tuple[Store, list[Source]]:
    """A new database at `path` (any old one and its WAL removed) with `n_sources` sources."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = Store(path)
    srcs = sources(n_sources)
    store.sync_sources(srcs, start)
    return store, srcs
