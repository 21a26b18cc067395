"""Working-day arithmetic on the Chinese (mainland) calendar, inside office hours.

Deadlines in Huiyin count *working days*: statutory public holidays are off, the make-up
working days (调休) that the State Council's yearly holiday notice moves onto weekends are
on, and the university's own overrides (closures, extra duty days) win over both.

Time model (DOMAIN.md, "Deadlines")
-----------------------------------
Working time runs only in **office hours** (committee-set, default 08:30–17:30, the same on
every working day, local wall clock of the calendar's time zone); nights, weekends, holidays
and closures contribute nothing. One working day is one office day (9 hours by default).

- **Whole days** end at a close: ``N`` working days from a start during office hours end at
  the close of the ``N``-th working day after the start's day (Monday 17:17 + 1 → Tuesday
  17:30; Friday 10:00 + 1 → Monday 17:30).
- **A fraction** counts office hours: half a day is half the office day (4.5 hours by
  default). Monday 17:17 + 0.5 → Tuesday 12:47 (13 minutes on Monday, 4 h 17 min on
  Tuesday). ``N`` whole days and a fraction: the fraction runs on from the close of the
  ``N``-th day (Monday 10:00 + 1.5 → Wednesday 13:00), so more days never end earlier.
- **A start outside office hours** (before the opening, after the close, on a day off) counts
  from the next opening, and an opening is where the previous working day ended: nothing of
  the new day is used yet, so ``N`` whole days from it are exactly ``N`` office days ending
  at the close of the ``N``-th working day *counting the opening's day*. Tuesday 07:00 + 1 →
  Tuesday 17:30; Monday 20:00 + 1 → Tuesday 17:30; Saturday + 1 → Monday 17:30; Tuesday
  07:00 + 0.5 → Tuesday 13:00. Starts at the same point of office time get the same deadline,
  however far apart they lie on the clock (Monday 20:00 and Tuesday 07:00 are both "Tuesday's
  opening"). A start exactly at a close (an extension counted from a deadline) counts that day
  as used: Friday 17:30 + 3 → Wednesday 17:30.

So every deadline computed here lies in office hours on a working day, after an opening and at
the latest at a close. Positions within a day are measured on the local wall clock, and
durations are kept as whole microseconds, so results are exact to the microsecond.

The statutory calendar comes from the ``chinesecalendar`` package (import name
``chinese_calendar``). For a year it does not cover (it raises ``NotImplementedError``)
the calendar falls back to Monday–Friday, plus the overrides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["DEFAULT_OFFICE_HOURS", "DEFAULT_TZ", "OfficeHours", "WorkCalendar"]

DEFAULT_TZ = "Asia/Shanghai"

_DAY_US = 86_400_000_000  # one calendar day in microseconds
_ONE_DAY = timedelta(days=1)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True)
class OfficeHours:
    """The office day on every working day, local wall-clock times (no time zone)."""

    opens: time = time(8, 30)
    closes: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("office hours are wall-clock times without a time zone")
        if self.opens >= self.closes:
            raise ValueError(f"office hours must open before they close: {self}")

    @property
    def span(self) -> timedelta:
        """The length of one office day, i.e. of one working day."""
        return timedelta(microseconds=_time_us(self.closes) - _time_us(self.opens))


DEFAULT_OFFICE_HOURS = OfficeHours()


def _statutory_workday(d: date) -> bool:
    """The State Council calendar, or Monday–Friday for years the package lacks."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


