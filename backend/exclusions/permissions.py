"""Who sees and acts on exclusions: the committee all of them, a department its own; colleges
none (an exclusion is between the committee and the department)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.errors import ProblemCode, forbidden
from backend.models.exclusions import Exclusion, ExclusionStatus


def visible_clause(p: Subject) -> sa.ColumnElement[bool]:
    if not p.has_scope(Scope.tickets_read):
        return sa.false()
    if p.is_committee:
        return sa.true()
    if p.is_department:
        return col(Exclusion.department_id) == p.unit_id
    return sa.false()


def can_see(p: Subject, exclusion: Exclusion) -> bool:
    if not p.has_scope(Scope.tickets_read):
        return False
    return p.is_committee or (p.is_department and exclusion.department_id == p.unit_id)


def require_listing(p: Subject) -> None:
    p.require(Scope.tickets_read)
    if not (p.is_committee or p.is_department):
        raise forbidden("Exclusions are between the committee and the departments.")


def require_asking(p: Subject) -> None:
    """The committee (it excludes directly) or a department head (it asks)."""
    p.require(Scope.tickets_write)
    if p.is_committee or (p.is_department and p.is_head):
        return
    raise forbidden(
        "A department head asks for an exclusion; the committee excludes directly.",
        ProblemCode.action_forbidden,
    )


def require_deciding(p: Subject) -> None:
    p.require(Scope.tickets_write)
    if not p.is_committee:
        raise forbidden("The committee decides exclusions.", ProblemCode.action_forbidden)


def allowed_actions(p: Subject, exclusion: Exclusion) -> list[str]:
    if (
        p.has_scope(Scope.tickets_write)
        and p.is_committee
        and exclusion.status == ExclusionStatus.pending
    ):
        return ["decide"]
    return []
