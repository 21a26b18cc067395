"""The weights of the composite department rate (issue 10): one row, edited by a committee admin.

No row means the documented defaults (``DEFAULT_WEIGHTS``); the first PUT writes the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.types import UTCDateTime, utcnow

# Response 0.2, on time 0.3, resolution 0.2, satisfaction 0.3 (DOMAIN.md "Scores and rates").
DEFAULT_WEIGHTS: dict[str, float] = {
    "response": 0.2,
    "on_time": 0.3,
    "resolution": 0.2,
    "satisfaction": 0.3,
}


def _updated() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


class StatsWeights(SQLModel, table=True):
    __tablename__ = "stats_weights"

    id: int | None = Field(default=None, primary_key=True)
    response: float
    on_time: float
    resolution: float
    satisfaction: float
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = _updated()
