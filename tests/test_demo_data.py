"""`allervers demo-data`: fictional cases over every sector, a team, idempotent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Case, ContactPoint, Sector, TeamUser
from outreach.phones import is_fictional
from outreach.simulation.demo import load_demo_data
from tests.ccapex_files import CliRun, cli_runner
from tests.production import PRODUCTION

FICTION_LANDLINES = ("+3336571", "+3319900")


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    return cli_runner(db_url, tmp_path, monkeypatch)


def _cases(session: Session) -> list[Case]:
    query = select(Case).options(
        selectinload(Case.contact_points), selectinload(Case.people), selectinload(Case.sector)
    )
    return list(session.scalars(query))


def test_it_creates_a_few_dozen_fictional_cases_over_every_sector(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        report = load_demo_data(session, clock=clock)
    assert report.sectors is not None and report.sectors.sectors_created == 7
    with sessions() as session:
        cases = _cases(session)
        assert 24 <= len(cases) <= 60
        by_sector = Counter(case.sector.code if case.sector else "unassigned" for case in cases)
        assert set(by_sector) == {
            "arras",
            "bethune",
            "boulogne-sur-mer",
            "calais",
            "lens",
            "montreuil",
            "saint-omer",
            "unassigned",
        }
        assert {case.stage for case in cases} == {
            "impaye",
            "cdp",
            "assignation",
            "audience",
            "jugement",
            "cql",
            "cfp",
        }
        assert all(case.reference.startswith("DEMO-") for case in cases)
        assert all(case.import_month == "2026-03" for case in cases)
        numbers = [c for case in cases for c in case.contact_points]
        assert all(
            is_fictional(c.value)
            if c.line_type == "mobile"
            else c.value.startswith(FICTION_LANDLINES)
            for c in numbers
        )
        assert any(not c.sms_capable for c in numbers)
        assert any(all(not c.sms_capable for c in case.contact_points) for case in cases), (
            "a landline-only household, for the human-call path"
        )
        landlords = [case.landlord for case in cases if case.landlord]
        assert all(x.email.endswith("@example.org") for x in landlords if x.email)
        assert all(x.phone and x.phone.startswith(FICTION_LANDLINES) for x in landlords)


def test_it_creates_a_coordinator_and_workers_for_one_or_two_sectors(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        report = load_demo_data(session, clock=clock)
    assert [user.role for user in report.users].count("coordinator") == 1
    with sessions() as session:
        users = list(session.scalars(select(TeamUser).options(selectinload(TeamUser.sectors))))
        assert all(user.email.endswith("@example.org") for user in users)
        workers = [user for user in users if user.role == "worker"]
        assert workers and all(1 <= len(user.sectors) <= 2 for user in workers)
        covered = {sector.code for user in workers for sector in user.sectors}
        assert covered == set(session.scalars(select(Sector.code)))


def test_it_changes_nothing_on_a_second_run(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        load_demo_data(session, clock=clock)
    clock.advance(days=3)
    with sessions() as session:
        counts = [
            session.scalar(select(func.count()).select_from(m))
            for m in (Case, ContactPoint, TeamUser, AuditEvent)
        ]
    with sessions.begin() as session:
        report = load_demo_data(session, clock=clock)
    assert not report.changed
    assert report.cases_created == 0 and report.cases_existing == len(_cases_count(sessions))
    with sessions() as session:
        assert [
            session.scalar(select(func.count()).select_from(m))
            for m in (Case, ContactPoint, TeamUser, AuditEvent)
        ] == counts


def _cases_count(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Case.reference)))


def test_it_keeps_a_sector_table_that_is_already_loaded(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    from outreach.models import SectorArea

    with sessions.begin() as session:
        sector = Sector(code="littoral", name="Littoral")
        session.add(sector)
        session.flush()
        session.add(
            SectorArea(
                sector_id=sector.id, commune="Calais", commune_key="calais", postcode="62100"
            )
        )
    with sessions.begin() as session:
        report = load_demo_data(session, clock=clock)
    assert report.sectors is None
    with sessions() as session:
        assert list(session.scalars(select(Sector.code))) == ["littoral"]


def test_it_runs_from_the_command_line_and_says_when_nothing_changed(cli: CliRun) -> None:
    first = cli(["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Table des secteurs par défaut chargée" in first.output
    assert "Dossiers de démonstration : 36 créés, 0 déjà présents." in first.output
    token_lines = [line for line in first.output.splitlines() if "jeton" in line]
    assert len(token_lines) == 5
    assert all(line.startswith("DÉMO UNIQUEMENT") for line in token_lines)
    second = cli(["demo-data"])
    assert second.exit_code == 0
    assert second.output.strip() == "Données de démonstration déjà présentes : rien n'a changé."


def test_it_refuses_demo_data_in_production(cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ALLERVERS_CHANNELS", "sms")
    monkeypatch.delenv("ALLERVERS_NOW")
    result = cli(["demo-data"])
    assert result.exit_code == 2
    assert "refusées en production" in result.output
