"""The lead department at work: accept, progress notes, extensions, the reply."""

from __future__ import annotations

from typing import Any

from backend.errors import ProblemCode, conflict, invalid, not_found
from backend.events import contract as ev
from backend.models import Extension
from backend.tickets.context import (
    Ctx,
    begin_action,
    extension_refusal,
    internal_records,
    transition,
)
from backend.tickets.schemas import ExtensionBody, ExtensionDecisionBody, NoteBody, ReplyBody
from backend.tickets.transitions import Action


def accept(ctx: Ctx, ticket_id: int, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.accept, if_match)
    assert ctx.subject is not None
    return transition(
        ctx,
        ticket,
        rels,
        Action.accept,
        {"accepted_at": ctx.now, "handler_id": ticket.handler_id or ctx.subject.user_id},
        ev.Accepted(department_id=ticket.lead_department_id),
    )


def add_note(ctx: Ctx, ticket_id: int, body: NoteBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.note, if_match)
    assert ctx.subject is not None
    return transition(
        ctx,
        ticket,
        rels,
        Action.note,
        None,
        ev.NoteAdded(department_id=ctx.subject.unit_id),
        note=body.content,
        internal=body.internal,
    )


def request_extension(
    ctx: Ctx, ticket_id: int, body: ExtensionBody, if_match: str | None
) -> Extension:
    ticket, rels = begin_action(ctx, ticket_id, Action.request_extension, if_match)
    assert ctx.subject is not None
    assert ticket.lead_department_id is not None
    longest = ctx.levels_of(ticket).max_extension_days
    if body.days > longest:
        raise invalid(
            ProblemCode.extension_too_long,
            f"An extension may be at most {longest} working days.",
            max_days=longest,
        )
    refusal = extension_refusal(ctx, ticket)
    if refusal is not None:
        raise refusal
    ext = Extension(
        ticket_id=ticket_id,
        department_id=ticket.lead_department_id,
        requested_by_id=ctx.subject.person(),
        days=body.days,
        reason=body.reason,
        previous_reply_due_at=ticket.reply_due_at,
        created_at=ctx.now,
    )
    ctx.session.add(ext)
    ctx.session.flush()
    assert ext.id is not None
    transition(
        ctx,
        ticket,
        rels,
        Action.request_extension,
        None,
        ev.ExtensionRequested(extension_id=ext.id, days=body.days),
        note=body.reason,
    )
    return ext


def decide_extension(
    ctx: Ctx, ticket_id: int, extension_id: int, body: ExtensionDecisionBody, if_match: str | None
) -> Extension:
    ticket, rels = begin_action(ctx, ticket_id, Action.decide_extension, if_match)
    assert ctx.subject is not None
    ext = ctx.session.get(Extension, extension_id)
    if ext is None or ext.ticket_id != ticket_id:
        raise not_found("extension")
    if ext.status != "pending":
        raise conflict(ProblemCode.extension_decided, "This extension request was already decided.")
    changes: dict[str, Any] = {}
    ext.status = "approved" if body.approved else "denied"
    ext.decided_by_id = ctx.subject.person()
    ext.decided_at = ctx.now
    ext.decision_note = body.note
    if body.approved:
        base = ticket.reply_due_at or ctx.now
        ext.new_reply_due_at = ctx.calendar().add_working_days(base, ext.days)
        changes = {
            "reply_due_at": ext.new_reply_due_at,
            "extension_count": ticket.extension_count + 1,
        }
    ctx.session.flush()
    transition(
        ctx,
        ticket,
        rels,
        Action.decide_extension,
        changes,
        ev.ExtensionDecided(
            extension_id=extension_id,
            approved=body.approved,
            days=ext.days,
            reply_due_at=changes.get("reply_due_at", ticket.reply_due_at),
        ),
        note=body.note,
    )
    return ext


def list_extensions(ctx: Ctx, ticket_id: int) -> list[Extension]:
    return internal_records(ctx, ticket_id, Extension, "Extensions")


def reply(ctx: Ctx, ticket_id: int, body: ReplyBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reply, if_match)
    revisit_due = ctx.calendar().add_working_days(ctx.now, ctx.levels_of(ticket).revisit_days)
    return transition(
        ctx,
        ticket,
        rels,
        Action.reply,
        {
            "reply_content": body.content,
            "replied_at": ctx.now,
            "reply_department_id": ticket.lead_department_id,
            "revisit_due_at": revisit_due,
        },
        ev.Replied(
            department_id=ticket.lead_department_id,
            on_time=ticket.reply_due_at is None or ctx.now <= ticket.reply_due_at,
            revisit_due_at=revisit_due,
        ),
    )
