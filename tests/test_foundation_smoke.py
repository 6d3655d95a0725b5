from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from outreach.clock import FrozenClock
from outreach.models import Case


def test_it_migrates_and_stores_aware_utc_times(session, clock: FrozenClock) -> None:
    case = Case(reference="T-1", created_at=clock.now(), updated_at=clock.now())
    session.add(case)
    session.commit()
    session.expire_all()
    stored = session.get(Case, case.id)
    assert stored is not None
    assert stored.created_at == clock.now()
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset().total_seconds() == 0


def test_it_refuses_naive_datetimes(session) -> None:
    session.add(
        Case(reference="T-2", created_at=datetime(2026, 1, 1), updated_at=datetime.now(UTC))
    )
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_match_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from outreach.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert set(version)
