"""核减 (exclusions): a ticket taken out of one department's rates.

Its own module so the issue's other tables can be added beside it without touching one file;
``backend.models`` imports it, so the table is in the one metadata like every other.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.types import UTCDateTime, utcnow


class ExclusionReason(StrEnum):
    malicious = "malicious"  # 恶意诉求
    duplicate = "duplicate"  # 重复诉求
    outside_remit = "outside_remit"  # 不属于本部门职责
    other = "other"


class ExclusionStatus(StrEnum):
    pending = "pending"  # asked by the department, waiting for the committee
    approved = "approved"  # the ticket leaves the department's rates
    rejected = "rejected"


# An exclusion that stands or may stand: at most one per ticket and department.
LIVE_EXCLUSION = frozenset({ExclusionStatus.pending, ExclusionStatus.approved})


def _ts() -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


class Exclusion(SQLModel, table=True):
    """One department's request to leave one ticket out of its rates, or the committee's own
    exclusion (``direct``, created approved)."""

    __tablename__ = "exclusions"
    __table_args__ = (
        sa.Index("ix_exclusions_department", "department_id", "id"),
        sa.Index("ix_exclusions_ticket", "ticket_id", "department_id"),
        sa.Index("ix_exclusions_status", "status", "id"),
        # The database holds the rule "one live exclusion per ticket and department", so two
        # requests racing each other cannot both stand.
        sa.Index(
            "uq_exclusions_live",
            "ticket_id",
            "department_id",
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'approved')"),
            postgresql_where=sa.text("status IN ('pending', 'approved')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    department_id: int = Field(foreign_key="units.id")
    reason_kind: str = Field(max_length=16)  # ExclusionReason
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    status: str = Field(default=ExclusionStatus.pending.value, max_length=16)  # ExclusionStatus
    direct: bool = False  # excluded by the committee itself, without a request
    requested_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = _ts()
    decision_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    created_at: datetime = _created()
    updated_at: datetime = _created()
