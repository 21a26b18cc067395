from __future__ import annotations

from pydantic import BaseModel, Field

from backend.core.inputs import Id, MultiLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import Urgency


class SlaValues(BaseModel):
    """Working days; null = inherit (from a less specific policy, then the defaults)."""

    dispatch_days: float | None = Field(default=None, gt=0, le=60)
    accept_days: float | None = Field(default=None, gt=0, le=60)
    reply_days: float | None = Field(default=None, gt=0, le=120)
    revisit_days: float | None = Field(default=None, gt=0, le=60)
    score_days: float | None = Field(default=None, gt=0, le=60)
    max_extensions: int | None = Field(default=None, ge=0, le=10)
    max_extension_days: int | None = Field(default=None, ge=1, le=30)
    reminder_lead_days: float | None = Field(
        default=None, ge=0, le=10, description="0: no reminders."
    )
    note: MultiLine | None = Field(default=None, max_length=200)


class SlaScope(BaseModel):
    category_id: Id | None = Field(default=None, description="null: every category.")
    urgency: Urgency | None = Field(default=None, description="null: every urgency.")


class SlaPolicyCreate(RequestBody, SlaScope, SlaValues):
    """Working days; null = inherit (from a less specific policy, then the defaults)."""


class SlaPolicyUpdate(RequestBody, SlaValues):
    """Replaces every value (send null to inherit); the scope cannot change."""


class SlaPolicyOut(SlaScope, SlaValues):
    id: int
    category_name: str | None
    updated_at: LocalDateTime


class SlaLevels(BaseModel):
    """The levels in force for one category and urgency, after inheritance and defaults."""

    category_id: int | None
    urgency: Urgency
    dispatch_days: float
    accept_days: float
    reply_days: float
    revisit_days: float
    score_days: float
    max_extensions: int
    max_extension_days: int
    reminder_lead_days: float
