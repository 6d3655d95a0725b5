from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.services import clock_for
from outreach.clock import FrozenClock, SystemClock, parse_fixed_now, to_utc
from outreach.settings import load_settings


def test_it_reads_allervers_now_as_paris_time_without_offset() -> None:
    assert parse_fixed_now("2026-03-29T10:00") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert parse_fixed_now("2026-01-05T10:00:00Z") == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_it_fixes_now_from_the_setting_outside_production() -> None:
    clock = clock_for(load_settings(ALLERVERS_NOW="2026-06-01T09:30+02:00"))
    assert clock.now() == datetime(2026, 6, 1, 7, 30, tzinfo=UTC)
    assert isinstance(clock_for(load_settings()), SystemClock)


def test_a_frozen_clock_only_moves_when_told() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(hours=2)
    assert clock.now() == datetime(2026, 1, 1, 2, tzinfo=UTC)
    clock.advance(timedelta(days=1))
    assert clock.now().day == 2


def test_it_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_utc(datetime(2026, 1, 1))
