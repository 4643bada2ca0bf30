"""With `[service] public_url`, Slack alerts link to a read-only page of the change served
on the service's HTTP port; without it they carry no "Full change" line."""

from __future__ import annotations

import urllib.error
import urllib.request

from servicerun import Service
from workflowcase import ENV, make_change

from alerts.slack_render import render_message
from watcher.model import Alert, Change, SourceInfo


def context_texts(message: dict) -> list[str]:
    return [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]


def test_no_public_url_no_full_change_line(site, cli, slack, tmp_path):
    make_change(site, cli, tmp_path, slack=slack)
    (message,) = slack.messages("C0COMPLY01")
    assert not any("Full change" in t or "regwatch show" in t for t in context_texts(message))


def test_public_url_links_to_a_read_only_change_page(site, cli, slack, tmp_path):
    public = "https://regwatch.example.org/"
    config = make_change(site, cli, tmp_path, slack=slack, service={"public_url": public})
    (message,) = slack.messages("C0COMPLY01")
    assert "<https://regwatch.example.org/changes/1|Full change #1>" in context_texts(message)

    service = Service(config, "--health-port", "0", env=ENV).wait_started()  # any free port
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{service.health_port}/changes/1", timeout=10)
        html = page.read().decode()
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<h1>Change 1: HHS news</h1>" in html
        assert (
            f'<a href="{site.url("/news/nprm.html")}" rel="noopener noreferrer">HHS announces HIPAA Security Rule NPRM</a>'
            in html
        )
        status, _, _ = service.get("/changes/99")
        assert status == 404
        post = urllib.request.Request(
            f"http://127.0.0.1:{service.health_port}/changes/1", data=b"x", method="POST"
        )
        try:
            urllib.request.urlopen(post, timeout=10)
            raise AssertionError("POST accepted")
        except urllib.error.HTTPError as exc:
            assert exc.code == 405
    finally:
        assert service.stop() == 0, service.stderr


def test_page_text_is_escaped_in_the_link_and_the_page():
    change = Change(source_id="s", before="a", after="b", id=3, summary="x")
    alert = Alert(key="k", channel="c", source=SourceInfo(id="s", name="S", url=""), change=change)
    blocks = render_message(alert, public_url="https://h.example/<!here>").blocks
    assert not any("<!here>" in str(b) for b in blocks)  # an unsafe URL is never made a link
