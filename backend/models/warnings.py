"""Concentration warnings (意见集中 → 约谈): the committee's rules and the warnings the worker
raises from them. Imported by :mod:`backend.models`, so its metadata has these tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.types import UTCDateTime, utcnow


def _ts() -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


class WarningRule(SQLModel, table=True):
    """A committee rule: when it holds for a department, the worker raises a warning.

    ``threshold`` is N tickets (volume), the fewest scores that make a rate (satisfaction) or K
    overdue tickets at once (overdue); ``days`` the rolling window of volume and satisfaction."""

    __tablename__ = "warning_rules"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # backend.models.enums.WarningKind
    # NULL: every department, each on its own.
    department_id: int | None = Field(default=None, foreign_key="units.id")
    category_id: int | None = Field(default=None, foreign_key="categories.id")  # volume only
    threshold: int
    days: int | None = None
    rate_below: float | None = None  # satisfaction: 0..1
    is_active: bool = True
    # Deleted rules stay for the warnings they raised; they never raise again.
    deleted_at: datetime | None = _ts()
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ConcentrationWarning(SQLModel, table=True):
    """One warning of one rule for one department and window.

    ``window_key`` makes it once: the office-tz date the condition first held (volume,
    satisfaction: no other warning while that rolling window lasts), or ``open`` for an overdue
    warning not yet decided (one open at a time; a decision frees the key). Insert-if-absent on
    the unique key decides between concurrent workers."""

    __tablename__ = "concentration_warnings"
    __table_args__ = (
        sa.UniqueConstraint("rule_id", "department_id", "window_key"),
        sa.Index("ix_concentration_warnings_department", "department_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="warning_rules.id")
    department_id: int = Field(foreign_key="units.id")
    kind: str = Field(max_length=16)
    window_key: str = Field(max_length=32)
    window_start: date
    window_end: date | None = None  # the last day of a rolling window (None: overdue)
    # What the sweep saw, and the rule's figures then (a rule edited later does not move them).
    observed: int  # tickets, scores, or overdue tickets
    satisfied: int | None = None
    rate: float | None = None
    threshold: int
    days: int | None = None
    rate_below: float | None = None
    category_id: int | None = Field(default=None, foreign_key="categories.id")
    status: str = Field(default="open", max_length=16, index=True)  # WarningStatus
    raised_at: datetime = _created()
    held_at: datetime | None = _ts()
    attendees: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    dismiss_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = _ts()
    updated_at: datetime = _created()
