"""Turning rows into what a given caller may see (submitter hiding, internal events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.calendar.service import workday_start
from backend.calendar.workdays import WorkCalendar
from backend.events import contract
from backend.models import Category, Ticket, TicketDepartment, TicketEvent, Unit, User
from backend.models.enums import Status
from backend.tickets import permissions, roots
from backend.tickets.schemas import (
    CategoryBrief,
    EventOut,
    ReplyOut,
    RevisitOut,
    ScoreOut,
    TicketOut,
    TicketRef,
    UnitBrief,
    UserBrief,
)
from backend.tickets.transitions import Rel


def localize(dt: datetime | None, tz: ZoneInfo) -> datetime | None:
    return dt.astimezone(tz) if dt is not None else None


# Which deadline binds whoever holds the ticket in each state: the committee to dispatch, the
# department to accept and to reply, the committee to revisit.
DUE_FIELD: dict[str, str] = {
    Status.submitted: "dispatch_due_at",
    Status.dispatched: "accept_due_at",
    Status.accepted: "reply_due_at",
    Status.replied: "revisit_due_at",
}


def due_for(status: str, deadlines: dict[str, Any]) -> datetime | None:
    field = DUE_FIELD.get(status)
    return deadlines.get(field) if field else None


def overdue_cutoff(cal: WorkCalendar, now: datetime) -> datetime:
    """The working day after a missed deadline the ticket is overdue: a deadline is missed "by
    a working day" when it lies at or before the opening of the most recent working day that
    has opened (a deadline at the close of day N is overdue from the opening of the next
    working day, and not at night). One instant per day and calendar, so "overdue" stays a
    range on due_at."""
    return workday_start(cal, now, 1)


def overdue_clause(
    cutoff: datetime | sa.BindParameter[Any], overdue: bool = True
) -> sa.ColumnElement[bool]:
    """Whoever holds the ticket has missed their deadline (or, with ``overdue=False``, not)."""
    if overdue:
        return col(Ticket.due_at) <= cutoff
    return sa.or_(col(Ticket.due_at).is_(None), col(Ticket.due_at) > cutoff)


def is_overdue(due_at: datetime | None, cutoff: datetime) -> bool:
    return due_at is not None and due_at <= cutoff


def unit_brief(session: Session, unit_id: int | None) -> UnitBrief | None:
    if unit_id is None:
        return None
    u = session.get(Unit, unit_id)
    if u is None or u.id is None:
        return None
    return UnitBrief(id=u.id, name=u.name, code=u.code)


def user_brief(session: Session, user_id: int | None) -> UserBrief | None:
    if user_id is None:
        return None
    u = session.get(User, user_id)
    if u is None or u.id is None:
        return None
    return UserBrief(id=u.id, display_name=u.display_name, unit=unit_brief(session, u.unit_id))


def ticket_out(
    session: Session,
    ticket: Ticket,
    rels: frozenset[Rel],
    allowed: list[str],
    cutoff: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    assert ticket.id is not None
    # Assisting departments are active only while a lead holds the ticket.
    assists: list[int] = []
    if ticket.lead_department_id is not None:
        assists = list(
            session.execute(
                sa.select(col(TicketDepartment.department_id))
                .where(
                    col(TicketDepartment.ticket_id) == ticket.id,
                    col(TicketDepartment.role) == "assist",
                    col(TicketDepartment.active).is_(True),
                )
                .order_by(col(TicketDepartment.department_id))
            ).scalars()
        )
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    # A merged ticket is answered by its merge root: its reply, revisit and scoring window.
    answer = roots.root_of(session, ticket)
    merged_into = answer if answer is not ticket else None
    show_submitter = permissions.can_see_submitter(ticket, rels)
    sees_reporter = permissions.can_see_reporter(ticket, rels)
    dues = {
        "dispatch_due_at": ticket.dispatch_due_at,
        "accept_due_at": ticket.accept_due_at,
        "reply_due_at": ticket.reply_due_at,
        "revisit_due_at": ticket.revisit_due_at,
        "score_due_at": answer.score_due_at,
    }
    reply = None
    if answer.reply_content is not None and answer.replied_at is not None:
        reply = ReplyOut(
            content=answer.reply_content,
            replied_at=answer.replied_at.astimezone(tz),
            department=unit_brief(session, answer.reply_department_id),
        )
    revisit = None
    if answer.revisit_outcome and answer.revisit_method and answer.revisited_at:
        revisit = RevisitOut(
            method=answer.revisit_method,
            outcome=answer.revisit_outcome,
            note=answer.revisit_note,
            revisited_at=answer.revisited_at.astimezone(tz),
        )
    score = None
    if ticket.score_overall is not None and ticket.scored_at is not None:
        score = ScoreOut(
            efficiency=ticket.score_efficiency or 0,
            handling=ticket.score_handling or 0,
            effect=ticket.score_effect or 0,
            overall=ticket.score_overall,
            satisfied=ticket.score_overall >= 4,
            comment=ticket.score_comment,
            scored_at=ticket.scored_at.astimezone(tz),
            via=ticket.scored_via,
        )
    out = TicketOut(
        id=ticket.id,
        code=ticket.code,
        title=ticket.title,
        content=ticket.content,
        status=ticket.status,
        urgency=ticket.urgency,
        anonymity=ticket.anonymity,
        channel=ticket.channel,
        category=CategoryBrief(id=category.id, name=category.name)
        if category and category.id
        else None,
        college=unit_brief(session, ticket.college_id),
        submitter=user_brief(session, ticket.submitter_id) if show_submitter else None,
        reporter_name=ticket.reporter_name if sees_reporter else None,
        contact=ticket.contact if sees_reporter else None,
        lead_department=unit_brief(session, ticket.lead_department_id),
        assisting_departments=[b for d in assists if (b := unit_brief(session, d))],
        handler=user_brief(session, ticket.handler_id) if permissions.sees_internal(rels) else None,
        **{k: localize(v, tz) for k, v in dues.items()},
        overdue=is_overdue(ticket.due_at, cutoff),
        reply=reply,
        revisit=revisit,
        score=score,
        reject_reason=answer.reject_reason,
        merged_into=TicketRef(
            id=merged_into.id,
            code=merged_into.code,
            title=merged_into.title,
            status=merged_into.status,
        )
        if merged_into and merged_into.id
        else None,
        return_count=ticket.return_count,
        reopen_count=ticket.reopen_count,
        extension_count=ticket.extension_count,
        urge_count=ticket.urge_count,
        created_at=ticket.created_at.astimezone(tz),
        updated_at=ticket.updated_at.astimezone(tz),
        version=ticket.version,
        allowed_actions=allowed,
    )
    return out.model_dump(mode="json")


def events_out(
    session: Session, ticket: Ticket, rels: frozenset[Rel], tz: ZoneInfo
) -> list[EventOut]:
    q = (
        sa.select(TicketEvent)
        .where(col(TicketEvent.ticket_id) == ticket.id)
        .order_by(col(TicketEvent.id))
    )
    sees_internal = permissions.sees_internal(rels)
    if not sees_internal:
        q = q.where(col(TicketEvent.internal).is_(False))
    show_submitter = permissions.can_see_submitter(ticket, rels)
    events = list(session.execute(q).scalars())
    # Every actor and unit of the timeline in two queries, not a few per event.
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    users = {
        u.id: u
        for u in session.execute(sa.select(User).where(col(User.id).in_(user_ids))).scalars()
    }
    unit_ids = {e.actor_unit_id for e in events if e.actor_unit_id is not None}
    unit_ids |= {u.unit_id for u in users.values()}
    units = {
        u.id: UnitBrief(id=u.id, name=u.name, code=u.code)
        for u in session.execute(sa.select(Unit).where(col(Unit.id).in_(unit_ids))).scalars()
        if u.id is not None
    }
    out = []
    for e in events:
        assert e.id is not None
        hide = e.by_submitter and not show_submitter
        user = users.get(e.actor_id) if e.actor_id is not None and not hide else None
        # A return's or an extension's reason stays between the departments and the committee
        # (rows written before the event contract also kept the return's reason code in data).
        private = not sees_internal and contract.internal_note(e.action)
        out.append(
            EventOut(
                id=e.id,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                actor=UserBrief(
                    id=user.id, display_name=user.display_name, unit=units.get(user.unit_id)
                )
                if user is not None and user.id is not None
                else None,
                # The submitter's unit is the ticket's college, which everyone in scope sees.
                actor_unit=units.get(e.actor_unit_id) if e.actor_unit_id is not None else None,
                note=None if private else e.note,
                internal=e.internal,
                data=None if private else e.data,
                created_at=e.created_at.astimezone(tz),
            )
        )
    return out
