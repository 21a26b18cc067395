"""Sending mail over SMTP (smtplib): plain, STARTTLS or implicit TLS, optional login.

One :class:`SmtpSender` keeps its connection for a batch of messages and reconnects after an
error, so a worker draining hundreds of mails does not pay a handshake per mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from backend.config import Settings
from backend.core.inputs import NOT_ONE_LINE

log = logging.getLogger(__name__)

SENDER_NAME = "回音 Huiyin"


def describe(settings: Settings) -> str:
    """One line for the start-up banner of serve and worker."""
    if not settings.mail_enabled:
        return "mail: off (HUIYIN_SMTP_HOST is not set; no mail will be sent)"
    return (
        f"mail: SMTP {settings.smtp_host}:{settings.resolved_smtp_port} "
        f"({settings.smtp_tls}) from {settings.smtp_sender}"
    )


def header_text(value: str) -> str:
    """Text for a header: every control character and line break becomes a space, so that no
    value (a ticket's title, a person's name) can end its header and start another."""
    return " ".join(NOT_ONE_LINE.sub(" ", value).split())


def single_address(value: str) -> str:
    """``value`` if it is exactly one bare address; a list, a name or a line break is refused."""
    _name, addr = parseaddr(value)
    if not addr or addr != value or NOT_ONE_LINE.search(value) or " " in value:
        raise ValueError(f"not a single mail address: {value!r}")
    return addr


def build_message(
    settings: Settings, *, to: str, subject: str, body: str, message_key: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    name, addr = parseaddr(settings.smtp_sender)
    msg["From"] = formataddr((header_text(name or SENDER_NAME), addr or settings.smtp_sender))
    msg["To"] = single_address(to)
    msg["Subject"] = header_text(subject)
    domain = (addr or settings.smtp_sender).rpartition("@")[2] or "huiyin.local"
    # The same id on every attempt of one outbox row: receivers can spot a repeated delivery.
    msg["Message-ID"] = (
        f"<huiyin.{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    )
    msg.set_content(body, charset="utf-8")
    return msg


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host
        port = s.resolved_smtp_port
        timeout = s.smtp_timeout_seconds
        conn: smtplib.SMTP
        if s.smtp_tls == "ssl":
            conn = smtplib.SMTP_SSL(
                s.smtp_host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(s.smtp_host, port, timeout=timeout)
            if s.smtp_tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            conn.login(s.smtp_user, s.smtp_password or "")
        return conn

    def send(self, message: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(message)
        except BaseException:
            # The connection's state is unknown after a failure: start afresh next time.
            self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
