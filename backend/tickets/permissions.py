"""Who may see which ticket, and who may see who raised it.

``visible_clause`` is the one place the scope rule lives: every list, detail, timeline,
attachment, count and export filters through it (or through ``relations``, which states the
same rule for one loaded ticket). An out-of-scope ticket is simply not found.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.models import Ticket, TicketDepartment
from backend.models.enums import Anonymity
from backend.tickets import roots
from backend.tickets.transitions import Rel

_child = aliased(Ticket, name="merged_child")


# Named parameters, so that the list's compiled SQL can be cached per shape of query and
# reused for every caller of that shape (see backend.tickets.listing).
def _unit(p: Subject) -> sa.BindParameter[int]:
    return sa.bindparam("scope_unit_id", p.unit_id, type_=sa.Integer())


def _user(p: Subject) -> sa.BindParameter[int]:
    return sa.bindparam("scope_user_id", p.user_id, type_=sa.Integer())


def _college_own(p: Subject, t: Any) -> sa.ColumnElement[bool]:
    """``t`` is the Ticket class or an alias of it."""
    if p.is_head:
        return col(t.college_id) == _unit(p)
    return col(t.submitter_id) == _user(p)


def scope_params(p: Subject) -> dict[str, int | None]:
    """Values of the named parameters that ``visible_clause`` uses."""
    return {"scope_unit_id": p.unit_id, "scope_user_id": p.user_id}


def visible_clause(p: Subject) -> sa.ColumnElement[bool]:
    if not p.has_scope(Scope.tickets_read):
        return sa.false()
    if p.is_committee:
        return sa.true()
    if p.is_department:
        return sa.exists().where(
            col(TicketDepartment.ticket_id) == col(Ticket.id),
            col(TicketDepartment.department_id) == _unit(p),
        )
    if p.is_college:
        # A college also follows the merge root of its own merged tickets.
        via_merge = sa.exists().where(
            roots.follows(_child, col(Ticket.id)), _college_own(p, _child)
        )
        return sa.or_(_college_own(p, Ticket), via_merge)
    return sa.false()


def relations(session: Session, p: Subject, ticket: Ticket) -> frozenset[Rel]:
    """The caller's relations to one ticket; empty means they may not see it."""
    rels: set[Rel] = set()
    if not p.has_scope(Scope.tickets_read):
        return frozenset()
    if p.is_committee:
        rels.add(Rel.committee)
    elif p.is_department:
        row = session.execute(
            sa.select(col(TicketDepartment.role), col(TicketDepartment.active)).where(
                col(TicketDepartment.ticket_id) == ticket.id,
                col(TicketDepartment.department_id) == p.unit_id,
            )
        ).one_or_none()
        if row is not None:
            role, active = row
            if active and role == "lead" and ticket.lead_department_id == p.unit_id:
                rels.add(Rel.lead)
                if p.is_head:
                    rels.add(Rel.lead_head)
            elif active and role == "assist":
                rels.add(Rel.assist)
            else:
                rels.add(Rel.former_department)
    elif p.is_college:
        if ticket.submitter_id is not None and ticket.submitter_id == p.user_id:
            rels.add(Rel.submitter)
        if p.is_head and ticket.college_id == p.unit_id:
            rels.add(Rel.college_head)
        merged = session.execute(
            sa.select(sa.literal(1))
            .where(roots.follows(_child, ticket.id), _college_own(p, _child))
            .limit(1)
        ).first()
        if merged is not None:
            rels.add(Rel.merged_submitter)
    return frozenset(rels)


SUBMITTING_SIDE = frozenset(
    {Rel.submitter, Rel.college_head, Rel.merged_submitter, Rel.code_holder}
)


def raised_through(
    session: Session, p: Subject, ticket: Ticket, rels: frozenset[Rel]
) -> list[Ticket] | None:
    """The tickets through which the caller stands on the submitting side of ``ticket``: the
    ticket itself (its submitter, its college's head) and the caller's own tickets merged into
    it. None: the caller is not on the submitting side. An action carries their anonymity."""
    if Rel.committee in rels or not rels & SUBMITTING_SIDE:
        return None
    through = [ticket] if rels & {Rel.submitter, Rel.college_head, Rel.code_holder} else []
    if Rel.merged_submitter in rels:
        through += session.execute(
            sa.select(Ticket)
            .where(roots.follows(Ticket, ticket.id), _college_own(p, Ticket))
            .order_by(col(Ticket.id))
        ).scalars()
    return through


def can_see_submitter(ticket: Ticket, rels: frozenset[Rel]) -> bool:
    if ticket.anonymity == Anonymity.full:
        return False
    if ticket.anonymity == Anonymity.named:
        return bool(rels)
    # "department" tier: the committee and the submitter's own college know; departments do not.
    return bool(rels & {Rel.committee, Rel.submitter, Rel.college_head})


def can_see_reporter(ticket: Ticket, rels: frozenset[Rel]) -> bool:
    """Who sees an on-behalf ticket's reporter_name and contact: the committee, and the college
    that raised it (its head, and whoever raised it). A committee-raised ticket has no
    submitter: its college does not see what the committee recorded. Departments never do."""
    if Rel.committee in rels:
        return True
    return ticket.submitter_id is not None and bool(rels & {Rel.submitter, Rel.college_head})


def is_department_side(rels: frozenset[Rel]) -> bool:
    return bool(rels & {Rel.lead, Rel.lead_head, Rel.assist, Rel.former_department})


def sees_internal(rels: frozenset[Rel]) -> bool:
    """Internal notes and events are for the committee and departments only."""
    return Rel.committee in rels or is_department_side(rels)
