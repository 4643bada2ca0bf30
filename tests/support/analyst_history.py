"""A realistic analyst history, built by real checks of a local regulator site at set dates.

Four sources (HHS news listing, HHS Security Rule page, EDPB news listing, MeitY DPDP
listing) are checked by the real pipeline (real HTTP on 127.0.0.1, a real SQLite file)
with the clock set to each pass's date, so tests can ask date questions with known answers.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from clirun import write_config
from localsite import LISTING_SOURCE, Site, listing_page

from watcher.cli import main
from watcher.config import load_config
from watcher.db.store import Store
from watcher.service.runner import run_pass

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/x","click") \x1b]0;pwned\x07\x1b[31mRED notice'
SECURITY_PAGE = (
    "<html><body><nav>Menu</nav><main><h1>The HIPAA Security Rule</h1>{paras}</main></body></html>"
)
BASELINE_PARAS = (
    "The Security Rule requires administrative, physical and technical safeguards.",
    "Addressable implementation specifications allow regulated entities some flexibility.",
)
EDITED_PARAS = (
    "The Security Rule requires administrative, physical and technical safeguards.",
    "All implementation specifications become required under the proposed rule.",
)

HHS_A = ("2024-01-05", "HHS settles HIPAA case with Acme Health", "/hhs/acme.html")
HHS_B = ("2023-12-01", "OCR guidance on online tracking technologies", "/hhs/tracking.html")
HHS_B2 = ("2023-12-01", "OCR updated guidance on online tracking technologies", "/hhs/tracking.html")
HHS_C = ("2024-07-12", "HHS guidance on AI in health care", "/hhs/ai.html")
HHS_D = ("2024-09-30", "HHS proposes Security Rule update", "/hhs/security-nprm.html")
EDPB_1 = ("2024-01-08", "Guidelines 01/2024 on legitimate interest", "/edpb/g1.html")
EDPB_2 = ("2024-07-14", "Statement on the AI Act and data protection", "/edpb/ai-act.html")
EDPB_3 = ("2024-08-19", "Opinion on AI models and personal data", "/edpb/ai-models.html")
EDPB_X = ("2024-07-14", HOSTILE_TITLE, "/edpb/hostile.html")
MEITY_1 = ("2024-01-03", "DPDP rules consultation", "/meity/rules.html")
FINAL_RULE = "HHS publishes Security Rule final rule"
FOLLOWED_TEXT = "The guidance explains algorithmic transparency duties for covered entities."


@dataclass
class History:
    db: Path
    config: Path
    passes: dict[str, datetime] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def _security(paras: tuple[str, ...]) -> str:
    return SECURITY_PAGE.format(paras="".join(f"<p>{p}</p>" for p in paras))


def build_history(tmp: Path, site: Site) -> History:
    """Run the passes; returns where the database is and when each pass happened."""
    config = write_config(
        tmp / "regwatch.toml",
        sources=[
            {
                **LISTING_SOURCE,
                "id": "us-hhs-hipaa-news",
                "name": "HHS OCR HIPAA newsroom",
                "url": site.url("/hhs/news"),
                "tags": ["hipaa", "privacy"],
                "jurisdiction": "US",
                "regulator": "HHS",
            },
            {
                "id": "us-hhs-security-rule",
                "name": "HHS Security Rule summary",
                "url": site.url("/hhs/security-rule"),
                "kind": "page",
                "select": "main",
                "tags": ["hipaa", "security"],
                "jurisdiction": "US",
                "regulator": "HHS",
            },
            {
                **LISTING_SOURCE,
                "id": "eu-edpb-news",
                "name": "EDPB news",
                "url": site.url("/edpb/news"),
                "tags": ["gdpr", "ai"],
                "jurisdiction": "EU",
                "regulator": "EDPB",
            },
            {
                **LISTING_SOURCE,
                "id": "in-meity-dpdp",
                "name": "MeitY DPDP",
                "url": site.url("/meity/news"),
                "tags": ["dpdp"],
                "jurisdiction": "IN",
                "regulator": "MeitY",
            },
        ],
    )
    history = History(db=tmp / "regwatch.db", config=config)
    now = history.now
    steps = [
        ("baseline", datetime(2024, 1, 10, 9, tzinfo=UTC)),
        ("quiet", datetime(2024, 2, 15, 9, tzinfo=UTC)),
        ("edit", datetime(2024, 3, 1, 12, tzinfo=UTC)),
        ("july", datetime(2024, 7, 15, 9, tzinfo=UTC)),
        ("august", datetime(2024, 8, 20, 9, tzinfo=UTC)),
        ("october", datetime(2024, 10, 1, 9, tzinfo=UTC)),
        ("recent", now - timedelta(days=1)),
    ]
    final = ((now - timedelta(days=1)).date().isoformat(), FINAL_RULE, "/hhs/final-rule.html")
    pages = {
        "baseline": ([HHS_A, HHS_B], BASELINE_PARAS, [EDPB_1], 200),
        "quiet": ([HHS_A, HHS_B], BASELINE_PARAS, [EDPB_1], 200),
        "edit": ([HHS_A, HHS_B], EDITED_PARAS, [EDPB_1], 200),
        "july": ([HHS_C, HHS_A, HHS_B], EDITED_PARAS, [EDPB_2, EDPB_X, EDPB_1], 200),
        "august": ([HHS_C, HHS_A, HHS_B2], EDITED_PARAS, [EDPB_3, EDPB_2, EDPB_X], 200),
        "october": ([HHS_D, HHS_C, HHS_A, HHS_B2], EDITED_PARAS, [EDPB_3, EDPB_2, EDPB_X], 500),
        "recent": ([final, HHS_D, HHS_C, HHS_A, HHS_B2], EDITED_PARAS, [EDPB_3, EDPB_2, EDPB_X], 500),
    }
    loaded = load_config(config)
    store = Store(history.db)
    try:
        for name, when in steps:
            hhs, paras, edpb, meity_status = pages[name]
            site.set("/hhs/news", listing_page(hhs))
            site.set("/hhs/security-rule", _security(paras))
            site.set("/edpb/news", listing_page(edpb))
            site.set("/meity/news", listing_page([MEITY_1]), status=meity_status)
            asyncio.run(run_pass(loaded, store, clock=lambda when=when: when, deliver=False))
            history.passes[name] = when
    finally:
        store.close()
    # Stand-in for followed document text (sources with follow = true fill items.text).
    with sqlite3.connect(history.db) as db:
        db.execute("UPDATE items SET text = ? WHERE title = ?", [FOLLOWED_TEXT, HHS_C[1]])
    return history


@dataclass(frozen=True)
class Invoked:
    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Invoked:
    """Run the real `regwatch` click group in-process (no Python start-up per call), with
    the same exit codes; the logging set-up the command does is undone afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    return Invoked(result.exit_code, result.stdout, result.stderr)
