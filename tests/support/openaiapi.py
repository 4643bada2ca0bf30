"""A local OpenAI-compatible chat-completions server for tests: records every request and
answers from a script (canned completions, delays, 429s and 500s). Real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from httpserve import LocalServer, Reply, Request, json_reply


class ModelServer:
    """`POST /v1/chat/completions`. Queue answers with `reply`, `delay`, `fail`; with an empty
    queue it answers `default`."""

    def __init__(self, default: str = "A summary.") -> None:
        self.default = default
        self.script: deque[tuple[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.rules: list[tuple[str, str]] = []
        self.http = LocalServer(self._respond)

    def _respond(self, request: Request) -> Reply:
        body = json.loads(request.body or b"{}")
        with self.lock:
            self.requests.append(body)
            self.headers.append(request.headers)
            system = " ".join(
                m.get("content", "") for m in body.get("messages", []) if m.get("role") == "system"
            )
            ruled = next((text for part, text in self.rules if part in system), None)
            if ruled is not None:
                action, value = "reply", ruled
            else:
                action, value = self.script.popleft() if self.script else ("reply", self.default)
        if request.path.rstrip("/") != "/v1/chat/completions":
            return json_reply(json.dumps({"error": {"message": "not found"}}), status=404)
        if action == "fail":
            error = json_reply(json.dumps({"error": {"message": "scripted", "type": "server_error"}}), value)
            return Reply(value, {**error.headers, "Retry-After": "30"}, error.body) if value == 429 else error
        delay = 0.0
        if action == "delay":
            delay, value = value
        completion = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", ""),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": value}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(completion), delay=delay)

    @property
    def base_url(self) -> str:
        return self.http.url("/v1")

    def reply(self, text: str) -> None:
        self.script.append(("reply", text))

    def when(self, system_part: str, text: str) -> None:
        """Answer `text` to every request whose system prompt holds `system_part` (concurrent
        requests, such as a summary and an importance verdict, then get their own answers)."""
        self.rules.append((system_part, text))

    def delay(self, seconds: float, text: str = "late") -> None:
        self.script.append(("delay", (seconds, text)))

    def fail(self, status: int) -> None:
        self.script.append(("fail", status))

    def prompts(self) -> list[str]:
        """The user message of every request, in order."""
        return [m["content"] for r in self.requests for m in r.get("messages", []) if m.get("role") == "user"]

    def close(self) -> None:
        self.http.close()
