"""The one clock every part of Aller-Vers asks for "now".

Stored times are timezone-aware UTC; Europe/Paris is only for quiet hours and display.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, previews, `simulate`)."""

    def __init__(self, start: datetime) -> None:
        self._now = to_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = to_utc(when)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now = self._now + step
            return self._now


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one is refused, never guessed."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("naive datetime: a timezone is required")
    return value.astimezone(UTC)


def parse_fixed_now(text: str) -> datetime:
    """Parse ALLERVERS_NOW: an ISO datetime; without an offset it is read as Europe/Paris."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return to_utc(value)
