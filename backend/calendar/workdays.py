"""Working-day arithmetic on the Chinese (mainland) calendar.

Deadlines in Huiyin count *working days*: statutory public holidays are off, the make-up
working days (调休) that the State Council's yearly holiday notice moves onto weekends are
on, and the university's own overrides (closures, extra duty days) win over both.

Time model
----------
Working time runs only on working days. Every working day contributes exactly one day
(24 hours of local wall-clock time, in the calendar's time zone) of working time, from its
local 00:00 to the following local 00:00; non-working days contribute nothing. Positions
within a day are measured on the local wall clock, so a working day is one day even where a
DST change makes it 23 or 25 hours long. Internally durations are kept as whole
microseconds, so results are exact to the microsecond.

The statutory calendar comes from the ``chinesecalendar`` package (import name
``chinese_calendar``). For a year it does not cover (it raises ``NotImplementedError``)
the calendar falls back to Monday–Friday, plus the overrides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["DEFAULT_TZ", "WorkCalendar"]

DEFAULT_TZ = "Asia/Shanghai"

_DAY_US = 86_400_000_000  # one (working) day in microseconds
_ONE_DAY = timedelta(days=1)


def _statutory_workday(d: date) -> bool:
    """The State Council calendar, or Monday–Friday for years the package lacks."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


class WorkCalendar:
    """Working days of the Chinese calendar plus the university's overrides.

    ``overrides`` maps a local date to ``True`` (an extra working day, e.g. a Saturday duty
    day) or ``False`` (a closure, e.g. a winter-break period). Overrides win over the
    statutory calendar. The mapping is copied: build a new ``WorkCalendar`` when the
    committee edits the overrides.

    ``tz`` is the zone whose local days are counted (default ``Asia/Shanghai``). Every
    method that takes a ``datetime`` requires it to be timezone-aware (``ValueError``
    otherwise) and returns aware datetimes in ``tz``.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        tz: str | ZoneInfo = DEFAULT_TZ,
    ) -> None:
        self.tz: ZoneInfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._overrides: dict[date, bool] = {}
        for key, value in (overrides or {}).items():
            if isinstance(key, datetime) or not isinstance(key, date):
                raise TypeError(f"override keys must be dates, got {key!r}")
            self._overrides[key] = bool(value)
        self._cache: dict[date, bool] = {}

    @property
    def overrides(self) -> Mapping[date, bool]:
        """A copy of the overrides this calendar was built with."""
        return dict(self._overrides)

    # ------------------------------------------------------------------ days

    def is_workday(self, d: date) -> bool:
        """Whether local date ``d`` is a working day.

        Overrides win; otherwise ``chinese_calendar.is_workday``; for a year the package
        does not cover, Monday–Friday. An aware ``datetime`` is reduced to its local date in
        ``tz``; a naive one is refused.
        """
        if isinstance(d, datetime):
            d = self._local(d).date()
        cached = self._cache.get(d)
        if cached is None:
            override = self._overrides.get(d)
            cached = _statutory_workday(d) if override is None else override
            self._cache[d] = cached
        return cached

    def next_workday(self, d: date) -> date:
        """The first working day strictly after local date ``d``."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        d += _ONE_DAY
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    # ------------------------------------------------------------- durations

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The instant at which ``days`` working days have elapsed since ``start``.

        ``days`` may be fractional (0.5 = 12 working hours) and must be finite and >= 0.
        If ``start`` falls on a non-working day the clock starts at 00:00 of the next
        working day. ``days == 0`` returns ``start`` unchanged (converted to ``tz``).
        A result that lands exactly at the end of a working day is reported as 00:00 of the
        following calendar day (Saturday 10:00 + 1 → Tuesday 00:00, the end of Monday).

        Examples (ordinary weeks): Friday 10:00 + 1 → Monday 10:00;
        Saturday 10:00 + 1 → Tuesday 00:00.
        """
        local = self._local(start)
        if not math.isfinite(days) or days < 0:
            raise ValueError(f"days must be a finite number >= 0, got {days!r}")
        remaining = round(days * _DAY_US)
        if remaining == 0:
            return local

        day = local.date()
        if self.is_workday(day):
            pos = self._pos_in_day(local)
        else:
            day, pos = self.next_workday(day), 0
        while True:
            available = _DAY_US - pos
            if remaining <= available:
                return self._at(day, pos + remaining)
            remaining -= available
            day, pos = self.next_workday(day), 0

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end`` in (fractional) working days.

        ``0.0`` when ``end <= start``. The inverse of :meth:`add_working_days`:
        ``working_days_between(s, add_working_days(s, n)) == n`` (to the microsecond).
        """
        s, e = self._local(start), self._local(end)
        if e <= s:
            return 0.0
        s_day, e_day = s.date(), e.date()
        s_pos, e_pos = self._pos_in_day(s), self._pos_in_day(e)
        if s_day == e_day:
            total = max(0, e_pos - s_pos) if self.is_workday(s_day) else 0
            return total / _DAY_US
        total = _DAY_US - s_pos if self.is_workday(s_day) else 0
        d = s_day + _ONE_DAY
        while d < e_day:
            if self.is_workday(d):
                total += _DAY_US
            d += _ONE_DAY
        if self.is_workday(e_day):
            total += e_pos
        return total / _DAY_US

    def overdue_working_days(self, due: datetime, now: datetime) -> int:
        """How many working days have started after the deadline's day, up to ``now``.

        Counts the working days ``D`` with ``day(due) < D <= day(now)`` (local dates).
        ``0`` when ``now <= due`` or ``now`` is still on the deadline's day; ``1`` on the
        first working day after it; non-working days do not count.

        A deadline at exactly local 00:00 (as returned by :meth:`add_working_days` for a
        window ending with a full working day) belongs to the day it *ends*, i.e. the
        previous calendar day: due Tuesday 00:00 (end of Monday) → 1 during Tuesday.
        """
        d, n = self._local(due), self._local(now)
        if n <= d:
            return 0
        due_day = d.date()
        if self._pos_in_day(d) == 0:
            due_day -= _ONE_DAY
        count = 0
        day = due_day + _ONE_DAY
        last = n.date()
        while day <= last:
            if self.is_workday(day):
                count += 1
            day += _ONE_DAY
        return count

    # --------------------------------------------------------------- helpers

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {dt!r}")
        return dt.astimezone(self.tz)

    @staticmethod
    def _pos_in_day(local: datetime) -> int:
        """Local wall-clock time since local midnight, in microseconds."""
        return (
            local.hour * 3600 + local.minute * 60 + local.second
        ) * 1_000_000 + local.microsecond

    def _at(self, day: date, pos: int) -> datetime:
        """Aware datetime at wall-clock offset ``pos`` (0 <= pos <= one day) into ``day``.

        ``pos == one day`` is 00:00 of the next calendar day. The wall clock is built
        naively and then localised, so no raw hours are added across a DST change.
        """
        if pos >= _DAY_US:
            day, pos = day + _ONE_DAY, pos - _DAY_US
        wall = datetime.combine(day, time.min) + timedelta(microseconds=pos)
        return wall.replace(tzinfo=self.tz)
