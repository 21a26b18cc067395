"""Ending a ticket without an answer: reject, withdraw, merge into another."""

from __future__ import annotations

from typing import Any

from backend.errors import conflict, invalid
from backend.events import contract as ev
from backend.models import Ticket
from backend.models.enums import Status
from backend.tickets.context import Ctx, acting, begin_action, record_event, transition
from backend.tickets.schemas import MergeBody, RejectBody
from backend.tickets.transitions import Action


def reject(ctx: Ctx, ticket_id: int, body: RejectBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reject, if_match)
    return transition(
        ctx,
        ticket,
        rels,
        Action.reject,
        {"reject_reason": body.reason, "closed_at": ctx.now},
        ev.Rejected(),
        note=body.reason,
    )


def withdraw(ctx: Ctx, ticket_id: int, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.withdraw, if_match)
    return transition(ctx, ticket, rels, Action.withdraw, {"closed_at": ctx.now}, ev.Withdrawn())


def merge(ctx: Ctx, ticket_id: int, body: MergeBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.merge, if_match)
    if body.primary_id == ticket_id:
        raise invalid("merge_into_self", "A ticket cannot be merged into itself.")
    primary = ctx.session.get(Ticket, body.primary_id)
    if primary is None:
        raise invalid("unknown_primary", "No such primary ticket.")
    if primary.status in (Status.closed, Status.rejected, Status.withdrawn, Status.merged):
        raise conflict("primary_not_open", "The primary ticket is no longer open.")
    out = transition(
        ctx,
        ticket,
        rels,
        Action.merge,
        {"merged_into_id": body.primary_id, "closed_at": ctx.now},
        ev.Merged(primary_id=body.primary_id, primary_code=primary.code),
    )
    record_event(
        ctx,
        primary,
        ev.MergedIn(merged_id=ticket_id, merged_code=ticket.code),
        who=acting(ctx, primary, rels),
        from_status=primary.status,
        to_status=primary.status,
    )
    ctx.session.flush()
    return out
