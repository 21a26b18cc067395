"""The channel for people without an account: submit, look up by tracking code, score."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from backend.core import ratelimit
from backend.deps import DbSession, Now, SettingsDep, client_address
from backend.errors import Problem, ProblemBody, not_found
from backend.models import Ticket, Unit
from backend.models.enums import Anonymity, Channel, Status
from backend.public.schemas import (
    PublicReply,
    PublicScore,
    PublicTicket,
    PublicTicketCreate,
    PublicTicketCreated,
)
from backend.tickets import closing, context, intake
from backend.tickets.schemas import ScoreBody
from backend.tickets.transitions import Action, Rel, guard

router = APIRouter(
    prefix="/public",
    tags=["public"],
    responses={s: {"model": ProblemBody} for s in (404, 409, 422, 429)},
)

Code = Annotated[str, Path(min_length=8, max_length=40)]


def _limit(session: DbSession, key: str, limit: int, window: timedelta, now: Now) -> None:
    count, start = ratelimit.hit(session, key, window, now)
    if count > limit:
        left = ratelimit.seconds_left(start, window, now)
        raise Problem(
            429,
            "rate_limited",
            "Too many requests; try again later.",
            headers={"Retry-After": str(left)},
            extra={"retry_after": left},
        )


def _lookup_limit(ctx: context.Ctx, request: Request) -> None:
    """Lookups and scores by code share one budget per address: codes cannot be guessed."""
    _limit(
        ctx.session,
        f"public:lookup:{client_address(request)}",
        ctx.settings.public_lookup_per_minute,
        timedelta(minutes=1),
        ctx.now,
    )


async def get_public_ctx(session: DbSession, settings: SettingsDep, now: Now) -> context.Ctx:
    return context.Ctx(session=session, settings=settings, now=now, subject=None)


PublicCtx = Annotated[context.Ctx, Depends(get_public_ctx)]


def _resolve(ctx: context.Ctx, code: str) -> tuple[Ticket, Ticket]:
    """(the code's own ticket, the ticket whose answer it follows: itself or its primary)."""
    own = intake.ticket_by_tracking_code(ctx.session, code)
    if own is None:
        raise not_found("ticket")
    effective = own
    for _ in range(10):  # a merge chain is short; never loop forever on bad data
        if effective.status != Status.merged or effective.merged_into_id is None:
            break
        nxt = ctx.session.get(Ticket, effective.merged_into_id)
        if nxt is None:
            break
        effective = nxt
    return own, effective


def _view(ctx: context.Ctx, own: Ticket, t: Ticket) -> PublicTicket:
    tz = ctx.tz
    reply = None
    if t.reply_content is not None and t.replied_at is not None:
        dept = ctx.session.get(Unit, t.reply_department_id) if t.reply_department_id else None
        reply = PublicReply(
            content=t.reply_content,
            replied_at=t.replied_at.astimezone(tz),
            department=dept.name if dept else None,
        )
    score = None
    if t.scored_at is not None and t.score_efficiency is not None:
        score = PublicScore(
            efficiency=t.score_efficiency,
            handling=t.score_handling or 0,
            effect=t.score_effect or 0,
            comment=t.score_comment,
            scored_at=t.scored_at.astimezone(tz),
        )
    return PublicTicket(
        ticket_code=own.code,
        title=own.title,
        content=own.content,
        status=t.status,
        created_at=own.created_at.astimezone(tz),
        updated_at=t.updated_at.astimezone(tz),
        reply=reply,
        revisit_outcome=t.revisit_outcome,
        reject_reason=own.reject_reason,
        score=score,
        can_score=t.status == Status.revisited,
        merged_into=t.code if t is not own else None,
    )


@router.post("/tickets", response_model=PublicTicketCreated, status_code=201)
def submit_public_ticket(
    body: PublicTicketCreate, request: Request, ctx: PublicCtx
) -> PublicTicketCreated:
    """Raise an opinion without an account. The answer comes with a tracking code (查询码)."""
    _limit(
        ctx.session,
        f"public:submit:{client_address(request)}",
        ctx.settings.public_submit_per_hour,
        timedelta(hours=1),
        ctx.now,
    )
    if body.category_id is not None:
        intake.check_category(ctx.session, body.category_id)
    code = intake.new_tracking_code()
    ticket = intake.insert_ticket(
        ctx,
        tracking_code=code,
        title=body.title,
        content=body.content,
        category_id=body.category_id,
        urgency="normal",
        # With a contact the committee knows how to reach the person; without, nobody does.
        anonymity=(Anonymity.department if body.contact else Anonymity.full).value,
        channel=Channel.public.value,
        contact=body.contact,
    )
    return PublicTicketCreated(
        code=code,
        ticket_code=ticket.code,
        status=Status.submitted,
        created_at=ticket.created_at.astimezone(ctx.tz),
    )


@router.get("/tickets/{code}", response_model=PublicTicket)
def lookup_public_ticket(code: Code, request: Request, ctx: PublicCtx) -> PublicTicket:
    """Status and answer of a ticket by its tracking code; nothing about anyone."""
    _lookup_limit(ctx, request)
    own, effective = _resolve(ctx, code)
    return _view(ctx, own, effective)


@router.post("/tickets/{code}/score", response_model=PublicTicket)
def score_public_ticket(
    code: Code, body: ScoreBody, request: Request, ctx: PublicCtx
) -> PublicTicket:
    """Score the answer (1–5 on efficiency, handling, effect) once it has been revisited."""
    _lookup_limit(ctx, request)
    own, effective = _resolve(ctx, code)
    rels = frozenset({Rel.code_holder})
    guard(Action.score, effective.status, rels)
    closing.apply_score(ctx, effective, rels, body, via="code")
    return _view(ctx, own, effective)
