"""Ticket endpoints. Thin: parse, build the context, call the service, shape the response."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, File, Header, Query, Response
from fastapi.responses import FileResponse

from backend.core.inputs import Id, Instant, OneLine
from backend.deps import Claims, DbSession, Now, SettingsDep
from backend.errors import ProblemBody, ProblemCode, invalid
from backend.models import Attachment, Extension, TicketReturn
from backend.models.enums import Status, Urgency
from backend.tickets import (
    attachments,
    closing,
    context,
    dispatching,
    disposal,
    handling,
    idempotency,
    intake,
    listing,
    permissions,
    views,
)
from backend.tickets.schemas import (
    AssignBody,
    AttachmentOut,
    AttachmentUpload,
    CloseBody,
    DispatchBody,
    EventOut,
    ExtensionBody,
    ExtensionDecisionBody,
    ExtensionOut,
    MergeBody,
    NoteBody,
    RejectBody,
    ReopenBody,
    ReplyBody,
    ReturnBody,
    ReturnJudgementBody,
    ReturnOut,
    RevisitBody,
    ScoreBody,
    TicketCounts,
    TicketCreate,
    TicketCreated,
    TicketOut,
    TicketPage,
    UrgeBody,
)

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 409, 412, 422)
}
router = APIRouter(prefix="/tickets", tags=["tickets"], responses=_problems)

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The ETag from GET; 412 when the ticket has changed."),
]


async def get_ctx(
    session: DbSession, settings: SettingsDep, now: Now, claims: Claims
) -> context.Ctx:
    # The caller is looked up lazily, inside the handler's thread (see context.Ctx).
    return context.Ctx(session=session, settings=settings, now=now, claims=claims)


CtxDep = Annotated[context.Ctx, Depends(get_ctx)]


def _ticket_response(body: dict[str, Any], status_code: int = 200) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": context.etag(body)},
    )


@router.post("", response_model=TicketCreated, status_code=201)
def create_ticket(
    body: TicketCreate,
    ctx: CtxDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> Response:
    """Raise a ticket. With an ``Idempotency-Key`` a retried request returns the first result."""
    assert ctx.subject is not None
    return idempotency.run(
        ctx,
        principal_key=ctx.subject.key,
        key=idempotency_key,
        body=body.model_dump(mode="json"),
        create=lambda: _create(ctx, body),
    )


def _create(ctx: context.Ctx, body: TicketCreate) -> dict[str, Any]:
    ticket, tracking_code = intake.create_ticket(ctx, body)
    assert ctx.subject is not None
    out = context.render(ctx, ticket, permissions.relations(ctx.session, ctx.subject, ticket))
    out["tracking_code"] = tracking_code
    return out


@router.get("/counts", response_model=TicketCounts)
def count_tickets(
    ctx: CtxDep, department_id: Id | None = None, college_id: Id | None = None
) -> dict[str, Any]:
    """How many tickets the caller may see, by state, overdue, with an extension to decide,
    and returned (workbench). Each equals the ``total`` of the list with the matching filter."""
    return listing.count_tickets(ctx, department_id, college_id)


@router.get("", response_model=TicketPage)
def list_tickets(
    ctx: CtxDep,
    status: Annotated[
        list[Status] | None,
        Query(max_length=len(Status), description="Any of these states (each at most once)."),
    ] = None,
    department_id: Id | None = None,
    college_id: Id | None = None,
    category_id: Id | None = None,
    urgency: Urgency | None = None,
    overdue: bool | None = None,
    pending_extension: Annotated[
        bool | None, Query(description="Only tickets with (or without) an undecided extension.")
    ] = None,
    returned: Annotated[
        bool | None,
        Query(description="Only tickets a department has returned (退单) at least once, or never."),
    ] = None,
    q: Annotated[OneLine | None, Query(max_length=100)] = None,
    created_from: Instant | None = None,
    created_to: Instant | None = None,
    sort: Annotated[
        str, Query(pattern="^-?(created_at|updated_at)$", description="Newest first by default.")
    ] = "-created_at",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    page: Annotated[
        int | None,
        Query(
            ge=1,
            le=100_000,
            description="Numbered pages of `limit` tickets, with `total`; never with `cursor`.",
        ),
    ] = None,
) -> Response:
    """The tickets the caller may see, newest first, a page at a time: keyset (pass
    ``next_cursor`` back as ``cursor``; ``total`` is null), or numbered with ``page`` (the
    response has ``total``, ``next_cursor`` is null)."""
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise invalid(ProblemCode.naive_datetime, f"{name} needs a time zone offset.")
    filters = listing.ListFilters(
        status=listing.canonical_statuses(s.value for s in status) if status else None,
        department_id=department_id,
        college_id=college_id,
        category_id=category_id,
        urgency=urgency.value if urgency else None,
        overdue=overdue,
        pending_extension=pending_extension,
        returned=returned,
        q=q.strip() if q and q.strip() else None,
        created_from=created_from,
        created_to=created_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
        page=page,
    )
    return Response(listing.list_tickets(ctx, filters), media_type="application/json")


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: Id, ctx: CtxDep) -> Response:
    return _ticket_response(context.get_ticket(ctx, ticket_id))


@router.get("/{ticket_id}/events", response_model=list[EventOut])
def list_ticket_events(ticket_id: Id, ctx: CtxDep) -> list[EventOut]:
    """The timeline, oldest first."""
    return context.events(ctx, ticket_id)


@router.post("/{ticket_id}/dispatch", response_model=TicketOut)
def dispatch_ticket(
    ticket_id: Id, body: DispatchBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(dispatching.dispatch(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/return", response_model=TicketOut)
def return_ticket(
    ticket_id: Id, body: ReturnBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(dispatching.return_ticket(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/accept", response_model=TicketOut)
def accept_ticket(ticket_id: Id, ctx: CtxDep, if_match: IfMatch = None) -> Response:
    return _ticket_response(handling.accept(ctx, ticket_id, if_match))


@router.post("/{ticket_id}/notes", response_model=TicketOut)
def add_ticket_note(
    ticket_id: Id, body: NoteBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(handling.add_note(ctx, ticket_id, body, if_match))


def _extension_out(ctx: context.Ctx, e: Extension) -> ExtensionOut:
    assert e.id is not None
    return ExtensionOut(
        id=e.id,
        days=e.days,
        reason=e.reason,
        status=e.status,
        requested_by=views.user_brief(ctx.session, e.requested_by_id),
        decided_at=views.localize(e.decided_at, ctx.tz),
        decision_note=e.decision_note,
        new_reply_due_at=views.localize(e.new_reply_due_at, ctx.tz),
        superseded_at=views.localize(e.superseded_at, ctx.tz),
        superseded_by=e.superseded_by,
        created_at=e.created_at.astimezone(ctx.tz),
    )


@router.post("/{ticket_id}/extensions", response_model=ExtensionOut, status_code=201)
def request_ticket_extension(
    ticket_id: Id, body: ExtensionBody, ctx: CtxDep, if_match: IfMatch = None
) -> ExtensionOut:
    return _extension_out(ctx, handling.request_extension(ctx, ticket_id, body, if_match))


@router.get("/{ticket_id}/extensions", response_model=list[ExtensionOut])
def list_ticket_extensions(ticket_id: Id, ctx: CtxDep) -> list[ExtensionOut]:
    return [_extension_out(ctx, e) for e in handling.list_extensions(ctx, ticket_id)]


@router.post("/{ticket_id}/extensions/{extension_id}/decision", response_model=TicketOut)
def decide_ticket_extension(
    ticket_id: Id,
    extension_id: Id,
    body: ExtensionDecisionBody,
    ctx: CtxDep,
    if_match: IfMatch = None,
) -> Response:
    handling.decide_extension(ctx, ticket_id, extension_id, body, if_match)
    return _ticket_response(context.get_ticket(ctx, ticket_id))


@router.post("/{ticket_id}/reply", response_model=TicketOut)
def reply_ticket(ticket_id: Id, body: ReplyBody, ctx: CtxDep, if_match: IfMatch = None) -> Response:
    return _ticket_response(handling.reply(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/revisit", response_model=TicketOut)
def revisit_ticket(
    ticket_id: Id, body: RevisitBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(closing.revisit(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/reopen", response_model=TicketOut)
def reopen_ticket(
    ticket_id: Id, body: ReopenBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(closing.reopen(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/score", response_model=TicketOut)
def score_ticket(ticket_id: Id, body: ScoreBody, ctx: CtxDep, if_match: IfMatch = None) -> Response:
    return _ticket_response(closing.score(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/close", response_model=TicketOut)
def close_ticket(
    ticket_id: Id, ctx: CtxDep, body: CloseBody | None = None, if_match: IfMatch = None
) -> Response:
    return _ticket_response(closing.close(ctx, ticket_id, body or CloseBody(), if_match))


@router.post("/{ticket_id}/reject", response_model=TicketOut)
def reject_ticket(
    ticket_id: Id, body: RejectBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    return _ticket_response(disposal.reject(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/withdraw", response_model=TicketOut)
def withdraw_ticket(ticket_id: Id, ctx: CtxDep, if_match: IfMatch = None) -> Response:
    return _ticket_response(disposal.withdraw(ctx, ticket_id, if_match))


@router.post("/{ticket_id}/merge", response_model=TicketOut)
def merge_ticket(ticket_id: Id, body: MergeBody, ctx: CtxDep, if_match: IfMatch = None) -> Response:
    return _ticket_response(disposal.merge(ctx, ticket_id, body, if_match))


@router.post("/{ticket_id}/urge", response_model=TicketOut)
def urge_ticket(
    ticket_id: Id, ctx: CtxDep, body: UrgeBody | None = None, if_match: IfMatch = None
) -> Response:
    return _ticket_response(dispatching.urge(ctx, ticket_id, body or UrgeBody(), if_match))


@router.post("/{ticket_id}/assign", response_model=TicketOut)
def assign_ticket(
    ticket_id: Id, body: AssignBody, ctx: CtxDep, if_match: IfMatch = None
) -> Response:
    """The lead department's head names the handler."""
    return _ticket_response(dispatching.assign(ctx, ticket_id, body, if_match))


