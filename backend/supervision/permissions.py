"""Who sees and acts on supervision orders: the committee all of them, a department its own;
colleges none (an order is between the committee and the department)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.errors import forbidden
from backend.models import SupervisionOrder
from backend.models.enums import SupervisionStatus


def visible_clause(p: Subject) -> sa.ColumnElement[bool]:
    if not p.has_scope(Scope.tickets_read):
        return sa.false()
    if p.is_committee:
        return sa.true()
    if p.is_department:
        return col(SupervisionOrder.department_id) == p.unit_id
    return sa.false()


def can_see(p: Subject, order: SupervisionOrder) -> bool:
    if not p.has_scope(Scope.tickets_read):
        return False
    return p.is_committee or (p.is_department and order.department_id == p.unit_id)


def require_listing(p: Subject) -> None:
    p.require(Scope.tickets_read)
    if not (p.is_committee or p.is_department):
        raise forbidden("Supervision orders are between the committee and the departments.")


def allowed_actions(p: Subject, order: SupervisionOrder, ticket_answered: bool) -> list[str]:
    out: list[str] = []
    if not p.has_scope(Scope.tickets_write):
        return out
    if (
        order.status == SupervisionStatus.open
        and p.is_department
        and p.is_head
        and order.department_id == p.unit_id
    ):
        out.append("acknowledge")
    if order.status == SupervisionStatus.acknowledged and p.is_committee and ticket_answered:
        out.append("close")
    return out
