"""Walking the clock through working days and holidays, with the sweeps running as the worker
would run them, and recording what each sweep did and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.models import OutboxMessage, SlaMark, SupervisionOrder, Ticket, TicketEvent
from backend.sla.sweeps import sweep_overdue, sweep_reminders
from backend.supervision.sweeps import sweep_supervision
from tests.factories import World, headers_for

SH = ZoneInfo("Asia/Shanghai")
SWEEPS = {"reminder": sweep_reminders, "overdue": sweep_overdue, "supervision": sweep_supervision}


def local(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SH)


def travel_to(world: World, clock: FrozenClock, when: datetime) -> None:
    """Move the app's clock; everyone signs in again (access tokens live 15 minutes)."""
    clock.at = when
    for actor in world.actors.values():
        actor.headers = headers_for(world.db, world.settings, actor.user)
    world.db.commit()


def run_sweeps(world: World, now: datetime) -> dict[str, int]:
    done = {name: fn(world.db, now, world.settings) for name, fn in SWEEPS.items()}
    world.db.commit()  # the savepoint only: the test's transaction still rolls back
    return done


@dataclass
class Walk:
    """Fired sweeps as (kind, local time), in order."""

    fired: list[tuple[str, datetime]] = field(default_factory=list)

    def when(self, kind: str) -> list[datetime]:
        return [t for k, t in self.fired if k == kind]


def walk(
    world: World,
    clock: FrozenClock,
    until: datetime,
    *,
    step: timedelta = timedelta(hours=2),
    at: dict[datetime, Callable[[], Any]] | None = None,
    into: Walk | None = None,
) -> Walk:
    """From the clock's time to ``until`` in ``step``s, running every sweep at every step.
    ``at`` maps instants to actions done (through the API) at the first step on or after them,
    before that step's sweeps."""
    out = into or Walk()
    pending = sorted((at or {}).items())
    now = clock.now()
    while now <= until:
        while pending and pending[0][0] <= now:
            travel_to(world, clock, max(pending[0][0], clock.now()))
            pending.pop(0)[1]()
        clock.at = now  # the sweeps need no sign-in; actions above sign in again
        for kind, n in run_sweeps(world, now).items():
            out.fired += [(kind, now.astimezone(SH))] * n
        now += step
    assert not pending, "actions scheduled after the walk's end"
    travel_to(world, clock, clock.now())  # signed in again for what the test does next
    return out


def ticket_row(world: World, ticket_id: int) -> Ticket:
    world.db.expire_all()
    t = world.db.get(Ticket, ticket_id)
    assert t is not None
    return t


def outbox_topics(world: World, ticket_id: int) -> list[str]:
    rows = world.db.execute(
        sa.select(col(OutboxMessage.topic), col(OutboxMessage.payload)).order_by(
            col(OutboxMessage.id)
        )
    ).all()
    return [t for t, p in rows if p.get("ticket_id") == ticket_id]


def auto_urges(world: World, ticket_id: int) -> list[TicketEvent]:
    return [
        e
        for e in world.db.execute(
            sa.select(TicketEvent).where(
                col(TicketEvent.ticket_id) == ticket_id, col(TicketEvent.action) == "urge"
            )
        ).scalars()
        if (e.data or {}).get("auto")
    ]


def orders(world: World, ticket_id: int) -> list[SupervisionOrder]:
    return list(
        world.db.execute(
            sa.select(SupervisionOrder)
            .where(col(SupervisionOrder.ticket_id) == ticket_id)
            .order_by(col(SupervisionOrder.id))
        ).scalars()
    )


def marks(world: World, ticket_id: int) -> list[tuple[str, datetime, bool]]:
    return [
        (m.kind, m.deadline.astimezone(SH), m.acted)
        for m in world.db.execute(
            sa.select(SlaMark).where(col(SlaMark.ticket_id) == ticket_id).order_by(col(SlaMark.id))
        ).scalars()
    ]