def _return_out(ctx: context.Ctx, r: TicketReturn) -> ReturnOut:
    assert r.id is not None
    return ReturnOut(
        id=r.id,
        department=views.unit_brief(ctx.session, r.department_id),
        reason_code=r.reason_code,
        reason=r.reason,
        reasonable=r.reasonable,
        judgement_note=r.judgement_note,
        judged_at=views.localize(r.judged_at, ctx.tz),
        created_at=r.created_at.astimezone(ctx.tz),
    )


@router.get("/{ticket_id}/returns", response_model=list[ReturnOut])
def list_ticket_returns(ticket_id: Id, ctx: CtxDep) -> list[ReturnOut]:
    return [_return_out(ctx, r) for r in dispatching.list_returns(ctx, ticket_id)]


@router.post("/{ticket_id}/returns/{return_id}/judgement", response_model=ReturnOut)
def judge_ticket_return(
    ticket_id: Id,
    return_id: Id,
    body: ReturnJudgementBody,
    ctx: CtxDep,
    if_match: IfMatch = None,
) -> ReturnOut:
    """The committee judges a department's return reasonable or not (unreasonable ones count
    against the department)."""
    return _return_out(ctx, dispatching.judge_return(ctx, ticket_id, return_id, body, if_match))


def _attachment_out(ctx: context.Ctx, a: Attachment) -> AttachmentOut:
    assert a.id is not None
    return AttachmentOut(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        created_at=a.created_at.astimezone(ctx.tz),
    )


