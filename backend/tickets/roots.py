"""The merge root rule, in one place.

A merged ticket follows the *root* of its merge chain: ``merged_into_id`` followed to a ticket
that is not merged. The root is stored on every merged ticket (``Ticket.merge_root_id``) and
kept current here: a merge points the ticket, and every ticket that followed it, at the root of
the ticket it is merged into. Scope (``permissions``), notifications (``notifications.fanout``),
the public lookup and the ticket view all read that one column through these functions.

What follows from the root:
- the merged ticket's submitter side (its submitter, its college head, its code holder) sees
  the root, reads the root's reply and revisit on their own ticket, and scores their own
  ticket once the root has been revisited, inside the root's scoring window;
- their score closes their own ticket and counts for the department that replied to the root;
- only the root's own submitter side (or the committee) scores and closes the root.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.errors import Problem, ProblemCode, conflict, invalid
from backend.models import Ticket, table
from backend.models.enums import OPEN_STATUSES, Status

_tickets = table(Ticket)
MERGE_LOCK = 0x6D65_7267_6500  # "merge": the transaction-level advisory lock key of merges
# A root in these states has been revisited (a reopen clears revisited_at and moves it on).
REVISITED = frozenset({Status.revisited.value, Status.closed.value})


def follows(child: Any, ticket_id: Any) -> sa.ColumnElement[bool]:
    """``child`` (the Ticket class or an alias) was merged into a chain whose root is
    ``ticket_id`` (a column or a value)."""
    return col(child.merge_root_id) == ticket_id


def root_of(session: Session, ticket: Ticket, *, lock: bool = False) -> Ticket:
    """The ticket whose answer ``ticket`` follows: its merge root, or itself."""
    if ticket.merge_root_id is None:
        return ticket
    q = sa.select(Ticket).where(col(Ticket.id) == ticket.merge_root_id)
    if lock:
        # What was read before the lock may be stale: the row as the lock found it wins.
        q = q.with_for_update().execution_options(populate_existing=True)
    root: Ticket = session.execute(q).scalar_one()
    return root


def one_merge_at_a_time(session: Session) -> None:
    """Merges change which tickets others follow: taken one at a time (until the transaction
    ends), two crossing merges (A into B while B into A) can neither both pass the cycle check
    nor deadlock on each other's rows. Call it before locking any ticket. Merges are rare, and
    SQLite writes are one at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(MERGE_LOCK)))


def merge_target(session: Session, ticket: Ticket, primary_id: int) -> Ticket:
    """The root that merging ``ticket`` into ``primary_id`` leads to, locked against a
    concurrent merge of it; refused when it is ``ticket`` itself or no longer open."""
    if primary_id == ticket.id:
        raise invalid(ProblemCode.merge_into_self, "A ticket cannot be merged into itself.")
    primary = session.execute(
        sa.select(Ticket)
        .where(col(Ticket.id) == primary_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if primary is None:
        raise invalid(ProblemCode.unknown_primary, "No such primary ticket.")
    root = root_of(session, primary, lock=True)
    where = {"primary_id": primary.id, "root_id": root.id, "root_code": root.code}
    if root.id == ticket.id:
        raise conflict(
            ProblemCode.merge_cycle,
            f"Ticket {primary.code} is merged into this ticket already; merging this one into it"
            " would make a cycle.",
            **where,
        )
    if root.status not in OPEN_STATUSES:
        raise conflict(
            ProblemCode.primary_not_open,
            f"The primary ticket resolves to {root.code}, which is {root.status}: it is no"
            " longer open.",
            **where,
        )
    return root


def reroot(session: Session, old_root: Ticket, new_root: Ticket, now: datetime) -> None:
    """``old_root`` was merged into ``new_root``: the tickets that followed it follow the new
    root (their view changes with it, hence a new version)."""
    session.execute(
        _tickets.update()
        .where(_tickets.c.merge_root_id == old_root.id)
        .values(merge_root_id=new_root.id, version=_tickets.c.version + 1, updated_at=now)
    )


def merged_score_refusal(session: Session, ticket: Ticket, now: datetime) -> Problem | None:
    """Why the submitter side of the merged ``ticket`` may not score it now, or None.

    They score once the root has been revisited: while it is revisited, or after it was closed
    with a revisit, until the end of the root's scoring window."""
    root = root_of(session, ticket)
    if root is ticket or root.revisited_at is None or root.status not in REVISITED:
        return conflict(
            ProblemCode.root_not_revisited,
            "A merged ticket is scored once the ticket it was merged into has been revisited.",
            root_id=root.id,
            root_status=root.status,
        )
    if root.status == Status.closed and (root.score_due_at is None or now >= root.score_due_at):
        return conflict(
            ProblemCode.scoring_window_over,
            "The scoring window of the ticket this one was merged into has ended.",
            root_id=root.id,
            score_due_at=root.score_due_at.isoformat() if root.score_due_at else None,
        )
    return None
