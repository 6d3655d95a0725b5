"""Quiet hours: when a message may reach a household.

A window is read on the Europe/Paris wall clock ("Mon-Sat 09:00-19:00 except holidays") and
answered in UTC instants, so daylight-saving changes move nothing: 09:00 is 08:00 UTC in winter
and 07:00 UTC in summer, and each opening exists exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from outreach.clock import PARIS, to_utc

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(
    r"^\s*(?P<days>[a-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
    r"\s*(?P<holidays>except holidays)?\s*$",
    re.IGNORECASE,
)


class WindowError(ValueError):
    """A window setting cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time | None  # None = midnight at the end of the day ("24:00")
    skip_holidays: bool = False
    holiday_region: str = "FR"  # "FR", or "FR-57" for Moselle (holidays' subdivision)
    tz: ZoneInfo = PARIS

    @classmethod
    def parse(cls, text: str, *, holiday_region: str = "FR") -> Window:
        """Read "Mon-Sat 09:00-19:00 except holidays" (days: mon..sun, ranges, commas, daily)."""
        match = _WINDOW.match(text)
        if match is None:
            raise WindowError(f"{text!r}: expected e.g. 'Mon-Sat 09:00-19:00 except holidays'")
        start = _clock_time(match["start"])
        end = _clock_time(match["end"])
        if start is None or (end is not None and end <= start):
            raise WindowError(f"{text!r}: the window must end after it starts")
        return cls(
            days=_days(match["days"]),
            start=start,
            end=end,
            skip_holidays=bool(match["holidays"]),
            holiday_region=holiday_region,
        )

    def is_open(self, instant: datetime) -> bool:
        return self.next_opening(instant) == to_utc(instant)

    def next_opening(self, instant: datetime) -> datetime:
        """`instant` itself when the window is open then, else the next time it opens (UTC)."""
        instant = to_utc(instant)
        today = instant.astimezone(self.tz).date()
        for offset in range(0, 400):
            day = today + timedelta(days=offset)
            if not self.open_on(day):
                continue
            opens, closes = self._bounds(day)
            if instant < closes:
                return max(instant, opens)
        raise WindowError("the window never opens")  # only with no allowed day at all

    def open_on(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.skip_holidays and is_holiday(day, self.holiday_region))

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        opens = wall_to_utc(datetime.combine(day, self.start), self.tz)
        if self.end is None:
            closes = wall_to_utc(datetime.combine(day + timedelta(days=1), time(0)), self.tz)
        else:
            closes = wall_to_utc(datetime.combine(day, self.end), self.tz)
        return opens, closes


def wall_to_utc(wall: datetime, tz: ZoneInfo = PARIS) -> datetime:
    """A naive wall-clock time in `tz` as a UTC instant.

    An ambiguous time (the repeated hour in October) is its first occurrence; a time that does
    not exist (the skipped hour in March) keeps the elapsed time, e.g. 02:30 becomes 03:30 summer
    time (zoneinfo's PEP 495 rule). Either way each wall time gives exactly one instant.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def add_calendar_days(instant: datetime, days: int, tz: ZoneInfo = PARIS) -> datetime:
    """The same wall-clock time `days` calendar days later (so 10:00 stays 10:00 across DST)."""
    local = to_utc(instant).astimezone(tz).replace(tzinfo=None)
    return wall_to_utc(local + timedelta(days=days), tz)


def is_holiday(day: date, region: str = "FR") -> bool:
    return day in _holidays(region, day.year)


@lru_cache(maxsize=64)
def _holidays(region: str, year: int) -> frozenset[date]:
    country, _, subdivision = region.upper().partition("-")
    calendar = holiday_calendars.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(calendar)


def _clock_time(text: str) -> time | None:
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) == (24, 0):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise WindowError(f"{text!r} is not a time of day")
    return time(hours, minutes)


def _days(text: str) -> frozenset[int]:
    text = text.strip().lower()
    if text in ("daily", "every day"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", text):
        first, _, last = part.partition("-")
        start, end = _day(first), _day(last or first)
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    return frozenset(days)


def _day(name: str) -> int:
    key = name.strip()[:3]
    if key not in DAY_NAMES:
        raise WindowError(f"{name!r} is not a day (mon, tue, wed, thu, fri, sat, sun)")
    return DAY_NAMES.index(key)
