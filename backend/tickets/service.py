"""Ticket rules: creation, the scoped list, and every lifecycle action.

Services flush, never commit: the request's transaction (see ``backend.deps.get_db``) commits
the change, its timeline event and its outbox message together, or none of them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from backend.auth.principal import Principal, load_principal
from backend.auth.security import TokenClaims
from backend.calendar.service import cached_calendar, load_calendar
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.errors import Problem, conflict, forbidden, invalid, not_found
from backend.models import (
    Category,
    Extension,
    Ticket,
    TicketDepartment,
    TicketEvent,
    TicketReturn,
    Unit,
    User,
    table,
)
from backend.models.enums import Anonymity, Channel, Status, UnitKind
from backend.sla.policies import Levels, levels_for
from backend.tickets import permissions, views
from backend.tickets.schemas import (
    AssignBody,
    CloseBody,
    DispatchBody,
    ExtensionBody,
    ExtensionDecisionBody,
    MergeBody,
    NoteBody,
    RejectBody,
    ReopenBody,
    ReplyBody,
    ReturnBody,
    ReturnJudgementBody,
    RevisitBody,
    ScoreBody,
    TicketCreate,
    UrgeBody,
)
from backend.tickets.transitions import TRANSITIONS, Action, Rel, guard, permitted
from backend.worker.outbox import enqueue

_tickets = table(Ticket)
_R = TypeVar("_R", Extension, TicketReturn)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class Ctx:
    """What every service call needs: the transaction, the caller, the time, the settings.

    The caller may be given as verified token claims and is then looked up on first use, in
    the handler's own thread: one hop to the thread pool per request instead of two.
    """

    def __init__(
        self,
        session: Session,
        settings: Settings,
        now: datetime,
        principal: Principal | None = None,
        claims: TokenClaims | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self._principal = principal
        self._claims = claims
        self._cutoff: datetime | None = None
        self._levels: dict[tuple[int | None, str], Levels] = {}

    @property
    def principal(self) -> Principal | None:
        if self._principal is None and self._claims is not None:
            self._principal = load_principal(self.session, self._claims, self.now)
        return self._principal

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def calendar(self) -> WorkCalendar:
        return load_calendar(self.session, self.settings)

    @property
    def overdue_cutoff(self) -> datetime:
        """Deadlines at or before this instant are overdue (see views.overdue_cutoff)."""
        if self._cutoff is None:
            self._cutoff = views.overdue_cutoff(
                cached_calendar(self.session, self.settings), self.now
            )
        return self._cutoff

    def levels(self, category_id: int | None, urgency: str) -> Levels:
        """The SLA policy's service levels for a ticket of this category and urgency."""
        key = (category_id, urgency)
        if key not in self._levels:
            self._levels[key] = levels_for(self.session, category_id, urgency)
        return self._levels[key]

    def levels_of(self, ticket: Ticket) -> Levels:
        return self.levels(ticket.category_id, ticket.urgency)


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


# --- loading and the guard ------------------------------------------------------------------


def load_visible(ctx: Ctx, ticket_id: int, *, lock: bool = False) -> tuple[Ticket, frozenset[Rel]]:
    assert ctx.principal is not None
    q = sa.select(Ticket).where(col(Ticket.id) == ticket_id)
    if lock:
        q = q.with_for_update()
    ticket = ctx.session.execute(q).scalar_one_or_none()
    if ticket is None:
        raise not_found("ticket")
    rels = permissions.relations(ctx.session, ctx.principal, ticket)
    if not rels:
        raise not_found("ticket")
    return ticket, rels


def check_if_match(ticket: Ticket, if_match: str | None) -> None:
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    if "*" in tags:
        return
    if str(ticket.version) not in tags:
        raise Problem(
            412,
            "stale_version",
            "The ticket has changed since you loaded it; reload and try again.",
            extra={"current_version": ticket.version},
        )


def etag(ticket: Ticket | dict[str, Any]) -> str:
    version = ticket["version"] if isinstance(ticket, dict) else ticket.version
    return f'"{version}"'


