"""Which service levels apply to a ticket: the most specific SLA policy, field by field.

A policy is scoped to a category and an urgency, either of which may be a wildcard (NULL). Its
values may be NULL too, meaning "inherit". For one field the first non-NULL value wins in this
order: category and urgency, category only, urgency only, neither; then the defaults of
``backend.tickets.sla`` (DOMAIN.md). So a policy that only shortens the reply window of one
category leaves the urgent/complex reply windows and everything else as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.models import SlaPolicy
from backend.tickets import sla

WILDCARD = "*"


@dataclass(frozen=True)
class Levels:
    """The effective service levels for one category and urgency (working days)."""

    dispatch_days: float
    accept_days: float
    reply_days: float
    revisit_days: float
    score_days: float
    max_extensions: int
    max_extension_days: int
    reminder_lead_days: float


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Levels))


def defaults(urgency: str | None) -> Levels:
    return Levels(
        dispatch_days=sla.DISPATCH_DAYS,
        accept_days=sla.ACCEPT_DAYS,
        reply_days=float(sla.REPLY_DAYS.get(urgency or "normal", sla.REPLY_DAYS["normal"])),
        revisit_days=sla.REVISIT_DAYS,
        score_days=sla.SCORE_DAYS,
        max_extensions=sla.MAX_EXTENSIONS,
        max_extension_days=sla.MAX_EXTENSION_DAYS,
        reminder_lead_days=sla.REMINDER_LEAD_DAYS,
    )


def scope_key(category_id: int | None, urgency: str | None) -> str:
    return f"{category_id if category_id is not None else WILDCARD}:{urgency or WILDCARD}"


def _rank(p: SlaPolicy) -> int:
    return (2 if p.category_id is not None else 0) + (1 if p.urgency is not None else 0)


def resolve(policies: Iterable[SlaPolicy], category_id: int | None, urgency: str) -> Levels:
    applicable = sorted(
        (
            p
            for p in policies
            if p.category_id in (None, category_id) and p.urgency in (None, urgency)
        ),
        key=_rank,
        reverse=True,
    )
    base = defaults(urgency)
    values = {}
    for name in FIELDS:
        value = next((v for p in applicable if (v := getattr(p, name)) is not None), None)
        values[name] = getattr(base, name) if value is None else value
    return Levels(**values)


def levels_for(session: Session, category_id: int | None, urgency: str) -> Levels:
    """The levels of one ticket: reads at most the four policies that could apply."""
    cat = col(SlaPolicy.category_id)
    urg = col(SlaPolicy.urgency)
    rows = session.execute(
        sa.select(SlaPolicy).where(
            sa.or_(cat.is_(None), cat == category_id) if category_id is not None else cat.is_(None),
            sa.or_(urg.is_(None), urg == urgency),
        )
    ).scalars()
    return resolve(list(rows), category_id, urgency)


class PolicyBook:
    """Every policy, read once (a sweep resolves many tickets)."""

    def __init__(self, session: Session) -> None:
        self.policies = list(session.execute(sa.select(SlaPolicy)).scalars())
        self._memo: dict[tuple[int | None, str], Levels] = {}

    def levels(self, category_id: int | None, urgency: str) -> Levels:
        key = (category_id, urgency)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = resolve(self.policies, category_id, urgency)
        return hit

    def max_reminder_lead(self) -> float:
        leads = [p.reminder_lead_days for p in self.policies if p.reminder_lead_days is not None]
        return max([sla.REMINDER_LEAD_DAYS, *leads])
