"""Supervision order rules. Services flush, never commit (the request or the worker commits)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.calendar.service import load_calendar
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.core.paging import newest_first
from backend.errors import ProblemCode, conflict, forbidden, invalid, not_found
from backend.events import contract as ev
from backend.events.record import SYSTEM, Entry, Who, build, member, write
from backend.models import (
    SupervisionOrder,
    Ticket,
    Unit,
    User,
    table,
)
from backend.models.enums import LIVE_SUPERVISION, Status, SupervisionStatus, VoidReason
from backend.sla.deadlines import STAGE_ZH, Due, supervision_deadline
from backend.supervision import permissions
from backend.supervision.schemas import (
    SupervisionAcknowledge,
    SupervisionClose,
    SupervisionCreate,
    SupervisionOut,
    SupervisionPage,
)
from backend.tickets.schemas import TicketRef, UnitBrief, UserBrief

# The department holds the ticket: an order can press it.
HELD = frozenset({Status.dispatched.value, Status.accepted.value})
# The department has answered: the committee may close the order.
ANSWERED = frozenset({Status.replied.value, Status.revisited.value, Status.closed.value})


def _entry(
    ticket: Ticket, details: ev.Details, now: datetime, who: Who, note: str | None = None
) -> Entry:
    """The timeline event and the outbox event of one step of an order."""
    return build(
        ticket,
        details,
        who=who,
        now=now,
        from_status=ticket.status,
        to_status=ticket.status,
        internal=True,  # between the committee and the department
        note=note,
    )


def _record(
    session: Session,
    ticket: Ticket,
    details: ev.Details,
    now: datetime,
    who: Who,
    note: str | None,
) -> None:
    """One step of an order, written in its transaction."""
    write(session, [_entry(ticket, details, now, who, note)], now)


def _live_orders(session: Session, ticket_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(ticket, department) of every order that still presses its department. An order is the
    department's own: one department's order never stands in for, or blocks, another's."""
    rows = session.execute(
        sa.select(col(SupervisionOrder.ticket_id), col(SupervisionOrder.department_id)).where(
            col(SupervisionOrder.ticket_id).in_(list(ticket_ids)),
            col(SupervisionOrder.status).in_([s.value for s in LIVE_SUPERVISION]),
        )
    ).all()
    return {(t, d) for t, d in rows}


def raise_order_rows(
    session: Session,
    cal: WorkCalendar,
    rows: Sequence[Due],
    now: datetime,
    settings: Settings,
    days: int,
) -> list[Due]:
    """The supervision sweep's action on the tickets it claimed: one order each, unless the
    department holding the ticket has a live order on it already. Returns the tickets it did
    nothing for."""
    live = _live_orders(session, (d.id for d in rows))
    deadline = supervision_deadline(cal, now, settings)
    todo: list[Due] = []
    skipped: list[Due] = []
    for d in rows:
        busy = d.lead_department_id is None or (d.id, d.lead_department_id) in live
        (skipped if busy else todo).append(d)
    if not todo:
        return skipped
    departments = [d.lead_department_id for d in todo if d.lead_department_id is not None]
    # Core statements: a sweep may raise thousands at once (ORM objects would cost 10x).
    orders = table(SupervisionOrder)
    values = [
        {
            "ticket_id": d.id,
            "department_id": department_id,
            "reason": f"超过{STAGE_ZH[d.stage]}期限（"
            f"{d.due_at.astimezone(cal.tz):%Y-%m-%d %H:%M}）{days}个工作日仍未办理，系统自动督办。",
            "deadline": deadline,
            "auto": True,
            "status": SupervisionStatus.open.value,
            "created_at": now,
            "updated_at": now,
        }
        for d, department_id in zip(todo, departments, strict=True)
    ]
    ids = session.execute(
        orders.insert().returning(orders.c.id, sort_by_parameter_order=True), values
    ).scalars()
    write(
        session,
        [
            build(
                d,
                ev.SupervisionRaised(
                    order_id=order_id,
                    department_id=department_id,
                    auto=True,
                    deadline=deadline,
                ),
                who=SYSTEM,
                now=now,
                from_status=d.status,
                to_status=d.status,
                internal=True,
            )
            for d, department_id, order_id in zip(todo, departments, ids, strict=True)
        ],
        now,
    )
    return skipped


# --- the API -----------------------------------------------------------------------------------


