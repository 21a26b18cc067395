"""Working-day arithmetic checked against the State Council holiday notices.

Sources (the dates below were checked against the data shipped in the installed
``chinesecalendar`` package, ``chinese_calendar/constants.py``, which transcribes them):

* 《国务院办公厅关于2025年部分节假日安排的通知》(国办发明电〔2024〕12号):
  国庆节、中秋节 10月1日（周三）至8日（周三）放假调休，共8天；
  9月28日（周日）、10月11日（周六）上班.
* 《国务院办公厅关于2026年部分节假日安排的通知》:
  春节 2月15日（农历腊月二十八，周日）至23日（周一）放假调休，共9天；
  2月14日（周六）、2月28日（周六）上班.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from chinese_calendar import constants as cc_constants

from backend.calendar import OfficeHours, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def days_between(a: date, b: date) -> list[date]:
    """Every date from a to b inclusive."""
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# --------------------------------------------------------------------------- package data


def test_package_data_matches_2025_national_day_notice() -> None:
    # 国办发明电〔2024〕12号: 10/1–10/8 off; Sun 9/28 and Sat 10/11 are working days.
    window = days_between(date(2025, 9, 20), date(2025, 10, 20))
    off = {d for d in window if d in cc_constants.holidays}
    make_up = {d for d in window if d in cc_constants.workdays}
    assert off == set(days_between(date(2025, 10, 1), date(2025, 10, 8)))
    assert make_up == {date(2025, 9, 28), date(2025, 10, 11)}


def test_package_data_matches_2026_spring_festival_notice() -> None:
    # 2026 notice: 2/15 (Sun) – 2/23 (Mon) off; Sat 2/14 and Sat 2/28 are working days.
    window = days_between(date(2026, 2, 1), date(2026, 3, 10))
    off = {d for d in window if d in cc_constants.holidays}
    make_up = {d for d in window if d in cc_constants.workdays}
    assert off == set(days_between(date(2026, 2, 15), date(2026, 2, 23)))
    assert make_up == {date(2026, 2, 14), date(2026, 2, 28)}


# ------------------------------------------------------------------------------ is_workday


def test_is_workday_national_day_2025(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 9, 26))  # Friday
    assert not cal.is_workday(date(2025, 9, 27))  # ordinary Saturday
    assert cal.is_workday(date(2025, 9, 28))  # Sunday, make-up working day
    assert cal.is_workday(date(2025, 9, 30))
    for d in days_between(date(2025, 10, 1), date(2025, 10, 8)):
        assert not cal.is_workday(d), d
    assert cal.is_workday(date(2025, 10, 9))
    assert cal.is_workday(date(2025, 10, 11))  # Saturday, make-up working day
    assert not cal.is_workday(date(2025, 10, 12))  # ordinary Sunday


def test_is_workday_accepts_aware_datetime_as_local_date(cal: WorkCalendar) -> None:
    # 2025-09-30 17:00 UTC is 2025-10-01 01:00 in Shanghai: a holiday.
    assert not cal.is_workday(datetime(2025, 9, 30, 17, 0, tzinfo=UTC))
    assert cal.is_workday(datetime(2025, 9, 30, 15, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.is_workday(datetime(2025, 9, 30, 10, 0))


def test_next_workday(cal: WorkCalendar) -> None:
    assert cal.next_workday(date(2025, 9, 30)) == date(2025, 10, 9)
    assert cal.next_workday(date(2025, 9, 27)) == date(2025, 9, 28)  # Sat -> make-up Sun
    assert cal.next_workday(date(2025, 10, 10)) == date(2025, 10, 11)  # Fri -> make-up Sat
    assert cal.next_workday(date(2025, 10, 11)) == date(2025, 10, 13)
    assert cal.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)
    assert cal.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)
    # strictly after: a working day is not its own next working day
    assert cal.next_workday(date(2025, 11, 17)) == date(2025, 11, 18)


# ---------------------------------------------------------- office hours (DOMAIN.md rule)
#
# Default office hours 08:30–17:30: one working day is nine office hours. Whole days end at the
# close of the N-th working day after the start's day; a fraction counts office hours; a start
# outside office hours counts from the next opening, where the previous working day ended.


def test_issue_example_dispatch_at_1717_plus_half_a_day(cal: WorkCalendar) -> None:
    # Monday 17:17: 13 minutes left today, 4 h 17 min tomorrow -> Tuesday 12:47 (was 05:17).
    assert cal.add_working_days(sh(2025, 11, 17, 17, 17), 0.5) == sh(2025, 11, 18, 12, 47)
    # over a weekend: Friday 17:17 -> Monday 12:47
    assert cal.add_working_days(sh(2025, 11, 21, 17, 17), 0.5) == sh(2025, 11, 24, 12, 47)
    # over the National Day break: Tuesday 30 September -> Thursday 9 October
    assert cal.add_working_days(sh(2025, 9, 30, 17, 17), 0.5) == sh(2025, 10, 9, 12, 47)
    # onto a make-up Sunday: Friday 26 September -> Sunday 28 September
    assert cal.add_working_days(sh(2025, 9, 26, 17, 17), 0.5) == sh(2025, 9, 28, 12, 47)


def test_whole_days_end_at_the_close(cal: WorkCalendar) -> None:
    assert cal.add_working_days(sh(2025, 11, 17, 17, 17), 1) == sh(2025, 11, 18, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 17, 8, 31), 1) == sh(2025, 11, 18, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 17, 10), 5) == sh(2025, 11, 24, 17, 30)


def test_friday_plus_one_is_monday_close(cal: WorkCalendar) -> None:
    assert cal.add_working_days(sh(2025, 11, 14, 10), 1) == sh(2025, 11, 17, 17, 30)


def test_whole_days_and_a_fraction(cal: WorkCalendar) -> None:
    # the fraction runs on from the close of the whole days: never earlier than fewer days
    start = sh(2025, 11, 17, 10)  # Monday
    assert cal.add_working_days(start, 0.5) == sh(2025, 11, 17, 14, 30)
    assert cal.add_working_days(start, 1) == sh(2025, 11, 18, 17, 30)
    assert cal.add_working_days(start, 1.5) == sh(2025, 11, 19, 13)
    assert cal.add_working_days(start, 2) == sh(2025, 11, 19, 17, 30)


def test_fractional_days(cal: WorkCalendar) -> None:
    assert cal.add_working_days(sh(2025, 11, 17, 9), 0.5) == sh(2025, 11, 17, 13, 30)
    assert cal.add_working_days(sh(2025, 11, 17, 9), 0.25) == sh(2025, 11, 17, 11, 15)
    assert cal.working_days_between(sh(2025, 11, 21, 17, 17), sh(2025, 11, 24, 12, 47)) == 0.5


def test_start_before_opening_counts_from_the_opening(cal: WorkCalendar) -> None:
    # Tuesday 07:00 is Tuesday's opening: nothing of Tuesday used yet, so Tuesday is day one.
    assert cal.add_working_days(sh(2025, 11, 18, 7), 1) == sh(2025, 11, 18, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 18, 8, 30), 1) == sh(2025, 11, 18, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 18, 7), 0.5) == sh(2025, 11, 18, 13)
    assert cal.add_working_days(sh(2025, 11, 14, 0), 1) == sh(2025, 11, 14, 17, 30)  # Fri


def test_start_after_closing_counts_from_the_next_opening(cal: WorkCalendar) -> None:
    # Monday 20:00 and Tuesday 07:00 are the same point of office time: the same deadlines.
    for start in (sh(2025, 11, 17, 20), sh(2025, 11, 17, 17, 31), sh(2025, 11, 18, 7)):
        assert cal.add_working_days(start, 1) == sh(2025, 11, 18, 17, 30)
        assert cal.add_working_days(start, 0.5) == sh(2025, 11, 18, 13)
        assert cal.add_working_days(start, 2.5) == sh(2025, 11, 20, 13)
    # Friday evening: Monday is the first day
    assert cal.add_working_days(sh(2025, 11, 14, 19), 1) == sh(2025, 11, 17, 17, 30)


def test_start_on_weekend(cal: WorkCalendar) -> None:
    # Saturday 10:00 + 1 -> the end of Monday, at Monday's close
    assert cal.add_working_days(sh(2025, 11, 15, 10), 1) == sh(2025, 11, 17, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 16, 23, 59), 0.5) == sh(2025, 11, 17, 13)
    assert cal.working_days_between(sh(2025, 11, 15, 10), sh(2025, 11, 17, 10, 45)) == 0.25


def test_start_at_a_close_counts_that_day_as_used(cal: WorkCalendar) -> None:
    # an extension counted from a deadline at Friday's close: three more working days
    assert cal.add_working_days(sh(2025, 11, 14, 17, 30), 3) == sh(2025, 11, 19, 17, 30)
    assert cal.add_working_days(sh(2025, 11, 14, 17, 30), 0.5) == sh(2025, 11, 17, 13)


def test_zero_days_returns_start_unchanged(cal: WorkCalendar) -> None:
    assert cal.add_working_days(sh(2025, 11, 17, 9, 15), 0) == sh(2025, 11, 17, 9, 15)
    # even on a holiday (documented choice)
    assert cal.add_working_days(sh(2025, 10, 3, 8), 0) == sh(2025, 10, 3, 8)


# ----------------------------------------------------------------- National Day 2025


def test_dispatch_before_national_day_plus_one(cal: WorkCalendar) -> None:
    # Tue 9/30 10:00 + 1 working day: 10/1–10/8 are off -> Thu 10/9 at the close.
    assert cal.add_working_days(sh(2025, 9, 30, 10), 1) == sh(2025, 10, 9, 17, 30)


def test_deadline_across_make_up_sunday(cal: WorkCalendar) -> None:
    start = sh(2025, 9, 26, 10)  # Friday
    # Sun 9/28 is a working day, so +1 ends on it rather than on Monday.
    assert cal.add_working_days(start, 1) == sh(2025, 9, 28, 17, 30)
    assert cal.add_working_days(start, 2) == sh(2025, 9, 29, 17, 30)
    assert cal.add_working_days(start, 3) == sh(2025, 9, 30, 17, 30)
    # then the 8-day break: 4 -> Thu 10/9, 5 -> Fri 10/10, 6 -> make-up Sat 10/11
    assert cal.add_working_days(start, 4) == sh(2025, 10, 9, 17, 30)
    assert cal.add_working_days(start, 5) == sh(2025, 10, 10, 17, 30)
    assert cal.add_working_days(start, 6) == sh(2025, 10, 11, 17, 30)
    assert cal.add_working_days(start, 7) == sh(2025, 10, 13, 17, 30)


def test_working_days_between_across_national_day(cal: WorkCalendar) -> None:
    # Fri 7.5 h + Sun 9/28, Mon, Tue (27 h) + Thu 10/9 1.5 h = 36 office hours = 4 days
    assert cal.working_days_between(sh(2025, 9, 26, 10), sh(2025, 10, 9, 10)) == 4.0
    # the whole holiday contributes nothing, nor does the night
    assert cal.working_days_between(sh(2025, 10, 1, 0), sh(2025, 10, 9, 0)) == 0.0
    assert cal.working_days_between(sh(2025, 9, 30, 15, 15), sh(2025, 10, 9, 8, 30)) == 0.25
    assert cal.working_days_between(sh(2025, 9, 30, 15, 15), sh(2025, 10, 8, 23)) == 0.25


# ---------------------------------------------------------------- Spring Festival 2026


def test_five_day_window_across_spring_festival_2026(cal: WorkCalendar) -> None:
    # Wed 2/11 15:00 + 5: Thu 2/12, Fri 2/13, make-up Sat 2/14, (2/15–2/23 off),
    # Tue 2/24, Wed 2/25 at the close.
    assert cal.add_working_days(sh(2026, 2, 11, 15), 5) == sh(2026, 2, 25, 17, 30)
    assert cal.working_days_between(sh(2026, 2, 11, 15), sh(2026, 2, 25, 15)) == 5.0


def test_five_day_window_landing_on_make_up_saturday_2026(cal: WorkCalendar) -> None:
    # Dispatched on make-up Sat 2/14 11:00: 2/24, 2/25, 2/26, 2/27, make-up Sat 2/28.
    due = cal.add_working_days(sh(2026, 2, 14, 11), 5)
    assert due == sh(2026, 2, 28, 17, 30)
    assert due.weekday() == 5


def test_start_on_spring_festival_holiday(cal: WorkCalendar) -> None:
    # Dispatched on 2/18 (off): the clock starts at Tue 2/24's opening; five working days
    # (2/24–2/28, the last a make-up Saturday) end at the close of 2/28.
    assert cal.add_working_days(sh(2026, 2, 18, 9, 30), 5) == sh(2026, 2, 28, 17, 30)
    assert cal.add_working_days(sh(2026, 2, 18, 9, 30), 0.5) == sh(2026, 2, 24, 13)


# ------------------------------------------------------------------------- overrides


def test_university_closure_override_delays_deadline() -> None:
    # Winter-break closure Mon 1/26 – Fri 1/30 2026 (statutory working days).
    closure = dict.fromkeys(days_between(date(2026, 1, 26), date(2026, 1, 30)), False)
    plain, closed = WorkCalendar(), WorkCalendar(closure)
    start = sh(2026, 1, 23, 10)  # Friday
    assert plain.add_working_days(start, 1) == sh(2026, 1, 26, 17, 30)
    assert closed.add_working_days(start, 1) == sh(2026, 2, 2, 17, 30)
    assert closed.add_working_days(sh(2026, 1, 23, 17, 17), 0.5) == sh(2026, 2, 2, 12, 47)
    assert not closed.is_workday(date(2026, 1, 28))
    assert closed.working_days_between(start, sh(2026, 2, 2, 10)) == 1.0
    assert plain.working_days_between(start, sh(2026, 2, 2, 10)) == 6.0


def test_extra_duty_saturday_override_advances_deadline() -> None:
    duty = WorkCalendar({date(2025, 11, 15): True})  # an ordinary Saturday
    plain = WorkCalendar()
    start = sh(2025, 11, 14, 10)  # Friday
    assert plain.add_working_days(start, 1) == sh(2025, 11, 17, 17, 30)
    assert duty.add_working_days(start, 1) == sh(2025, 11, 15, 17, 30)
    assert duty.next_workday(date(2025, 11, 14)) == date(2025, 11, 15)
    assert duty.overdue_working_days(sh(2025, 11, 14, 17), sh(2025, 11, 15, 9)) == 1
    assert plain.overdue_working_days(sh(2025, 11, 14, 17), sh(2025, 11, 15, 9)) == 0


def test_overrides_beat_statutory_calendar() -> None:
    cal = WorkCalendar({date(2025, 10, 8): True, date(2025, 9, 28): False})
    assert cal.is_workday(date(2025, 10, 8))  # duty day inside the national holiday
    assert not cal.is_workday(date(2025, 9, 28))  # closure on a statutory make-up Sunday
    assert cal.add_working_days(sh(2025, 9, 30, 10), 1) == sh(2025, 10, 8, 17, 30)
    assert cal.add_working_days(sh(2025, 9, 26, 10), 1) == sh(2025, 9, 29, 17, 30)


def test_overrides_are_copied_and_validated() -> None:
    source = {date(2025, 11, 15): True}
    cal = WorkCalendar(source)
    source[date(2025, 11, 15)] = False
    source[date(2025, 11, 17)] = False
    assert cal.is_workday(date(2025, 11, 15))
    assert cal.is_workday(date(2025, 11, 17))
    assert cal.overrides == {date(2025, 11, 15): True}
    with pytest.raises(TypeError, match="dates"):
        WorkCalendar({datetime(2025, 11, 15, tzinfo=SH): True})


# ------------------------------------------------------------------ custom office hours


def test_custom_office_hours() -> None:
    cal = WorkCalendar(hours=OfficeHours(time(9), time(17)))  # an eight-hour office day
    assert cal.add_working_days(sh(2025, 11, 17, 16), 0.5) == sh(2025, 11, 18, 12)
    assert cal.add_working_days(sh(2025, 11, 17, 16), 1) == sh(2025, 11, 18, 17)
    assert cal.add_working_days(sh(2025, 11, 17, 8, 45), 1) == sh(2025, 11, 17, 17)
    assert cal.add_working_days(sh(2025, 11, 17, 17, 17), 0.5) == sh(2025, 11, 18, 13)
    assert cal.working_days_between(sh(2025, 11, 17, 9), sh(2025, 11, 17, 11)) == 0.25
    assert cal.in_office(sh(2025, 11, 17, 9))
    assert not cal.in_office(sh(2025, 11, 17, 8, 45))
    assert not cal.in_office(sh(2025, 11, 17, 17))
    assert OfficeHours(time(9), time(17)).span == timedelta(hours=8)


def test_office_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValueError, match="open before"):
        OfficeHours(time(17, 30), time(8, 30))
    with pytest.raises(ValueError, match="open before"):
        OfficeHours(time(9), time(9))
    with pytest.raises(ValueError, match="time zone"):
        OfficeHours(time(9, tzinfo=UTC), time(17))


def test_in_office_and_the_next_office_instant(cal: WorkCalendar) -> None:
    tue = sh(2025, 11, 18, 10)
    assert cal.in_office(tue)
    assert cal.next_office_instant(tue) == tue
    # the opening is in, the close is out
    assert cal.in_office(sh(2025, 11, 18, 8, 30))
    assert not cal.in_office(sh(2025, 11, 18, 17, 30))
    # 03:30 waits for today's opening; the evening for tomorrow's; Friday night for Monday's
    assert cal.next_office_instant(sh(2025, 11, 18, 3, 30)) == sh(2025, 11, 18, 8, 30)
    assert cal.next_office_instant(sh(2025, 11, 18, 17, 30)) == sh(2025, 11, 19, 8, 30)
    assert cal.next_office_instant(sh(2025, 11, 21, 22)) == sh(2025, 11, 24, 8, 30)
    # holidays and make-up days
    assert not cal.in_office(sh(2025, 10, 3, 10))
    assert cal.next_office_instant(sh(2025, 9, 30, 18)) == sh(2025, 10, 9, 8, 30)
    assert cal.next_office_instant(sh(2025, 9, 27, 10)) == sh(2025, 9, 28, 8, 30)
    # an aware instant in another zone: 2025-11-18 01:00 UTC is 09:00 in Shanghai
    assert cal.in_office(datetime(2025, 11, 18, 1, tzinfo=UTC))


# -------------------------------------------------------------------- time zones, DST


def test_result_is_aware_in_calendar_tz(cal: WorkCalendar) -> None:
    # 02:00 UTC = 10:00 Shanghai
    result = cal.add_working_days(datetime(2025, 9, 30, 2, 0, tzinfo=UTC), 0.5)
    assert result == sh(2025, 9, 30, 14, 30)
    assert result.tzinfo == SH
    assert result.utcoffset() == timedelta(hours=8)
    # the local day decides: 17:00 UTC 9/30 is 01:00 on 10/1 (holiday) in Shanghai
    late = cal.add_working_days(datetime(2025, 9, 30, 17, 0, tzinfo=UTC), 0.5)
    assert late == sh(2025, 10, 9, 13)


def test_wall_clock_kept_across_dst_in_other_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cal = WorkCalendar(tz="Europe/Berlin")
    # Clocks go back on Sun 2025-10-26; Fri 10:00 CEST + 1 is Mon 17:30 CET.
    result = cal.add_working_days(datetime(2025, 10, 24, 10, tzinfo=berlin), 1)
    assert (result.date(), result.hour, result.minute) == (date(2025, 10, 27), 17, 30)
    assert result.utcoffset() == timedelta(hours=1)


# ---------------------------------------------------------------------- bad arguments


def test_naive_datetimes_refused(cal: WorkCalendar) -> None:
    naive = datetime(2025, 11, 17, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_between(naive, sh(2025, 11, 18))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_between(sh(2025, 11, 18), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.overdue_working_days(naive, sh(2025, 11, 18))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.overdue_working_days(sh(2025, 11, 18), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.in_office(naive)


@pytest.mark.parametrize("days", [-1, -0.5, math.nan, math.inf])
def test_bad_day_counts_refused(cal: WorkCalendar, days: float) -> None:
    with pytest.raises(ValueError, match="finite number"):
        cal.add_working_days(sh(2025, 11, 17, 9), days)


def test_between_is_zero_when_end_not_after_start(cal: WorkCalendar) -> None:
    assert cal.working_days_between(sh(2025, 11, 18, 9), sh(2025, 11, 17, 9)) == 0.0
    assert cal.working_days_between(sh(2025, 11, 18, 9), sh(2025, 11, 18, 9)) == 0.0
    # both in the same night: no office time between them
    assert cal.working_days_between(sh(2025, 11, 18, 18), sh(2025, 11, 18, 23)) == 0.0


# ------------------------------------------------------------------------- properties


def _random_starts(n: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    origin = sh(2024, 12, 1)
    # spans 2024-12 .. 2027-06, so the fallback years are exercised too
    return [origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 920)) for _ in range(n)]


def _in_office_hours(cal: WorkCalendar, at: datetime) -> bool:
    """On a working day, after the opening and at the latest at the close."""
    local = at.astimezone(cal.tz)
    return cal.is_workday(local.date()) and cal.hours.opens < local.time() <= cal.hours.closes


def test_every_deadline_lies_in_office_hours(cal: WorkCalendar) -> None:
    rng = random.Random(20251001)
    for start in _random_starts(1500, seed=1):
        n = rng.randrange(1, 30 * 36) / 36  # quarter-hour steps up to 30 days
        end = cal.add_working_days(start, n)
        assert end > start
        assert _in_office_hours(cal, end), (start, n, end)
        if n == int(n):
            assert end.time() == cal.hours.closes, (start, n, end)


def test_between_inverts_add_for_fractions_and_starts_outside_office(
    cal: WorkCalendar,
) -> None:
    rng = random.Random(7)
    outside = 0
    for start in _random_starts(1500, seed=2):
        if cal.in_office(start):
            n = rng.uniform(0.001, 0.999)
        else:
            n = rng.uniform(0.001, 30.0)
            outside += 1
        end = cal.add_working_days(start, n)
        # microsecond resolution: 1 us is ~3e-11 office days
        assert cal.working_days_between(start, end) == pytest.approx(n, abs=1e-10)
    assert outside > 500


def test_whole_days_from_inside_office_hours_add_the_rest_of_the_day(cal: WorkCalendar) -> None:
    rng = random.Random(11)
    checked = 0
    for start in _random_starts(1500, seed=4):
        if not cal.in_office(start):
            continue
        n = rng.randrange(1, 30)
        end = cal.add_working_days(start, n)
        rest = cal.working_days_between(start, cal.closing(start.astimezone(SH).date()))
        assert cal.working_days_between(start, end) == pytest.approx(n + rest, abs=1e-10)
        checked += 1
    assert checked > 200


def test_more_days_and_later_starts_never_end_earlier(cal: WorkCalendar) -> None:
    rng = random.Random(3)
    for start in _random_starts(300, seed=3):
        counts = sorted(rng.randrange(1, 10 * 36) / 36 for _ in range(6))
        ends = [cal.add_working_days(start, n) for n in counts]
        assert ends == sorted(ends), (start, counts)
        later = start + timedelta(minutes=rng.randrange(1, 60 * 24 * 3))
        for n in counts:
            assert cal.add_working_days(later, n) >= cal.add_working_days(start, n)


def test_add_loops_per_day_not_per_hour() -> None:
    calls = 0

    class Counting(WorkCalendar):
        def is_workday(self, d: date) -> bool:
            nonlocal calls
            calls += 1
            return super().is_workday(d)

    cal = Counting()
    # 9/28–9/30 (3), 10/9–10/11 (6), five full weeks to 11/7 (26), 11/10–11/13 (30)
    assert cal.add_working_days(sh(2025, 9, 26, 10), 30) == sh(2025, 11, 13, 17, 30)
    # 48 calendar days spanned: far fewer day checks than the 270 office hours
    assert 30 <= calls <= 60


# ---------------------------------------------------------------------------- overdue
#
# Overdue from the working day after the deadline, and a working day begins at its opening.


def test_overdue_zero_before_and_on_the_due_day(cal: WorkCalendar) -> None:
    due = sh(2025, 11, 17, 17)  # Monday 17:00
    assert cal.overdue_working_days(due, sh(2025, 11, 17, 9)) == 0
    assert cal.overdue_working_days(due, due) == 0
    assert cal.overdue_working_days(due, sh(2025, 11, 17, 23, 59)) == 0
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 8, 29)) == 0  # not at night
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 8, 30)) == 1
    assert cal.overdue_working_days(due, sh(2025, 11, 19, 9)) == 2


def test_overdue_from_the_working_day_after_a_deadline_at_the_close(cal: WorkCalendar) -> None:
    due = cal.add_working_days(sh(2025, 11, 15, 10), 1)  # Saturday + 1: Monday's close
    assert due == sh(2025, 11, 17, 17, 30)
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 0)) == 0
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 8, 30)) == 1
    assert cal.overdue_working_days(due, sh(2025, 11, 19, 9)) == 2


def test_overdue_across_weekend(cal: WorkCalendar) -> None:
    due = sh(2025, 11, 14, 17)  # Friday 17:00
    assert cal.overdue_working_days(due, sh(2025, 11, 15, 12)) == 0  # Saturday
    assert cal.overdue_working_days(due, sh(2025, 11, 16, 23)) == 0  # Sunday
    assert cal.overdue_working_days(due, sh(2025, 11, 17, 8)) == 0  # Monday, before opening
    assert cal.overdue_working_days(due, sh(2025, 11, 17, 9)) == 1
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 9)) == 2


def test_overdue_across_national_day_2025(cal: WorkCalendar) -> None:
    due = sh(2025, 9, 30, 17)  # Tuesday before the break
    for d in days_between(date(2025, 10, 1), date(2025, 10, 8)):
        assert cal.overdue_working_days(due, datetime(d.year, d.month, d.day, 12, tzinfo=SH)) == 0
    assert cal.overdue_working_days(due, sh(2025, 10, 9, 9)) == 1
    assert cal.overdue_working_days(due, sh(2025, 10, 10, 9)) == 2
    assert cal.overdue_working_days(due, sh(2025, 10, 11, 9)) == 3  # make-up Saturday
    assert cal.overdue_working_days(due, sh(2025, 10, 12, 9)) == 3  # Sunday
    assert cal.overdue_working_days(due, sh(2025, 10, 13, 9)) == 4


def test_overdue_deadline_due_on_a_day_off(cal: WorkCalendar) -> None:
    due = sh(2025, 10, 3, 12)  # a deadline set by hand inside the holiday
    assert cal.overdue_working_days(due, sh(2025, 10, 8, 12)) == 0
    assert cal.overdue_working_days(due, sh(2025, 10, 9, 0, 1)) == 0
    assert cal.overdue_working_days(due, sh(2025, 10, 9, 8, 30)) == 1


def test_overdue_midnight_deadline_belongs_to_previous_day(cal: WorkCalendar) -> None:
    # Stored by the midnight arithmetic before office hours (the end of Monday); kept as is.
    due = sh(2025, 11, 18)
    assert cal.overdue_working_days(due, sh(2025, 11, 17, 23, 59)) == 0
    assert cal.overdue_working_days(due, sh(2025, 11, 18, 9)) == 1
    assert cal.overdue_working_days(due, sh(2025, 11, 19, 9)) == 2


def test_overdue_uses_local_days() -> None:
    cal = WorkCalendar()
    due = sh(2025, 11, 14, 17)  # Friday
    # 2025-11-17 00:30 UTC is Monday 08:30 in Shanghai
    assert cal.overdue_working_days(due, datetime(2025, 11, 17, 0, 30, tzinfo=UTC)) == 1
    assert cal.overdue_working_days(due, datetime(2025, 11, 17, 0, 29, tzinfo=UTC)) == 0


def test_recent_opening(cal: WorkCalendar) -> None:
    # Tuesday 10:00: Tuesday's opening; Tuesday 07:00: still Monday's
    assert cal.recent_opening(sh(2025, 11, 18, 10)) == sh(2025, 11, 18, 8, 30)
    assert cal.recent_opening(sh(2025, 11, 18, 8, 30)) == sh(2025, 11, 18, 8, 30)
    assert cal.recent_opening(sh(2025, 11, 18, 7)) == sh(2025, 11, 17, 8, 30)
    # the weekend looks back to Friday; n counts working days only
    assert cal.recent_opening(sh(2025, 11, 16, 12)) == sh(2025, 11, 14, 8, 30)
    assert cal.recent_opening(sh(2025, 11, 18, 10), 2) == sh(2025, 11, 17, 8, 30)
    assert cal.recent_opening(sh(2025, 11, 18, 10), 3) == sh(2025, 11, 14, 8, 30)
    # after the National Day break, five working days back: 10/9, 9/30, 9/29, 9/28, 9/26
    assert cal.recent_opening(sh(2025, 10, 9, 9), 5) == sh(2025, 9, 26, 8, 30)


def test_recent_opening_agrees_with_overdue_working_days(cal: WorkCalendar) -> None:
    rng = random.Random(5)
    for now in _random_starts(400, seed=5):
        due = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 12))
        for n in (1, 2, 5):
            overdue = cal.overdue_working_days(due, now) >= n
            assert overdue == (due <= cal.recent_opening(now, n)), (due, now, n)


# ----------------------------------------------------------------- outside package data


def test_year_outside_package_coverage_falls_back_to_weekdays(cal: WorkCalendar) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2100, 10, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2003, 10, 1))
    # 2100-10-01 is a Friday: a working day under the Mon–Fri fallback (no holiday data)
    assert cal.is_workday(date(2100, 10, 1))
    assert not cal.is_workday(date(2100, 10, 2))  # Saturday
    assert not cal.is_workday(date(2100, 10, 3))  # Sunday
    assert cal.is_workday(date(2003, 10, 1))  # Wednesday
    # Thu 9/30 10:00 + 2 -> Mon 10/4 at the close (only the weekend skipped)
    assert cal.add_working_days(sh(2100, 9, 30, 10), 2) == sh(2100, 10, 4, 17, 30)
    assert cal.overdue_working_days(sh(2100, 9, 30, 17), sh(2100, 10, 4, 9)) == 2


def test_overrides_apply_in_fallback_years() -> None:
    cal = WorkCalendar({date(2100, 10, 1): False, date(2100, 10, 2): True})
    assert not cal.is_workday(date(2100, 10, 1))
    assert cal.is_workday(date(2100, 10, 2))
    assert cal.add_working_days(sh(2100, 9, 30, 10), 1) == sh(2100, 10, 2, 17, 30)
