"""The notification page's summary: unread notices per tab, and today's batches from the clock.

A sweep run makes many notices of one kind at once (23 tickets overdue on a Monday morning); the
page sums them up in one line ("今日 23 件超期 → 查看") that opens the ticket list with the filter
that shows them. A sweep's events are those whose actor is the system (``ActorKind.system``),
written at the sweep's instant; the notices they made for the caller today (office time zone)
are counted per kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.subject import Subject
from backend.config import Settings
from backend.events import contract as ev
from backend.events.contract import ActorKind
from backend.models import Notification, OutboxMessage, table
from backend.notifications.groups import NotificationGroup, group_of
from backend.notifications.schemas import NotificationBatch, NotificationSummary, UnreadByGroup

_n = table(Notification)
_outbox = table(OutboxMessage)

# The least a batch has: one notice is no batch, the inbox shows it as it is.
BATCH_MIN = 2


@dataclass(frozen=True)
class BatchText:
    title: str  # with {count}
    link: str  # a ticket list URL of the SPA (its filters are the list API's)


# The kinds the sweeps make (backend.sla.sweeps, backend.supervision.sweeps). Reminders come
# before a deadline: the tickets still to sign for (dispatched) or to answer (accepted).
BATCHES: dict[str, BatchText] = {
    ev.Overdue.topic: BatchText("今日 {count} 件超期", "/tickets?overdue=true"),
    ev.Urged.topic: BatchText("今日 {count} 件超期催办", "/tickets?overdue=true"),
    ev.Reminder.topic: BatchText(
        "今日 {count} 件临近时限", "/tickets?status=dispatched&status=accepted"
    ),
    ev.SupervisionRaised.topic: BatchText("今日 {count} 件督办", "/supervision"),
}


def start_of_day(settings: Settings, now: datetime) -> datetime:
    tz = ZoneInfo(settings.timezone)
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)


def _unread(session: Session, user_id: int) -> UnreadByGroup:
    rows = session.execute(
        sa.select(_n.c.kind, sa.func.count())
        .where(_n.c.user_id == user_id, _n.c.read_at.is_(None))
        .group_by(_n.c.kind)
    ).all()
    counts = dict.fromkeys(NotificationGroup, 0)
    for kind, count in rows:
        counts[group_of(kind)] += int(count)
    return UnreadByGroup(**{g.value: c for g, c in counts.items()})


def _batches(
    session: Session, settings: Settings, user_id: int, now: datetime
) -> list[NotificationBatch]:
    actor = _outbox.c.payload["actor"]["kind"].as_string()
    rows = session.execute(
        sa.select(_n.c.kind, sa.func.count())
        .join(_outbox, _outbox.c.id == _n.c.source_id)
        .where(
            _n.c.user_id == user_id,
            _n.c.created_at >= start_of_day(settings, now),
            _n.c.kind.in_(list(BATCHES)),
            actor == ActorKind.system.value,
        )
        .group_by(_n.c.kind)
    ).all()
    counts = {kind: int(count) for kind, count in rows if count >= BATCH_MIN}
    return [
        NotificationBatch(
            kind=kind,
            group=group_of(kind),
            count=counts[kind],
            title=text.title.format(count=counts[kind]),
            link=text.link,
        )
        for kind, text in BATCHES.items()
        if kind in counts
    ]


def summarize(
    session: Session, settings: Settings, p: Subject, now: datetime
) -> NotificationSummary:
    assert p.user_id is not None
    return NotificationSummary(
        unread=_unread(session, p.user_id), batches=_batches(session, settings, p.user_id, now)
    )
