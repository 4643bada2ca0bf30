"""What one `regwatch check` loads: a pass where nothing changed loads none of the change
path's modules, an extraction worker none of what its pages do not need, and the config is
read as the standard library's TOML 1.0 parser reads it (issue 18, the fixed cost of a pass).

Behavioural, never timed: the modules a real `python -m watcher check` process holds when it
exits (an atexit hook writes `sys.modules`), against a real HTTP server on 127.0.0.1 serving
a real regulator page (tests/pages/catalog/us-hhs-hipaa-news.html, its catalog selectors).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from localsite import Site
from workerkinds import Introspecting

from sources.listing import Listing
from watcher.check.workers import ProcessExtractor
from watcher.config import load_config
from watcher.errors import ConfigError
from watcher.model import FetchResult, Source

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "tests" / "pages" / "catalog" / "us-hhs-hipaa-news.html"
#: The catalog's selectors for that page (sources/catalog/us.toml, us-hhs-hipaa-news).
SELECTORS = {
    "select": "li.usa-collection__item",
    "title": "h3.usa-collection__heading a",
    "link": "h3.usa-collection__heading a",
    "date": "time[datetime]",
    "summary": ".usa-collection__description",
}
#: Loaded only to link a change to related articles (watcher/check/enrich.py imports it then).
LINKING = "watcher.related.linking"
#: Loaded only when `[summary]` is configured (the model's summaries of changes).
SUMMARIES = ("watcher.check.summarize", "watcher.summary.client")


def _check(config: Path, tmp_path: Path) -> tuple[set[str], str]:
    """Run `python -m watcher --config CONFIG check`; the modules it held at exit, and its stderr."""
    out = tmp_path / "modules.json"
    out.unlink(missing_ok=True)
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atexit, json, runpy, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['regwatch', '--config', {str(config)!r}, 'check']\n"
        "runpy.run_module('watcher', run_name='__main__')\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in ("REGWATCH_CONFIG", "REGWATCH_DB", "SLACK_BOT_TOKEN"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, str(probe)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    return set(json.loads(out.read_text(encoding="utf-8"))), done.stderr


def test_a_pass_where_nothing_changed_loads_no_linking_and_a_change_does(tmp_path):
    """Nor does any check load the summary client without `[summary]`."""
    page = PAGE.read_text(encoding="utf-8")
    site = Site()
    try:
        site.set("/news", page, etag=True)
        config = tmp_path / "regwatch.toml"
        lines = [f'database = "{tmp_path / "regwatch.db"}"', "allow_private = true", ""]
        lines += ["[[channels]]", 'id = "console"', 'kind = "console"', ""]
        lines += [
            "[[sources]]",
            'id = "us-hhs-hipaa-news"',
            f'url = "{site.url("/news")}"',
            'kind = "listing"',
        ]
        lines += [f"{key} = {json.dumps(value)}" for key, value in SELECTORS.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")

        _, stderr = _check(config, tmp_path)
        assert "us-hhs-hipaa-news: baseline stored" in stderr, stderr

        loaded, stderr = _check(config, tmp_path)
        assert "us-hhs-hipaa-news: unchanged (304)" in stderr, stderr
        assert "watcher.net.transport" in loaded  # it did fetch
        linking = sorted(
            m for m in loaded if m.startswith("watcher.related.") and m != "watcher.related.values"
        )
        assert linking == []
        assert not set(SUMMARIES) & loaded

        # The regulator posts one more item (written as the page writes its items): the change
        # is linked to related articles, so linking is loaded then.
        first = page.index('<li class="usa-collection__item')
        added = (
            '<li class="usa-collection__item"><div class="usa-collection__body"><h3 class="usa-collection__heading">'
            '<a class="usa-link" href="/press-room/hhs-ocr-settles-phishing-investigation.html">HHS Office for '
            "Civil Rights Settles HIPAA Phishing Investigation</a></h3>\n"
            '<p class="usa-collection__description">OCR announced a settlement over a phishing attack.</p>\n'
            '<ul class="usa-collection__meta"><li class="usa-collection__meta-item">'
            '<time datetime="2024-11-07">November 7, 2024</time></li></ul></div></li>\n'
        )
        site.set("/news", page[:first] + added + page[first:], etag=True)
        loaded, stderr = _check(config, tmp_path)
        assert "us-hhs-hipaa-news: CHANGED" in stderr, stderr
        assert LINKING in loaded, stderr
        assert not set(SUMMARIES) & loaded  # no [summary] in this config: no model client
    finally:
        site.close()


def test_a_worker_reading_iso_dates_does_not_load_dateutil():
    """The worker imports what its pages need: `<time datetime>` dates are read without dateutil,
    and the same worker still reads a date written out in words (loading it then)."""
    body = PAGE.read_bytes()
    fetched = FetchResult(url="https://www.hhs.gov/", final_url="https://www.hhs.gov/", status=200, body=body)
    source = Source(
        id="us-hhs-hipaa-news",
        url="https://www.hhs.gov/",
        kind="listing",
        options=Listing.Options(**SELECTORS),
    )
    words = body.replace(b'<time datetime="2024-10-31"', b'<time datetime="October 31, 2024"', 1)
    assert words != body
    worded = FetchResult(url="https://www.hhs.gov/", final_url="https://www.hhs.gov/", status=200, body=words)
    probe = Source(id="t", url="https://www.hhs.gov/", kind="introspecting")

    async def go() -> tuple[list[str | None], set[str], list[str | None], set[str]]:
        with ProcessExtractor(1, min_bytes=0) as extractor:  # every page to the worker
            iso = await extractor(Listing(), fetched, source)
            before = set((await extractor(Introspecting(), fetched, probe)).blocks[1:])
            written = await extractor(Listing(), worded, source)
            after = set((await extractor(Introspecting(), fetched, probe)).blocks[1:])
        return [item.date for item in iso.items], before, [item.date for item in written.items], after

    dates, before, written, after = asyncio.run(go())
    assert "2024-10-31" in dates and "sources.listing" in before
    assert not sorted(m for m in before if m.startswith("dateutil"))
    assert written == dates  # the date in words reads as the same day
    assert "dateutil.parser" in after


TOML_1_1_ONLY = [
    "a = {x = 1,\n y = 2}",  # newlines and a trailing comma in an inline table
    'a = "\\e"',  # the \e escape
    'a = "\\x41"',  # the \x escape
    "a = 10:30",  # a time without seconds
]


@pytest.mark.parametrize("text", TOML_1_1_ONLY)
def test_the_config_reads_toml_1_0_as_the_standard_library_does(tmp_path, text):
    """The config's parser (a compiled build of tomllib's own) refuses what tomllib refuses,
    with tomllib's message: no TOML 1.1 syntax that the standard library would reject."""
    with pytest.raises(tomllib.TOMLDecodeError) as stdlib:
        tomllib.loads(text)
    config = tmp_path / "regwatch.toml"
    config.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert f"not valid TOML: {stdlib.value}" in str(caught.value)
