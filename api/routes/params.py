"""Dates and instants in query strings, bounded so that no value can reach the database or the
calendar arithmetic out of range (year 1 or 9999 used to end in a 500).

A datetime without a timezone is read as Paris wall time, as everywhere in the team's tools.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

from outreach.clock import PARIS

EARLIEST = date(2000, 1, 1)
LATEST = date(2199, 12, 31)
OUT_OF_RANGE = f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def bounded_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value


def bounded_instant(value: datetime) -> datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)


Day = Annotated[date, AfterValidator(bounded_day)]
Instant = Annotated[datetime, AfterValidator(bounded_instant)]
