"""The one small HTTP server of the test suite: a real threaded server on 127.0.0.1.

A test helper gives it a `respond(request) -> Reply` function; the server does the socket
work (read the body, write status, headers and Content-Length, survive a client that hung
up). `localsite.Site`, `webhookreceiver.Receiver` and the tests' small Slack and webhook
look-alikes are all built on it.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str = b""
    delay: float = 0.0  # seconds to wait before answering (a slow server)
    hang_up: bool = False  # close the connection without any answer


Responder = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (a timeout test, a cancelled fetch) is not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LocalServer:
    """Serves `respond` on 127.0.0.1 (a free port unless `port` is given) until `close()`."""

    # close() waits for serve_forever to notice the shutdown: at most one poll interval, which
    # every test using a server pays in its teardown (socketserver's default is 0.5 s).
    def __init__(self, respond: Responder, *, port: int = 0, poll_interval: float = 0.05) -> None:
        self.respond = respond
        self.server = _Server(("127.0.0.1", port), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(poll_interval,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def json_reply(data: bytes | str, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": "application/json"}, data)


def _handler(owner: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = owner.respond(Request(self.command, self.path, headers, body))
            if reply.delay:
                time.sleep(reply.delay)
            if reply.hang_up:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
