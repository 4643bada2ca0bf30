"""Load aiohttp without the two TLS contexts its connector module builds at import time.

`aiohttp.connector` makes a verified and an unverified default `SSLContext` when it is
imported, each loading the system's CA bundle: ~40 ms of CPU for every `regwatch check`,
a tenth of its start-up. regwatch never uses them: the transport (`transport.py`) gives
every https request httpx's context, and plain http needs none. While aiohttp loads, the
importing thread's `SSLContext.set_default_verify_paths` does nothing, so those two
contexts trust no certificate authority at all: were one ever used, the handshake would
fail verification (closed, never open). Other threads, and every context made after the
import, load the CA bundle as usual. Imported by `transport.py` before aiohttp.
"""

from __future__ import annotations

import importlib
import ssl
import sys
import threading
from types import ModuleType


def load() -> ModuleType:
    """aiohttp, imported once (the first import skips the CA loading described above)."""
    if "aiohttp.connector" in sys.modules:
        return importlib.import_module("aiohttp")
    importer = threading.get_ident()
    own = ssl.SSLContext.__dict__.get("set_default_verify_paths")  # None: the C method is inherited
    real = ssl.SSLContext.set_default_verify_paths

    def verify_paths(context: ssl.SSLContext) -> None:
        if threading.get_ident() != importer:
            real(context)

    ssl.SSLContext.set_default_verify_paths = verify_paths  # type: ignore[method-assign,assignment]
    try:
        return importlib.import_module("aiohttp")
    finally:
        if own is None:
            del ssl.SSLContext.set_default_verify_paths
        else:
            ssl.SSLContext.set_default_verify_paths = own  # type: ignore[method-assign]


load()
