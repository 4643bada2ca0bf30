"""A strict Slack-compatible Web API server on 127.0.0.1, for tests (real sockets, threaded).

It speaks what regwatch uses, the way Slack does: `chat.postMessage`, `chat.update`,
`chat.postEphemeral`, `views.open`, `users.info`, `usergroups.list`,
`usergroups.users.list`, `conversations.history`, `conversations.replies`,
`conversations.list`, `conversations.info`, `chat.getPermalink`, `auth.test`, incoming webhooks under
`/hooks/...`, and Socket Mode: `apps.connections.open` (app-level token only) answers a
`ws://127.0.0.1:PORT/link` URL served by `SocketModeServer` (aiohttp), which says hello,
pushes envelopes (`push`) and records the client's acknowledgements. It is stricter than
Slack where that catches bugs:

- the bearer token must match (`not_authed` / `invalid_auth`), the channel must exist
  (`channel_not_found`), private channels need the bot as a member (`not_in_channel`);
- blocks are validated: at most 50, known types only, header text plain_text ≤ 150,
  section text ≤ 3000 (fields ≤ 10 × 2000), context 1–10 elements, block_id ≤ 255 and
  unique, text objects non-empty; a fallback `text` is required (`no_text`), ≤ 40000;
- history needs the history scope (`missing_scope`); metadata is returned only with
  `include_all_metadata`, as Slack does.

Faults on demand, for the next N calls (optionally of some methods only): `rate_limit`
(429 with Retry-After), `fail` (any HTTP status and/or Slack error such as
`invalid_auth`), `outage` (503), `drop` (the message is recorded, then the connection is
closed without an answer: the client cannot know it was posted), and `revoke()` (the
token stops working). Whole outages: `go_down()` stops listening, so every connection is
refused; `go_down(refuse=False)` keeps listening but answers every call 503; `come_back()`
ends either, on the same port. `answers` logs every API answer with its time, method,
channel and HTTP status.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from httpserve import LocalServer, Reply, Request

TOKEN = "xoxb-1111-2222-test-secret-token-do-not-leak"
APP_TOKEN = "xapp-1-A0TEST-3333-test-app-token-do-not-leak"
TEAM_ID = "T0TEST"
USERS = {"U0DANA01": "dana", "U0LEE001": "lee", "U0EVE001": "eve"}
KNOWN_BLOCKS = {
    "section",
    "header",
    "context",
    "divider",
    "actions",
    "image",
    "rich_text",
    "input",
    "file",
    "video",
    "markdown",
}
TEXT_TYPES = {"plain_text", "mrkdwn"}


class BlockError(ValueError):
    pass


def validate_text_object(obj: Any, where: str, limit: int = 3000, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_TYPES:
        raise BlockError(f"{where}: must be a text object (plain_text or mrkdwn)")
    if plain_only and obj["type"] != "plain_text":
        raise BlockError(f"{where}: must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise BlockError(f"{where}: text must be a non-empty string")
    if len(text) > limit:
        raise BlockError(f"{where}: must be less than {limit + 1} characters")
    unknown = set(obj) - {"type", "text", "emoji", "verbatim"}
    if unknown:
        raise BlockError(f"{where}: unknown field(s) {sorted(unknown)}")
    if obj["type"] == "plain_text" and "verbatim" in obj:
        raise BlockError(f"{where}: verbatim is only allowed on mrkdwn")


def validate_blocks(blocks: Any) -> None:
    """Raise BlockError when Slack would answer invalid_blocks."""
    if not isinstance(blocks, list):
        raise BlockError("blocks must be an array")
    if len(blocks) > 50:
        raise BlockError(f"no more than 50 items allowed [json-pointer:/blocks] ({len(blocks)} given)")
    ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
            raise BlockError(
                f"{where}: unknown block type {block.get('type') if isinstance(block, dict) else block!r}"
            )
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > 255:
                raise BlockError(f"{where}/block_id: must be 1-255 characters")
            if block_id in ids:
                raise BlockError(f"{where}/block_id: duplicate block_id")
            ids.add(block_id)
        kind = block["type"]
        if kind == "header":
            validate_text_object(block.get("text"), f"{where}/text", limit=150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                raise BlockError(f"{where}: a section needs text or fields")
            if "text" in block:
                validate_text_object(block["text"], f"{where}/text", limit=3000)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    raise BlockError(f"{where}/fields: 1-10 items")
                for i, f in enumerate(fields):
                    validate_text_object(f, f"{where}/fields/{i}", limit=2000)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                raise BlockError(f"{where}/elements: 1-10 items")
            for i, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "image":
                    continue
                validate_text_object(element, f"{where}/elements/{i}", limit=3000)


@dataclass
class Fault:
    kind: str  # status | drop
    status: int = 200
    error: str = ""
    retry_after: float | None = None
    methods: frozenset[str] | None = None
    channel: str | None = None  # only calls naming this channel id

    def applies(self, method: str, channel: str | None = None) -> bool:
        if self.channel is not None and channel != self.channel:
            return False
        return self.methods is None or method in self.methods


@dataclass(frozen=True)
class Answer:
    """One API call as the server answered it (`at` is time.time() when it was answered)."""

    at: float
    method: str
    channel: str | None  # the channel id the call named, if any
    status: int  # HTTP status; -1 when the connection was dropped without an answer


@dataclass
class Channel:
    id: str
    name: str
    private: bool = False
    member: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)


class SlackServer:
    """See the module docstring. `api_url` is what the `slack` channel's `api_url` takes."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes = {
            "chat:write",
            "channels:history",
            "groups:history",
            "channels:read",
            "groups:read",
            "users:read",
            "usergroups:read",
        }
        self.app_token = APP_TOKEN
        self.team_id = TEAM_ID
        self.users = dict(USERS)
        self.usergroups: dict[str, tuple[str, list[str]]] = {"S0COMPLY1": ("compliance", ["U0LEE001"])}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.socket: SocketModeServer | None = None
        self.channels: dict[str, Channel] = {}
        self.add_channel("C0COMPLY01", "compliance-alerts")
        self.add_channel("C0PRIVACY1", "privacy")
        self.add_channel("C0GENERAL1", "general")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.hook_posts: list[dict[str, Any]] = []
        self.faults: deque[Fault] = deque()
        self.answers: list[Answer] = []
        self.unavailable = False  # every API call answers 503 (go_down(refuse=False))
        self.on_post: Callable[[dict[str, Any]], None] | None = None
        self.lock = threading.RLock()
        self._last_ts = 0.0
        self.listening = False
        self._listen(0)
        self.address = self.server.server_address[:2]

    def _listen(self, port: int) -> None:
        self.http = LocalServer(self._respond, port=port, poll_interval=0.05)
        self.server = self.http.server
        self.listening = True

    # -- set up ---------------------------------------------------------------------------

    @property
    def base(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    @property
    def webhook_url(self) -> str:
        return self.base + "/hooks/T0TEST/B0TEST/secretwebhookpath"

    def add_channel(self, channel_id: str, name: str, *, private: bool = False, member: bool = True) -> None:
        self.channels[channel_id] = Channel(channel_id, name, private, member)

    def channel(self, ref: str) -> Channel | None:
        if ref in self.channels:
            return self.channels[ref]
        name = ref.lstrip("#")
        return next((c for c in self.channels.values() if c.name == name and ref != c.id), None)

    # -- faults ---------------------------------------------------------------------------

    def _add(self, n: int, fault: Fault) -> None:
        with self.lock:
            self.faults.extend(Fault(**fault.__dict__) for _ in range(n))

    def rate_limit(self, n: int = 1, retry_after: float = 1, methods: Iterable[str] | None = None) -> None:
        self._add(n, Fault("status", 429, "ratelimited", retry_after, _methods(methods)))

    def outage(self, n: int, status: int = 503, methods: Iterable[str] | None = None) -> None:
        self._add(n, Fault("status", status, "", None, _methods(methods)))

    def fail(
        self,
        n: int,
        error: str,
        status: int = 200,
        methods: Iterable[str] | None = None,
        channel: str | None = None,
    ) -> None:
        """The next n calls (of these methods, naming this channel) answer `error`."""
        target = self.channel(channel).id if channel else None  # type: ignore[union-attr]
        self._add(n, Fault("status", status, error, None, _methods(methods), target))

    def drop(self, n: int = 1) -> None:
        """Record the next n posted messages, then hang up without answering."""
        self._add(n, Fault("drop", methods=frozenset({"chat.postMessage"})))

    def revoke(self) -> None:
        self.token = "xoxb-revoked"

    def go_down(self, *, refuse: bool = True) -> None:
        """A whole outage until `come_back()`: the port refuses connections (the listening
        socket is closed), or with `refuse=False` it listens but every API call answers 503."""
        if refuse:
            if self.listening:
                self.listening = False
                self.server.shutdown()
                self.server.server_close()
        else:
            self.unavailable = True
            if not self.listening:
                self._listen(self.address[1])

    def come_back(self) -> None:
        """Listen again on the same port and answer normally (queued faults still apply)."""
        self.unavailable = False
        if not self.listening:
            self._listen(self.address[1])

    # -- what arrived ---------------------------------------------------------------------

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Posted messages (oldest first), of one channel (id or name) or all."""
        with self.lock:
            if channel is None:
                found = [m for c in self.channels.values() for m in c.messages]
                return sorted(found, key=lambda m: float(m["ts"]))
            chosen = self.channel(channel)
            return list(chosen.messages) if chosen else []

    def keys(self, channel: str | None = None) -> list[str]:
        return [
            (m.get("metadata") or {}).get("event_payload", {}).get("key", "") for m in self.messages(channel)
        ]

    def method_calls(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    def answered(self, method: str, status: int | None = None) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if a.method == method and status in (None, a.status)]

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        if self.listening:
            self.listening = False
            self.server.shutdown()
            self.server.server_close()

    # -- the API --------------------------------------------------------------------------

    def _next_ts(self) -> str:
        with self.lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    def handle(self, method: str, params: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        named = self.channel(str(params.get("channel", "")))
        status, headers, body = self._answer(method, params, auth)
        with self.lock:
            self.answers.append(Answer(time.time(), method, named.id if named else None, status))
        return status, headers, body

    def _answer(self, method: str, params: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.calls.append((method, params))
            if self.unavailable:
                return 503, {}, "<html>Service Unavailable</html>"
            named = self.channel(str(params.get("channel", "")))
            fault = next((f for f in self.faults if f.applies(method, named.id if named else None)), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None and fault.kind == "status":
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            if fault.error:
                return fault.status, headers, {"ok": False, "error": fault.error}
            return fault.status, headers, "<html>Service Unavailable</html>"
        token = (
            auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token", "")
        )
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if (method == "apps.connections.open") != token.startswith("xapp-"):
            return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
        if token != (self.app_token if token.startswith("xapp-") else self.token):
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 404, {}, {"ok": False, "error": "unknown_method"}
        result = handler(params)
        if fault is not None and fault.kind == "drop":
            return -1, {}, result
        return 200, {}, result

    def api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "team": "Test",
            "team_id": self.team_id,
            "user": "regwatch",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    # -- interactivity ----------------------------------------------------------------------

    def api_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.socket is None:
                self.socket = SocketModeServer()
        return {"ok": True, "url": self.socket.url}

    def api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel", "")))  # an id, as Slack wants
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks is not None:
            try:
                validate_blocks(blocks)
            except BlockError as exc:
                return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": [str(exc)]}}
        with self.lock:
            found = next((m for m in channel.messages if m["ts"] == str(params.get("ts", ""))), None)
            if found is None:
                return {"ok": False, "error": "message_not_found"}
            if blocks is not None:
                found["blocks"] = blocks
            if params.get("text"):
                found["text"] = params["text"]
            found["edited"] = {"user": "U0BOT", "ts": self._next_ts()}
        return {"ok": True, "channel": channel.id, "ts": found["ts"], "text": found["text"]}

    def api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if str(params.get("user", "")) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self.lock:
            self.ephemerals.append({**params, "channel": channel.id})
        return {"ok": True, "message_ts": self._next_ts()}

    def api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        with self.lock:
            self.views.append(view)
        return {"ok": True, "view": {**view, "id": f"V0{len(self.views):08d}"}}

    def api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if "users:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "users:read"}
        user = str(params.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        name = self.users[user]
        return {"ok": True, "user": {"id": user, "team_id": self.team_id, "name": name, "real_name": name}}

    def api_usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        if "usergroups:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "usergroups:read"}
        groups = [
            {"id": gid, "handle": handle, "name": handle} for gid, (handle, _) in self.usergroups.items()
        ]
        return {"ok": True, "usergroups": groups}

    def api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        if "usergroups:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "usergroups:read"}
        group = self.usergroups.get(str(params.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group[1])}

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.private and not channel.member:
            return {"ok": False, "error": "not_in_channel"}
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        text = params.get("text") or ""
        if blocks is not None:
            try:
                validate_blocks(blocks)
            except BlockError as exc:
                return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": [str(exc)]}}
        if not text:
            return {"ok": False, "error": "no_text"}
        if len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata is not None and not (
            isinstance(metadata, dict)
            and metadata.get("event_type")
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return {"ok": False, "error": "invalid_metadata_format"}
        thread_ts = params.get("thread_ts")
        with self.lock:
            if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
                return {"ok": False, "error": "thread_not_found"}
            message = {
                "type": "message",
                "user": "U0BOT",
                "bot_id": "B0BOT",
                "ts": self._next_ts(),
                "text": text,
                "blocks": blocks or [],
                "metadata": metadata,
                "channel": channel.id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
                if str(params.get("reply_broadcast", "")).lower() in ("1", "true"):
                    message["subtype"] = "thread_broadcast"
            channel.messages.append(message)
        if self.on_post is not None:
            self.on_post(message)
        public = {k: v for k, v in message.items() if k not in ("channel", "metadata")}
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": public}

    def _readable(self, channel_id: str, scope_needed: bool = True) -> Channel | dict[str, Any]:
        channel = self.channels.get(channel_id)  # history wants an id, not a name
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        scope = "groups:history" if channel.private else "channels:history"
        if scope_needed and scope not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": scope}
        if channel.private and not channel.member:
            return {"ok": False, "error": "not_in_channel"}
        return channel

    @staticmethod
    def _shape(message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if k not in ("channel", "metadata")}
        if str(params.get("include_all_metadata", "")).lower() in ("1", "true") and message.get("metadata"):
            out["metadata"] = message["metadata"]
        return out

    @staticmethod
    def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str]:
        limit = min(int(params.get("limit") or 100), 1000)
        start = int(base64.b64decode(params["cursor"]).decode()) if params.get("cursor") else 0
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return chunk, base64.b64encode(str(start + limit).encode()).decode() if more else ""

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(str(params.get("channel", "")))
        if isinstance(channel, dict):
            return channel
        oldest = float(params.get("oldest") or 0)
        with self.lock:
            top = [
                m
                for m in reversed(channel.messages)
                if float(m["ts"]) > oldest
                and (not m.get("thread_ts") or m.get("subtype") == "thread_broadcast")
            ]
        chunk, cursor = self._page(top, params)
        return {
            "ok": True,
            "messages": [self._shape(m, params) for m in chunk],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(str(params.get("channel", "")))
        if isinstance(channel, dict):
            return channel
        ts = str(params.get("ts", ""))
        oldest = float(params.get("oldest") or 0)
        with self.lock:
            parent = [m for m in channel.messages if m["ts"] == ts]
            if not parent:
                return {"ok": False, "error": "thread_not_found"}
            replies = [m for m in channel.messages if m.get("thread_ts") == ts and float(m["ts"]) > oldest]
        chunk, cursor = self._page(parent + replies, params)
        return {
            "ok": True,
            "messages": [self._shape(m, params) for m in chunk],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def api_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        if "channels:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:read"}
        items = [{"id": c.id, "name": c.name, "is_private": c.private} for c in self.channels.values()]
        chunk, cursor = self._page(items, params)
        return {"ok": True, "channels": chunk, "response_metadata": {"next_cursor": cursor}}

    def api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: needs channels:read (groups:read for private channels); a private channel
        the bot is not in is `channel_not_found`; `is_member` says whether the bot can post."""
        channel = self.channels.get(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        scope = "groups:read" if channel.private else "channels:read"
        if scope not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": scope}
        if channel.private and not channel.member:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_private": channel.private,
                "is_member": channel.member,
                "is_archived": False,
            },
        }

    def api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel", "")))
        ts = str(params.get("message_ts", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not any(m["ts"] == ts for m in channel.messages):
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel.id,
            "permalink": f"https://test.slack.com/archives/{channel.id}/p{ts.replace('.', '')}",
        }

    def hook(self, params: dict[str, Any]) -> tuple[int, str]:
        with self.lock:
            fault = next((f for f in self.faults if f.applies("webhook")), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None and fault.kind == "status":
            return fault.status, fault.error or "service_unavailable"
        try:
            if params.get("blocks") is not None:
                validate_blocks(params["blocks"])
        except BlockError:
            return 400, "invalid_blocks"
        if not params.get("text"):
            return 400, "no_text"
        with self.lock:
            self.hook_posts.append(params)
        return 200, "ok"

    def _respond(self, request: Request) -> Reply:
        parts = urlsplit(request.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        if request.body and "json" in request.headers.get("content-type", ""):
            params.update(json.loads(request.body))
        elif request.body:
            params.update(dict(parse_qsl(request.body.decode())))
        if parts.path.startswith("/hooks/"):
            if parts.path != urlsplit(self.webhook_url).path:
                return Reply(404, {"Content-Type": "text/plain"}, b"no_service")
            status, text = self.hook(params)
            return Reply(status, {"Content-Type": "text/plain"}, text)
        if not parts.path.startswith("/api/"):
            return Reply(404, {"Content-Type": "text/plain"}, b"not found")
        method = parts.path[len("/api/") :]
        status, headers, body = self.handle(method, params, request.headers.get("authorization", ""))
        if status == -1:  # hang up without an answer
            return Reply(hang_up=True)
        if isinstance(body, dict):
            return Reply(
                status, {"Content-Type": "application/json; charset=utf-8", **headers}, json.dumps(body)
            )
        return Reply(status, {"Content-Type": "text/html", **headers}, str(body))


def _methods(methods: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(methods) if methods is not None else None


class SocketModeServer:
    """Slack's Socket Mode end on 127.0.0.1: aiohttp serves the WebSocket in its own thread.

    On connect it sends `hello`, as Slack does; `push(payload)` sends an `interactive`
    envelope to the connected client and `wait_ack(envelope_id)` waits for the client's
    `{"envelope_id": ...}` acknowledgement (Slack retries an unacknowledged envelope).
    """

    def __init__(self) -> None:
        import asyncio

        self._asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self.acks: dict[str, dict[str, Any]] = {}
        self.connected = threading.Event()
        self.sockets: list[Any] = []
        self._acked = threading.Condition()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        self._asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/link", self._link)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    async def _link(self, request: Any) -> Any:
        from aiohttp import WSMsgType, web

        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST"}})
        self.connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if data.get("envelope_id"):
                    with self._acked:
                        self.acks[data["envelope_id"]] = data
                        self._acked.notify_all()
        self.sockets.remove(ws)
        if not self.sockets:
            self.connected.clear()
        return ws

    def push(self, payload: dict[str, Any], kind: str = "interactive") -> str:
        """Send an envelope to the connected client; its id."""
        import uuid

        if not self.connected.wait(15):
            raise AssertionError("no Socket Mode client connected")
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind == "interactive",
            "payload": payload,
        }
        future = self._asyncio.run_coroutine_threadsafe(self.sockets[-1].send_json(envelope), self.loop)
        future.result(10)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 15) -> dict[str, Any] | None:
        with self._acked:
            self._acked.wait_for(lambda: envelope_id in self.acks, timeout)
            return self.acks.get(envelope_id)

    def close(self) -> None:
        async def stop() -> None:
            for ws in list(self.sockets):
                await ws.close()
            await self.runner.cleanup()

        with contextlib.suppress(Exception):
            self._asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