class WorkCalendar:
    """Working days of the Chinese calendar plus the university's overrides, in office hours.

    ``overrides`` maps a local date to ``True`` (an extra working day, e.g. a Saturday duty
    day) or ``False`` (a closure, e.g. a winter-break period). Overrides win over the
    statutory calendar. The mapping is copied: build a new ``WorkCalendar`` when the
    committee edits the overrides or the office hours.

    ``tz`` is the zone whose local days are counted (default ``Asia/Shanghai``); ``hours`` the
    office hours (default 08:30–17:30). Every method that takes a ``datetime`` requires it to
    be timezone-aware (``ValueError`` otherwise) and returns aware datetimes in ``tz``.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        tz: str | ZoneInfo = DEFAULT_TZ,
        hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    ) -> None:
        self.tz: ZoneInfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.hours = hours
        self._open = _time_us(hours.opens)
        self._close = _time_us(hours.closes)
        self._span = self._close - self._open
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

    # ---------------------------------------------------------- office hours

    def opening(self, d: date) -> datetime:
        """Local opening time on date ``d`` (whether or not ``d`` is a working day)."""
        return self._at(d, self._open)

    def closing(self, d: date) -> datetime:
        """Local closing time on date ``d`` (whether or not ``d`` is a working day)."""
        return self._at(d, self._close)

    def in_office(self, at: datetime) -> bool:
        """Whether ``at`` lies in office hours (opening included, close excluded) on a
        working day: the gate for everything that reaches people (reminders, urges, mail)."""
        local = self._local(at)
        pos = self._pos_in_day(local)
        return self._open <= pos < self._close and self.is_workday(local.date())

    def next_office_instant(self, at: datetime) -> datetime:
        """``at`` itself when it lies in office hours, else the next opening."""
        local = self._local(at)
        if self.in_office(local):
            return local
        day = local.date()
        if self.is_workday(day) and self._pos_in_day(local) < self._open:
            return self.opening(day)
        return self.opening(self.next_workday(day))

    def office_deadline(self, at: datetime) -> datetime:
        """A deadline someone typed, moved into office hours and never earlier: inside them it
        stands; before the opening of a working day it ends at that day's close (a date
        picker's 00:00 means "by that day"); after a close or on a day off it ends at the
        close of the next working day."""
        local = self._local(at)
        if self.in_office(local):
            return local
        day = local.date()
        if self.is_workday(day) and self._pos_in_day(local) < self._open:
            return self.closing(day)
        return self.closing(self.next_workday(day))

    # ------------------------------------------------------------- durations

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The deadline ``days`` working days after ``start`` (see the module's time model).

        ``days`` may be fractional (0.5 = half the office day) and must be finite and >= 0.
        Whole days end at the close of the ``N``-th working day after the start's day; a
        fraction counts office hours, after the whole days; a start outside office hours
        counts from the next opening (where the previous working day ended). ``days == 0``
        returns ``start`` unchanged (converted to ``tz``).

        Examples (ordinary weeks, 08:30–17:30): Monday 17:17 + 0.5 → Tuesday 12:47;
        Friday 10:00 + 1 → Monday 17:30; Saturday 10:00 + 1 → Monday 17:30;
        Monday 10:00 + 1.5 → Wednesday 13:00.
        """
        local = self._local(start)
        if not math.isfinite(days) or days < 0:
            raise ValueError(f"days must be a finite number >= 0, got {days!r}")
        whole, fraction = divmod(round(days * self._span), self._span)
        if whole == 0 and fraction == 0:
            return local

        day, pos = self._office_position(local)
        if whole:
            # From an opening nothing of that day is used yet: it is the first of the days.
            for _ in range(whole - 1 if pos == self._open else whole):
                day = self.next_workday(day)
            pos = self._close
        available = self._close - pos
        if fraction <= available:
            return self._at(day, pos + fraction)
        return self._at(self.next_workday(day), self._open + fraction - available)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Office time from ``start`` to ``end``, in (fractional) office days.

        ``0.0`` when ``end <= start``; time outside office hours does not count. The inverse of
        :meth:`add_working_days` for fractions and for starts outside office hours; from a
        start inside office hours whole days also include the rest of the start's day
        (Monday 10:00 → Tuesday 17:30 is 1 + 7.5/9 office days), so
        ``working_days_between(s, add_working_days(s, n)) >= n`` always.
        """
        s, e = self._local(start), self._local(end)
        if e <= s:
            return 0.0
        s_day, s_pos = self._office_position(s)
        e_day, e_pos = self._office_position(e)
        if (e_day, e_pos) <= (s_day, s_pos):
            return 0.0
        if s_day == e_day:
            return (e_pos - s_pos) / self._span
        total = (self._close - s_pos) + (e_pos - self._open)
        d = self.next_workday(s_day)
        while d < e_day:
            total += self._span
            d = self.next_workday(d)
        return total / self._span

    def overdue_working_days(self, due: datetime, now: datetime) -> int:
        """How many working days have opened since the deadline, up to ``now``.

        Counts the working days whose opening lies in ``[due, now]``. ``0`` before the next
        opening after the deadline (the evening and night after a deadline at the close);
        ``1`` from the opening of the working day after it; non-working days do not count.
        Overdue means ``>= 1``; this is the rule of :meth:`recent_opening`:
        ``overdue_working_days(due, now) >= n`` exactly when ``due <= recent_opening(now, n)``.

        A deadline outside office hours (as the midnight arithmetic before office hours stored,
        e.g. Tuesday 00:00 for the end of Monday; such deadlines are kept) is missed at the next
        opening.
        """
        d, n = self._local(due), self._local(now)
        count = 0
        day = d.date()
        while day <= n.date():
            if self.is_workday(day) and d <= self.opening(day) <= n:
                count += 1
            day += _ONE_DAY
        return count

    def recent_opening(self, now: datetime, n: int = 1) -> datetime:
        """The opening of the ``n``-th most recent working day that opened at or before ``now``.

        A deadline at or before it is ``n`` working days overdue: one working day has begun
        after it for ``n == 1``. Working days begin at their opening, so nothing turns overdue
        at night.
        """
        local = self._local(now)
        day = local.date()
        if self._pos_in_day(local) < self._open:
            day -= _ONE_DAY
        for i in range(n):
            if i:
                day -= _ONE_DAY
            while not self.is_workday(day):
                day -= _ONE_DAY
        return self.opening(day)

    # --------------------------------------------------------------- helpers

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {dt!r}")
        return dt.astimezone(self.tz)

    def _office_position(self, local: datetime) -> tuple[date, int]:
        """Where ``local`` lies in office time: a working day and a wall-clock offset from
        opening to close. Outside office hours that is the next opening."""
        day, pos = local.date(), self._pos_in_day(local)
        if not self.is_workday(day) or pos > self._close:
            return self.next_workday(day), self._open
        return day, max(pos, self._open)

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
