"""aiohttp loads without its default TLS contexts' CA bundles (watcher/net/aiohttplib.py).

Each check runs in a fresh interpreter: in the test process aiohttp may already be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, ssl, threading
seen = []
stop = threading.Event()

def make_contexts():  # another thread making contexts while aiohttp loads
    while not stop.is_set():
        seen.append(ssl.create_default_context().cert_store_stats()["x509_ca"])

thread = threading.Thread(target=make_contexts)
thread.start()
from watcher.net.fetch import Fetcher
Fetcher()  # as a check makes its client: aiohttp is imported here
stop.set()
thread.join()
import aiohttp.connector as connector
print(json.dumps({
    "verified": connector._SSL_CONTEXT_VERIFIED.cert_store_stats()["x509_ca"],
    "verified_mode": int(connector._SSL_CONTEXT_VERIFIED.verify_mode),
    "after": ssl.create_default_context().cert_store_stats()["x509_ca"],
    "other_thread": seen,
    "patched": "set_default_verify_paths" in ssl.SSLContext.__dict__,
}))
"""


def probe() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_aiohttps_default_contexts_trust_nothing_and_everything_else_is_untouched():
    found = probe()
    assert found["verified"] == 0  # aiohttp's unused default: would fail closed
    assert found["verified_mode"] == 2  # ssl.CERT_REQUIRED
    assert found["after"] > 0  # contexts made after the import load the system bundle
    assert found["other_thread"] and min(found["other_thread"]) > 0  # so do other threads' meanwhile
    assert found["patched"] is False  # ssl.SSLContext is as it was
