"""Outgoing mail: over SMTP when configured, else written to the log (a local trial)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger("wijknet.mail")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where mail goes. ``security`` is ``starttls``, ``tls`` (implicit, port 465) or ``none``."""

    host: str
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "wijknet <noreply@localhost>"
    timeout: float = 20.0


class Mailer:
    """Sends one plain-text mail at a time; with no SMTP host, logs it instead."""

    def __init__(self, smtp: SmtpConfig | None, sender: str = "wijknet <noreply@localhost>"):
        self.smtp = smtp
        self.sender = smtp.sender if smtp else sender

    async def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain="wijknet")
        msg.set_content(body)
        if self.smtp is None:
            log.warning("mail (no SMTP configured) to %s: %s\n%s", to, subject, body)
            return
        await asyncio.to_thread(self._deliver, msg)

    def _deliver(self, msg: EmailMessage) -> None:
        cfg = self.smtp
        assert cfg is not None
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if cfg.security == "tls":
            client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with client:
            if cfg.security == "starttls":
                client.starttls(context=context)
            if cfg.user:
                client.login(cfg.user, cfg.password)
            client.send_message(msg)
