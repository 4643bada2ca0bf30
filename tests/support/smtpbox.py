"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller


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


@contextmanager
def serve_mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A Mailbox behind a real aiosmtpd server on a free 127.0.0.1 port: yields (box, port)."""
    port = free_port()
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
