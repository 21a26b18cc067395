"""Registers the fan-out of events into notifications (and their mail) with the worker: the
``notifications`` consumer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.events.contract import parse
from backend.models import OutboxMessage
from backend.notifications.fanout import audiences
from backend.notifications.service import notify
from backend.worker.registry import Delivery, register_consumer

EVENT_PREFIXES = ("ticket.", "sla.", "supervision.", "exclusion.")


def fan_out(session: Session, message: OutboxMessage, delivery: Delivery) -> None:
    event = parse(message.topic, message.payload)
    actor = event.actor.user_id
    notify(
        session,
        delivery.settings,
        delivery.now,
        kind=message.topic,
        audiences=audiences(session, delivery.settings, event),
        ticket_id=event.ticket_id,
        source_id=message.id,
        # Nobody needs telling what they did themselves.
        exclude={actor} if actor is not None else None,
    )


register_consumer("notifications", EVENT_PREFIXES, fan_out)
