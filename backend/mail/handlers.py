"""The ``mail`` consumer of ``mail.send`` outbox events: payload {to, subject, body, ...}.

Mails are rendered when they are queued, so sending needs no database: the consumer holds no
transaction while it talks to the SMTP server. A mail queued outside office hours waits for the
next opening: nobody gets a reminder mail at night. (The in-app notice it belongs to is there at
once: it is read when someone opens the app, it wakes nobody.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.calendar.service import cached_calendar
from backend.config import Settings
from backend.mail.sender import SmtpSender, build_message
from backend.models import OutboxMessage
from backend.worker.outbox import enqueue
from backend.worker.registry import Delivery, register_consumer

TOPIC = "mail.send"


def queue_mail(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    to: str,
    subject: str,
    body: str,
    **extra: Any,
) -> None:
    """Add a ``mail.send`` event to the outbox, in the caller's transaction, to be sent in
    office hours."""
    enqueue(
        session,
        TOPIC,
        {"to": to, "subject": subject, "body": body, **extra},
        now,
        available_at=cached_calendar(session, settings).next_office_instant(now),
    )


def send_mail(_session: Session, message: OutboxMessage, delivery: Delivery) -> None:
    p = message.payload
    sender = delivery.resource("smtp", lambda: SmtpSender(delivery.settings))
    sender.send(
        build_message(
            delivery.settings,
            to=str(p["to"]),
            subject=str(p["subject"]),
            body=str(p["body"]),
            message_key=f"outbox-{message.id}",
        )
    )


def _mail_enabled(settings: Settings) -> bool:
    return settings.mail_enabled


register_consumer("mail", TOPIC, send_mail, enabled=_mail_enabled)
