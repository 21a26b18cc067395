"""Fixtures and helpers for the delivery tests (worker, outbox, notifications, mail).

The worker here runs in the test process on the test's own connection (so it sees, and rolls
back with, what the test's requests wrote) and on the test's frozen clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.events.contract import Details
from backend.events.record import SYSTEM, build
from backend.models import Notification, OutboxDelivery, OutboxMessage, Ticket
from backend.worker.outbox import enqueue
from backend.worker.runner import Worker
from tests.conftest import _joined_session
from tests.factories import World
from tests.smtp import SmtpServer, smtp_server

BASE_URL = "https://huiyin.example.edu.cn"

MakeWorker = Callable[..., Worker]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "smtp_tls": "none",
            "smtp_sender": "回音 <huiyin@example.edu.cn>",
            "public_base_url": BASE_URL,
        }
    )


@pytest.fixture
def make_worker(connection: sa.Connection, clock: FrozenClock) -> MakeWorker:
    def make(settings: Settings, worker_id: str = "worker-a") -> Worker:
        return Worker(
            settings, session_factory=lambda: _joined_session(connection), worker_id=worker_id
        )

    return make


@pytest.fixture
def worker(make_worker: MakeWorker, settings: Settings) -> Worker:
    """A worker without mail (no SMTP host): events become notifications only."""
    return make_worker(settings)


@pytest.fixture
def mail_worker(make_worker: MakeWorker, mail_settings: Settings) -> Worker:
    return make_worker(mail_settings)


def notified(db: Session, w: World, kind: str | None = None, since: int = 0) -> dict[str, int]:
    """Roles (World actor names) notified, with how many notices each, optionally by kind."""
    q = sa.select(col(Notification.user_id)).where(col(Notification.id) > since)
    if kind is not None:
        q = q.where(col(Notification.kind) == kind)
    by_id = {a.id: role for role, a in w.actors.items()}
    out: dict[str, int] = {}
    for uid in db.execute(q).scalars():
        role = by_id.get(uid, f"user{uid}")
        out[role] = out.get(role, 0) + 1
    return out


def last_notification_id(db: Session) -> int:
    return int(
        db.execute(sa.select(sa.func.coalesce(sa.func.max(Notification.id), 0))).scalar_one()
    )


def queue_event(db: Session, topic: str, payload: dict[str, Any], now: datetime) -> int:
    """An event as the application writes one (with a delivery per consumer); its id."""
    return enqueue(db, topic, payload, now)


def queue_typed(db: Session, details: Details, now: datetime, *, ticket_id: int) -> int:
    """An event of the contract about a ticket, as the system would write it."""
    ticket = db.get(Ticket, ticket_id)
    assert ticket is not None
    entry = build(
        ticket, details, who=SYSTEM, now=now, from_status=ticket.status, to_status=ticket.status
    )
    return queue_event(db, entry.payload.event, entry.payload.model_dump(mode="json"), now)


def deliveries(db: Session, event_id: int) -> dict[str, OutboxDelivery]:
    """An event's deliveries, fresh from the database, by consumer."""
    db.expire_all()
    rows = db.execute(
        sa.select(OutboxDelivery).where(col(OutboxDelivery.event_id) == event_id)
    ).scalars()
    return {d.consumer: d for d in rows}


def pending(db: Session, topic_prefix: str = "") -> list[OutboxDelivery]:
    """Deliveries not yet made (failed ones included) of events with this topic prefix."""
    db.expire_all()
    return list(
        db.execute(
            sa.select(OutboxDelivery)
            .join(OutboxMessage, col(OutboxMessage.id) == col(OutboxDelivery.event_id))
            .where(
                col(OutboxDelivery.sent_at).is_(None),
                col(OutboxMessage.topic).startswith(topic_prefix),
            )
            .order_by(col(OutboxDelivery.id))
        ).scalars()
    )
