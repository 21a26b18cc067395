"""A real SMTP server for tests: aiosmtpd on loopback, keeping what it accepted.

A mail counts as delivered when the server answered 250 to its DATA, as in real SMTP. With
``hold`` set, the server keeps new DATA commands waiting (no answer) until the client goes away
or the test ends: a worker killed in that state has delivered nothing.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Inbox:
    """The aiosmtpd handler: accepts (or, when ``reject`` is set, refuses) every mail."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.hold = False
        self.held = 0  # DATA commands waiting because of ``hold``
        self.reject: str | None = None  # e.g. "451 try later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject:
            return self.reject
        if self.hold:
            self.held += 1
            await asyncio.sleep(3600)  # cancelled when the server stops
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), msg))
        return "250 OK"

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Received]:
        """Poll until ``n`` mails arrived (or the timeout), then return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages()) < n:
            time.sleep(0.02)
        return self.messages()


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()
