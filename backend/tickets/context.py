"""What every ticket action shares: the context, loading in scope, If-Match, the conditional
update, the timeline event and outbox row, the transition helper, and what a caller may do next.

Services flush, never commit: the request's transaction (see ``backend.deps.get_db``) commits
the change, its timeline event and its outbox message together, or none of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from backend.auth.security import TokenClaims
from backend.auth.subject import Scope, Subject, load_user
from backend.calendar.service import cached_calendar, load_calendar
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.errors import Problem, ProblemCode, conflict, forbidden, invalid, not_found
from backend.events import record as event_record
from backend.events.contract import ActorKind, Details
from backend.events.record import CODE_HOLDER, Who, member
from backend.models import Extension, Ticket, TicketReturn, table
from backend.models.enums import Anonymity, Status
from backend.sla.policies import Levels, levels_for
from backend.tickets import endings, permissions, roots, views
from backend.tickets.transitions import TRANSITIONS, Action, Rel, guard, permitted

_tickets = table(Ticket)
_R = TypeVar("_R", Extension, TicketReturn)


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
        subject: Subject | None = None,
        claims: TokenClaims | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self._subject = subject
        self._claims = claims
        self._cutoff: datetime | None = None
        self._levels: dict[tuple[int | None, str], Levels] = {}

    @property
    def subject(self) -> Subject | None:
        if self._subject is None and self._claims is not None:
            self._subject = load_user(self.session, self._claims, self.now)
        return self._subject

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


# --- loading and the guard ------------------------------------------------------------------


def load_visible(ctx: Ctx, ticket_id: int, *, lock: bool = False) -> tuple[Ticket, frozenset[Rel]]:
    assert ctx.subject is not None
    q = sa.select(Ticket).where(col(Ticket.id) == ticket_id)
    if lock:
        q = q.with_for_update()
    ticket = ctx.session.execute(q).scalar_one_or_none()
    if ticket is None:
        raise not_found("ticket")
    rels = permissions.relations(ctx.session, ctx.subject, ticket)
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
            ProblemCode.stale_version,
            "The ticket has changed since you loaded it; reload and try again.",
            extra={"current_version": ticket.version},
        )


def etag(ticket: Ticket | dict[str, Any]) -> str:
    version = ticket["version"] if isinstance(ticket, dict) else ticket.version
    return f'"{version}"'


def allowed_actions(ctx: Ctx, ticket: Ticket, rels: frozenset[Rel]) -> list[str]:
    out: list[str] = []
    for action in permitted(ticket.status, rels):
        if action is Action.request_extension and extension_refusal(ctx, ticket) is not None:
            continue
        if action is Action.decide_extension and pending_extension(ctx, ticket) is None:
            continue
        if action is Action.judge_return and unjudged_return(ctx, ticket) is None:
            continue
        if action is Action.close and not scoring_window_over(ctx, ticket):
            continue
        if action is Action.score and score_refusal(ctx, ticket) is not None:
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
            ProblemCode.concurrent_update,
            "Someone else changed this ticket just now; reload and retry.",
        )
    for key, value in values.items():
        set_committed_value(ticket, key, value)


def acting(ctx: Ctx, ticket: Ticket, rels: frozenset[Rel]) -> Who:
    """Who takes an action on ``ticket``: from the submitting side, with the anonymity of the
    ticket(s) they act through (see ``permissions.raised_through``)."""
    p = ctx.subject
    if p is None:
        return CODE_HOLDER
    through = permissions.raised_through(ctx.session, p, ticket, rels)
    if through is None or not p.is_user:  # a service has nobody to hide
        return member(p)
    kind = (
        ActorKind.submitter if rels & {Rel.submitter, Rel.merged_submitter} else ActorKind.college
    )
    return submitting_side(p, ticket, through, kind)


def submitting_side(p: Subject, ticket: Ticket, through: list[Ticket], kind: ActorKind) -> Who:
    """An actor from the submitting side of ``ticket``, acting through ``through`` (the ticket
    itself, their own tickets merged into it, or both)."""
    if through and all(t.anonymity == Anonymity.named for t in through):
        return Who(kind, p.user_id, p.unit_id, by_submitter=True, named=True)
    if [t.id for t in through] == [ticket.id] and ticket.anonymity == Anonymity.department:
        # Stored; the timeline hides them from whoever this ticket hides its submitter from.
        return Who(kind, p.user_id, p.unit_id, by_submitter=True, named=False)
    # Fully anonymous, or acting through another ticket whose anonymity this ticket's timeline
    # cannot apply: store nothing that leads back, not even a college this ticket does not show.
    unit = p.unit_id if p.unit_id == ticket.college_id else None
    return Who(kind, None, unit, by_submitter=True, named=False)


def record_event(
    ctx: Ctx,
    ticket: Ticket,
    details: Details,
    *,
    who: Who,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
    internal: bool = False,
    timeline_data: dict[str, Any] | None = None,
) -> int:
    """The timeline event and the outbox event of an action, in its transaction; returns the
    timeline event's id."""
    assert details.action is not None, details
    entry = event_record.build(
        ticket,
        details,
        who=who,
        now=ctx.now,
        from_status=from_status,
        to_status=to_status,
        internal=internal,
        note=note,
        timeline_data=timeline_data,
    )
    (event_id,) = event_record.write(ctx.session, [entry], ctx.now)
    assert event_id is not None
    return event_id


