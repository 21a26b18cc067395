"""The committee's side of moving a ticket to a department: dispatch, the department's return
and its judgement, urging, and the department head's assignment of a handler."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.errors import ProblemCode, conflict, invalid, not_found
from backend.events import contract as ev
from backend.models import Ticket, TicketDepartment, TicketReturn, Unit, User, table
from backend.models.enums import UnitKind
from backend.tickets.context import Ctx, begin_action, future_deadline, internal_records, transition
from backend.tickets.schemas import (
    AssignBody,
    DispatchBody,
    ReturnBody,
    ReturnJudgementBody,
    UrgeBody,
)
from backend.tickets.transitions import Action


def _department_ids(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    found = set(
        session.execute(
            sa.select(col(Unit.id)).where(
                col(Unit.id).in_(ids),
                col(Unit.kind) == UnitKind.department.value,
                col(Unit.is_active).is_(True),
            )
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(
            ProblemCode.not_a_department, f"Not active departments: {missing}.", ids=missing
        )


def dispatch(ctx: Ctx, ticket_id: int, body: DispatchBody, if_match: str | None) -> dict[str, Any]:
    # Locked: dispatch inserts ticket_departments rows *before* the conditional update, so two
    # racing dispatches to one department would otherwise meet on that primary key (a 500).
    ticket, rels = begin_action(ctx, ticket_id, Action.dispatch, if_match, lock=True)
    assists = list(dict.fromkeys(body.assisting_department_ids))
    if body.lead_department_id in assists:
        raise invalid(ProblemCode.lead_also_assisting, "The lead department cannot also assist.")
    _department_ids(ctx.session, [body.lead_department_id, *assists])
    reply_due = future_deadline(ctx, body.reply_due_at, "reply_due_at")
    cal = ctx.calendar()
    levels = ctx.levels_of(ticket)
    accept_due = cal.add_working_days(ctx.now, levels.accept_days)
    if reply_due is None:
        reply_due = cal.add_working_days(ctx.now, levels.reply_days)
    _set_departments(ctx, ticket, body.lead_department_id, assists)
    return transition(
        ctx,
        ticket,
        rels,
        Action.dispatch,
        {
            "lead_department_id": body.lead_department_id,
            "handler_id": None,
            "dispatched_at": ctx.now,
            "accept_due_at": accept_due,
            "reply_due_at": reply_due,
        },
        ev.Dispatched(
            lead_department_id=body.lead_department_id,
            assisting_department_ids=assists,
            accept_due_at=accept_due,
            reply_due_at=reply_due,
        ),
        note=body.note,
    )


def _set_departments(ctx: Ctx, ticket: Ticket, lead: int, assists: list[int]) -> None:
    td = table(TicketDepartment)
    ctx.session.execute(td.update().where(td.c.ticket_id == ticket.id).values(active=False))
    existing = set(
        ctx.session.execute(
            sa.select(td.c.department_id).where(td.c.ticket_id == ticket.id)
        ).scalars()
    )
    for dept, role in [(lead, "lead"), *[(a, "assist") for a in assists]]:
        if dept in existing:
            ctx.session.execute(
                td.update()
                .where(td.c.ticket_id == ticket.id, td.c.department_id == dept)
                .values(role=role, active=True)
            )
        else:
            ctx.session.execute(
                td.insert().values(
                    ticket_id=ticket.id,
                    department_id=dept,
                    role=role,
                    active=True,
                    created_at=ctx.now,
                )
            )


def return_ticket(
    ctx: Ctx, ticket_id: int, body: ReturnBody, if_match: str | None
) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.return_, if_match)
    assert ctx.subject is not None
    assert ticket.lead_department_id is not None
    td = table(TicketDepartment)
    ctx.session.execute(td.update().where(td.c.ticket_id == ticket.id).values(active=False))
    ctx.session.add(
        TicketReturn(
            ticket_id=ticket_id,
            department_id=ticket.lead_department_id,
            returned_by_id=ctx.subject.person(),
            reason_code=body.reason_code.value,
            reason=body.reason,
            created_at=ctx.now,
        )
    )
    dispatch_due = ctx.calendar().add_working_days(ctx.now, ctx.levels_of(ticket).dispatch_days)
    return transition(
        ctx,
        ticket,
        rels,
        Action.return_,
        {
            "lead_department_id": None,
            "handler_id": None,
            "accept_due_at": None,
            "reply_due_at": None,
            # The department's clock stops: its windows start afresh at the next dispatch.
            "dispatch_due_at": dispatch_due,
            "return_count": ticket.return_count + 1,
        },
        ev.Returned(department_id=ticket.lead_department_id, dispatch_due_at=dispatch_due),
        # The reason (and its code, on /returns) stays between the department and the committee.
        note=body.reason,
    )


def urge(ctx: Ctx, ticket_id: int, body: UrgeBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.urge, if_match)
    return transition(
        ctx,
        ticket,
        rels,
        Action.urge,
        {"urge_count": ticket.urge_count + 1},
        ev.Urged(department_id=ticket.lead_department_id),
        note=body.note,
    )


def assign(ctx: Ctx, ticket_id: int, body: AssignBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.assign, if_match)
    handler = ctx.session.get(User, body.handler_id)
    if handler is None or handler.unit_id != ticket.lead_department_id or not handler.is_active:
        raise invalid(
            ProblemCode.not_a_handler, "The handler must be an active member of the department."
        )
    return transition(
        ctx,
        ticket,
        rels,
        Action.assign,
        {"handler_id": handler.id},
        ev.Assigned(handler_id=body.handler_id),
        internal=True,
    )


def list_returns(ctx: Ctx, ticket_id: int) -> list[TicketReturn]:
    return internal_records(ctx, ticket_id, TicketReturn, "Returns")


def judge_return(
    ctx: Ctx, ticket_id: int, return_id: int, body: ReturnJudgementBody, if_match: str | None
) -> TicketReturn:
    ticket, rels = begin_action(ctx, ticket_id, Action.judge_return, if_match)
    assert ctx.subject is not None
    ret = ctx.session.get(TicketReturn, return_id)
    if ret is None or ret.ticket_id != ticket_id:
        raise not_found("return")
    if ret.reasonable is not None:
        raise conflict(ProblemCode.return_judged, "This return was already judged.")
    ret.reasonable = body.reasonable
    ret.judged_by_id = ctx.subject.person()
    ret.judged_at = ctx.now
    ret.judgement_note = body.note
    ctx.session.flush()
    transition(
        ctx,
        ticket,
        rels,
        Action.judge_return,
        None,
        ev.ReturnJudged(return_id=return_id, reasonable=body.reasonable),
        note=body.note,
        internal=True,
    )
    return ret
