"""Who sees and acts on warnings: the committee all of them and every rule; a department its
own warnings; colleges nothing (a warning is between the committee and the department)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.errors import ProblemCode, forbidden, not_found
from backend.models import ConcentrationWarning
from backend.models.enums import WarningStatus


def visible_clause(p: Subject) -> sa.ColumnElement[bool]:
    if not p.has_scope(Scope.tickets_read):
        return sa.false()
    if p.is_committee:
        return sa.true()
    if p.is_department:
        return col(ConcentrationWarning.department_id) == p.unit_id
    return sa.false()


def can_see(p: Subject, w: ConcentrationWarning) -> bool:
    if not p.has_scope(Scope.tickets_read):
        return False
    return p.is_committee or (p.is_department and w.department_id == p.unit_id)


def require_listing(p: Subject) -> None:
    """Colleges (and anyone else) find no warnings here at all."""
    p.require(Scope.tickets_read)
    if not (p.is_committee or p.is_department):
        raise not_found("warning list")


def require_rules_read(p: Subject) -> None:
    p.require(Scope.tickets_read)
    if not p.is_committee:
        raise forbidden("The committee sets warning rules.", ProblemCode.action_forbidden)


def require_rules_write(p: Subject) -> None:
    p.require(Scope.tickets_write)
    if not p.is_committee:
        raise forbidden("The committee sets warning rules.", ProblemCode.action_forbidden)


def require_decision(p: Subject) -> None:
    p.require(Scope.tickets_write)
    if not p.is_committee:
        raise forbidden(
            "The committee records the talk or dismisses a warning.",
            ProblemCode.action_forbidden,
        )


def allowed_actions(p: Subject, w: ConcentrationWarning) -> list[str]:
    if w.status != WarningStatus.open or not p.is_committee:
        return []
    if not p.has_scope(Scope.tickets_write):
        return []
    return ["interview", "dismiss"]