def _briefs(
    session: Session, orders: Sequence[SupervisionOrder]
) -> tuple[dict[int, Ticket], dict[int, UnitBrief], dict[int, UserBrief]]:
    """Tickets, units and users of a page of orders, in three queries."""
    tickets = {
        t.id: t
        for t in session.execute(
            sa.select(Ticket).where(col(Ticket.id).in_({o.ticket_id for o in orders}))
        ).scalars()
        if t.id is not None
    }
    user_ids = {
        u
        for o in orders
        for u in (o.raised_by_id, o.acknowledged_by_id, o.closed_by_id)
        if u is not None
    }
    users = list(session.execute(sa.select(User).where(col(User.id).in_(user_ids))).scalars())
    unit_ids = {o.department_id for o in orders} | {u.unit_id for u in users}
    units = {
        u.id: UnitBrief(id=u.id, name=u.name, code=u.code)
        for u in session.execute(sa.select(Unit).where(col(Unit.id).in_(unit_ids))).scalars()
        if u.id is not None
    }
    people = {
        u.id: UserBrief(id=u.id, display_name=u.display_name, unit=units.get(u.unit_id))
        for u in users
        if u.id is not None
    }
    return tickets, units, people


def _render(
    session: Session, p: Subject, orders: Sequence[SupervisionOrder], now: datetime
) -> list[SupervisionOut]:
    tickets, units, people = _briefs(session, orders)
    out = []
    for o in orders:
        assert o.id is not None
        t = tickets[o.ticket_id]
        assert t.id is not None
        out.append(
            SupervisionOut(
                id=o.id,
                ticket=TicketRef(id=t.id, code=t.code, title=t.title, status=Status(t.status)),
                department=units[o.department_id],
                reason=o.reason,
                deadline=o.deadline,
                overdue=o.status == SupervisionStatus.open and o.deadline < now,
                auto=o.auto,
                raised_by=people.get(o.raised_by_id) if o.raised_by_id else None,
                status=SupervisionStatus(o.status),
                plan=o.plan,
                acknowledged_by=people.get(o.acknowledged_by_id) if o.acknowledged_by_id else None,
                acknowledged_at=o.acknowledged_at,
                closed_by=people.get(o.closed_by_id) if o.closed_by_id else None,
                closed_at=o.closed_at,
                close_note=o.close_note,
                void_reason=o.void_reason,
                voided_at=o.voided_at,
                voided_by_event_id=o.voided_by_event_id,
                created_at=o.created_at,
                allowed_actions=permissions.allowed_actions(p, o, t.status in ANSWERED),
            )
        )
    return out


def list_orders(
    session: Session,
    p: Subject,
    now: datetime,
    *,
    status: SupervisionStatus | None,
    ticket_id: int | None,
    department_id: int | None,
    before: int | None,
    limit: int,
) -> SupervisionPage:
    permissions.require_listing(p)
    q = sa.select(SupervisionOrder).where(permissions.visible_clause(p))
    if status is not None:
        q = q.where(col(SupervisionOrder.status) == status.value)
    if ticket_id is not None:
        q = q.where(col(SupervisionOrder.ticket_id) == ticket_id)
    if department_id is not None:
        q = q.where(col(SupervisionOrder.department_id) == department_id)
    page, next_cursor = newest_first(session, q, col(SupervisionOrder.id), before, limit)
    return SupervisionPage(items=_render(session, p, page, now), next_cursor=next_cursor)


def _load(session: Session, p: Subject, order_id: int, *, lock: bool = False) -> SupervisionOrder:
    q = sa.select(SupervisionOrder).where(col(SupervisionOrder.id) == order_id)
    if lock:
        q = q.with_for_update()
    order = session.execute(q).scalar_one_or_none()
    if order is None or not permissions.can_see(p, order):
        raise not_found("supervision order")
    return order


def get_order(session: Session, p: Subject, order_id: int, now: datetime) -> SupervisionOut:
    return _render(session, p, [_load(session, p, order_id)], now)[0]


