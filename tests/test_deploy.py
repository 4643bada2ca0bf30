"""What ships for deploying (systemd units, the Dockerfile and its constraints) says what it must,
and the service takes its health port from the environment as the container does."""

from __future__ import annotations

import configparser
import re
import socket
import tomllib
from pathlib import Path

from localsite import LISTING_SOURCE, listing_page
from servicerun import Service

ROOT = Path(__file__).resolve().parent.parent
SYSTEMD = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


def test_the_service_unit_does_not_restart_on_a_config_error():
    service = unit("regwatch.service")["Service"]
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a config error: restarting cannot fix it
    assert service["ExecStart"].endswith(" run")
    assert "REGWATCH_HEALTH_PORT=9108" in service["Environment"] or any(
        "REGWATCH_HEALTH_PORT" in line for line in (SYSTEMD / "regwatch.service").read_text().splitlines()
    )


def test_the_vacuum_timer_runs_a_vacuum_command_that_works(cli, tmp_path, site, config_file):
    timer = unit("regwatch-vacuum.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    command = unit("regwatch-vacuum.service")["Service"]["ExecStart"].split()
    assert command[0].endswith("/regwatch") and command[1] == "vacuum"
    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    config = config_file(sources=[{"id": "us-x-news", "url": site.url("/news"), **LISTING_SOURCE}])
    assert cli("--config", str(config), "check").returncode == 0
    ran = cli("--config", str(config), *command[1:])
    assert ran.returncode == 0, ran.stderr


def test_the_dockerfile_pins_dependencies_and_has_a_browser_variant():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install -c constraints.txt ." in dockerfile
    assert re.search(r"FROM base AS browser\n(?:.*\n)*?.*apt-get install .*chromium", dockerfile)
    assert "REGWATCH_CHROMIUM=/usr/bin/chromium" in dockerfile
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n", 2)[:2]
    assert "REGWATCH_HEALTH_PORT" in "".join(healthcheck) and "9108/healthz" not in "".join(healthcheck)


def test_constraints_pin_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [
        *project["dependencies"],
        *project["optional-dependencies"]["browser"],
        *project["optional-dependencies"]["ui"],
    ]
    names = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in wanted}
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    missing = sorted(names - set(pins))
    assert not missing, f"constraints.txt does not pin {missing}: regenerate it"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pins.values())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_port_from_the_environment_and_a_loud_browser_warning(site, config_file, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    config = config_file(
        sources=[{"id": "in-abdm-pubs", "url": site.url("/news"), "render": "browser", **LISTING_SOURCE}]
    )
    port = free_port()
    env = {"REGWATCH_HEALTH_PORT": str(port), "REGWATCH_CHROMIUM": str(tmp_path / "no-chromium")}
    service = Service(config, env=env).wait_started()
    try:
        assert service.health_port == port
        assert service.healthz()["status"] in ("ok", "degraded")
        assert "need browser rendering but it is unavailable" in service.stderr
        assert "in-abdm-pubs" in service.stderr
    finally:
        assert service.stop() == 0