@router.post(
    "/{ticket_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    responses={413: {"model": ProblemBody}},
)
def upload_ticket_attachment(
    ticket_id: Id, ctx: CtxDep, form: Annotated[AttachmentUpload, File()]
) -> AttachmentOut:
    """Add a file (images, PDF, Office documents, UTF-8 text; checked by content)."""
    upload = form.file
    return _attachment_out(
        ctx, attachments.upload(ctx, ticket_id, upload.filename or "attachment", upload.file)
    )


@router.get("/{ticket_id}/attachments", response_model=list[AttachmentOut])
def list_ticket_attachments(ticket_id: Id, ctx: CtxDep) -> list[AttachmentOut]:
    return [_attachment_out(ctx, a) for a in attachments.list_for(ctx, ticket_id)]


@router.get(
    "/{ticket_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, with the type found in its content.",
            "content": {
                mime: {"schema": {"type": "string", "format": "binary"}}
                for mime in attachments.ALLOWED
            },
        }
    },
)
def download_ticket_attachment(ticket_id: Id, attachment_id: Id, ctx: CtxDep) -> FileResponse:
    att, path = attachments.get_file(ctx, ticket_id, attachment_id)
    return FileResponse(
        path,
        media_type=att.content_type,
        headers={
            "Content-Disposition": attachments.content_disposition(att.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
