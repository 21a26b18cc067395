from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from backend.core.inputs import RequestBody
from backend.core.timefmt import LocalDateTime
from backend.tickets.schemas import UnitBrief


class Rate(BaseModel):
    """A rate with the counts it is made of; null when nothing counted (denominator 0)."""

    rate: float | None = Field(ge=0, le=1)
    numerator: int
    denominator: int


class ScoreMeans(BaseModel):
    """Means of the scores given in the period (1–5), null when none was given."""

    efficiency: float | None
    handling: float | None
    effect: float | None
    overall: float | None


class DepartmentStats(BaseModel):
    department: UnitBrief
    response: Rate = Field(description="Dispatches signed for or returned by the accept deadline.")
    on_time: Rate = Field(description="Replies by the (extended) reply deadline.")
    resolution: Rate = Field(description="Revisits found resolved.")
    satisfaction: Rate = Field(description="Scores of 4 or 5 overall (merged tickets included).")
    scores: ScoreMeans
    returns: int
    unreasonable_returns: int
    reopens: int
    excluded: int = Field(description="Tickets of the period left out by an approved exclusion.")
    composite: float | None = Field(
        description="Weighted mean of the rates that have a denominator; null when none has."
    )
    composite_ignored: list[str] = Field(
        description="Measures left out of the composite because nothing counted."
    )
    rank: int | None = Field(
        description="Rank by composite among all departments (ties share a rank; null unranked)."
    )


class Weights(BaseModel):
    response: float
    on_time: float
    resolution: float
    satisfaction: float


class WeightsOut(Weights):
    updated_at: LocalDateTime | None = Field(description="Null while the defaults apply.")


class WeightsIn(RequestBody):
    response: float = Field(ge=0, le=1000)
    on_time: float = Field(ge=0, le=1000)
    resolution: float = Field(ge=0, le=1000)
    satisfaction: float = Field(ge=0, le=1000)


class DepartmentStatsPage(BaseModel):
    date_from: date
    date_to: date
    timezone: str
    weights: Weights
    formulas: dict[str, str] = Field(description="Each measure's formula in words (zh-CN).")
    items: list[DepartmentStats]
