from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from backend.core.inputs import Id, Instant, MultiLine, OneLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import WarningKind, WarningStatus
from backend.tickets.schemas import CategoryBrief, UnitBrief, UserBrief

_THRESHOLD = (
    "volume: N tickets; satisfaction: the fewest scores that make a rate (n); "
    "overdue: K overdue tickets at once."
)
_DAYS = "volume and satisfaction: the rolling window in days; null for overdue."
_RATE = "satisfaction: warn when the satisfaction rate is below this (0..1); null otherwise."


class WarningRuleCreate(RequestBody):
    name: OneLine = Field(min_length=1, max_length=100)
    kind: WarningKind
    department_id: Id | None = Field(
        default=None, description="One department; null: every department, each on its own."
    )
    category_id: Id | None = Field(default=None, description="volume only: one category.")
    threshold: int = Field(ge=1, le=100_000, description=_THRESHOLD)
    days: int | None = Field(default=None, ge=1, le=366, description=_DAYS)
    rate_below: float | None = Field(default=None, gt=0, le=1, description=_RATE)
    is_active: bool = True


class WarningRuleUpdate(RequestBody):
    """The fields to change; the kind stays."""

    name: OneLine | None = Field(default=None, min_length=1, max_length=100)
    department_id: Id | None = None
    category_id: Id | None = None
    threshold: int | None = Field(default=None, ge=1, le=100_000)
    days: int | None = Field(default=None, ge=1, le=366)
    rate_below: float | None = Field(default=None, gt=0, le=1)
    is_active: bool | None = None


class WarningRuleOut(BaseModel):
    id: int
    name: str
    kind: WarningKind
    department: UnitBrief | None
    category: CategoryBrief | None
    threshold: int = Field(description=_THRESHOLD)
    days: int | None = Field(description=_DAYS)
    rate_below: float | None = Field(description=_RATE)
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class WarningRuleRef(BaseModel):
    id: int
    name: str
    kind: WarningKind


class WarningInterview(RequestBody):
    held_at: Instant = Field(description="When the talk (约谈) was held.")
    attendees: OneLine = Field(min_length=1, max_length=500)
    notes: MultiLine = Field(min_length=1, max_length=5000)


class WarningDismiss(RequestBody):
    reason: MultiLine = Field(min_length=1, max_length=2000)


class WarningOut(BaseModel):
    id: int
    rule: WarningRuleRef
    kind: WarningKind
    department: UnitBrief
    category: CategoryBrief | None
    window_start: date = Field(description="The day (office time zone) the condition first held.")
    window_end: date | None = Field(
        description="The last day of the rolling window (null for overdue warnings)."
    )
    observed: int = Field(description="The tickets, scores or overdue tickets the sweep counted.")
    satisfied: int | None = Field(description="satisfaction: the satisfied scores among them.")
    rate: float | None = Field(description="satisfaction: satisfied / scores.")
    threshold: int
    days: int | None
    rate_below: float | None
    status: WarningStatus
    raised_at: LocalDateTime
    held_at: LocalDateTime | None
    attendees: str | None
    notes: str | None
    dismiss_reason: str | None
    decided_by: UserBrief | None
    decided_at: LocalDateTime | None
    allowed_actions: list[str]


class WarningPage(BaseModel):
    items: list[WarningOut]
    next_cursor: int | None = Field(description="Pass as `before` for the next page.")
