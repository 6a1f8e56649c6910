"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.api.server import free_port


@dataclass
class Mailbox:
    """Mails received by the server, oldest first."""

    host: str
    port: int
    mails: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.mails.append(msg)
        return "250 OK"

    def env(self) -> dict[str, str]:
        """The settings that make ``wijknet serve`` send its mail here."""
        return {
            "WIJKNET_SMTP_HOST": self.host,
            "WIJKNET_SMTP_PORT": str(self.port),
            "WIJKNET_SMTP_SECURITY": "none",
            "WIJKNET_MAIL_FROM": "wijknet test <noreply@wijknet.test>",
        }

    def wait_for(self, to: str, subject: str = "", timeout: float = 30.0) -> EmailMessage:
        """The newest mail to ``to`` whose subject contains ``subject``, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for msg in reversed(self.mails):
                    if msg["To"] == to and subject in str(msg["Subject"]):
                        self.mails.remove(msg)
                        return msg
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} about {subject!r} within {timeout} s")


def text_of(msg: EmailMessage) -> str:
    """A mail's plain text."""
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def link_in(msg: EmailMessage, path: str) -> str:
    """The first link in a mail's text whose path starts with ``path``."""
    text = text_of(msg)
    found = re.search(r"https?://[^\s]+" + re.escape(path) + r"[^\s]*", text)
    assert found, f"no {path} link in:\n{text}"
    return found.group(0)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """Start the SMTP server on a free loopback port; stop it afterwards, whatever happens."""
    box = Mailbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
