"""The worker's handler for ``mail.send`` outbox rows: payload {to, subject, body, ...}.

Rows are rendered when they are queued, so sending needs no database: the handler holds no
transaction while it talks to the SMTP server.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.config import Settings
from backend.mail.sender import SmtpSender, build_message
from backend.models import OutboxMessage
from backend.worker.registry import Delivery, register_handler

TOPIC = "mail.send"


def mail_payload(*, to: str, subject: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"to": to, "subject": subject, "body": body, **extra}


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


register_handler(TOPIC, send_mail, enabled=_mail_enabled)
