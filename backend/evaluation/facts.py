"""The per-assignment facts (``assignment_facts``), kept current from the ticket events.

One function, :func:`apply`, turns one event into row changes; the live projector
(:func:`project`, registered in ``backend.evaluation.handlers``) calls it with each event as it is
written, and :func:`replay` calls it with the timeline rows in order (the backfill of migration
0010). Both paths read only the event and rows that exist at that point of the history, so they
write the same rows.

- dispatch: a new round: a ``lead`` row and an ``assist`` row per assisting department, with the
  dispatch time and the deadlines (assisting rows: the lead's reply deadline; they do not sign).
- accept, return, reply: the lead row of the latest round. A return closes the round: the next
  dispatch adds a new one.
- the committee's judgement of a return: the lead row of that return (the n-th return of the
  ticket is the n-th returned lead row).
- an approved extension: the reply deadline of the latest round's rows.
- revisit and score: every row (lead and assisting) of the latest round.
- reopen: stamps the latest round's rows and adds a round for the same departments.
- the score of a merged ticket: a ``merged`` row of its own (no dispatch) for the department that
  replied to its root, as the ticket's own score counts there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from backend.events import contract as ev
from backend.models import AssignmentFact, Ticket, TicketEvent, TicketReturn, table
from backend.models.enums import FactRole, Status

_facts = table(AssignmentFact)
_tickets = table(Ticket)
_returns = table(TicketReturn)
_events = table(TicketEvent)

Bind = Session | sa.Connection

# The events that change facts (by type); the rest pass through.
TYPES: tuple[type[ev.Details], ...] = (
    ev.Dispatched,
    ev.Accepted,
    ev.Returned,
    ev.ReturnJudged,
    ev.ExtensionDecided,
    ev.Replied,
    ev.Revisited,
    ev.Reopened,
    ev.Scored,
)
_ASSIGNED = (FactRole.lead.value, FactRole.assist.value)


def project(session: Session, event: ev.Event) -> None:
    """The projector: the facts of one event as it is written."""
    if isinstance(event.details, TYPES):
        apply(session, event.ticket_id, event.from_status, event.details, event.at)


def apply(
    bind: Bind, ticket_id: int, from_status: str | None, details: ev.Details, at: datetime
) -> None:
    if isinstance(details, ev.Dispatched):
        _new_round(bind, ticket_id, at, details)
        return
    if isinstance(details, ev.ReturnJudged):
        _judge(bind, ticket_id, details)
        return
    if isinstance(details, ev.Scored) and from_status == Status.merged:
        _merged_score(bind, ticket_id, details, at)
        return
    latest = _latest_round(bind, ticket_id)
    if latest is None:
        return  # nothing assigned yet (e.g. a history older than its dispatch event)
    rows = _facts.c.ticket_id == ticket_id, _facts.c.round_no == latest
    lead = (*rows, _facts.c.role == FactRole.lead.value)
    assigned = (*rows, _facts.c.role.in_(_ASSIGNED))
    if isinstance(details, ev.Accepted):
        _update(bind, (*lead, _facts.c.accepted_at.is_(None)), accepted_at=at)
    elif isinstance(details, ev.Returned):
        _update(bind, (*lead, _facts.c.returned_at.is_(None)), returned_at=at)
    elif isinstance(details, ev.ExtensionDecided):
        if details.approved and details.reply_due_at is not None:
            _update(bind, assigned, reply_due_at=details.reply_due_at)
    elif isinstance(details, ev.Replied):
        _update(bind, (*lead, _facts.c.replied_at.is_(None)), replied_at=at)
    elif isinstance(details, ev.Revisited):
        _update(bind, assigned, revisit_outcome=details.outcome.value, revisited_at=at)
    elif isinstance(details, ev.Scored):
        _update(bind, assigned, **_score(details, at))
    elif isinstance(details, ev.Reopened):
        _reopen(bind, ticket_id, latest, details, at)


def _update(bind: Bind, where: tuple[Any, ...], **values: Any) -> None:
    bind.execute(_facts.update().where(*where).values(**values))


def _latest_round(bind: Bind, ticket_id: int) -> int | None:
    return bind.execute(
        sa.select(sa.func.max(_facts.c.round_no)).where(
            _facts.c.ticket_id == ticket_id, _facts.c.role.in_(_ASSIGNED)
        )
    ).scalar()


def _insert(bind: Bind, rows: list[dict[str, Any]]) -> None:
    if rows:
        bind.execute(_facts.insert(), rows)


def _new_round(bind: Bind, ticket_id: int, at: datetime, d: ev.Dispatched) -> None:
    round_no = (_latest_round(bind, ticket_id) or 0) + 1
    base = {"ticket_id": ticket_id, "round_no": round_no, "dispatched_at": at}
    rows = [
        {
            **base,
            "department_id": d.lead_department_id,
            "role": FactRole.lead.value,
            "accept_due_at": d.accept_due_at,
            "reply_due_at": d.reply_due_at,
        }
    ]
    rows += [
        {
            **base,
            "department_id": dep,
            "role": FactRole.assist.value,
            "accept_due_at": None,
            "reply_due_at": d.reply_due_at,
        }
        for dep in dict.fromkeys(d.assisting_department_ids)
        if dep != d.lead_department_id
    ]
    _insert(bind, rows)


def _reopen(bind: Bind, ticket_id: int, latest: int, d: ev.Reopened, at: datetime) -> None:
    where = (
        _facts.c.ticket_id == ticket_id,
        _facts.c.round_no == latest,
        _facts.c.role.in_(_ASSIGNED),
    )
    previous = bind.execute(
        sa.select(_facts.c.department_id, _facts.c.role).where(*where).order_by(_facts.c.id)
    ).all()
    _update(bind, where, reopened_at=at)
    _insert(
        bind,
        [
            {
                "ticket_id": ticket_id,
                "round_no": latest + 1,
                "department_id": dep,
                "role": role,
                "dispatched_at": at,
                "accept_due_at": d.accept_due_at if role == FactRole.lead.value else None,
                "reply_due_at": d.reply_due_at,
            }
            for dep, role in previous
        ],
    )


def _judge(bind: Bind, ticket_id: int, d: ev.ReturnJudged) -> None:
    return_ids = list(
        bind.execute(
            sa.select(_returns.c.id)
            .where(_returns.c.ticket_id == ticket_id)
            .order_by(_returns.c.id)
        ).scalars()
    )
    if d.return_id not in return_ids:
        return
    returned = list(
        bind.execute(
            sa.select(_facts.c.id)
            .where(
                _facts.c.ticket_id == ticket_id,
                _facts.c.role == FactRole.lead.value,
                _facts.c.returned_at.is_not(None),
            )
            .order_by(_facts.c.round_no)
        ).scalars()
    )
    nth = return_ids.index(d.return_id)
    if nth < len(returned):
        _update(bind, (_facts.c.id == returned[nth],), return_unreasonable=not d.reasonable)


def _score(d: ev.Scored, at: datetime) -> dict[str, Any]:
    return {
        "score_efficiency": d.efficiency,
        "score_handling": d.handling,
        "score_effect": d.effect,
        "score_overall": d.overall,
        "satisfied": d.satisfied,
        "scored_at": at,
    }


def _merged_score(bind: Bind, ticket_id: int, d: ev.Scored, at: datetime) -> None:
    if isinstance(bind, Session):
        bind.flush()  # the score's own changes (the department it counts for) are pending
    department = bind.execute(
        sa.select(_tickets.c.reply_department_id).where(_tickets.c.id == ticket_id)
    ).scalar()
    if department is None:
        return
    last = bind.execute(
        sa.select(sa.func.max(_facts.c.round_no)).where(_facts.c.ticket_id == ticket_id)
    ).scalar()
    _insert(
        bind,
        [
            {
                "ticket_id": ticket_id,
                "round_no": (last or 0) + 1,
                "department_id": department,
                "role": FactRole.merged.value,
                **_score(d, at),
            }
        ],
    )


# --- the backfill -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replayed:
    events: int
    skipped: int  # timeline rows whose data no longer parses (see migration 0010)


_ACTIONS = tuple(cls.action for cls in TYPES if cls.action is not None)


def _timeline(bind: Bind, batch: int = 5000) -> Iterator[Any]:
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                _events.c.id,
                _events.c.ticket_id,
                _events.c.action,
                _events.c.from_status,
                _events.c.data,
                _events.c.created_at,
            )
            .where(_events.c.id > after, _events.c.action.in_(_ACTIONS))
            .order_by(_events.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def replay(bind: Bind) -> Replayed:
    """Rebuild the facts from the timeline, in the order it was written (the table must be
    empty). The timeline keeps each event's details (``data``) and time, which is all
    :func:`apply` reads besides the returns and the merged tickets' scoring department."""
    done = skipped = 0
    for row in _timeline(bind):
        cls = ev.BY_ACTION[row.action]
        data = {k: v for k, v in (row.data or {}).items() if k in cls.model_fields}
        try:
            details = cls.model_validate(data)
        except ValidationError:
            skipped += 1
            continue
        apply(bind, row.ticket_id, row.from_status, details, row.created_at)
        done += 1
    return Replayed(done, skipped)
