"""Working-day calendar (Chinese statutory holidays + university overrides)."""

from backend.calendar.workdays import DEFAULT_TZ, WorkCalendar

__all__ = ["DEFAULT_TZ", "WorkCalendar"]
