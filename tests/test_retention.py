"""Retention: closed cases past the limit are anonymised; the indicators do not move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from outreach import retention
from outreach.indicators import IndicatorFilters, funnel
from outreach.models import Anonymisation, Case, ContactPoint, Message, Person, TeamUser
from tests.factories import make_case


def _case_with_messages(session, clock, *, status: str) -> int:
    case = make_case(session, clock=clock, status=status, sector_code="lens", last_name="Oubliable")
    case.import_month = "2026-01"
    case.address = "1 rue Fictive"
    now = clock.now()
    for direction, status_, body in (("out", "delivered", "Bonjour"), ("in", "received", "OUI")):
        session.add(
            Message(
                direction=direction,
                channel="sandbox",
                case_id=case.id,
                address=case.contact_points[0].value,
                body=body,
                status=status_,
                created_at=now,
            )
        )
    case.last_contact_at = now
    session.flush()
    return case.id


def _funnel(sessions, coordinator_id: int) -> dict[str, int]:
    with sessions() as session:
        user = session.get_one(TeamUser, coordinator_id)
        return funnel(session, user=user, filters=IndicatorFilters()).total()


def test_it_computes_calendar_months() -> None:
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)

    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert retention.months_before(moment, 24) == datetime(2024, 3, 31, 12, tzinfo=UTC)


def test_it_anonymises_only_closed_cases_past_the_limit_and_keeps_indicators(
    sessions, clock, coordinator
) -> None:
    with sessions.begin() as session:
        closed = _case_with_messages(session, clock, status="closed")
        active = _case_with_messages(session, clock, status="contacting")
    before = _funnel(sessions, coordinator[0])

    clock.advance(timedelta(days=365))
    early = retention.run(sessions, clock=clock, months=24)
    clock.advance(timedelta(days=400))
    report = retention.run(sessions, clock=clock, months=24)
    again = retention.run(sessions, clock=clock, months=24)

    assert (early.anonymised, report.anonymised, again.anonymised) == ([], [closed], [])
    assert _funnel(sessions, coordinator[0]) == before
    with sessions() as session:
        case = session.get_one(Case, closed)
        bodies = session.scalars(select(Message.body).where(Message.case_id == closed)).all()
        people = session.scalars(select(Person.last_name).where(Person.case_id == closed)).all()
        points = session.scalars(select(ContactPoint).where(ContactPoint.case_id == closed)).all()
        kept = session.scalars(select(Person.last_name).where(Person.case_id == active)).all()
        marker = session.get_one(Anonymisation, closed)
    assert (case.address, case.search_text, case.reference) == (None, "", f"ANON-{closed}")
    assert bodies == ["", ""] and people == [] and points == []
    assert kept == ["Oubliable"]
    assert marker.reason == "retention"


def test_it_honours_a_shorter_configured_period(sessions, clock) -> None:
    with sessions.begin() as session:
        closed = _case_with_messages(session, clock, status="closed")

    clock.advance(timedelta(days=200))

    assert retention.run(sessions, clock=clock, months=6).anonymised == [closed]


def test_it_runs_from_the_command_line(sessions, clock, db_url, monkeypatch) -> None:
    from typer.testing import CliRunner

    from api.cli import _register_optional_commands, app

    with sessions.begin() as session:
        _case_with_messages(session, clock, status="closed")
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_NOW", "2030-01-01T12:00:00+00:00")
    _register_optional_commands()

    result = CliRunner().invoke(app, ["retention", "run"])

    assert result.exit_code == 0, result.output
    assert "anonymisés : 1" in result.output


def test_it_registers_the_daily_job(services) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from api.scheduler import add_retention_job

    scheduler = BackgroundScheduler()
    add_retention_job(scheduler, services)

    assert [job.id for job in scheduler.get_jobs()] == ["daily:retention"]
