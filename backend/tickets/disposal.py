"""Ending a ticket without an answer: reject, withdraw, merge into another."""

from __future__ import annotations

from typing import Any

from backend.events import contract as ev
from backend.tickets import roots
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
    """Merge into the root of ``body.primary_id`` (itself unless it was merged); the tickets
    that followed this one follow that root from now on."""
    roots.one_merge_at_a_time(ctx.session)
    # Locked, like the root: no other action changes either while the merge decides.
    ticket, rels = begin_action(ctx, ticket_id, Action.merge, if_match, lock=True)
    primary = roots.merge_target(ctx.session, ticket, body.primary_id)
    requested = body.primary_id if body.primary_id != primary.id else None
    out = transition(
        ctx,
        ticket,
        rels,
        Action.merge,
        {"merged_into_id": primary.id, "merge_root_id": primary.id, "closed_at": ctx.now},
        ev.Merged(primary_id=primary.id, primary_code=primary.code, requested_primary_id=requested),
    )
    roots.reroot(ctx.session, ticket, primary, ctx.now)
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
