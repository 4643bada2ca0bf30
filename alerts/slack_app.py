"""Receive Slack interactions (button presses, modal submissions), two ways, with Slack's libraries.

- `SocketModeReceiver`: an outbound WebSocket opened with the app-level token (xapp-...):
  slack-sdk's aiohttp Socket Mode client calls `apps.connections.open`, keeps the
  connection alive and reconnects; each envelope is acknowledged at once, then handled.
  Nothing listens for inbound connections.
- `HttpReceiver`: Slack's request URL, served by aiohttp on `[slack] interactions_port`
  at /slack/interactions. Every request must carry a valid `X-Slack-Signature` for its
  body under the signing secret (slack-sdk's `SignatureVerifier`) and an
  `X-Slack-Request-Timestamp` within 5 minutes; a signature seen before is a replay.
  Anything else is answered 401 and never handled.

What a payload means is decided by the handler the engine passes in (watcher/workflow);
this module only moves payloads and never logs their content or a token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)
SDK_LOGGER = logging.getLogger("alerts.slack_app.sdk")
SDK_LOGGER.setLevel(logging.CRITICAL)  # slack-sdk logs message bodies at DEBUG

#: (payload, how it arrived: "slack-socket" | "slack-http")
Handler = Callable[[dict[str, Any], str], Awaitable[None]]
PATH = "/slack/interactions"
MAX_AGE = 300  # seconds: Slack's own limit for a request timestamp
MAX_BODY = 1_000_000


class Background:
    """Handles payloads after they were acknowledged (Slack wants an answer within 3 s)."""

    def __init__(self, handle: Handler) -> None:
        self.handle = handle
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, payload: dict[str, Any], via: str) -> None:
        task = asyncio.create_task(self._run(payload, via))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, payload: dict[str, Any], via: str) -> None:
        try:
            await self.handle(payload, via)
        except Exception:  # one bad interaction must not stop the receiver
            logger.exception("handling a Slack interaction failed")

    async def finish(self, timeout: float = 5.0) -> None:
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in list(self.tasks):
            task.cancel()


class SocketModeReceiver:
    """Socket Mode over slack-sdk's aiohttp client (see the module docstring)."""

    def __init__(self, app_token: str, api_url: str, handle: Handler) -> None:
        self.app_token = app_token
        self.api_url = api_url
        self.background = Background(handle)
        self.client: SocketModeClient | None = None

    async def start(self) -> None:
        web_client = AsyncWebClient(base_url=self.api_url, logger=SDK_LOGGER)
        self.client = SocketModeClient(app_token=self.app_token, web_client=web_client, logger=SDK_LOGGER)
        self.client.socket_mode_request_listeners.append(self._on_request)
        await self.client.connect()
        logger.info("Slack interactions: connected over Socket Mode")

    async def _on_request(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type == "interactive" and isinstance(request.payload, dict):
            self.background.start(request.payload, "slack-socket")

    async def close(self) -> None:
        await self.background.finish()
        if self.client is not None:
            await self.client.close()
            await self.client.aiohttp_client_session.close()


class HttpReceiver:
    """Slack's request URL with signature and age checks (see the module docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        signing_secret: str,
        handle: Handler,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret)
        self.background = Background(handle)
        self.seen: dict[str, float] = {}  # signature -> when it stops being acceptable anyway
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(PATH, self._serve)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        logger.info("Slack interactions: request URL served on http://%s:%d%s", self.host, self.port, PATH)

    def is_genuine(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Signed with our secret, at most 5 minutes old, and not seen before."""
        now = self.clock()
        if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE:
            return False
        if not self.verifier.is_valid(body, timestamp, signature):
            return False
        for old in [s for s, until in self.seen.items() if until < now]:
            del self.seen[old]
        if signature in self.seen:
            return False
        self.seen[signature] = int(timestamp) + MAX_AGE
        return True

    async def _serve(self, request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not self.is_genuine(body, timestamp, signature):
            logger.warning("refused a Slack interaction request: bad signature, too old, or a replay")
            return web.Response(status=401, text="invalid request signature")
        try:
            payload = json.loads(parse_qs(body.decode("utf-8"))["payload"][0])
        except (KeyError, IndexError, ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="expected a form field 'payload' with JSON")
        if isinstance(payload, dict):
            self.background.start(payload, "slack-http")
        return web.Response(status=200)

    async def close(self) -> None:
        await self.background.finish()
        if self.runner is not None:
            await self.runner.cleanup()