def create_order(
    session: Session, p: Subject, body: SupervisionCreate, now: datetime, settings: Settings
) -> SupervisionOut:
    p.require(Scope.tickets_write)
    if not p.is_committee:
        raise forbidden(
            "Only the committee raises supervision orders.", ProblemCode.action_forbidden
        )
    ticket = session.execute(
        sa.select(Ticket).where(col(Ticket.id) == body.ticket_id).with_for_update()
    ).scalar_one_or_none()
    if ticket is None:
        raise invalid(ProblemCode.unknown_ticket, "No such ticket.")
    if ticket.status not in HELD or ticket.lead_department_id is None:
        raise conflict(
            ProblemCode.not_with_department,
            "Only a ticket a department holds (dispatched or accepted) can be supervised.",
            ticket_status=ticket.status,
        )
    if (body.ticket_id, ticket.lead_department_id) in _live_orders(session, [body.ticket_id]):
        raise conflict(
            ProblemCode.supervision_open,
            "The department holding this ticket already has an open supervision order on it.",
        )
    cal = load_calendar(session, settings)
    deadline = body.deadline
    if deadline is None:
        deadline = supervision_deadline(cal, now, settings)
    elif deadline.tzinfo is None:
        raise invalid(ProblemCode.naive_datetime, "deadline needs a time zone offset.")
    elif deadline <= now:
        raise invalid(ProblemCode.deadline_in_past, "deadline must lie in the future.")
    else:
        deadline = cal.office_deadline(deadline)  # never a time the office is shut
    order = SupervisionOrder(
        ticket_id=body.ticket_id,
        department_id=ticket.lead_department_id,
        reason=body.reason,
        deadline=deadline,
        auto=False,
        raised_by_id=p.person(),
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    assert order.id is not None
    details = ev.SupervisionRaised(
        order_id=order.id, department_id=order.department_id, auto=False, deadline=deadline
    )
    _record(session, ticket, details, now, member(p), body.reason)
    session.flush()
    return _render(session, p, [order], now)[0]


def _state_conflict(order: SupervisionOrder, action: str) -> Any:
    return conflict(
        ProblemCode.invalid_state,
        f"A supervision order that is {order.status} cannot be given the action {action}.",
        order_status=order.status,
        action=action,
    )


def acknowledge(
    session: Session, p: Subject, order_id: int, body: SupervisionAcknowledge, now: datetime
) -> SupervisionOut:
    order = _load(session, p, order_id, lock=True)
    p.require(Scope.tickets_write)
    if not (p.is_department and p.is_head and order.department_id == p.unit_id):
        raise forbidden(
            "The head of the supervised department acknowledges the order.",
            ProblemCode.action_forbidden,
        )
    if order.status != SupervisionStatus.open:
        raise _state_conflict(order, "acknowledge")
    order.status = SupervisionStatus.acknowledged.value
    order.plan = body.plan
    order.acknowledged_by_id = p.person()
    order.acknowledged_at = now
    order.updated_at = now
    ticket = session.get(Ticket, order.ticket_id)
    assert ticket is not None
    session.flush()
    assert order.id is not None
    details = ev.SupervisionAcknowledged(order_id=order.id, department_id=order.department_id)
    _record(session, ticket, details, now, member(p), body.plan)
    session.flush()
    return _render(session, p, [order], now)[0]


def close(
    session: Session, p: Subject, order_id: int, body: SupervisionClose, now: datetime
) -> SupervisionOut:
    order = _load(session, p, order_id, lock=True)
    p.require(Scope.tickets_write)
    if not p.is_committee:
        raise forbidden("The committee closes supervision orders.", ProblemCode.action_forbidden)
    if order.status != SupervisionStatus.acknowledged:
        raise _state_conflict(order, "close")
    ticket = session.get(Ticket, order.ticket_id)
    assert ticket is not None
    if ticket.status not in ANSWERED:
        raise conflict(
            ProblemCode.ticket_not_answered,
            "Close the order once the department has answered the ticket.",
            ticket_status=ticket.status,
        )
    order.status = SupervisionStatus.closed.value
    order.closed_by_id = p.person()
    order.closed_at = now
    order.close_note = body.note
    order.updated_at = now
    session.flush()
    assert order.id is not None
    details = ev.SupervisionClosed(order_id=order.id, department_id=order.department_id)
    _record(session, ticket, details, now, member(p), body.note)
    session.flush()
    return _render(session, p, [order], now)[0]


def void_orders(
    session: Session, ticket: Ticket, reason: VoidReason, event_id: int, now: datetime
) -> list[SupervisionOrder]:
    """The departments that held ``ticket`` let go of it (by ``reason``, the ticket action
    whose timeline event is ``event_id``): their live orders end as ``void``, each with an
    internal timeline event and a ``supervision.voided`` outbox event, in the caller's
    transaction.

    Nobody is named as having voided an order: it follows from the ticket's action, which
    ``voided_by_event_id`` points to (and a submitter's withdrawal must not name them)."""
    orders = list(
        session.execute(
            sa.select(SupervisionOrder)
            .where(
                col(SupervisionOrder.ticket_id) == ticket.id,
                col(SupervisionOrder.status).in_([s.value for s in LIVE_SUPERVISION]),
            )
            .order_by(col(SupervisionOrder.id))
            .with_for_update()
        ).scalars()
    )
    for order in orders:
        order.status = SupervisionStatus.void.value
        order.void_reason = reason.value
        order.voided_at = now
        order.voided_by_event_id = event_id
        order.updated_at = now
    session.flush()
    entries = []
    for order in orders:
        assert order.id is not None
        details = ev.SupervisionVoided(
            order_id=order.id, department_id=order.department_id, reason=reason
        )
        entries.append(_entry(ticket, details, now, SYSTEM))
    write(session, entries, now)
    return orders
