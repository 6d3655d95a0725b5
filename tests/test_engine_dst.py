"""The spring-forward and fall-back nights: no step skipped, none doubled."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outreach.clock import PARIS, FrozenClock
from outreach.engine.tick import tick
from outreach.sequences import enrol, load_file
from tests.engine_support import RecordingChannel, dispatcher, engine_config, paris, run_until
from tests.factories import make_case

ALWAYS = {"ALLERVERS_SEND_WINDOW": "daily 00:00-24:00"}


def _sequence(tmp_path: Path, steps: list[str]) -> object:
    path = tmp_path / "night.toml"
    blocks = [f'[[steps]]\n{step}\nsend = "reminder"\nchannels = ["sms"]\n' for step in steps]
    path.write_text('name = "night"\n\n' + "\n".join(blocks), encoding="utf-8")
    return load_file(path)


def _tick_every(engine, clock: FrozenClock, minutes: int, until: datetime) -> None:
    while clock.now() < until:
        tick(engine)
        clock.advance(minutes=minutes)


def _enrol(sessions, clock, sequence, config) -> None:
    with sessions.begin() as session:
        enrol(
            session,
            clock=clock,
            case=make_case(session, clock=clock),
            sequence=sequence,
            config=config,
        )


@pytest.mark.parametrize(
    ("evening", "local_times"),
    [
        # Spring forward: 02:xx does not exist that night, 01:30 is followed by 03:30.
        (datetime(2026, 3, 28, 23, 30, tzinfo=PARIS), "23:30 00:30 01:30 03:30 04:30 05:30 06:30"),
        # Fall back: 02:30 happens twice that night; one step on each.
        (datetime(2026, 10, 24, 23, 30, tzinfo=PARIS), "23:30 00:30 01:30 02:30 02:30 03:30 04:30"),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_hourly_steps_cross_the_night_of_the_clock_change_once_each(
    sessions, clock, tmp_path, evening: datetime, local_times: str
) -> None:
    config = engine_config(**ALWAYS)
    sequence = _sequence(tmp_path, [f"hours = {hour}" for hour in range(7)])
    clock.set(evening)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms}, config)
    _enrol(sessions, clock, sequence, config)
    _tick_every(engine, clock, 5, evening + timedelta(hours=9, minutes=30))
    sent = [when for when, _ in sms.sent]
    assert [b - a for a, b in itertools.pairwise(sent)] == [timedelta(hours=1)] * 6
    assert [paris(when)[-5:] for when in sent] == local_times.split()


def test_daily_steps_at_a_time_that_the_night_skips_or_repeats(sessions, clock, tmp_path) -> None:
    config = engine_config(**ALWAYS)
    sequence = _sequence(tmp_path, ["day = 0", "day = 1", "day = 2"])
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms}, config)
    clock.set(datetime(2026, 3, 28, 2, 30, tzinfo=PARIS))
    _enrol(sessions, clock, sequence, config)
    _tick_every(engine, clock, 30, datetime(2026, 3, 31, 0, 0, tzinfo=PARIS))
    assert [when for when, _ in sms.sent] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 winter time
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 02:30 does not exist: 03:30 summer time
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 summer time
    ]
    sms.sent.clear()
    clock.set(datetime(2026, 10, 24, 2, 30, tzinfo=PARIS))
    _enrol(sessions, clock, sequence, config)  # a second household
    _tick_every(engine, clock, 30, datetime(2026, 10, 27, 0, 0, tzinfo=PARIS))
    assert [when for when, _ in sms.sent] == [
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),  # 02:30 summer time
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first of the two 02:30
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 winter time
    ]


def test_the_default_sequence_across_spring_forward_and_easter(sessions, clock) -> None:
    # Friday 27 March 2026, 10:00 winter time; Easter Monday is 6 April.
    clock.set(datetime(2026, 3, 27, 10, 0, tzinfo=PARIS))
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    with sessions.begin() as session:
        enrol(session, clock=clock, case=make_case(session, clock=clock))
    run_until(engine, clock, clock.now() + timedelta(days=20))
    assert [when for when, _ in sms.sent] == [
        datetime(2026, 3, 27, 9, 0, tzinfo=UTC),  # Fri 10:00 (UTC+1)
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # day 2 is Sunday: Mon 09:00 (UTC+2)
        datetime(2026, 4, 7, 7, 0, tzinfo=UTC),  # day 10 is Easter Monday: Tue 09:00
    ]
