"""SLA policy administration."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Subject
from backend.errors import ProblemCode, conflict, invalid, not_found
from backend.models import Category, SlaPolicy
from backend.models.enums import Urgency
from backend.sla import policies
from backend.sla.schemas import (
    SlaLevels,
    SlaPolicyCreate,
    SlaPolicyOut,
    SlaPolicyUpdate,
    SlaValues,
)

VALUE_FIELDS = (*policies.FIELDS, "note")


def _out(p: SlaPolicy, category_name: str | None) -> SlaPolicyOut:
    assert p.id is not None
    return SlaPolicyOut(
        id=p.id,
        category_id=p.category_id,
        category_name=category_name,
        urgency=Urgency(p.urgency) if p.urgency else None,
        updated_at=p.updated_at,
        **{f: getattr(p, f) for f in VALUE_FIELDS},
    )


def _category_name(session: Session, category_id: int | None) -> str | None:
    if category_id is None:
        return None
    cat = session.get(Category, category_id)
    return cat.name if cat else None


def list_policies(session: Session) -> list[SlaPolicyOut]:
    rows = session.execute(
        sa.select(SlaPolicy, col(Category.name))
        .outerjoin(Category, col(Category.id) == col(SlaPolicy.category_id))
        .order_by(col(SlaPolicy.category_id).is_not(None), col(Category.name), col(SlaPolicy.id))
    ).all()
    return [_out(p, name) for p, name in rows]


def _apply(p: SlaPolicy, body: SlaValues, admin: Subject, now: datetime) -> None:
    for f in VALUE_FIELDS:
        setattr(p, f, getattr(body, f))
    p.updated_by_id = admin.user_id
    p.updated_at = now


def create_policy(
    session: Session, admin: Subject, body: SlaPolicyCreate, now: datetime
) -> SlaPolicyOut:
    if body.category_id is not None and session.get(Category, body.category_id) is None:
        raise invalid(ProblemCode.unknown_category, "No such category.")
    urgency = body.urgency.value if body.urgency else None
    key = policies.scope_key(body.category_id, urgency)
    if session.execute(sa.select(col(SlaPolicy.id)).where(col(SlaPolicy.scope_key) == key)).first():
        raise conflict(
            ProblemCode.policy_exists, "There is already a policy for this category and urgency."
        )
    p = SlaPolicy(category_id=body.category_id, urgency=urgency, scope_key=key, created_at=now)
    _apply(p, body, admin, now)
    session.add(p)
    session.flush()
    return _out(p, _category_name(session, p.category_id))


def _get(session: Session, policy_id: int) -> SlaPolicy:
    p = session.get(SlaPolicy, policy_id)
    if p is None:
        raise not_found("SLA policy")
    return p


def update_policy(
    session: Session, admin: Subject, policy_id: int, body: SlaPolicyUpdate, now: datetime
) -> SlaPolicyOut:
    p = _get(session, policy_id)
    _apply(p, body, admin, now)
    session.flush()
    return _out(p, _category_name(session, p.category_id))


def delete_policy(session: Session, policy_id: int) -> None:
    session.delete(_get(session, policy_id))
    session.flush()


def effective_levels(session: Session, category_id: int | None, urgency: Urgency) -> SlaLevels:
    levels = policies.levels_for(session, category_id, urgency.value)
    return SlaLevels(
        category_id=category_id,
        urgency=urgency,
        **{f: getattr(levels, f) for f in policies.FIELDS},
    )
