"""APScheduler is only the clock; `allervers tick` and `allervers simulate` on the command line."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import engine as cli_engine
from api.scheduler import build_scheduler, dispatcher_for
from outreach.clock import PARIS, FrozenClock
from outreach.conversation.jobs import DAILY_JOBS as CONVERSATION_JOBS
from outreach.engine.tick import DAILY_JOBS
from outreach.models import Message
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, dispatcher
from tests.factories import fiction_phone, make_case


def test_the_scheduler_has_one_tick_and_the_daily_jobs_however_much_is_due(sessions, clock) -> None:
    with sessions.begin() as session:
        for number in range(50):
            enrol(
                session,
                clock=clock,
                case=make_case(session, clock=clock, phones=(fiction_phone(number),)),
            )
    scheduler = build_scheduler(
        dispatcher(sessions, clock, {"sms": RecordingChannel("sms", clock)}),
        (*DAILY_JOBS, *CONVERSATION_JOBS),
    )
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"tick"} | {
            f"daily:{job.name}" for job in (*DAILY_JOBS, *CONVERSATION_JOBS)
        }
        assert jobs["tick"].trigger.interval == timedelta(seconds=5)
        reconcile = jobs["daily:reconcile"].next_run_time.astimezone(PARIS)
        assert (reconcile.hour, reconcile.minute) == (8, 55)
    finally:
        scheduler.shutdown(wait=False)


def test_the_app_runs_the_scheduler_only_when_serving(services) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    quiet = create_app(services=services)
    with TestClient(quiet):
        assert not hasattr(quiet.state, "scheduler")
    serving = create_app(services=services, run_scheduler=True)
    with TestClient(serving):
        assert serving.state.scheduler.running
    assert not serving.state.scheduler.running


def test_the_dispatcher_of_the_app_uses_its_channels_and_clock(services) -> None:
    built = dispatcher_for(services)
    assert built.enabled == ("sandbox",) and built.clock is services.clock


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_NOW", "2026-04-29T10:00:00+02:00")
    monkeypatch.setenv("ALLERVERS_CHANNELS", "sandbox")
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)
    app = typer.Typer()
    cli_engine.register(app)
    return lambda args: CliRunner().invoke(app, args)


def test_tick_runs_the_due_work_once_and_exits(cli, sessions) -> None:
    clock = FrozenClock(datetime(2026, 4, 29, 10, 0, tzinfo=PARIS))
    with sessions.begin() as session:
        enrol(session, clock=clock, case=make_case(session, clock=clock))
    result = cli(["tick"])
    assert result.exit_code == 0, result.output
    # One language on the console, like the app: French.
    assert result.output.strip() == "Passage terminé : messages envoyés : 1"
    with sessions() as session:
        [message] = session.scalars(select(Message)).all()
        assert (message.channel, message.status, message.template) == (
            "sandbox",
            "delivered",
            "intro",
        )
    assert cli(["tick"]).output.strip() == "Passage terminé : rien n'était dû"


def test_simulate_prints_a_timeline_and_a_summary(cli, sessions, tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 4, 29, 10, 0, tzinfo=PARIS))
    with sessions.begin() as session:
        for number in range(6):
            make_case(
                session, clock=clock, reference=f"SIM-{number}", phones=(fiction_phone(number),)
            )
    replies = tmp_path / "replies.csv"
    replies.write_text(
        "day;time;reference;text\n1;10:30;SIM-0;Oui\n2;11:00;SIM-1;STOP\n", encoding="utf-8"
    )
    result = cli(["simulate", "--days", "20", "--replies", str(replies), "--channels", "sms"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[:3] == ["2026-04-29", "mer.", "6"] for line in lines)
    assert any(line.split()[:3] == ["2026-05-02", "sam.", "4"] for line in lines)
    assert any("2 foyers" in line or "2 households" in line for line in lines)
    with sessions() as session:  # the real database is only read
        assert session.scalars(select(Message)).all() == []


@pytest.mark.parametrize("args", [[], ["--demo"]], ids=["no case", "--demo"])
def test_simulate_writes_to_the_demo_households(cli, args: list[str]) -> None:
    # The 36 demo households (30 with a usable mobile) get their first message on day 0 and
    # the reminder three days later: the demo's own enrolments do not hide them.
    result = cli(["simulate", "--days", "3", *args])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "36 foyers" in lines[1] and "first_contact" in lines[1]
    assert any(line.split()[:3] == ["2026-04-29", "mer.", "30"] for line in lines)
    assert any(line.split()[:3] == ["2026-05-02", "sam.", "30"] for line in lines)
    assert "  messages : 60 (sandbox 60), 128 segments" in lines
    assert "  foyers joints : 30 sur 36" in lines


def test_simulate_refuses_a_broken_sequence_file(cli, tmp_path: Path) -> None:
    broken = tmp_path / "essai.toml"
    broken.write_text("[[steps]]\nday = 0\nsend = 'nope'\n", encoding="utf-8")
    result = cli(["simulate", "--sequence", str(broken)])
    assert result.exit_code == 2
    assert "nope" in result.output


def _simulated_world(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    from outreach.simulation import data as simulate_data

    directory = tmp_path / name
    directory.mkdir()
    world = simulate_data.create_database(directory)
    clock = FrozenClock(datetime(2026, 4, 29, 10, 0, tzinfo=PARIS))
    with world.begin() as session:
        for number in range(40):
            make_case(session, clock=clock, phones=(fiction_phone(number),))
    return world, clock


def test_a_seeded_simulation_is_repeatable_and_reports_each_day(tmp_path: Path) -> None:
    from outreach.sequences import load_sequence
    from outreach.simulation import simulate
    from outreach.simulation.report import build_report
    from tests.engine_support import engine_config

    config = engine_config()
    sequence = load_sequence("first_contact", config.sequences_dir)
    summaries = []
    for name in ("first", "second"):
        world, clock = _simulated_world(tmp_path, name)
        start = clock.now()
        households = simulate.enrol_all(world, clock=clock, sequence=sequence, config=config)
        days: list[int] = []
        end = simulate.run(
            world,
            clock=clock,
            days=21,
            channels={"sms": RecordingChannel("sms", clock)},
            config=config,
            replies=simulate.Replies(rate=0.3, seed=7),
            on_day=days.append,
        )
        assert sum(days) == 21
        with world() as session:
            report = build_report(
                session,
                start=start,
                end=end,
                sequence="first_contact",
                version="v",
                households=households,
            )
        world.kw["bind"].dispose()
        summaries.append((report.by_channel, report.replies, report.opt_outs, report.tasks))
    assert summaries[0] == summaries[1]
    _, replies, opt_outs, tasks = summaries[0]
    assert replies > 0 and opt_outs > 0
    # Households that answered left the sequence: fewer calls than households.
    assert 0 < tasks["phone_call"] < 40
