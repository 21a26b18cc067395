"""Registers the fan-out of events into notifications (and their mail) with the worker: the
``notifications`` consumer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.models import OutboxMessage
from backend.notifications.fanout import audiences
from backend.notifications.service import notify
from backend.worker.registry import Delivery, register_consumer

EVENT_PREFIXES = ("ticket.", "sla.", "supervision.")


def fan_out(session: Session, message: OutboxMessage, delivery: Delivery) -> None:
    payload = message.payload
    actor = payload.get("actor_id")
    ticket_id = payload.get("ticket_id")
    notify(
        session,
        delivery.settings,
        delivery.now,
        kind=message.topic,
        audiences=audiences(session, delivery.settings, message.topic, payload),
        ticket_id=ticket_id if isinstance(ticket_id, int) else None,
        source_id=message.id,
        # Nobody needs telling what they did themselves.
        exclude={actor} if isinstance(actor, int) else None,
    )


register_consumer("notifications", EVENT_PREFIXES, fan_out)
