"""Exclusion rules. Services flush, never commit (the request commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Subject
from backend.errors import Problem, ProblemCode, conflict, forbidden, invalid, not_found
from backend.events import contract as ev
from backend.events.record import build, member, write
from backend.exclusions import permissions
from backend.exclusions.schemas import (
    ExclusionCreate,
    ExclusionDecision,
    ExclusionOut,
    ExclusionPage,
)
from backend.models import Ticket, TicketDepartment, TicketReturn, Unit, User
from backend.models.enums import Status
from backend.models.exclusions import (
    LIVE_EXCLUSION,
    Exclusion,
    ExclusionReason,
    ExclusionStatus,
)
from backend.tickets.schemas import TicketRef, UnitBrief, UserBrief

# --- for the statistics -----------------------------------------------------------------------


def approved_exclusions(session: Session, department_id: int | None = None) -> set[tuple[int, int]]:
    """(ticket id, department id) of every approved exclusion, of one department or of all:
    each pair leaves every rate of that department for that ticket."""
    q = sa.select(col(Exclusion.ticket_id), col(Exclusion.department_id)).where(
        col(Exclusion.status) == ExclusionStatus.approved.value
    )
    if department_id is not None:
        q = q.where(col(Exclusion.department_id) == department_id)
    return {(t, d) for t, d in session.execute(q).all()}


# --- rendering --------------------------------------------------------------------------------


def _render(session: Session, p: Subject, rows: Sequence[Exclusion]) -> list[ExclusionOut]:
    """A page of exclusions with their tickets, units and people, in three queries."""
    if not rows:
        return []
    tickets = {
        t.id: t
        for t in session.execute(
            sa.select(Ticket).where(col(Ticket.id).in_({e.ticket_id for e in rows}))
        ).scalars()
    }
    user_ids = {u for e in rows for u in (e.requested_by_id, e.decided_by_id) if u is not None}
    users = list(session.execute(sa.select(User).where(col(User.id).in_(user_ids))).scalars())
    unit_ids = {e.department_id for e in rows} | {u.unit_id for u in users}
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
    out = []
    for e in rows:
        assert e.id is not None
        t = tickets[e.ticket_id]
        assert t.id is not None
        out.append(
            ExclusionOut(
                id=e.id,
                ticket=TicketRef(id=t.id, code=t.code, title=t.title, status=Status(t.status)),
                department=units[e.department_id],
                reason_kind=ExclusionReason(e.reason_kind),
                reason=e.reason,
                status=ExclusionStatus(e.status),
                direct=e.direct,
                requested_by=people.get(e.requested_by_id) if e.requested_by_id else None,
                decided_by=people.get(e.decided_by_id) if e.decided_by_id else None,
                decided_at=e.decided_at,
                decision_note=e.decision_note,
                created_at=e.created_at,
                allowed_actions=permissions.allowed_actions(p, e),
            )
        )
    return out


# --- reading ----------------------------------------------------------------------------------


def list_exclusions(
    session: Session,
    p: Subject,
    *,
    department_id: int | None,
    status: ExclusionStatus | None,
    ticket_id: int | None,
    page: int,
    limit: int,
) -> ExclusionPage:
    """Newest first, a numbered page at a time, with the total of all pages."""
    permissions.require_listing(p)
    where = [permissions.visible_clause(p)]
    if department_id is not None:
        where.append(col(Exclusion.department_id) == department_id)
    if status is not None:
        where.append(col(Exclusion.status) == status.value)
    if ticket_id is not None:
        where.append(col(Exclusion.ticket_id) == ticket_id)
    rows = list(
        session.execute(
            sa.select(Exclusion)
            .where(*where)
            .order_by(col(Exclusion.id).desc())
            .offset((page - 1) * limit)
            .limit(limit)
        ).scalars()
    )
    if page == 1 and len(rows) < limit:
        total = len(rows)  # the only page: the total is evident
    else:
        total = session.execute(
            sa.select(sa.func.count()).select_from(Exclusion).where(*where)
        ).scalar_one()
    return ExclusionPage(items=_render(session, p, rows), total=total)


def _load(session: Session, p: Subject, exclusion_id: int, *, lock: bool = False) -> Exclusion:
    q = sa.select(Exclusion).where(col(Exclusion.id) == exclusion_id)
    if lock:
        q = q.with_for_update()
    exclusion = session.execute(q).scalar_one_or_none()
    if exclusion is None or not permissions.can_see(p, exclusion):
        raise not_found("exclusion")
    return exclusion


def get_exclusion(session: Session, p: Subject, exclusion_id: int) -> ExclusionOut:
    return _render(session, p, [_load(session, p, exclusion_id)])[0]


# --- asking and deciding ----------------------------------------------------------------------


def _on_ticket(session: Session, ticket_id: int, department_id: int) -> str | None:
    """The department's role on the ticket's record (lead | assist), or None if it never
    had the ticket."""
    return session.execute(
        sa.select(col(TicketDepartment.role)).where(
            col(TicketDepartment.ticket_id) == ticket_id,
            col(TicketDepartment.department_id) == department_id,
        )
    ).scalar_one_or_none()


def _was_lead(session: Session, ticket: Ticket, department_id: int, role: str | None) -> bool:
    """The department leads the ticket, or led it: its row still says lead (it returned the
    ticket), or it returned it and was made an assisting department at a later dispatch."""
    if ticket.lead_department_id == department_id or role == "lead":
        return True
    if role is None:
        return False
    returned = session.execute(
        sa.select(sa.literal(1))
        .where(
            col(TicketReturn.ticket_id) == ticket.id,
            col(TicketReturn.department_id) == department_id,
        )
        .limit(1)
    ).first()
    return returned is not None


def _live_exists(existing: Exclusion) -> Problem:
    return conflict(
        ProblemCode.exclusion_exists,
        "This ticket already has a pending or approved exclusion for this department.",
        exclusion_id=existing.id,
        exclusion_status=existing.status,
    )


def _live(session: Session, ticket_id: int, department_id: int) -> Exclusion | None:
    return session.execute(
        sa.select(Exclusion).where(
            col(Exclusion.ticket_id) == ticket_id,
            col(Exclusion.department_id) == department_id,
            col(Exclusion.status).in_([s.value for s in LIVE_EXCLUSION]),
        )
    ).scalar_one_or_none()


def _record(
    session: Session, p: Subject, ticket: Ticket, details: ev.Details, now: datetime
) -> None:
    entry = build(
        ticket,
        details,
        who=member(p),
        now=now,
        from_status=ticket.status,
        to_status=ticket.status,
        internal=True,  # between the committee and the department
    )
    write(session, [entry], now)


def create(session: Session, p: Subject, body: ExclusionCreate, now: datetime) -> ExclusionOut:
    """A department head's request (pending), or the committee's direct exclusion (approved)."""
    permissions.require_asking(p)
    person = p.person()
    ticket = session.get(Ticket, body.ticket_id)
    if p.is_committee:
        if ticket is None:
            raise invalid(ProblemCode.unknown_ticket, "No such ticket.")
        department_id = body.department_id or ticket.lead_department_id
        if department_id is None:
            raise invalid(
                ProblemCode.exclusion_not_lead,
                "The ticket has no lead department now: name the department to exclude it for.",
            )
    else:
        assert p.unit_id is not None
        department_id = p.unit_id
        if body.department_id is not None and body.department_id != department_id:
            raise forbidden(
                "A department asks for exclusions from its own rates only.",
                ProblemCode.action_forbidden,
            )
    # A ticket the department never had is, to it, a ticket that does not exist.
    role = _on_ticket(session, body.ticket_id, department_id) if ticket is not None else None
    if ticket is None or (role is None and not p.is_committee):
        raise invalid(ProblemCode.unknown_ticket, "No such ticket.")
    if not _was_lead(session, ticket, department_id, role):
        raise invalid(
            ProblemCode.exclusion_not_lead,
            "Only a ticket the department leads or led can be excluded from its rates.",
            department_id=department_id,
        )
    existing = _live(session, body.ticket_id, department_id)
    if existing is not None:
        raise _live_exists(existing)
    direct = p.is_committee
    exclusion = Exclusion(
        ticket_id=body.ticket_id,
        department_id=department_id,
        reason_kind=body.reason_kind.value,
        reason=body.reason,
        status=(ExclusionStatus.approved if direct else ExclusionStatus.pending).value,
        direct=direct,
        requested_by_id=person,
        decided_by_id=person if direct else None,
        decided_at=now if direct else None,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(exclusion)
            session.flush()
    except IntegrityError as exc:
        # A twin request won the race for the one live exclusion of this ticket and department.
        raced = _live(session, body.ticket_id, department_id)
        if raced is None:
            raise
        raise _live_exists(raced) from exc
    assert exclusion.id is not None
    details: ev.Details
    if direct:
        details = ev.ExclusionDecided(
            exclusion_id=exclusion.id, department_id=department_id, approved=True, direct=True
        )
    else:
        details = ev.ExclusionRequested(exclusion_id=exclusion.id, department_id=department_id)
    _record(session, p, ticket, details, now)
    session.flush()
    return _render(session, p, [exclusion])[0]


def decide(
    session: Session, p: Subject, exclusion_id: int, body: ExclusionDecision, now: datetime
) -> ExclusionOut:
    exclusion = _load(session, p, exclusion_id, lock=True)
    permissions.require_deciding(p)
    person = p.person()
    if exclusion.status != ExclusionStatus.pending:
        raise conflict(
            ProblemCode.exclusion_decided,
            f"This exclusion is {exclusion.status} already; it is decided once.",
            exclusion_status=exclusion.status,
        )
    exclusion.status = (
        ExclusionStatus.approved if body.approved else ExclusionStatus.rejected
    ).value
    exclusion.decided_by_id = person
    exclusion.decided_at = now
    exclusion.decision_note = body.note
    exclusion.updated_at = now
    session.flush()
    ticket = session.get(Ticket, exclusion.ticket_id)
    assert ticket is not None
    assert exclusion.id is not None
    details = ev.ExclusionDecided(
        exclusion_id=exclusion.id,
        department_id=exclusion.department_id,
        approved=body.approved,
    )
    _record(session, p, ticket, details, now)
    session.flush()
    return _render(session, p, [exclusion])[0]
