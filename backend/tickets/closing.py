"""After the reply: revisit, reopen, score and close."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.errors import ProblemCode, conflict
from backend.events import contract as ev
from backend.models import Ticket
from backend.models.enums import RevisitOutcome, Status
from backend.tickets import roots
from backend.tickets.context import (
    Ctx,
    begin_action,
    future_deadline,
    score_refusal,
    scoring_window_over,
    transition,
)
from backend.tickets.schemas import CloseBody, ReopenBody, RevisitBody, ScoreBody
from backend.tickets.transitions import Action, Rel


def revisit(ctx: Ctx, ticket_id: int, body: RevisitBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.revisit, if_match)
    score_due = ctx.calendar().add_working_days(ctx.now, ctx.levels_of(ticket).score_days)
    return transition(
        ctx,
        ticket,
        rels,
        Action.revisit,
        {
            "revisit_method": body.method.value,
            "revisit_outcome": body.outcome.value,
            "revisit_note": body.note,
            "revisited_at": ctx.now,
            "score_due_at": score_due,
        },
        ev.Revisited(method=body.method, outcome=body.outcome, score_due_at=score_due),
        note=body.note,
    )


def reopen(ctx: Ctx, ticket_id: int, body: ReopenBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reopen, if_match)
    reply_due = future_deadline(ctx, body.reply_due_at, "reply_due_at")
    cal = ctx.calendar()
    levels = ctx.levels_of(ticket)
    if reply_due is None:
        reply_due = cal.add_working_days(ctx.now, levels.reply_days)
    accept_due = cal.add_working_days(ctx.now, levels.accept_days)
    previous_reply, previous_outcome = ticket.reply_content, ticket.revisit_outcome
    return transition(
        ctx,
        ticket,
        rels,
        Action.reopen,
        {
            "dispatched_at": ctx.now,
            "accept_due_at": accept_due,
            "reply_due_at": reply_due,
            "accepted_at": None,
            "reply_content": None,
            "replied_at": None,
            "revisit_method": None,
            "revisit_outcome": None,
            "revisit_note": None,
            "revisited_at": None,
            "revisit_due_at": None,
            "score_due_at": None,
            "reopen_count": ticket.reopen_count + 1,
        },
        ev.Reopened(
            previous_outcome=RevisitOutcome(previous_outcome) if previous_outcome else None,
            accept_due_at=accept_due,
            reply_due_at=reply_due,
        ),
        note=body.reason,
        # The answer being redone is gone from the ticket; the timeline keeps it.
        timeline_data={"previous_reply": previous_reply},
    )


def overall_score(body: ScoreBody) -> int:
    mean = Decimal(body.efficiency + body.handling + body.effect) / 3
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def score_changes(ctx: Ctx, body: ScoreBody, via: str) -> dict[str, Any]:
    return {
        "score_efficiency": body.efficiency,
        "score_handling": body.handling,
        "score_effect": body.effect,
        "score_overall": overall_score(body),
        "score_comment": body.comment,
        "scored_at": ctx.now,
        "scored_via": via,
        "closed_at": ctx.now,
    }


def score(ctx: Ctx, ticket_id: int, body: ScoreBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.score, if_match)
    return apply_score(ctx, ticket, rels, body, "committee" if Rel.committee in rels else "college")


def apply_score(
    ctx: Ctx, ticket: Ticket, rels: frozenset[Rel], body: ScoreBody, via: str
) -> dict[str, Any]:
    """The guard has passed; record the score and close the ticket. A merged ticket's score
    counts for the department that replied to its root."""
    refusal = score_refusal(ctx, ticket)
    if refusal is not None:
        raise refusal
    changes = score_changes(ctx, body, via)
    if ticket.status == Status.merged:
        changes["reply_department_id"] = roots.root_of(ctx.session, ticket).reply_department_id
    return transition(
        ctx,
        ticket,
        rels,
        Action.score,
        changes,
        ev.Scored(
            efficiency=body.efficiency,
            handling=body.handling,
            effect=body.effect,
            overall=overall_score(body),
            satisfied=overall_score(body) >= 4,
            via=via,
        ),
        note=body.comment,
    )


def close(ctx: Ctx, ticket_id: int, body: CloseBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.close, if_match)
    if not scoring_window_over(ctx, ticket):
        raise conflict(
            ProblemCode.scoring_window_open,
            "The submitter may still score this ticket; close it when the window ends.",
            score_due_at=ticket.score_due_at.isoformat() if ticket.score_due_at else None,
        )
    return transition(
        ctx,
        ticket,
        rels,
        Action.close,
        {"closed_at": ctx.now, "close_note": body.note},
        ev.Closed(unscored=True),
        note=body.note,
    )
