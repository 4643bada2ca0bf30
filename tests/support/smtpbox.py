"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import socket


class Mailbox:
    """aiosmtpd handler: the raw bytes of each accepted message, in order."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
