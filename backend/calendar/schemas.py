from __future__ import annotations

from datetime import time

from pydantic import BaseModel, Field

from backend.core.inputs import RequestBody
from backend.core.timefmt import LocalDateTime

# Local wall-clock time to the minute, "08:30".
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def clock(t: time) -> str:
    return t.strftime("%H:%M")


def parse_clock(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


class _OfficeHours(BaseModel):
    opens: str = Field(pattern=CLOCK_PATTERN, examples=["08:30"], description="Local HH:MM.")
    closes: str = Field(pattern=CLOCK_PATTERN, examples=["17:30"], description="Local HH:MM.")


class OfficeHoursIn(RequestBody, _OfficeHours):
    """The office hours of every working day, local time."""


class OfficeHoursOut(_OfficeHours):
    office_day_minutes: int = Field(description="One working day of deadline time.")
    updated_at: LocalDateTime | None = Field(description="null: never set, the defaults apply.")
