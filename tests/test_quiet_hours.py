"""Sending windows on the Paris wall clock: weekdays, holidays, and the two DST nights."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outreach.clock import PARIS
from outreach.sending.quiet_hours import Window, WindowError, add_calendar_days, wall_to_utc

SEND = Window.parse("Mon-Sat 09:00-19:00 except holidays")
REPLY = Window.parse("Mon-Sun 08:00-21:00")


def _paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_it_is_open_on_a_weekday_morning() -> None:
    assert SEND.is_open(_paris(2026, 3, 11, 10, 0))
    assert SEND.next_opening(_paris(2026, 3, 11, 10, 0)) == _paris(2026, 3, 11, 10, 0)


def test_it_moves_evening_work_to_the_next_morning() -> None:
    assert SEND.next_opening(_paris(2026, 3, 11, 19, 0)) == _paris(2026, 3, 12, 9, 0)
    assert SEND.next_opening(_paris(2026, 3, 11, 6, 30)) == _paris(2026, 3, 11, 9, 0)


def test_it_skips_sundays_and_public_holidays() -> None:
    # Saturday 18:59 is open; Sunday 3 May is closed; Friday 1 May (Labour Day) too.
    assert SEND.is_open(_paris(2026, 5, 2, 18, 59))
    assert SEND.next_opening(_paris(2026, 5, 3, 12, 0)) == _paris(2026, 5, 4, 9, 0)
    assert SEND.next_opening(_paris(2026, 4, 30, 20, 0)) == _paris(2026, 5, 2, 9, 0)
    # Christmas on a Friday, then the weekend: Saturday 26 December is open again.
    assert SEND.next_opening(_paris(2026, 12, 25, 10, 0)) == _paris(2026, 12, 26, 9, 0)


def test_replies_have_a_wider_window_every_day() -> None:
    assert REPLY.is_open(_paris(2026, 5, 3, 20, 30))  # a Sunday evening
    assert REPLY.next_opening(_paris(2026, 5, 3, 21, 0)) == _paris(2026, 5, 4, 8, 0)
    assert not SEND.is_open(_paris(2026, 3, 11, 8, 30))
    assert REPLY.is_open(_paris(2026, 3, 11, 8, 30))


def test_it_opens_at_nine_paris_time_on_both_sides_of_spring_forward() -> None:
    # Saturday 28 March 2026 evening (UTC+1) -> Monday 30 March 09:00 (UTC+2) = 07:00 UTC.
    opening = SEND.next_opening(_paris(2026, 3, 28, 19, 30))
    assert opening == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert SEND.next_opening(_paris(2026, 3, 27, 19, 30)) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)


def test_it_opens_at_nine_paris_time_on_both_sides_of_fall_back() -> None:
    # Saturday 24 October 2026 evening (UTC+2) -> Monday 26 October 09:00 (UTC+1) = 08:00 UTC.
    assert SEND.next_opening(_paris(2026, 10, 24, 20, 0)) == datetime(
        2026, 10, 26, 8, 0, tzinfo=UTC
    )


def test_calendar_days_keep_the_wall_clock_time_across_dst() -> None:
    friday = _paris(2026, 3, 27, 10, 0)
    assert add_calendar_days(friday, 3).astimezone(PARIS).hour == 10
    assert add_calendar_days(friday, 3) - friday.astimezone(UTC) == (
        datetime(2026, 3, 30, 8, 0, tzinfo=UTC) - datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    )


def test_a_wall_time_in_the_spring_gap_or_the_autumn_repeat_is_one_instant() -> None:
    # 02:30 does not exist on 29 March: it keeps the elapsed time (03:30 summer time).
    assert wall_to_utc(datetime(2026, 3, 29, 2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on 25 October: the first one.
    assert wall_to_utc(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_it_reads_a_window_setting() -> None:
    window = Window.parse("mon-fri 08:30-17:00")
    assert window.days == frozenset(range(5)) and not window.skip_holidays
    assert Window.parse("daily 00:00-24:00").is_open(_paris(2026, 5, 1, 3, 0))
    assert Window.parse("sat-mon 10:00-12:00").days == frozenset({5, 6, 0})
    for bad in ("weekdays 9-19", "Mon-Sat 19:00-09:00", "Mon-Funday 09:00-10:00"):
        with pytest.raises(WindowError):
            Window.parse(bad)


def test_moselle_has_its_own_holidays() -> None:
    # Good Friday (3 April 2026) is a public holiday in Moselle only.
    moselle = Window.parse("Mon-Sat 09:00-19:00 except holidays", holiday_region="FR-57")
    assert SEND.is_open(_paris(2026, 4, 3, 10, 0))
    assert not moselle.is_open(_paris(2026, 4, 3, 10, 0))
