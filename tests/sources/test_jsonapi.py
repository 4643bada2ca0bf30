"""The `json` kind: the Federal Register response, missing results, bad JSON, pagination, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from passes import Passes, fetched, make_config, source_for

from sources.jsonapi import JsonApi
from watcher.errors import ExtractError

PAGES = Path(__file__).resolve().parent.parent / "pages"
FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text(encoding="utf-8"))


def extract(data, **options):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return JsonApi().extract(
        fetched(body, "https://www.federalregister.gov/api/v1/documents.json", "application/json"),
        source_for("json", **options),
    )


def test_federal_register_defaults():
    snapshot = extract(FR, fields=["type", "effective_on"])
    assert len(snapshot.items) == 20
    by_key = {i.key: i for i in snapshot.items}
    hti1 = by_key["document_number:2023-28857"]
    assert hti1.title.startswith("Health Data, Technology, and Interoperability")
    assert (
        hti1.link
        == "https://www.federalregister.gov/documents/2024/01/09/2023-28857/" + (hti1.link.rsplit("/", 1)[1])
    )
    assert hti1.date == "2024-01-09"
    assert hti1.summary.startswith("This final rule")
    assert dict(hti1.fields)["type"] == "Rule"
    assert any(not i.summary for i in snapshot.items)  # a null abstract is an empty summary
    assert any("&" in i.title for i in snapshot.items)


TABLE = [
    # description, body, options, expected keys
    ("no results key: nothing matched", {"count": 0, "description": "Documents matching..."}, {}, []),
    ("empty results", {"count": 0, "results": []}, {}, []),
    (
        "nested path and composite key (eCFR versions)",
        {
            "content_versions": [
                {
                    "identifier": "164.512",
                    "amendment_date": "2024-06-25",
                    "name": "§ 164.512 Uses and disclosures.",
                },
                {
                    "identifier": "164.512",
                    "amendment_date": "2013-01-25",
                    "name": "§ 164.512 Uses and disclosures.",
                },
            ]
        },
        {
            "items": "content_versions",
            "key": ["identifier", "amendment_date"],
            "title": "name",
            "link": "",
            "date": "amendment_date",
            "summary": "",
        },
        ["identifier:164.512@2024-06-25", "identifier:164.512@2013-01-25"],
    ),
    (
        "root list with HTML values (FDA guidance index)",
        [
            {
                "title": "Cybersecurity in Medical Devices",
                "field_final_guidance_1": "Final",
                "field_associated_media_2": '<a href="/media/119933/download">Download</a>',
                "field_issue_datetime": '<time datetime="2023-09-27T12:00:00Z">09/27/2023</time>',
            }
        ],
        {
            "items": "",
            "key": ["title", "field_final_guidance_1"],
            "link": "field_associated_media_2",
            "date": "field_issue_datetime",
            "summary": "",
        },
        ["title:Cybersecurity in Medical Devices@Final"],
    ),
    (
        "records without an id fall back to the canonical link",
        {"results": [{"title": "A", "html_url": "https://example.gov/a?utm_source=x#frag"}]},
        {},
        ["https://example.gov/a"],
    ),
    (
        "where keeps matching records only",
        {
            "results": [
                {
                    "document_number": "1",
                    "title": "A",
                    "agencies": [{"name": "Health and Human Services Department"}],
                },
                {"document_number": "2", "title": "B", "agencies": [{"name": "Transportation Department"}]},
                {
                    "document_number": "3",
                    "title": "C",
                    "agencies": [{"raw_name": "HEALTH AND HUMAN SERVICES"}],
                },
            ]
        },
        {"where": {"agencies": "health and human services"}},
        ["document_number:1", "document_number:3"],
    ),
]


@pytest.mark.parametrize(("what", "data", "options", "keys"), TABLE, ids=[t[0] for t in TABLE])
def test_json_records(what, data, options, keys):
    assert [i.key for i in extract(data, **options).items] == keys


def test_fda_html_values_become_text_and_links():
    _, data, options, _ = TABLE[3]
    [item] = extract(data, **options).items
    assert item.link == "https://www.federalregister.gov/media/119933/download"
    assert item.date == "2023-09-27T12:00:00+00:00"


BAD = [
    ("truncated", json.dumps(FR).encode()[:5000], "truncated JSON"),
    ("invalid", b'{"results": [1, 2,, 3]}', "invalid JSON"),
    ("html", b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", "an HTML/XML page"),
    ("empty", b"  ", "empty"),
]


@pytest.mark.parametrize(("what", "body", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_json_is_not_json(what, body, words):
    with pytest.raises(ExtractError) as caught:
        extract(body)
    assert caught.value.reason == "not_json"
    assert words in str(caught.value)


def test_items_path_that_is_not_a_list_is_a_clear_error():
    with pytest.raises(ExtractError, match="holds a dict, not a list"):
        extract({"results": {"a": 1}})


def _page(docs, next_url=None):
    data = {"count": 3, "results": docs}
    if next_url:
        data["next_page_url"] = next_url
        data["total_pages"] = 2
    return json.dumps(data)


def test_pagination_follows_next_page_url_up_to_the_cap(site, tmp_path):
    docs = FR["results"]
    site.set(
        "/api/docs.json", _page(docs[:2], site.url("/api/docs.json?page=2")), content_type="application/json"
    )
    site.set(
        "/api/docs.json?page=2",
        _page(docs[2:4], site.url("/api/docs.json?page=3")),
        content_type="application/json",
    )
    site.set(
        "/api/docs.json?page=3", _page(docs[4:6], site.url("/api/docs.json")), content_type="application/json"
    )
    source = {"id": "us-fr-test", "url": site.url("/api/docs.json"), "kind": "json"}
    passes = Passes(make_config(tmp_path, [source], limits={"max_pages": 2}), tmp_path / "regwatch.db")
    assert passes.one().summary == "baseline: 4 item(s)"  # the cap stops at page 2
    assert len(site.hits("/api/docs.json?page=3")) == 0
    uncapped = Passes(make_config(tmp_path, [source], database=str(tmp_path / "b.db")), tmp_path / "b.db")
    assert uncapped.one().summary == "baseline: 6 item(s)"  # page 3 links back to page 1: the loop ends


def test_federal_register_gains_a_document_end_to_end(site, config_file, cli):
    site.set("/api/v1/documents.json", json.dumps(FR), content_type="application/json")
    config = config_file(
        sources=[
            {
                "id": "us-fr-hhs",
                "url": site.url("/api/v1/documents.json"),
                "kind": "json",
                "next": "",
                "tags": ["hipaa"],
            }
        ]
    )
    first = cli("--config", str(config), "check")
    assert "us-fr-hhs: baseline stored - baseline: 20 item(s)" in first.stderr, first.stderr
    new = {
        "document_number": "2024-01234",
        "title": "HIPAA Privacy Rule To Support Reproductive Health Care Privacy",
        "type": "Rule",
        "abstract": "The Department is issuing this final rule to modify the Standards for Privacy.",
        "publication_date": "2024-04-26",
        "html_url": "https://www.federalregister.gov/documents/2024/04/26/2024-01234/hipaa-privacy-rule",
    }
    moved = dict(FR, results=[new, *reversed(FR["results"])])  # also re-ordered: not a change
    site.set("/api/v1/documents.json", json.dumps(moved), content_type="application/json")
    second = cli("--config", str(config), "check")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("[regwatch]") == 1
    assert "[regwatch] us-fr-hhs: 1 new document\n" in second.stdout  # the line built from the change
    assert "  New: HIPAA Privacy Rule To Support Reproductive Health Care Privacy" in second.stdout
    assert "removed" not in second.stdout and "Changed" not in second.stdout
    assert new["html_url"] in second.stdout


def test_missing_results_key_is_not_a_failure(site, tmp_path):
    site.set(
        "/empty.json",
        json.dumps({"count": 0, "description": "No documents"}),
        content_type="application/json",
    )
    passes = Passes(
        make_config(tmp_path, [{"id": "q", "url": site.url("/empty.json"), "kind": "json"}]),
        tmp_path / "regwatch.db",
    )
    assert passes.one().status == "baseline"
    assert passes.one().status == "unchanged"
