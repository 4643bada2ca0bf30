"""A tiny webhook receiver on 127.0.0.1: records every POST (its Idempotency-Key and JSON body)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from httpserve import LocalServer, Reply, Request, json_reply


class Receiver:
    """Answers 200 to every POST and keeps, in arrival order, (idempotency key, body, headers)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.http = LocalServer(self._respond)

    def url(self, path: str = "/hook") -> str:
        return self.http.url(path)

    @property
    def keys(self) -> list[str]:
        with self.lock:
            return [key for key, _, _ in self.received]

    def counts(self) -> Counter[str]:
        return Counter(self.keys)

    def close(self) -> None:
        self.http.close()

    def _respond(self, request: Request) -> Reply:
        try:
            body: Any = json.loads(request.body)
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        with self.lock:
            self.received.append((request.headers.get("idempotency-key", ""), body, request.headers))
        return json_reply(b'{"ok": true}')
