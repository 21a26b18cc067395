"""The one place events are written: the timeline row and the outbox row, together.

Callers build the type's :class:`~backend.events.contract.Details` and say who acted
(:class:`Who`); :func:`write` adds the ``ticket_events`` row (for types with a timeline action)
and the outbox row with the typed payload, in the caller's transaction.

**Projectors** (the seam for read models kept current as events happen): a package registers
``fn(session, event)`` with :func:`register_projector` from its ``handlers`` module (loaded by
:func:`backend.worker.registry.load_plugins`, like the outbox consumers). :func:`write` calls
every projector with each typed event after its timeline row, in the same transaction, so a
projection never lags or disagrees with the timeline; a projector that raises fails the action.
Unlike a consumer, a projector must only write its own tables, must not write events, and must
take everything it needs from the event or the rows already in the session (the migration that
backfills a projection replays the timeline through the same code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from backend.auth.subject import Subject
from backend.events.contract import Actor, ActorKind, Details, Event
from backend.models import TicketEvent, table
from backend.models.enums import Status, UnitKind
from backend.worker.outbox import enqueue_many
from backend.worker.registry import load_plugins

_events = table(TicketEvent)


class TicketLike(Protocol):
    """What the envelope needs of a ticket (a ``Ticket`` or a sweep's row of one)."""

    @property
    def id(self) -> int | None: ...
    @property
    def code(self) -> str: ...
    @property
    def college_id(self) -> int | None: ...
    @property
    def lead_department_id(self) -> int | None: ...


@dataclass(frozen=True)
class Who:
    """Who acted, as the timeline stores it.

    ``by_submitter``: the actor is on the submitting side; the timeline hides them wherever the
    ticket hides its submitter. ``named``: the ticket names its submitter, so the payload may
    name the actor too; a submitter the ticket does not name is never in a payload.
    """

    kind: ActorKind
    user_id: int | None = None
    unit_id: int | None = None
    by_submitter: bool = False
    named: bool = True

    def public(self) -> Actor:
        hidden = self.by_submitter and not self.named
        return Actor(kind=self.kind, unit_id=self.unit_id, user_id=None if hidden else self.user_id)


SYSTEM = Who(ActorKind.system)
# No account (the public form, a tracking code): nobody to name.
CODE_HOLDER = Who(ActorKind.code_holder, by_submitter=True, named=False)

_KIND_OF_UNIT = {
    UnitKind.committee: ActorKind.committee,
    UnitKind.department: ActorKind.department,
    UnitKind.college: ActorKind.college,
}


def member(subject: Subject) -> Who:
    """A subject acting for their unit (not from the submitting side)."""
    if not subject.is_user or subject.unit_kind is None:
        return Who(ActorKind.service, unit_id=subject.unit_id)
    return Who(_KIND_OF_UNIT[UnitKind(subject.unit_kind)], subject.user_id, subject.unit_id)


@dataclass(frozen=True)
class Entry:
    """One event, ready to write: the payload and, where the type has one, the timeline row."""

    payload: Event
    row: dict[str, Any] | None


def build(
    ticket: TicketLike,
    details: Details,
    *,
    who: Who,
    now: datetime,
    from_status: str | None,
    to_status: str,
    internal: bool = False,
    note: str | None = None,
    timeline_data: dict[str, Any] | None = None,
) -> Entry:
    """``timeline_data``: what the timeline keeps besides the details (e.g. the previous reply
    of a reopened ticket), for the readers the timeline already scopes; never in the payload."""
    assert ticket.id is not None
    payload = Event(
        event=details.topic,
        ticket_id=ticket.id,
        ticket_code=ticket.code,
        from_status=Status(from_status) if from_status else None,
        to_status=Status(to_status),
        actor=who.public(),
        college_id=ticket.college_id,
        lead_department_id=ticket.lead_department_id,
        internal=internal,
        at=now,
        details=details,
    )
    row = None
    if details.action is not None:
        data = {**details.model_dump(mode="json"), **(timeline_data or {})}
        row = {
            "ticket_id": ticket.id,
            "action": details.action,
            "from_status": from_status,
            "to_status": to_status,
            "actor_id": who.user_id,
            "actor_unit_id": who.unit_id,
            "by_submitter": who.by_submitter,
            "internal": internal,
            "note": note,
            "data": data or None,
            "created_at": now,
        }
    return Entry(payload, row)


def write(session: Session, entries: Sequence[Entry], now: datetime) -> list[int | None]:
    """Write the timeline rows and the outbox rows of ``entries`` (Core: sweeps write many).

    Returns the id of each entry's timeline row, in the order of ``entries`` (None where the
    type has none): what an event ends elsewhere points back to it (``backend.tickets.endings``).
    """
    rows = [e.row for e in entries if e.row is not None]
    ids: Iterator[int] = iter(())
    if rows:
        inserted = session.execute(
            _events.insert().returning(_events.c.id, sort_by_parameter_order=True), rows
        )
        ids = iter(list(inserted.scalars()))
    _project(session, entries)
    _enqueue(session, [(e.payload.event, e.payload.model_dump(mode="json")) for e in entries], now)
    return [next(ids) if e.row is not None else None for e in entries]


def _enqueue(session: Session, events: Sequence[tuple[str, dict[str, Any]]], now: datetime) -> None:
    """The one place ticket events reach the outbox (each consumer gets its own delivery)."""
    enqueue_many(session, events, now)


Projector = Callable[[Session, Event], None]
_projectors: dict[str, Projector] = {}


def register_projector(name: str, fn: Projector) -> Projector:
    """Register (or replace, by name) a projector: called with every event :func:`write`
    writes, in the writer's transaction (see the module docstring)."""
    _projectors[name] = fn
    return fn


def _project(session: Session, entries: Sequence[Entry]) -> None:
    # Loaded here as consumers are: which projections run must not depend on what this process
    # happened to import first.
    load_plugins()
    for entry in entries:
        for name in sorted(_projectors):
            _projectors[name](session, entry.payload)
