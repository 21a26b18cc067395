"""The channel for people without an account: submit, look up by tracking code, score."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Request

from backend.config import Settings
from backend.core import ratelimit
from backend.deps import DbSession, Now, SettingsDep, WorkDep, client_address
from backend.errors import Problem, ProblemBody, ProblemCode
from backend.models import Ticket, Unit
from backend.models.enums import Anonymity, Channel, Status
from backend.public import photos
from backend.public.schemas import (
    PublicPhoto,
    PublicPhotoUpload,
    PublicReply,
    PublicScore,
    PublicTicket,
    PublicTicketCreate,
    PublicTicketCreated,
)
from backend.tickets import closing, context, intake, roots
from backend.tickets.schemas import ScoreBody
from backend.tickets.transitions import Action, Rel, guard

router = APIRouter(
    prefix="/public",
    tags=["public"],
    responses={s: {"model": ProblemBody} for s in (404, 409, 422, 429)},
)

Code = Annotated[str, Path(min_length=8, max_length=40)]


def _budget(
    kind: str, limit_of: Callable[[Settings], int], window: timedelta
) -> Callable[..., Awaitable[None]]:
    """A per-address budget, spent by every request in a committed write of its own before
    anything else happens: a miss (unknown code, refused score, invalid body) rolls the request
    back but still counts, or codes could be guessed without end."""

    async def spend(request: Request, work: WorkDep, settings: SettingsDep, now: Now) -> None:
        key = f"public:{kind}:{client_address(request)}"
        count, start = await work.write(lambda s: ratelimit.hit(s, key, window, now))
        if count > limit_of(settings):
            raise ratelimit.too_many(
                ProblemCode.rate_limited,
                "Too many requests; try again later.",
                ratelimit.seconds_left(start, window, now),
            )

    return spend


# Route dependencies run before the endpoint's own, so the count is committed before the
# request's session (and, for a POST, the SQLite write turn) is taken.
_submit_budget = Depends(_budget("submit", lambda s: s.public_submit_per_hour, timedelta(hours=1)))
# Lookups and scores by code share one budget per address.
_code_budget = Depends(
    _budget("lookup", lambda s: s.public_lookup_per_minute, timedelta(minutes=1))
)


async def get_public_ctx(session: DbSession, settings: SettingsDep, now: Now) -> context.Ctx:
    return context.Ctx(session=session, settings=settings, now=now, subject=None)


PublicCtx = Annotated[context.Ctx, Depends(get_public_ctx)]


def _own(ctx: context.Ctx, code: str) -> Ticket:
    own = intake.ticket_by_tracking_code(ctx.session, code)
    if own is None:
        # Its own code, so the page can say "check the code" rather than a generic not-found.
        raise Problem(404, ProblemCode.unknown_tracking_code, "No ticket has this tracking code.")
    return own


def _view(ctx: context.Ctx, own: Ticket) -> PublicTicket:
    """The code's own ticket, answered by its merge root's reply and revisit (see
    ``backend.tickets.roots``); the score is always its own."""
    assert own.id is not None
    tz = ctx.tz
    t = roots.root_of(ctx.session, own)
    reply = None
    if t.reply_content is not None and t.replied_at is not None:
        dept = ctx.session.get(Unit, t.reply_department_id) if t.reply_department_id else None
        reply = PublicReply(
            content=t.reply_content,
            replied_at=t.replied_at.astimezone(tz),
            department=dept.name if dept else None,
        )
    score = None
    if own.scored_at is not None and own.score_efficiency is not None:
        score = PublicScore(
            efficiency=own.score_efficiency,
            handling=own.score_handling or 0,
            effect=own.score_effect or 0,
            comment=own.score_comment,
            scored_at=own.scored_at.astimezone(tz),
        )
    can_score = own.status == Status.revisited or (
        own.status == Status.merged and context.score_refusal(ctx, own) is None
    )
    status = own.status
    if own.status == Status.merged:
        # Followed through its root until its own score closes it.
        status = Status.revisited.value if can_score else t.status
    return PublicTicket(
        ticket_code=own.code,
        title=own.title,
        content=own.content,
        status=status,
        created_at=own.created_at.astimezone(tz),
        updated_at=max(own.updated_at, t.updated_at).astimezone(tz),
        reply=reply,
        revisit_outcome=t.revisit_outcome,
        reject_reason=t.reject_reason,
        score=score,
        can_score=can_score,
        merged_into=t.code if t is not own else None,
        photos=photos.photo_count(ctx, own.id),
    )


@router.post(
    "/tickets",
    response_model=PublicTicketCreated,
    status_code=201,
    dependencies=[_submit_budget],
)
def submit_public_ticket(body: PublicTicketCreate, ctx: PublicCtx) -> PublicTicketCreated:
    """Raise an opinion without an account. The answer comes with a tracking code (查询码)."""
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


@router.get("/tickets/{code}", response_model=PublicTicket, dependencies=[_code_budget])
def lookup_public_ticket(code: Code, ctx: PublicCtx) -> PublicTicket:
    """Status and answer of a ticket by its tracking code; nothing about anyone."""
    return _view(ctx, _own(ctx, code))


@router.post("/tickets/{code}/score", response_model=PublicTicket, dependencies=[_code_budget])
def score_public_ticket(code: Code, body: ScoreBody, ctx: PublicCtx) -> PublicTicket:
    """Score the answer (1–5 on efficiency, handling, effect) once it has been revisited; a
    merged ticket is scored on its own once the ticket it was merged into is revisited."""
    own = _own(ctx, code)
    rels = frozenset({Rel.code_holder})
    guard(Action.score, own.status, rels)
    closing.apply_score(ctx, own, rels, body, via="code")
    return _view(ctx, own)


@router.post(
    "/tickets/{code}/attachments",
    response_model=PublicPhoto,
    status_code=201,
    dependencies=[_code_budget],
    responses={413: {"model": ProblemBody}},
)
def upload_public_ticket_photo(
    code: Code, ctx: PublicCtx, form: Annotated[PublicPhotoUpload, File()]
) -> PublicPhoto:
    """Add a photo (JPEG, PNG or WebP) to the ticket, within an hour of submitting it and while
    it waits to be taken up; at most three. The picture is stored encoded again without its
    metadata (EXIF: place, device, time), under a neutral name."""
    own = _own(ctx, code)
    att = photos.add_photo(ctx, own, form.file.file)
    assert att.id is not None
    return PublicPhoto(
        id=att.id, filename=att.filename, content_type=att.content_type, size=att.size
    )
