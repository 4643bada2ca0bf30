"""Analyst history through the real CLI, on a history built by real checks of a local site."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from analyst_history import (
    BASELINE_PARAS,
    EDITED_PARAS,
    FINAL_RULE,
    FOLLOWED_TEXT,
    HHS_B,
    HHS_B2,
    HHS_C,
    HHS_D,
    build_history,
    invoke,
)
from localsite import Site


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    site = Site()
    try:
        yield build_history(tmp_path_factory.mktemp("history"), site)
    finally:
        site.close()


@pytest.fixture
def rw(history):
    """Run `regwatch --db <history db> ...` in-process (click's runner: the same command
    line, without a Python start-up per call); subprocess runs are in test_history_e2e.py."""

    def run(*args: str, ok: bool = True):
        result = invoke("--db", str(history.db), *args)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def ids(result) -> list[int]:
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def test_json_is_one_document_and_jsonl_one_object_per_line(rw):
    as_json = json.loads(rw("history", "--json").stdout)
    as_lines = [json.loads(line) for line in rw("history", "--jsonl").stdout.splitlines()]
    assert isinstance(as_json, list) and as_json == as_lines and len(as_json) >= 5
    assert json.loads(rw("history", "--format", "json").stdout) == as_json
    both = rw("history", "--json", "--format", "csv", ok=False)
    assert both.returncode == 2 and "choose one output format" in both.stderr


def change_id(history, source_id: str, detected: str) -> int:
    with sqlite3.connect(history.db) as db:
        return db.execute(
            "SELECT id FROM changes WHERE source_id = ? AND detected_at LIKE ?", [source_id, detected + "%"]
        ).fetchone()[0]


# -- history ---------------------------------------------------------------------------


def test_history_lists_every_change_newest_first(rw):
    rows = [json.loads(line) for line in rw("history", "--format", "jsonl").stdout.splitlines()]
    assert [r["detected_at"][:10] for r in rows] == sorted(
        (r["detected_at"][:10] for r in rows), reverse=True
    )
    assert len(rows) == 7  # edit, 2 x july, 2 x august, october, recent
    edit = next(r for r in rows if r["source_id"] == "us-hhs-security-rule")
    assert edit["kinds"] == ["edited"]
    assert edit["regulator"] == "HHS" and edit["jurisdiction"] == "US"
    assert edit["tags"] == ["hipaa", "security"]
    assert f"-{BASELINE_PARAS[1]}" in edit["diff"]
    assert f"+{EDITED_PARAS[1]}" in edit["diff"]


def test_history_filters_by_source_tag_jurisdiction_regulator(rw, history):
    by_source = rw("history", "--source", "eu-edpb-news", "--jsonl")
    assert {json.loads(line)["source_id"] for line in by_source.stdout.splitlines()} == {"eu-edpb-news"}
    by_tag = rw("history", "--tag", "security", "--jsonl")
    assert ids(by_tag) == [change_id(history, "us-hhs-security-rule", "2024-03-01")]
    by_tag_any = rw("history", "--tag", "security", "--tag", "AI", "--jsonl")  # tags match any, any case
    sources = {json.loads(line)["source_id"] for line in by_tag_any.stdout.splitlines()}
    assert sources == {"us-hhs-security-rule", "eu-edpb-news"}
    eu = rw("history", "--jurisdiction", "eu", "--jsonl")
    assert {json.loads(line)["jurisdiction"] for line in eu.stdout.splitlines()} == {"EU"}
    hhs = rw("history", "--regulator", "HHS", "--jsonl")
    assert {json.loads(line)["source_id"] for line in hhs.stdout.splitlines()} == {
        "us-hhs-hipaa-news",
        "us-hhs-security-rule",
    }
    nothing = rw("history", "--source", "in-meity-dpdp", "--jsonl")  # it only ever failed
    assert nothing.stdout == ""


def test_history_filters_by_kind_of_change(rw):
    def kinds(*flags):
        result = rw("history", *flags, "--jsonl")
        return [(r["source_id"], r["kinds"]) for r in map(json.loads, result.stdout.splitlines())]

    assert kinds("--kind", "edited") == [("us-hhs-security-rule", ["edited"])]
    assert kinds("--kind", "removed") == [("eu-edpb-news", ["added", "removed"])]
    assert kinds("--kind", "changed") == [("us-hhs-hipaa-news", ["changed"])]
    added = kinds("--kind", "added")
    assert len(added) == 5 and all("added" in k for _, k in added)
    assert len(kinds("--kind", "edited", "--kind", "changed")) == 2
    bad = rw("history", "--kind", "deleted", ok=False)
    assert bad.returncode == 2 and "deleted" in bad.stderr


def test_history_date_range_is_inclusive_of_whole_days(rw):
    q3 = [
        json.loads(line)
        for line in rw(
            "history", "--since", "2024-07-01", "--until", "2024-09-30", "--jsonl"
        ).stdout.splitlines()
    ]
    assert {r["detected_at"][:10] for r in q3} == {"2024-07-15", "2024-08-20"}
    one_day = rw("history", "--since", "2024-03-01", "--until", "2024-03-01", "--jsonl")
    assert len(one_day.stdout.splitlines()) == 1
    recent = rw("history", "--since", "7d", "--jsonl")
    assert [json.loads(line)["summary"] for line in recent.stdout.splitlines()] == [
        f"1 new item: \u201c{FINAL_RULE}\u201d"
    ]
    limited = rw("history", "--limit", "2", "--jsonl")
    assert len(limited.stdout.splitlines()) == 2


@pytest.mark.parametrize("value", ["2024-13-01", "last tuesday", "7 parsecs"])
def test_history_rejects_bad_dates_with_the_accepted_forms(rw, value):
    result = rw("history", "--since", value, ok=False)
    assert result.returncode == 2
    assert "--since" in result.stderr and "date" in result.stderr
    assert "Traceback" not in result.stderr


def test_history_formats_table_json_csv(rw, history):
    table = rw("history", "--regulator", "EDPB")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "DETECTED", "(UTC)", "SOURCE", "KIND", "SUMMARY"]
    assert any("eu-edpb-news" in line and "added, removed" in line for line in lines[1:])

    array = json.loads(rw("history", "--format", "json").stdout)
    assert isinstance(array, list) and len(array) == 7
    # a known source without changes: an empty array (an unknown one is an error, exit 2)
    assert json.loads(rw("history", "--format", "json", "--source", "in-meity-dpdp").stdout) == []

    text = rw("history", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    by_id = {int(r["id"]): r for r in rows}
    edit = by_id[change_id(history, "us-hhs-security-rule", "2024-03-01")]
    assert edit["source_name"] == "HHS Security Rule summary"
    assert json.loads(edit["tags"]) == ["hipaa", "security"]
    assert f"+{EDITED_PARAS[1]}" in json.loads(edit["diff"])
    july = by_id[change_id(history, "us-hhs-hipaa-news", "2024-07-15")]
    assert [i["title"] for i in json.loads(july["added"])] == [HHS_C[1]]


def test_hostile_titles_are_defused_in_every_format(rw):
    table = rw("history", "--source", "eu-edpb-news").stdout
    assert "\x1b" not in table and "\x07" not in table
    shown = rw("show", str(_edpb_july(rw))).stdout
    assert "\x1b" not in shown and "=HYPERLINK" in shown
    items = list(csv.DictReader(io.StringIO(rw("export", "--what", "items", "--format", "csv").stdout)))
    hostile = next(r for r in items if "HYPERLINK" in r["title"])
    assert hostile["title"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    raw = list(
        csv.DictReader(io.StringIO(rw("export", "--what", "items", "--format", "csv", "--raw-csv").stdout))
    )
    assert next(r for r in raw if "HYPERLINK" in r["title"])["title"].startswith("=HYPERLINK")
    found = rw("search", "notice").stdout
    assert "\x1b" not in found and "\x07" not in found


def _edpb_july(rw) -> int:
    rows = rw(
        "history", "--source", "eu-edpb-news", "--since", "2024-07-15", "--until", "2024-07-15", "--jsonl"
    )
    return json.loads(rows.stdout.splitlines()[0])["id"]


# -- show ------------------------------------------------------------------------------


def test_show_unified_side_by_side_and_json(rw, history):
    edit = change_id(history, "us-hhs-security-rule", "2024-03-01")
    unified = rw("show", str(edit)).stdout
    assert "Summary: text edited (+1 / -1 lines)" in unified
    assert f"  -{BASELINE_PARAS[1]}" in unified and f"  +{EDITED_PARAS[1]}" in unified

    sbs = rw("show", str(edit), "--format", "side-by-side", "--width", "200").stdout.splitlines()
    header = next(i for i, line in enumerate(sbs) if line.startswith("before"))
    row = next(line for line in sbs[header:] if " | " in line)
    left, right = row.split(" | ", 1)
    assert left.strip() == BASELINE_PARAS[1] and right.strip() == EDITED_PARAS[1]
    assert any(line.startswith(EDITED_PARAS[0]) for line in sbs)  # unchanged context on both sides

    changed = change_id(history, "us-hhs-hipaa-news", "2024-08-20")
    text = rw("show", str(changed)).stdout
    assert f"Changed: {HHS_B[1]} -> {HHS_B2[1]}" in text
    data = json.loads(rw("show", str(changed), "--format", "json").stdout)
    assert data["id"] == changed and data["changed"][0]["after"]["title"] == HHS_B2[1]
    assert json.loads(rw("show", str(changed), "--json").stdout) == data

    missing = rw("show", "9999", ok=False)
    assert missing.returncode == 2 and "no change with id 9999" in missing.stderr


# -- snapshot --------------------------------------------------------------------------


def test_snapshot_at_a_past_date_is_what_was_served_then(rw):
    before = rw("snapshot", "us-hhs-security-rule", "--at", "2024-02-20")
    assert before.stdout.splitlines() == ["The HIPAA Security Rule", *BASELINE_PARAS]
    assert "first seen 2024-01-10" in before.stderr and "replaced 2024-03-01" in before.stderr

    that_day = rw("snapshot", "us-hhs-security-rule", "--at", "2024-03-01")  # the end of that day
    assert that_day.stdout.splitlines() == ["The HIPAA Security Rule", *EDITED_PARAS]
    assert "appeared during 2024-03-01" in that_day.stderr
    morning = rw("snapshot", "us-hhs-security-rule", "--at", "2024-03-01T11:59")
    assert morning.stdout.splitlines()[-1] == BASELINE_PARAS[1]

    listing = rw("snapshot", "us-hhs-hipaa-news", "--at", "2024-08-01", "--format", "json")
    data = json.loads(listing.stdout)
    titles = [i["title"] for i in data["items"]]
    assert titles == [HHS_C[1], "HHS settles HIPAA case with Acme Health", HHS_B[1]]
    assert HHS_D[1] not in listing.stdout and data["version"]["first_seen"].startswith("2024-07-15")

    versions = rw("snapshot", "us-hhs-hipaa-news", "--list").stdout.splitlines()
    assert [v[:10] for v in versions] == [
        "2024-01-10",
        "2024-07-15",
        "2024-08-20",
        "2024-10-01",
        versions[-1][:10],
    ]
    assert versions[0].endswith("baseline") and "change" in versions[1]


def test_snapshot_errors_name_the_fix(rw):
    early = rw("snapshot", "us-hhs-security-rule", "--at", "2023-12-31", ok=False)
    assert early.returncode == 1 and "first version is from 2024-01-10" in early.stderr
    typo = rw("snapshot", "us-hhs-security-rul", ok=False)
    assert typo.returncode == 2 and "did you mean us-hhs-security-rule" in typo.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("history", "--source", "us-hhs-hipaa-new"),
        ("export", "--source", "us-hhs-hipaa-new"),
        ("search", "rule", "--source", "us-hhs-hipaa-new"),
        ("diff", "us-hhs-hipaa-new", "--from", "2024-02-01"),
    ],
)
def test_an_unknown_source_suggests_the_closest_and_exits_2(rw, args):
    result = rw(*args, ok=False)
    assert result.returncode == 2, result.stderr
    assert (
        "no source 'us-hhs-hipaa-new'" in result.stderr and "did you mean us-hhs-hipaa-news" in result.stderr
    )


# -- diff between two dates ------------------------------------------------------------


def test_diff_between_two_dates_of_a_page(rw):
    result = rw("diff", "us-hhs-security-rule", "--from", "2024-02-01", "--to", "2024-04-01")
    assert "-Addressable implementation specifications allow" in result.stdout
    assert "+All implementation specifications become required" in result.stdout
    assert "version of 2024-01-10" in result.stderr and "version of 2024-03-01" in result.stderr
    same = rw("diff", "us-hhs-security-rule", "--from", "2024-03-02", "--to", "2024-06-01")
    assert same.stdout.strip() == "no difference"


def test_diff_of_a_listing_names_items_and_has_json(rw):
    data = json.loads(
        rw(
            "diff", "us-hhs-hipaa-news", "--from", "2024-02-01", "--to", "2024-09-01", "--format", "json"
        ).stdout
    )
    assert [i["title"] for i in data["added"]] == [HHS_C[1]]
    assert [(c["before"]["title"], c["after"]["title"]) for c in data["changed"]] == [(HHS_B[1], HHS_B2[1])]
    assert data["same"] is False and data["from"]["first_seen"].startswith("2024-01-10")
    side = rw(
        "diff", "us-hhs-security-rule", "--from", "2024-02-01", "--format", "side-by-side", "--width", "120"
    )
    assert "|" in side.stdout and "Addressable" in side.stdout


def test_diff_errors_name_the_fix(rw):
    early = rw("diff", "us-hhs-security-rule", "--from", "2023-01-01", ok=False)
    assert early.returncode == 1 and "no version of us-hhs-security-rule" in early.stderr
    backwards = rw("diff", "us-hhs-security-rule", "--from", "2024-05-01", "--to", "2024-02-01", ok=False)
    assert backwards.returncode == 2 and "is after --to" in backwards.stderr


# -- search ----------------------------------------------------------------------------


def test_search_finds_text_only_in_a_since_removed_version(rw):
    result = rw("search", "addressable", "--in", "versions", "--format", "json")
    hits = json.loads(result.stdout)
    assert len(hits) == 1
    assert hits[0]["source_id"] == "us-hhs-security-rule" and hits[0]["at"].startswith("2024-01-10")
    assert "**Addressable**" in hits[0]["snippet"]
    # ...and the page today no longer has it
    now = rw("snapshot", "us-hhs-security-rule").stdout
    assert "Addressable" not in now


def test_search_covers_documents_followed_text_and_changes(rw):
    table = rw("search", "algorithmic transparency").stdout  # only in a followed document's text
    assert HHS_C[1] in table and "**algorithmic** **transparency**" in table
    changes = json.loads(rw("search", "AI models", "--in", "changes", "--format", "json").stdout)
    assert [h["scope"] for h in changes] == ["change"] and changes[0]["title"].startswith("1 new item")
    removed = json.loads(rw("search", "legitimate interest", "--in", "items", "--format", "json").stdout)
    assert removed[0]["removed_at"].startswith("2024-08-20")  # a document since taken down


def test_search_filters_and_counts(rw):
    q1 = json.loads(
        rw(
            "search", "security rule", "--regulator", "HHS", "--since", "2024-01-01", "--format", "json"
        ).stdout
    )
    assert {h["source_id"] for h in q1} == {"us-hhs-security-rule", "us-hhs-hipaa-news"}
    only_edpb = json.loads(rw("search", "AI", "--source", "eu-edpb-news", "--format", "json").stdout)
    assert only_edpb and {h["source_id"] for h in only_edpb} == {"eu-edpb-news"}
    counts = json.loads(
        rw(
            "search",
            "AI",
            "--in",
            "items",
            "--since",
            "2024-07-01",
            "--until",
            "2024-09-30",
            "--count-by",
            "regulator",
            "--format",
            "json",
        ).stdout
    )
    assert [(c["regulator"], c["items"]) for c in counts] == [("EDPB", 2), ("HHS", 1)]
    newest = json.loads(rw("search", "guidance", "--newest", "--format", "json").stdout)
    assert [h["at"] for h in newest] == sorted((h["at"] for h in newest), reverse=True)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("Security Rule's (NPRM)", "no matches"),
        ('AI-driven "', "no matches"),
        ("NEAR(x y", "no matches"),
        ("col:umn -x *", "no matches"),
        ("OR", "empty search"),
    ],
)
def test_search_survives_punctuation_and_operators(rw, query, said):
    result = rw("search", query, ok=False)
    # words, never FTS5 syntax errors: these match nothing (exit 1, like grep) or are empty
    assert result.returncode == 1, result.stderr
    assert said in result.stderr and "bad search query" not in result.stderr
    assert "Traceback" not in result.stderr
    assert rw("search", "(Security-Rule)").returncode == 0  # punctuation around words that match


def test_search_words_are_all_required_and_or_works(rw):
    both = json.loads(rw("search", "security update", "--in", "items", "--format", "json").stdout)
    assert [h["title"] for h in both] == [HHS_D[1]]
    either = json.loads(rw("search", "acme OR tracking", "--in", "items", "--format", "json").stdout)
    assert len(either) == 2


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("legitimat*", "Guidelines 01/2024 on legitimate interest"),  # indexed as "legitim"
        ("transparen* algorithm*", HHS_C[1]),  # "transpar", in the followed text
        ("Trackin*", HHS_B2[1]),  # case does not matter; "track"
    ],
)
def test_prefix_search_works_on_the_stemmed_index(rw, query, title):
    hits = json.loads(rw("search", query, "--in", "items", "--format", "json").stdout)
    assert title in [h["title"] for h in hits]


def test_search_without_a_match_exits_1_like_grep(rw):
    result = rw("search", "xylophone", ok=False)
    assert result.returncode == 1 and "no matches" in result.stderr
    as_json = rw("search", "xylophone", "--format", "json", ok=False)
    assert as_json.returncode == 1 and json.loads(as_json.stdout) == []


def test_search_raw_fts_syntax_and_its_errors(rw):
    near = json.loads(rw("search", "NEAR(security update, 3)", "--raw", "--format", "json").stdout)
    assert any(HHS_D[1] in h["title"] for h in near)
    bad = rw("search", "NEAR(", "--raw", ok=False)
    assert bad.returncode == 1 and "bad search query" in bad.stderr and "Traceback" not in bad.stderr
    empty = rw("search", "   ", ok=False)
    assert empty.returncode == 1 and "empty search" in empty.stderr


# -- export ----------------------------------------------------------------------------


def test_export_streams_each_history_for_other_tools(rw, history):
    with sqlite3.connect(history.db) as db:
        counts = {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("checks", "items", "versions")
        }
    checks = [json.loads(line) for line in rw("export", "--what", "checks").stdout.splitlines()]
    assert len(checks) == counts["checks"] == 28  # 4 sources x 7 passes
    assert [c["at"] for c in checks] == sorted(c["at"] for c in checks)  # oldest first
    assert {c["status"] for c in checks} >= {"baseline", "unchanged", "changed", "failed"}

    items = list(csv.DictReader(io.StringIO(rw("export", "--what", "items", "--format", "csv").stdout)))
    assert len(items) == counts["items"]
    followed = next(r for r in items if r["title"] == HHS_C[1])
    assert followed["text"] == FOLLOWED_TEXT and followed["published"] == HHS_C[0]

    versions = json.loads(rw("export", "--what", "versions", "--format", "json").stdout)
    assert len(versions) == counts["versions"]

    since = [json.loads(line) for line in rw("export", "--since", "2024-08-01").stdout.splitlines()]
    assert since and all(r["detected_at"] >= "2024-08-01" for r in since)
    assert [r["detected_at"] for r in since] == sorted(r["detected_at"] for r in since)
    csv_changes = list(
        csv.reader(io.StringIO(rw("export", "--format", "csv", "--until", "2024-03-31").stdout))
    )
    assert csv_changes[0][:3] == ["id", "detected_at", "source_id"] and len(csv_changes) == 2


def test_commands_on_a_missing_database_say_so(cli, tmp_path):
    for args in (["history"], ["search", "x"], ["export"], ["snapshot", "x"]):
        result = cli("--db", str(tmp_path / "none.db"), *args)
        assert result.returncode == 1 and "no database" in result.stderr, args
        assert not (tmp_path / "none.db").exists()
