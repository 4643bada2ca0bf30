"""A local OpenAI-compatible chat-completions server for tests: records every request and
answers from a script (canned completions, delays, 429s and 500s). Real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ModelServer:
    """`POST /v1/chat/completions`. Queue answers with `reply`, `delay`, `fail`; with an empty
    queue it answers `default`."""

    def __init__(self, default: str = "A summary.") -> None:
        self.default = default
        self.script: deque[tuple[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with server.lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    action, value = server.script.popleft() if server.script else ("reply", server.default)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._answer(404, {"error": {"message": "not found"}})
                if action == "fail":
                    headers = {"Retry-After": "30"} if value == 429 else {}
                    return self._answer(
                        value, {"error": {"message": "scripted", "type": "server_error"}}, headers
                    )
                if action == "delay":
                    seconds, value = value
                    time.sleep(seconds)
                self._answer(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", ""),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": value},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

            def _answer(
                self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                raw = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for key, val in (headers or {}).items():
                        self.send_header(key, val)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a deadline): nothing to answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, text: str) -> None:
        self.script.append(("reply", text))

    def delay(self, seconds: float, text: str = "late") -> None:
        self.script.append(("delay", (seconds, text)))

    def fail(self, status: int) -> None:
        self.script.append(("fail", status))

    def prompts(self) -> list[str]:
        """The user message of every request, in order."""
        return [m["content"] for r in self.requests for m in r.get("messages", []) if m.get("role") == "user"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
