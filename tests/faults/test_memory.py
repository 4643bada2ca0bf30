"""Memory stays bounded: the real `regwatch check` fetching a 200 MB body and a gzip body that
inflates to 1 GB, with max_bytes 10 MB, never holds much more than the cap.

Peak RSS comes from the kernel for that one process (`os.wait4` in a small launcher), so
nothing else the test process ran is counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clirun import ROOT, write_config
from faultsite import MiB, bomb, endless
from localsite import LISTING_SOURCE, listing_page

CAP = 10_000_000
RSS_LIMIT = 150 * MiB


# A small launcher forks and execs regwatch and reports the child's peak RSS from wait4.
# Launched from pytest directly, the child would be counted with the pages it shares with
# the (large) pytest process between fork and exec.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)  # ru_maxrss is in KiB on Linux
"""


def peak_rss(config: Path, tmp_path: Path) -> tuple[int, str, int]:
    """Run `regwatch check`; return (exit code, stderr, peak RSS in bytes)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REGWATCH_DB", None)
    result = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, "-m", "watcher", "--config", str(config), "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    code, peak = result.stdout.split()
    return int(code), result.stderr, int(peak)


def test_huge_bodies_and_a_bomb_never_fill_memory(faults, site, tmp_path):
    faults.set("/huge", endless(200 * MiB))
    faults.set("/huge-with-length", endless(200 * MiB, chunked=False))
    faults.set("/bomb", bomb(1024 * MiB))
    site.set("/news", listing_page([("2024-10-01", "A notice", "/n/1.html")]))
    healthy = {"id": "healthy", "url": site.url("/news"), **LISTING_SOURCE}
    baseline_config = write_config(
        tmp_path / "small.toml", sources=[healthy], database=str(tmp_path / "a.db")
    )
    code, _, small = peak_rss(baseline_config, tmp_path)
    assert code == 0

    hostile = [
        {"id": name, "url": faults.url(f"/{name}"), "kind": "page", "max_bytes": CAP}
        for name in ("huge", "huge-with-length", "bomb")
    ]
    config = write_config(
        tmp_path / "regwatch.toml", sources=[healthy, *hostile], database=str(tmp_path / "b.db")
    )
    code, stderr, peak = peak_rss(config, tmp_path)
    assert code == 1, stderr
    assert "healthy: baseline stored" in stderr
    for name in ("huge", "huge-with-length", "bomb"):
        assert f"{name}: FAILED - too_large" in stderr
    assert "(decompressed) is larger than the 10,000,000-byte limit" in stderr
    print(f"peak RSS: {peak / MiB:.0f} MiB with the hostile bodies, {small / MiB:.0f} MiB without")
    assert peak < RSS_LIMIT
    # Two bodies are read up to the cap at once (the third is refused by its Content-Length).
    assert peak - small < 4 * CAP


def test_a_pdf_flate_bomb_stays_within_the_same_bound(site, tmp_path):
    """A 220 KB PDF whose three content streams each inflate to 70 MB (under pypdf's own
    75 MB default per stream): before, reading it peaked at 314 MiB. Each decompressed
    stream is now capped at the network body cap, and the source fails with `too_large`."""
    from pdfgen import make_flate_bomb

    site.set("/bomb.pdf", make_flate_bomb(3, 70 * MiB), content_type="application/pdf")
    site.set("/news", listing_page([("2024-10-01", "A notice", "/n/1.html")]))
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {"id": "healthy", "url": site.url("/news"), **LISTING_SOURCE},
            {"id": "bomb", "url": site.url("/bomb.pdf"), "kind": "pdf"},
        ],
        database=str(tmp_path / "pdf.db"),
    )
    code, stderr, peak = peak_rss(config, tmp_path)
    print(f"peak RSS with the PDF flate bomb: {peak / MiB:.0f} MiB")
    assert code == 1, stderr
    assert "healthy: baseline stored" in stderr
    assert "bomb: FAILED - too_large" in stderr and "inflates past the 10,000,000-byte limit" in stderr
    assert peak < RSS_LIMIT
