"""Daily jobs missed while the server was down run at start-up; `tick --daily` runs them all."""

from __future__ import annotations

from datetime import datetime

from api.scheduler import dispatcher_for, run_daily_jobs
from outreach.clock import PARIS
from outreach.engine.tick import DailyJob


def _recording(calls: list[str]) -> list[DailyJob]:
    return [
        DailyJob("early", 3, 30, lambda _d: calls.append("early")),
        DailyJob("reminders", 10, 1, lambda _d: calls.append("reminders")),
        DailyJob("evening", 18, 0, lambda _d: calls.append("evening")),
    ]


def test_it_catches_up_only_on_the_jobs_whose_time_has_passed(services, clock) -> None:
    calls: list[str] = []
    clock.set(datetime(2026, 3, 11, 10, 5, tzinfo=PARIS))
    ran = run_daily_jobs(dispatcher_for(services), _recording(calls), past_only=True)
    assert ran == ["early", "reminders"]
    assert calls == ["early", "reminders"]


def test_a_daily_run_runs_every_job(services, clock) -> None:
    calls: list[str] = []
    clock.set(datetime(2026, 3, 11, 2, 0, tzinfo=PARIS))
    ran = run_daily_jobs(dispatcher_for(services), _recording(calls), past_only=False)
    assert ran == ["early", "reminders", "evening"]
    assert calls == ran


def test_the_services_carry_the_engine_conversation_casework_and_partner_jobs(services) -> None:
    names = [job.name for job in services.daily_jobs]
    assert names == [
        "outbox_summary",
        "reconcile",
        "materialise_slots",
        "visit_reminders",
        "checkin",
        "procedure_stages",
        "step_reminders",
        "referral_reminders",
    ]


def test_one_failing_job_does_not_stop_the_others(services) -> None:
    calls: list[str] = []

    def broken(_dispatcher: object) -> None:
        raise RuntimeError("boom")

    jobs = [DailyJob("broken", 1, 0, broken), DailyJob("next", 2, 0, lambda _d: calls.append("x"))]
    run_daily_jobs(dispatcher_for(services), jobs, past_only=False)
    assert calls == ["x"]
