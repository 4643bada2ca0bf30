"""Every fault a regulator site can throw at a check, through real passes.

For each fault a source that worked starts failing. Over the following passes:
the check stops within its limits, the source records a clear reason, the healthy
neighbour in the same pass still gets its change, nothing stored is lost (the last
good snapshot stays latest), exactly one "broken" alert is queued and printed (after
`[health] after_failures` failures, or at once for a selector that stopped matching),
and once the site is fixed exactly one "recovered" alert follows and changes are
detected against the preserved snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from faultbodies import federal_register, feed, needs_kind, pdf, rule_page
from faultsite import FaultSite, Handler, MiB, bomb, endless, redirect, respond, trickle

AFTER_FAILURES = 2
LIMIT = 5.0  # [limits] timeout of every pass here
SLACK = 1.5  # scheduling slack allowed on top of a time limit (a loaded CI machine)


@dataclass(frozen=True)
class Fault:
    """A fault served where a working source used to be, and what the check must record."""

    name: str
    serve: Callable[[FaultSite], None]
    reasons: frozenset[str]
    status: int | None = None
    at_once: bool = False  # broken at the first failure (the selector stopped matching)
    source: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    good: Callable[[int], Handler] = rule_page


def at(handler: Handler) -> Callable[[FaultSite], None]:
    return lambda site: site.set("/doc", handler)


def loop(site: FaultSite) -> None:
    site.set("/doc", redirect("/doc-a"))
    site.set("/doc-a", redirect("/doc-b"))
    site.set("/doc-b", redirect("/doc"))


HTML_FAULTS = [
    Fault("http-500", at(respond(500, "<h1>Internal error</h1>")), frozenset({"http"}), status=500),
    Fault(
        "http-503-retry-after",
        at(respond(503, "maintenance", headers={"Retry-After": "120"})),
        frozenset({"http"}),
        status=503,
        message="Retry-After 120s",
    ),
    Fault(
        "slow-loris",
        at(trickle(interval=1.0)),
        frozenset({"timeout"}),
        source={"timeout": 2},
        message="timed out after 2s",
    ),
    Fault(
        "200MB-body-chunked",
        at(endless(200 * MiB)),
        frozenset({"too_large"}),
        source={"max_bytes": 10_000_000},
        message="10,000,000-byte limit",
    ),
    Fault(
        "200MB-body-with-length",
        at(endless(200 * MiB, chunked=False)),
        frozenset({"too_large"}),
        source={"max_bytes": 10_000_000},
    ),
    Fault(
        "gzip-bomb-1GB",
        at(bomb()),
        frozenset({"too_large"}),
        source={"max_bytes": 10_000_000},
        message="(decompressed)",
    ),
    Fault("redirect-loop", loop, frozenset({"redirect"}), message="redirect loop"),
    Fault(
        "redirect-to-file-scheme",
        at(redirect("file:///etc/passwd")),
        frozenset({"redirect"}),
        message="only http(s)",
    ),
    Fault(
        "redirect-to-javascript",
        at(redirect("javascript:alert(1)")),
        frozenset({"redirect"}),
        message="redirect target",
    ),
    Fault("empty-200", at(respond(200, b"")), frozenset({"empty"}), message="empty"),
    Fault("blank-200", at(respond(200, b" \r\n\t \n")), frozenset({"empty"})),
    Fault(
        "404-after-working",
        at(respond(404, "<h1>Page not found</h1>")),
        frozenset({"http"}),
        status=404,
        message="update the source's url",
    ),
    Fault(
        "structure-changed",
        at(respond(200, "<html><body><div class='redesign'><p>All new layout</p></div></body></html>")),
        frozenset({"selector"}),
        at_once=True,
        message="matched nothing",
    ),
]


KIND_FAULTS = [
    pytest.param(
        Fault(
            "html-where-a-feed-was",
            at(respond(200, "<html><body><h1>Access</h1><p>Please enable JavaScript</p></body></html>")),
            frozenset({"not_feed", "parse", "empty"}),
            source={"kind": "feed"},
            good=feed,
        ),
        marks=needs_kind("feed"),
        id="feed-html-instead",
    ),
    pytest.param(
        Fault(
            "truncated-json",
            at(
                respond(
                    200,
                    '{"count": 3, "results": [{"document_number": "2024-01", "tit',
                    content_type="application/json",
                )
            ),
            frozenset({"not_json", "parse"}),
            source={"kind": "json"},
            good=federal_register,
        ),
        marks=needs_kind("json"),
        id="json-truncated",
    ),
    pytest.param(
        Fault(
            "corrupt-pdf",
            at(
                respond(
                    200,
                    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n\x00\xff garbage",
                    content_type="application/pdf",
                )
            ),
            frozenset({"not_pdf", "parse", "empty"}),
            source={"kind": "pdf"},
            good=pdf,
        ),
        marks=needs_kind("pdf"),
        id="pdf-corrupt",
    ),
]


def faulty_source(faults: FaultSite, fault: Fault) -> dict[str, Any]:
    source = {"id": "faulty", "name": "Faulty source", "url": faults.url("/doc"), "kind": "page"}
    if fault.source.get("kind", "page") == "page":
        source["select"] = "main.rule"
    source.update(fault.source)
    return source


@pytest.mark.parametrize("fault", [pytest.param(f, id=f.name) for f in HTML_FAULTS] + KIND_FAULTS)
def test_a_fault_is_recorded_alerted_once_and_loses_nothing(fault, faults, watch):
    faults.set("/doc", fault.good(1))
    w = watch([faulty_source(faults, fault)], health={"after_failures": AFTER_FAILURES})
    assert w.run()["faulty"].status == "baseline"
    good = w.source_row("faulty")["latest"]
    assert good

    fault.serve(faults)
    limit = fault.source.get("timeout", LIMIT)
    for failures in range(1, AFTER_FAILURES + 2):
        outcome = w.run()["faulty"]
        assert outcome.status == "failed", outcome
        assert outcome.reason in fault.reasons, outcome
        assert outcome.reason != "bug"
        assert fault.message in (outcome.error or "")
        if fault.status:
            assert outcome.http_status == fault.status
        assert outcome.duration <= limit + SLACK, f"took {outcome.duration:.1f}s, limit {limit}s"

        row = w.source_row("faulty")
        broken = fault.at_once or failures >= AFTER_FAILURES
        assert row["state"] == ("broken" if broken else "failing")
        assert row["failures"] == failures
        assert row["last_reason"] == outcome.reason and row["last_error"] == outcome.error
        assert row["latest"] == good, "the last good snapshot must stay latest"
        assert w.versions("faulty") == [good]
        assert w.events("faulty") == (["broken"] if broken else [])
        assert w.health_rows("faulty") == ([("broken", "sent")] if broken else [])
    assert w.printed("Faulty source: source BROKEN") == 1

    faults.set("/doc", fault.good(1))
    recovered = w.run()["faulty"]
    assert recovered.status in ("unchanged", "not_modified"), recovered
    assert w.source_row("faulty")["state"] == "ok"
    assert w.events("faulty") == ["broken", "recovered"]

    faults.set("/doc", fault.good(2))
    changed = w.run()["faulty"]
    assert changed.status == "changed", changed
    assert w.events("faulty") == ["broken", "recovered"]
    assert w.health_rows("faulty") == [("broken", "sent"), ("recovered", "sent")]
    assert w.printed("Faulty source: source BROKEN") == 1
    assert w.printed("Faulty source: source recovered") == 1
    before = w.query("SELECT before FROM changes WHERE source_id = 'faulty'")
    assert before == [(good,)], "the change is computed against the snapshot kept through the outage"


def test_retry_after_is_remembered(faults, watch):
    faults.set("/doc", respond(503, "maintenance", headers={"Retry-After": "120"}))
    w = watch([{"id": "faulty", "url": faults.url("/doc"), "kind": "page"}])
    w.run()
    until = datetime.fromisoformat(w.source_row("faulty")["retry_after_until"])
    assert 100 <= (until - datetime.now(UTC)).total_seconds() <= 121


def test_invalid_tls_certificate_is_never_trusted(tls_faults, watch):
    """A self-signed certificate for 127.0.0.1: the fetch fails with reason "tls" before any
    request is sent, and nothing from that server is ever stored."""
    w = watch([{"id": "faulty", "name": "Faulty source", "url": tls_faults.url("/doc"), "kind": "page"}])
    tls_faults.set("/doc", rule_page(1))
    for failures in range(1, AFTER_FAILURES + 2):
        outcome = w.run()["faulty"]
        assert (outcome.status, outcome.reason) == ("failed", "tls"), outcome
        assert "certificate" in (outcome.error or "").lower()
        assert w.source_row("faulty")["state"] == ("broken" if failures >= AFTER_FAILURES else "failing")
    assert tls_faults.hits == [], "no HTTP request may travel over an untrusted connection"
    assert w.source_row("faulty")["latest"] is None
    assert w.versions("faulty") == []
    assert w.events("faulty") == ["broken"]
    assert w.printed("Faulty source: source BROKEN") == 1


def test_retry_after_defers_the_hosts_other_sources_with_a_clear_reason(faults, watch):
    """A 503 + Retry-After holds the whole host (politeness); sources queued behind it on
    that host say they were deferred, at once, instead of sitting out their time limit and
    reporting a timeout. Sources on other hosts are untouched."""
    faults.set("/doc", rule_page(1))
    faults.set("/down", respond(503, "maintenance", headers={"Retry-After": "120"}))
    w = watch(
        [
            {"id": "down", "url": faults.url("/down"), "kind": "page"},
            {"id": "queued-1", "url": faults.url("/doc"), "kind": "page"},
            {"id": "queued-2", "url": faults.url("/doc"), "kind": "page"},
        ],
        limits={"timeout": 3, "per_host": 1},
    )
    outcomes = w.run()
    assert (outcomes["down"].reason, outcomes["down"].http_status) == ("http", 503)
    queued = [o for o in outcomes.values() if o.source_id.startswith("queued")]
    deferred = [o for o in queued if o.status == "failed"]
    assert all(o.status == "baseline" or o.reason == "deferred" for o in queued), queued
    assert deferred, "per_host = 1: at least one source waited behind the 503"
    for outcome in deferred:
        assert "asked clients to wait" in (outcome.error or "") and outcome.duration < 3
        assert w.source_row(outcome.source_id)["retry_after_until"] is not None
