"""Credentials stay with their origin: a source's `headers` never follow a redirect elsewhere.

Two real servers on 127.0.0.1 with different ports are different origins (scheme, host,
port). Before, `headers = { Authorization = ..., Cookie = ... }` on a source whose page
redirected to another origin were sent there too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from localsite import Site

from watcher.net.origin import may_carry_headers

SECRETS = {"Authorization": "Bearer s3cret-token", "Cookie": "session=abc123", "X-Api-Key": "k-42"}
PAGE = "<html><body><main><h1>Rule</h1><p>Covered entities must notify.</p></main></body></html>"


@pytest.fixture
def other_site() -> Iterator[Site]:
    other = Site()
    yield other
    other.close()


def _leaked(hit: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in hit.items() if k in ("authorization", "cookie", "x-api-key")}


def _config(config_file, site: Site, **extra):
    return config_file(
        sources=[
            {
                "id": "rule",
                "url": site.url("/start"),
                "kind": "page",
                "select": "main",
                "headers": SECRETS,
                **extra,
            }
        ]
    )


def test_a_redirect_to_another_origin_drops_the_source_headers(site, other_site, config_file, cli):
    site.set("/start", "", status=302, headers={"Location": other_site.url("/landing")})
    other_site.set("/landing", PAGE)
    result = cli("--config", str(_config(config_file, site)), "check")
    assert "rule: baseline stored" in result.stderr, result.stderr
    assert _leaked(site.hits("/start")[0]) == {k.lower(): v for k, v in SECRETS.items()}  # its own origin
    assert _leaked(other_site.hits("/landing")[0]) == {}  # the other origin received none


def test_same_origin_redirects_keep_them(site, config_file, cli):
    site.set("/start", "", status=301, headers={"Location": "/moved"})
    site.set("/moved", PAGE)
    cli("--config", str(_config(config_file, site)), "check")
    assert _leaked(site.hits("/moved")[0])["authorization"] == "Bearer s3cret-token"


def test_a_source_may_name_the_hosts_its_headers_may_follow_to(site, other_site, config_file, cli):
    site.set("/start", "", status=302, headers={"Location": other_site.url("/landing")})
    other_site.set("/landing", PAGE)
    cli("--config", str(_config(config_file, site, headers_hosts=["127.0.0.1"])), "check")
    assert _leaked(other_site.hits("/landing")[0])["cookie"] == "session=abc123"


@pytest.mark.parametrize(
    ("configured", "target", "hosts", "allowed"),
    [
        ("https://a.gov/x", "https://a.gov/y", (), True),
        ("https://a.gov/x", "https://A.GOV:443/y", (), True),
        ("https://a.gov/x", "http://a.gov/y", (), False),  # a downgrade is another origin
        ("https://a.gov/x", "https://a.gov:8443/y", (), False),
        ("https://a.gov/x", "https://b.gov/y", (), False),
        ("https://a.gov/x", "https://sub.a.gov/y", (), False),
        ("https://a.gov/x", "https://b.gov/y", ("b.gov",), True),
        ("https://a.gov/x", "http://b.gov/y", ("b.gov",), False),  # named, but not in clear text
        ("https://a.gov/x", "javascript:alert(1)", ("b.gov",), False),
    ],
)
def test_which_requests_carry_the_headers(configured, target, hosts, allowed):
    assert may_carry_headers(configured, target, hosts) is allowed
