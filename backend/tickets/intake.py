"""Raising a ticket: from a signed-in caller or the public form, and its tracking code."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Scope
from backend.errors import ProblemCode, forbidden, invalid
from backend.events import contract as ev
from backend.events.contract import ActorKind
from backend.events.record import CODE_HOLDER, Who, member
from backend.models import Category, Ticket, Unit
from backend.models.enums import Anonymity, Channel, Status, UnitKind
from backend.tickets.context import Ctx, record_event, submitting_side
from backend.tickets.schemas import TicketCreate

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


# --- tracking codes ---------------------------------------------------------------------------


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def hash_tracking_code(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def ticket_by_tracking_code(session: Session, code: str) -> Ticket | None:
    return session.execute(
        sa.select(Ticket).where(col(Ticket.tracking_code_hash) == hash_tracking_code(code))
    ).scalar_one_or_none()


# --- create ------------------------------------------------------------------------------------


def _active_unit(session: Session, unit_id: int, kind: UnitKind, code: ProblemCode) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.kind != kind or not unit.is_active:
        raise invalid(code, f"Unit {unit_id} is not an active {kind.value}.")
    return unit


def check_category(session: Session, category_id: int) -> None:
    cat = session.get(Category, category_id)
    if cat is None or not cat.is_active:
        raise invalid(ProblemCode.unknown_category, "No such category.")


def create_ticket(ctx: Ctx, body: TicketCreate) -> tuple[Ticket, str | None]:
    p = ctx.subject
    assert p is not None
    p.require(Scope.tickets_write)
    if p.is_department:
        raise forbidden(
            "Departments receive tickets; they do not raise them.", ProblemCode.cannot_submit
        )
    if body.category_id is not None:
        check_category(ctx.session, body.category_id)
    on_behalf = body.reporter_name is not None or body.contact is not None
    if on_behalf and body.anonymity == Anonymity.full:
        # Only the tracking code may lead back to a fully anonymous ticket.
        raise invalid(
            ProblemCode.anonymous_on_behalf,
            "A fully anonymous ticket carries no reporter_name or contact.",
        )
    if p.is_committee:
        # The committee collects on someone's behalf: mailbox, visit, hotline, 信访.
        channel = body.channel or Channel.mailbox
        if channel in (Channel.public, Channel.api):
            raise invalid(ProblemCode.bad_channel, "That channel is not entered by hand.")
        college_id = body.college_id
        if college_id is not None:
            _active_unit(ctx.session, college_id, UnitKind.college, ProblemCode.not_a_college)
        submitter_id = None
    else:
        if body.channel is not None or body.college_id is not None:
            raise invalid(
                ProblemCode.committee_only_fields, "channel and college_id are for the committee."
            )
        # A college head (a person: the ticket keeps them as its submitter, which is how the
        # raising college is known) may raise it on someone's behalf; staff and students raise
        # their own.
        if on_behalf and not (p.is_user and p.is_head):
            raise invalid(
                ProblemCode.on_behalf_fields,
                "reporter_name and contact are for the committee and college heads.",
            )
        channel = Channel.web
        college_id = p.unit_id
        submitter_id = None if body.anonymity == Anonymity.full else p.user_id
    tracking_code = new_tracking_code() if body.anonymity == Anonymity.full else None
    return (
        insert_ticket(
            ctx,
            title=body.title,
            content=body.content,
            category_id=body.category_id,
            urgency=body.urgency.value,
            anonymity=body.anonymity.value,
            channel=channel.value,
            college_id=college_id,
            submitter_id=submitter_id,
            recorded_by_id=p.user_id if p.is_committee else None,
            reporter_name=body.reporter_name,
            contact=body.contact,
            tracking_code=tracking_code,
        ),
        tracking_code,
    )


def insert_ticket(ctx: Ctx, *, tracking_code: str | None, **fields: Any) -> Ticket:
    levels = ctx.levels(fields.get("category_id"), fields.get("urgency") or "normal")
    dispatch_due = ctx.calendar().add_working_days(ctx.now, levels.dispatch_days)
    ticket = Ticket(
        code=f"TMP-{secrets.token_hex(8)}",
        status=Status.submitted.value,
        tracking_code_hash=hash_tracking_code(tracking_code) if tracking_code else None,
        dispatch_due_at=dispatch_due,
        due_at=dispatch_due,
        created_at=ctx.now,
        updated_at=ctx.now,
        **fields,
    )
    ctx.session.add(ticket)
    ctx.session.flush()
    assert ticket.id is not None
    # The code shows the year and a number that never repeats: the row id.
    ticket.code = f"HY-{ctx.now.astimezone(ctx.tz).year}-{ticket.id:06d}"
    ctx.session.flush()
    record_event(
        ctx,
        ticket,
        ev.Submitted(channel=Channel(ticket.channel), dispatch_due_at=dispatch_due),
        who=_raiser(ctx, ticket),
        from_status=None,
        to_status=Status.submitted.value,
    )
    ctx.session.flush()
    return ticket


def _raiser(ctx: Ctx, ticket: Ticket) -> Who:
    p = ctx.subject
    if p is None:
        return CODE_HOLDER
    if p.is_committee:
        if ticket.anonymity == Anonymity.full:
            # Recorded for someone fully anonymous: the recorder must not lead back to them.
            return Who(ActorKind.committee, by_submitter=True, named=False)
        return member(p)
    return submitting_side(p, ticket, [ticket], ActorKind.submitter)
