"""Working-day calendar (Chinese statutory holidays + university overrides)."""

from backend.calendar.workdays import DEFAULT_OFFICE_HOURS, DEFAULT_TZ, OfficeHours, WorkCalendar

__all__ = ["DEFAULT_OFFICE_HOURS", "DEFAULT_TZ", "OfficeHours", "WorkCalendar"]
