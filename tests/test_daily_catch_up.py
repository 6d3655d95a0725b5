"""Daily jobs missed while the server was down run at start-up; `tick --daily` runs them all."""

from __future__ import annotations

from datetime import datetime

import pytest

import api.scheduler
from api.scheduler import dispatcher_for, run_daily_jobs
from outreach.clock import PARIS
from outreach.engine.tick import DailyJob


def _use_jobs(monkeypatch: pytest.MonkeyPatch, jobs: list[DailyJob]) -> None:
    monkeypatch.setattr(api.scheduler, "DAILY_JOBS", jobs)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    _use_jobs(
        monkeypatch,
        [
            DailyJob("early", 3, 30, lambda _d: calls.append("early")),
            DailyJob("reminders", 10, 1, lambda _d: calls.append("reminders")),
            DailyJob("evening", 18, 0, lambda _d: calls.append("evening")),
        ],
    )
    return calls


def test_it_catches_up_only_on_the_jobs_whose_time_has_passed(services, clock, recorded) -> None:
    clock.set(datetime(2026, 3, 11, 10, 5, tzinfo=PARIS))
    assert run_daily_jobs(dispatcher_for(services), past_only=True) == ["early", "reminders"]
    assert recorded == ["early", "reminders"]


def test_a_daily_run_runs_every_job(services, clock, recorded) -> None:
    clock.set(datetime(2026, 3, 11, 2, 0, tzinfo=PARIS))
    ran = run_daily_jobs(dispatcher_for(services), past_only=False)
    assert ran == ["early", "reminders", "evening"]
    assert recorded == ran


def test_one_failing_job_does_not_stop_the_others(services, monkeypatch) -> None:
    calls: list[str] = []

    def broken(_dispatcher: object) -> None:
        raise RuntimeError("boom")

    _use_jobs(
        monkeypatch,
        [DailyJob("broken", 1, 0, broken), DailyJob("next", 2, 0, lambda _d: calls.append("x"))],
    )
    run_daily_jobs(dispatcher_for(services), past_only=False)
    assert calls == ["x"]