def transition(
    ctx: Ctx,
    ticket: Ticket,
    rels: frozenset[Rel],
    action: Action,
    changes: dict[str, Any] | None,
    details: Details,
    *,
    note: str | None = None,
    internal: bool = False,
    timeline_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    assert details.action == action.value, (details, action)
    tr = TRANSITIONS[action]
    from_status = ticket.status
    changes = dict(changes or {})
    if tr.target is not None:
        changes["status"] = tr.target.value
    _apply(ctx, ticket, changes)
    event_id = record_event(
        ctx,
        ticket,
        details,
        who=acting(ctx, ticket, rels),
        from_status=from_status,
        to_status=tr.target.value if tr.target else from_status,
        note=note,
        internal=internal,
        timeline_data=timeline_data,
    )
    ctx.session.flush()
    endings.after_move(ctx, ticket, from_status, action, event_id)
    ctx.session.flush()
    return render(ctx, ticket, rels)


def begin_action(
    ctx: Ctx, ticket_id: int, action: Action, if_match: str | None, *, lock: bool = False
) -> tuple[Ticket, frozenset[Rel]]:
    ticket, rels = load_visible(ctx, ticket_id, lock=lock)
    assert ctx.subject is not None
    ctx.subject.require(Scope.tickets_write)
    guard(action, ticket.status, rels)
    check_if_match(ticket, if_match)
    return ticket, rels


# --- checks that several actions and allowed_actions share ----------------------------------


def future_deadline(ctx: Ctx, when: datetime | None, field: str) -> datetime | None:
    if when is None:
        return None
    if when.tzinfo is None:
        raise invalid(ProblemCode.naive_datetime, f"{field} needs a time zone offset.")
    if when <= ctx.now:
        raise invalid(ProblemCode.deadline_in_past, f"{field} must lie in the future.")
    # Nobody is held to a time the office is shut (a typed 00:00 or 03:30).
    return ctx.calendar().office_deadline(when)


def pending_extension(ctx: Ctx, ticket: Ticket) -> Extension | None:
    return ctx.session.execute(
        sa.select(Extension).where(
            col(Extension.ticket_id) == ticket.id, col(Extension.status) == "pending"
        )
    ).scalar_one_or_none()


def extension_refusal(ctx: Ctx, ticket: Ticket) -> Problem | None:
    if pending_extension(ctx, ticket) is not None:
        return conflict(ProblemCode.extension_pending, "An extension request is already waiting.")
    most = ctx.levels_of(ticket).max_extensions
    if ticket.extension_count >= most:
        return conflict(ProblemCode.extension_limit, f"At most {most} extensions per ticket.")
    return None


def internal_records(ctx: Ctx, ticket_id: int, model: type[_R], what: str) -> list[_R]:
    """A ticket's records that only the committee and the departments may read."""
    _ticket, rels = load_visible(ctx, ticket_id)
    if not permissions.sees_internal(rels):
        raise forbidden(f"{what} are between the committee and the departments.")
    return list(
        ctx.session.execute(
            sa.select(model).where(col(model.ticket_id) == ticket_id).order_by(col(model.id))
        ).scalars()
    )


def score_refusal(ctx: Ctx, ticket: Ticket) -> Problem | None:
    """Past the guard, why ``ticket`` cannot be scored now (a merged ticket waits for its
    root's revisit), or None."""
    if ticket.status == Status.merged:
        return roots.merged_score_refusal(ctx.session, ticket, ctx.now)
    return None


def scoring_window_over(ctx: Ctx, ticket: Ticket) -> bool:
    return ticket.score_due_at is None or ctx.now >= ticket.score_due_at


def unjudged_return(ctx: Ctx, ticket: Ticket) -> TicketReturn | None:
    return ctx.session.execute(
        sa.select(TicketReturn)
        .where(col(TicketReturn.ticket_id) == ticket.id, col(TicketReturn.reasonable).is_(None))
        .order_by(col(TicketReturn.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def events(ctx: Ctx, ticket_id: int) -> list[Any]:
    """The timeline, oldest first, as the caller may see it."""
    ticket, rels = load_visible(ctx, ticket_id)
    return views.events_out(ctx.session, ticket, rels, ctx.tz)
