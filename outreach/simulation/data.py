"""The throwaway database a simulation runs on: a copy of the current cases, or demo data.

Only what the engine needs is copied (sectors, cases, contact points); names, landlords and the
team stay where they are. The real database is only read.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.db import make_engine, make_session_factory
from outreach.migrate import upgrade
from outreach.models import Case, ContactPoint, Sector
from outreach.models.outbox import Enrolment, OutboxItem

# Links to rows that are not copied.
_CASE_LINKS_DROPPED = {
    "assigned_worker_id": None,
    "landlord_id": None,
    "last_import_batch_id": None,
}


def create_database(directory: Path) -> sessionmaker[Session]:
    """A new, migrated SQLite file in `directory`."""
    engine = make_engine(f"sqlite:///{directory / 'simulation.db'}")
    upgrade(engine)
    return make_session_factory(engine)


def copy_cases(source: sessionmaker[Session], target: sessionmaker[Session]) -> int:
    """Copy sectors, open cases and their contact points; return the number of cases."""
    with source() as reading, target.begin() as writing:
        _copy(reading, writing, Sector.__table__, select(Sector.__table__))  # type: ignore[arg-type]
        cases = select(Case.__table__).where(Case.status != "closed")
        count = _copy(reading, writing, Case.__table__, cases, _CASE_LINKS_DROPPED)  # type: ignore[arg-type]
        points = select(ContactPoint.__table__).where(
            ContactPoint.case_id.in_(select(Case.id).where(Case.status != "closed"))
        )
        _copy(reading, writing, ContactPoint.__table__, points)  # type: ignore[arg-type]
    return count


def _copy(
    reading: Session,
    writing: Session,
    table: Table,
    query: object,
    overrides: dict[str, object] | None = None,
) -> int:
    rows = [dict(row._mapping) | (overrides or {}) for row in reading.execute(query)]  # type: ignore[call-overload]
    for start in range(0, len(rows), 500):
        writing.execute(insert(table), rows[start : start + 500])
    return len(rows)


def load_demo(target: sessionmaker[Session], *, clock: Clock) -> int:
    """Fictional demo households, when there is no case to simulate over."""
    from outreach.simulation.demo import load_demo_data

    with target.begin() as session:
        return load_demo_data(session, clock=clock).cases_created


def clean_slate(target: sessionmaker[Session]) -> None:
    """No sequence before the simulation starts: what the import or the demo enrolled is removed
    from the throwaway copy, so every household enters the simulated sequence from its start
    (stopping them instead would leave them out: a case enters a sequence once)."""
    with target.begin() as session:
        session.execute(delete(OutboxItem))
        session.execute(delete(Enrolment))
