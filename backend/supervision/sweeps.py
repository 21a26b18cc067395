"""The supervision sweep: N working days overdue raises a supervision order (督办).

Registered with the worker like the SLA sweeps, on the same marks and watermarks
(``backend.sla.marks``), once per ticket and deadline.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar.service import load_calendar
from backend.config import Settings
from backend.sla.deadlines import Due, overdue_cutoff
from backend.sla.marks import watermarked
from backend.supervision.service import raise_order_rows
from backend.worker.registry import current_settings, register_sweep


def sweep_supervision(session: Session, now: datetime, settings: Settings) -> int:
    """N working days overdue: raise a supervision order (unless one is still open)."""
    cal = load_calendar(session, settings)
    if not cal.in_office(now):  # nobody is pressed at night (see backend.sla.sweeps)
        return 0
    days = settings.supervision_after_days

    def supervise(rows: list[Due]) -> list[Due]:
        return raise_order_rows(session, cal, rows, now, settings, days)

    cutoff = overdue_cutoff(cal, now, days)
    return watermarked(session, now, settings, "supervision", cutoff, supervise)


register_sweep("sla.supervision", lambda s, now: sweep_supervision(s, now, current_settings()))
