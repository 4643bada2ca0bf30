"""A socket server on 127.0.0.1 that answers each connection with raw bytes, then closes.

For tests that need answers no HTTP library would write (a lying Content-Length, bytes
that are not HTTP, odd `Location` lines) or the exact request bytes a client sent. An
answer given as an iterable of pieces is sent piece by piece (a server that trickles, or
never ends), until it ends or the client hangs up.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable


class RawServer:
    """Reads each connection's request head, records it, answers `reply(request_bytes)`, closes."""

    def __init__(self, reply: Callable[[bytes], bytes | Iterable[bytes]]) -> None:
        self.reply = reply
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data += piece
                self.requests.append(data)
                answer = self.reply(data)
                try:
                    for piece in [answer] if isinstance(answer, bytes) else answer:
                        conn.sendall(piece)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()
