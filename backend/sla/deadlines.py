"""Deadline arithmetic of the clock: which deadline binds the department in each state it
holds a ticket, and when that deadline is reminded, overdue and supervised.

Pure: no database writes and no registry, so the SLA sweeps and supervision both build on it
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.calendar.service import workday_start
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.models.enums import Status

# The department's deadline in each state it holds the ticket, by the name marks use.
STAGE = {Status.dispatched.value: "accept", Status.accepted.value: "reply"}
STAGE_ZH = {"accept": "签收", "reply": "答复"}


@dataclass(frozen=True)
class Due:
    """A department-held ticket and its current deadline, as the sweeps read it."""

    id: int
    code: str
    status: str
    due_at: datetime
    lead_department_id: int | None
    college_id: int | None
    category_id: int | None
    urgency: str
    dispatched_at: datetime | None

    @property
    def stage(self) -> str:
        return STAGE[self.status]


def within_reminder_lead(cal: WorkCalendar, d: Due, lead: float, now: datetime) -> bool:
    """Is ``d``'s deadline within the reminder ``lead`` (working days) of ``now``?

    When the whole window is no longer than the lead (an acceptance window of one working day
    with a lead of one), reminding "a day before" would mean reminding at dispatch; the reminder
    comes when half the window is left instead.
    """
    if lead <= 0:
        return False
    if d.dispatched_at is not None:
        lead = min(lead, cal.working_days_between(d.dispatched_at, d.due_at) / 2)
    return cal.working_days_between(now, d.due_at) <= lead


def overdue_cutoff(cal: WorkCalendar, now: datetime, days: int = 1) -> datetime:
    """Deadlines at or before this instant are ``days`` working days overdue: the opening of
    the ``days``-th most recent working day."""
    return workday_start(cal, now, days)


def supervision_deadline(cal: WorkCalendar, now: datetime, settings: Settings) -> datetime:
    """The department's deadline on a supervision order raised at ``now``."""
    return cal.add_working_days(now, settings.supervision_deadline_days)