def allowed_actions(ctx: Ctx, ticket: Ticket, rels: frozenset[Rel]) -> list[str]:
    out: list[str] = []
    for action in permitted(ticket.status, rels):
        if action is Action.request_extension and _extension_refusal(ctx, ticket) is not None:
            continue
        if action is Action.decide_extension and _pending_extension(ctx, ticket) is None:
            continue
        if action is Action.judge_return and _unjudged_return(ctx, ticket) is None:
            continue
        if action is Action.close and not _scoring_window_over(ctx, ticket):
            continue
        out.append(action.value)
    return out


def render(ctx: Ctx, ticket: Ticket, rels: frozenset[Rel]) -> dict[str, Any]:
    return views.ticket_out(
        ctx.session, ticket, rels, allowed_actions(ctx, ticket, rels), ctx.overdue_cutoff, ctx.tz
    )


def get_ticket(ctx: Ctx, ticket_id: int) -> dict[str, Any]:
    ticket, rels = load_visible(ctx, ticket_id)
    return render(ctx, ticket, rels)


# --- writing: the conditional update, the event, the outbox ---------------------------------


def _apply(ctx: Ctx, ticket: Ticket, changes: dict[str, Any]) -> None:
    """Write ``changes`` only if nobody changed the ticket since we read it.

    The ``WHERE version = …`` makes concurrent actions safe on every database: of several
    requests that read the same version, exactly one updates a row; the rest get a 409.
    """
    values = {**changes, "version": ticket.version + 1, "updated_at": ctx.now}
    status = values.get("status", ticket.status)
    field = views.DUE_FIELD.get(status)
    values["due_at"] = (
        (values[field] if field in values else getattr(ticket, field)) if field else None
    )
    result = ctx.session.execute(
        _tickets.update()
        .where(_tickets.c.id == ticket.id, _tickets.c.version == ticket.version)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise conflict(
            "concurrent_update", "Someone else changed this ticket just now; reload and retry."
        )
    for key, value in values.items():
        set_committed_value(ticket, key, value)


def _record(
    ctx: Ctx,
    ticket: Ticket,
    action: str,
    *,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    internal: bool = False,
    by_submitter: bool = False,
    actor: Principal | None = None,
    hide_actor: bool = False,
) -> None:
    actor = actor if actor is not None else ctx.principal
    event = TicketEvent(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=None if (actor is None or hide_actor) else actor.user_id,
        actor_unit_id=ticket.college_id if hide_actor else (actor.unit_id if actor else None),
        by_submitter=by_submitter,
        internal=internal,
        note=note,
        data=data,
        created_at=ctx.now,
    )
    ctx.session.add(event)
    # Consumers (mail, webhooks, OA to-dos) learn about every lifecycle event from here.
    enqueue(
        ctx.session,
        f"ticket.{action}",
        {
            "ticket_id": ticket.id,
            "ticket_code": ticket.code,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "lead_department_id": ticket.lead_department_id,
            "college_id": ticket.college_id,
            "internal": internal,
            "at": ctx.now.isoformat(),
            # Who acted (None where the timeline hides them) and the action's details:
            # notifications skip the actor and word themselves by them.
            "actor_id": event.actor_id,
            "data": data,
        },
        ctx.now,
    )


def _transition(
    ctx: Ctx,
    ticket: Ticket,
    rels: frozenset[Rel],
    action: Action,
    changes: dict[str, Any] | None = None,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    internal: bool = False,
) -> dict[str, Any]:
    tr = TRANSITIONS[action]
    from_status = ticket.status
    changes = dict(changes or {})
    if tr.target is not None:
        changes["status"] = tr.target.value
    _apply(ctx, ticket, changes)
    by_submitter = bool(rels & {Rel.submitter, Rel.code_holder}) and Rel.committee not in rels
    _record(
        ctx,
        ticket,
        action.value,
        from_status=from_status,
        to_status=tr.target.value if tr.target else from_status,
        note=note,
        data=data,
        internal=internal,
        by_submitter=by_submitter,
    )
    ctx.session.flush()
    return render(ctx, ticket, rels)


def begin_action(
    ctx: Ctx, ticket_id: int, action: Action, if_match: str | None, *, lock: bool = False
) -> tuple[Ticket, frozenset[Rel]]:
    ticket, rels = load_visible(ctx, ticket_id, lock=lock)
    guard(action, ticket.status, rels)
    check_if_match(ticket, if_match)
    return ticket, rels


# --- create ------------------------------------------------------------------------------------


def _active_unit(session: Session, unit_id: int, kind: UnitKind, code: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.kind != kind or not unit.is_active:
        raise invalid(code, f"Unit {unit_id} is not an active {kind.value}.")
    return unit


def check_category(session: Session, category_id: int) -> None:
    cat = session.get(Category, category_id)
    if cat is None or not cat.is_active:
        raise invalid("unknown_category", "No such category.")


def create_ticket(ctx: Ctx, body: TicketCreate) -> tuple[Ticket, str | None]:
    p = ctx.principal
    assert p is not None
    if p.is_department:
        raise forbidden("Departments receive tickets; they do not raise them.", "cannot_submit")
    if body.category_id is not None:
        check_category(ctx.session, body.category_id)
    if p.is_committee:
        # The committee collects on someone's behalf: mailbox, visit, hotline, 信访.
        channel = body.channel or Channel.mailbox
        if channel in (Channel.public, Channel.api):
            raise invalid("bad_channel", "That channel is not entered by hand.")
        college_id = body.college_id
        if college_id is not None:
            _active_unit(ctx.session, college_id, UnitKind.college, "not_a_college")
        submitter_id = None
        contact = body.contact
    else:
        if body.channel is not None or body.college_id is not None or body.contact is not None:
            raise invalid(
                "committee_only_fields", "channel, college_id and contact are for the committee."
            )
        channel = Channel.web
        college_id = p.unit_id
        submitter_id = None if body.anonymity == Anonymity.full else p.user_id
        contact = None
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
            contact=contact,
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
    by_submitter = fields.get("submitter_id") is not None or fields.get("anonymity") == "full"
    _record(
        ctx,
        ticket,
        "submit",
        from_status=None,
        to_status=Status.submitted.value,
        data={"channel": fields.get("channel")},
        by_submitter=by_submitter,
        # Fully anonymous: the timeline must not lead back to the person either.
        hide_actor=fields.get("anonymity") == Anonymity.full and ctx.principal is not None,
    )
    ctx.session.flush()
    return ticket


# --- actions -----------------------------------------------------------------------------------


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
        raise invalid("not_a_department", f"Not active departments: {missing}.", ids=missing)


def _future(ctx: Ctx, when: datetime | None, field: str) -> datetime | None:
    if when is None:
        return None
    if when.tzinfo is None:
        raise invalid("naive_datetime", f"{field} needs a time zone offset.")
    if when <= ctx.now:
        raise invalid("deadline_in_past", f"{field} must lie in the future.")
    return when


def dispatch(ctx: Ctx, ticket_id: int, body: DispatchBody, if_match: str | None) -> dict[str, Any]:
    # Locked: dispatch inserts ticket_departments rows *before* the conditional update, so two
    # racing dispatches to one department would otherwise meet on that primary key (a 500).
    ticket, rels = begin_action(ctx, ticket_id, Action.dispatch, if_match, lock=True)
    assists = list(dict.fromkeys(body.assisting_department_ids))
    if body.lead_department_id in assists:
        raise invalid("lead_also_assisting", "The lead department cannot also assist.")
    _department_ids(ctx.session, [body.lead_department_id, *assists])
    reply_due = _future(ctx, body.reply_due_at, "reply_due_at")
    cal = ctx.calendar()
    levels = ctx.levels_of(ticket)
    accept_due = cal.add_working_days(ctx.now, levels.accept_days)
    if reply_due is None:
        reply_due = cal.add_working_days(ctx.now, levels.reply_days)
    _set_departments(ctx, ticket, body.lead_department_id, assists)
    return _transition(
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
        note=body.note,
        data={"lead_department_id": body.lead_department_id, "assisting_department_ids": assists},
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
    assert ctx.principal is not None
    assert ticket.lead_department_id is not None
    td = table(TicketDepartment)
    ctx.session.execute(td.update().where(td.c.ticket_id == ticket.id).values(active=False))
    ctx.session.add(
        TicketReturn(
            ticket_id=ticket_id,
            department_id=ticket.lead_department_id,
            returned_by_id=ctx.principal.user_id,
            reason_code=body.reason_code.value,
            reason=body.reason,
            created_at=ctx.now,
        )
    )
    return _transition(
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
            "dispatch_due_at": ctx.calendar().add_working_days(
                ctx.now, ctx.levels_of(ticket).dispatch_days
            ),
            "return_count": ticket.return_count + 1,
        },
        note=body.reason,
        data={"reason_code": body.reason_code.value},
    )


def accept(ctx: Ctx, ticket_id: int, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.accept, if_match)
    assert ctx.principal is not None
    return _transition(
        ctx,
        ticket,
        rels,
        Action.accept,
        {"accepted_at": ctx.now, "handler_id": ticket.handler_id or ctx.principal.user_id},
    )


def add_note(ctx: Ctx, ticket_id: int, body: NoteBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.note, if_match)
    return _transition(ctx, ticket, rels, Action.note, note=body.content, internal=body.internal)


def _pending_extension(ctx: Ctx, ticket: Ticket) -> Extension | None:
    return ctx.session.execute(
        sa.select(Extension).where(
            col(Extension.ticket_id) == ticket.id, col(Extension.status) == "pending"
        )
    ).scalar_one_or_none()


def _extension_refusal(ctx: Ctx, ticket: Ticket) -> Problem | None:
    if _pending_extension(ctx, ticket) is not None:
        return conflict("extension_pending", "An extension request is already waiting.")
    most = ctx.levels_of(ticket).max_extensions
    if ticket.extension_count >= most:
        return conflict("extension_limit", f"At most {most} extensions per ticket.")
    return None


def request_extension(
    ctx: Ctx, ticket_id: int, body: ExtensionBody, if_match: str | None
) -> Extension:
    ticket, rels = begin_action(ctx, ticket_id, Action.request_extension, if_match)
    assert ctx.principal is not None
    assert ticket.lead_department_id is not None
    longest = ctx.levels_of(ticket).max_extension_days
    if body.days > longest:
        raise invalid(
            "extension_too_long",
            f"An extension may be at most {longest} working days.",
            max_days=longest,
        )
    refusal = _extension_refusal(ctx, ticket)
    if refusal is not None:
        raise refusal
    ext = Extension(
        ticket_id=ticket_id,
        department_id=ticket.lead_department_id,
        requested_by_id=ctx.principal.user_id,
        days=body.days,
        reason=body.reason,
        previous_reply_due_at=ticket.reply_due_at,
        created_at=ctx.now,
    )
    ctx.session.add(ext)
    ctx.session.flush()
    _transition(
        ctx,
        ticket,
        rels,
        Action.request_extension,
        note=body.reason,
        data={"extension_id": ext.id, "days": body.days},
    )
    return ext


def decide_extension(
    ctx: Ctx, ticket_id: int, extension_id: int, body: ExtensionDecisionBody, if_match: str | None
) -> Extension:
    ticket, rels = begin_action(ctx, ticket_id, Action.decide_extension, if_match)
    assert ctx.principal is not None
    ext = ctx.session.get(Extension, extension_id)
    if ext is None or ext.ticket_id != ticket_id:
        raise not_found("extension")
    if ext.status != "pending":
        raise conflict("extension_decided", "This extension request was already decided.")
    changes: dict[str, Any] = {}
    ext.status = "approved" if body.approved else "denied"
    ext.decided_by_id = ctx.principal.user_id
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
    _transition(
        ctx,
        ticket,
        rels,
        Action.decide_extension,
        changes,
        note=body.note,
        data={"extension_id": ext.id, "approved": body.approved, "days": ext.days},
    )
    return ext


def _internal_records(ctx: Ctx, ticket_id: int, model: type[_R], what: str) -> list[_R]:
    """A ticket's records that only the committee and the departments may read."""
    _ticket, rels = load_visible(ctx, ticket_id)
    if not permissions.sees_internal(rels):
        raise forbidden(f"{what} are between the committee and the departments.")
    return list(
        ctx.session.execute(
            sa.select(model).where(col(model.ticket_id) == ticket_id).order_by(col(model.id))
        ).scalars()
    )


def list_extensions(ctx: Ctx, ticket_id: int) -> list[Extension]:
    return _internal_records(ctx, ticket_id, Extension, "Extensions")


def reply(ctx: Ctx, ticket_id: int, body: ReplyBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reply, if_match)
    return _transition(
        ctx,
        ticket,
        rels,
        Action.reply,
        {
            "reply_content": body.content,
            "replied_at": ctx.now,
            "reply_department_id": ticket.lead_department_id,
            "revisit_due_at": ctx.calendar().add_working_days(
                ctx.now, ctx.levels_of(ticket).revisit_days
            ),
        },
        data={"on_time": ticket.reply_due_at is None or ctx.now <= ticket.reply_due_at},
    )


def revisit(ctx: Ctx, ticket_id: int, body: RevisitBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.revisit, if_match)
    return _transition(
        ctx,
        ticket,
        rels,
        Action.revisit,
        {
            "revisit_method": body.method.value,
            "revisit_outcome": body.outcome.value,
            "revisit_note": body.note,
            "revisited_at": ctx.now,
            "score_due_at": ctx.calendar().add_working_days(
                ctx.now, ctx.levels_of(ticket).score_days
            ),
        },
        note=body.note,
        data={"method": body.method.value, "outcome": body.outcome.value},
    )


def reopen(ctx: Ctx, ticket_id: int, body: ReopenBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reopen, if_match)
    reply_due = _future(ctx, body.reply_due_at, "reply_due_at")
    cal = ctx.calendar()
    levels = ctx.levels_of(ticket)
    if reply_due is None:
        reply_due = cal.add_working_days(ctx.now, levels.reply_days)
    previous = {"reply": ticket.reply_content, "outcome": ticket.revisit_outcome}
    return _transition(
        ctx,
        ticket,
        rels,
        Action.reopen,
        {
            "dispatched_at": ctx.now,
            "accept_due_at": cal.add_working_days(ctx.now, levels.accept_days),
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
        note=body.reason,
        data={"previous_reply": previous["reply"], "previous_outcome": previous["outcome"]},
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
    """The guard has passed; record the score and close the ticket."""
    return _transition(
        ctx,
        ticket,
        rels,
        Action.score,
        score_changes(ctx, body, via),
        note=body.comment,
        data={
            "efficiency": body.efficiency,
            "handling": body.handling,
            "effect": body.effect,
            "overall": overall_score(body),
            "via": via,
        },
    )


def _scoring_window_over(ctx: Ctx, ticket: Ticket) -> bool:
    return ticket.score_due_at is None or ctx.now >= ticket.score_due_at


def close(ctx: Ctx, ticket_id: int, body: CloseBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.close, if_match)
    if not _scoring_window_over(ctx, ticket):
        raise conflict(
            "scoring_window_open",
            "The submitter may still score this ticket; close it when the window ends.",
            score_due_at=ticket.score_due_at.isoformat() if ticket.score_due_at else None,
        )
    return _transition(
        ctx,
        ticket,
        rels,
        Action.close,
        {"closed_at": ctx.now, "close_note": body.note},
        note=body.note,
        data={"unscored": True},
    )


def reject(ctx: Ctx, ticket_id: int, body: RejectBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.reject, if_match)
    return _transition(
        ctx,
        ticket,
        rels,
        Action.reject,
        {"reject_reason": body.reason, "closed_at": ctx.now},
        note=body.reason,
    )


def withdraw(ctx: Ctx, ticket_id: int, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.withdraw, if_match)
    return _transition(ctx, ticket, rels, Action.withdraw, {"closed_at": ctx.now})


def merge(ctx: Ctx, ticket_id: int, body: MergeBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.merge, if_match)
    if body.primary_id == ticket_id:
        raise invalid("merge_into_self", "A ticket cannot be merged into itself.")
    primary = ctx.session.get(Ticket, body.primary_id)
    if primary is None:
        raise invalid("unknown_primary", "No such primary ticket.")
    if primary.status in (Status.closed, Status.rejected, Status.withdrawn, Status.merged):
        raise conflict("primary_not_open", "The primary ticket is no longer open.")
    out = _transition(
        ctx,
        ticket,
        rels,
        Action.merge,
        {"merged_into_id": primary.id, "closed_at": ctx.now},
        data={"primary_id": primary.id, "primary_code": primary.code},
    )
    _record(
        ctx,
        primary,
        "merged_in",
        from_status=primary.status,
        to_status=primary.status,
        data={"merged_id": ticket.id, "merged_code": ticket.code},
    )
    ctx.session.flush()
    return out


def urge(ctx: Ctx, ticket_id: int, body: UrgeBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.urge, if_match)
    return _transition(
        ctx,
        ticket,
        rels,
        Action.urge,
        {"urge_count": ticket.urge_count + 1},
        note=body.note,
        data={"department_id": ticket.lead_department_id},
    )


def assign(ctx: Ctx, ticket_id: int, body: AssignBody, if_match: str | None) -> dict[str, Any]:
    ticket, rels = begin_action(ctx, ticket_id, Action.assign, if_match)
    handler = ctx.session.get(User, body.handler_id)
    if handler is None or handler.unit_id != ticket.lead_department_id or not handler.is_active:
        raise invalid("not_a_handler", "The handler must be an active member of the department.")
    return _transition(
        ctx,
        ticket,
        rels,
        Action.assign,
        {"handler_id": handler.id},
        data={"handler_id": handler.id},
        internal=True,
    )


def _unjudged_return(ctx: Ctx, ticket: Ticket) -> TicketReturn | None:
    return ctx.session.execute(
        sa.select(TicketReturn)
        .where(col(TicketReturn.ticket_id) == ticket.id, col(TicketReturn.reasonable).is_(None))
        .order_by(col(TicketReturn.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def list_returns(ctx: Ctx, ticket_id: int) -> list[TicketReturn]:
    return _internal_records(ctx, ticket_id, TicketReturn, "Returns")


def judge_return(
    ctx: Ctx, ticket_id: int, return_id: int, body: ReturnJudgementBody, if_match: str | None
) -> TicketReturn:
    ticket, rels = begin_action(ctx, ticket_id, Action.judge_return, if_match)
    assert ctx.principal is not None
    ret = ctx.session.get(TicketReturn, return_id)
    if ret is None or ret.ticket_id != ticket_id:
        raise not_found("return")
    if ret.reasonable is not None:
        raise conflict("return_judged", "This return was already judged.")
    ret.reasonable = body.reasonable
    ret.judged_by_id = ctx.principal.user_id
    ret.judged_at = ctx.now
    ret.judgement_note = body.note
    ctx.session.flush()
    _transition(
        ctx,
        ticket,
        rels,
        Action.judge_return,
        note=body.note,
        data={"return_id": ret.id, "reasonable": body.reasonable},
        internal=True,
    )
    return ret


def events(ctx: Ctx, ticket_id: int) -> list[Any]:
    ticket, rels = load_visible(ctx, ticket_id)
    return views.events_out(ctx.session, ticket, rels, ctx.tz)
