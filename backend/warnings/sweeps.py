"""The concentration-warning sweep: evaluates the committee's rules and raises each warning
once per rule, department and window (see :func:`backend.warnings.service.raise_warnings`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar.service import load_calendar
from backend.config import Settings
from backend.warnings.service import raise_warnings
from backend.worker.registry import current_settings, register_sweep


def sweep_warnings(session: Session, now: datetime, settings: Settings) -> int:
    cal = load_calendar(session, settings)
    if not cal.in_office(now):  # a warning tells people: not at night (see backend.sla.sweeps)
        return 0
    return raise_warnings(session, cal, now)


register_sweep("warnings.concentration", lambda s, now: sweep_warnings(s, now, current_settings()))
