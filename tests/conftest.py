"""Shared fixtures: a real SQLite file and a real PostgreSQL database, a frozen clock, the app.

`engine` runs each database test on SQLite and on PostgreSQL. PostgreSQL comes from
ALLERVERS_TEST_POSTGRES_URL; each test session creates its own database there (so parallel runs
do not collide) and drops it at the end. In CI (CI=true) a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import PARIS, FrozenClock
from outreach.db import make_engine, make_session_factory
from outreach.migrate import upgrade
from outreach.models import Base
from tests.doubles.twilio_double import TwilioDouble

POSTGRES_ENV = "ALLERVERS_TEST_POSTGRES_URL"


def _cheap_password_hashing() -> None:
    """Argon2 with the lowest cost in this test process (0.1 s a hash or a check otherwise, and
    hundreds of tests sign someone in), as Django's tests use a fast hasher. The hashes are
    still real argon2 ones; servers started by the tests (tests/reliability) keep the real cost.
    """
    from argon2 import PasswordHasher

    from outreach.team import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password-only-for-timing")


_cheap_password_hashing()
# A Wednesday in term time, 10:00 in Paris: inside the default sending window.
DEFAULT_NOW = datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)


@pytest.fixture
def double() -> Iterator[TwilioDouble]:
    """The Twilio double on 127.0.0.1 (modules about Telegram define their own `double`)."""
    double = TwilioDouble().start()
    yield double
    double.stop()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


# One engine per worker for each of its databases, kept from test to test (`engine` hands it
# out): SQLAlchemy keeps what it compiled per engine, and on PostgreSQL each new connection is a
# server process that reads the catalog again, about 50 ms of the server's CPU a test when every
# test opened its own.
_WORKER_ENGINES: dict[str, Engine] = {}


def _worker_engine(url: str) -> Engine:
    if url not in _WORKER_ENGINES:
        _WORKER_ENGINES[url] = make_engine(url)
    return _WORKER_ENGINES[url]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite file of this test's own, for the tests that start servers or hold its locks."""
    path = tmp_path / "allervers.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


# The worker's SQLite file for `db_url`, made fresh from the template before each test.
@pytest.fixture(scope="session")
def _worker_sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker") / "allervers.db"


@pytest.fixture
def worker_sqlite_url(sqlite_template: Path, _worker_sqlite_path: Path) -> str:
    url = f"sqlite:///{_worker_sqlite_path}"
    _worker_engine(url).dispose()  # its next connections open the fresh file
    fresh = _worker_sqlite_path.with_name("fresh.db")
    shutil.copyfile(sqlite_template, fresh)
    for leftover in ("-wal", "-shm"):
        Path(f"{_worker_sqlite_path}{leftover}").unlink(missing_ok=True)
    os.replace(fresh, _worker_sqlite_path)  # a new file: a connection left open keeps the old one
    return url


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    base_url = os.environ.get(POSTGRES_ENV)
    if not base_url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"{POSTGRES_ENV} not set: PostgreSQL tests skipped (CI runs them)")
    name = f"allervers_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        if url in _WORKER_ENGINES:
            _WORKER_ENGINES.pop(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(engine: Engine) -> None:
    """Empty the tables a previous test wrote to and restart every id sequence at 1.

    Only the tables that hold rows are emptied (found in one round trip), children before
    parents, with DELETE: on the few rows a test leaves it takes about 25 ms where TRUNCATE took
    about 130 ms (TRUNCATE locks and swaps each table's files). The sequences are reset apart,
    because a rolled-back insert advances them too."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    holding = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    with engine.begin() as connection:
        full = set(connection.execute(text(holding)).scalars().all())
        for name in reversed(tables):
            if name in full:
                connection.execute(text(f'DELETE FROM "{name}"'))
        sequences = (
            connection.execute(text("SELECT schemaname || '.' || sequencename FROM pg_sequences"))
            .scalars()
            .all()
        )
        if sequences:
            resets = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
            connection.execute(text(f"SELECT {resets}"))


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    _truncate_all(_worker_engine(postgres_database))
    yield postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that uses it runs twice: on a SQLite file and on PostgreSQL."""
    name = "worker_sqlite_url" if request.param == "sqlite" else f"{request.param}_url"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The worker's engine for its own databases (not disposed: on PostgreSQL its open
    connections are the point; SQLite's file is replaced before the next test anyway); an engine
    of its own for a module's other `db_url`."""
    if db_url in _WORKER_ENGINES:
        yield _WORKER_ENGINES[db_url]
        return
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


# --- the application -------------------------------------------------------------------------

PUBLIC_URL = "https://allervers.example.org"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to switch channels or settings on for its app."""
    return {}


@pytest.fixture
def settings(db_url: str, tmp_path: Path, settings_overrides: dict[str, object]):  # type: ignore[no-untyped-def]
    from outreach.settings import load_settings

    values: dict[str, object] = {
        "ALLERVERS_DATABASE_URL": db_url,
        "ALLERVERS_PUBLIC_URL": PUBLIC_URL,
        "ALLERVERS_SPOOL_DIR": str(tmp_path / "spool"),
        "ALLERVERS_CHANNELS": "sandbox",
    }
    values.update(settings_overrides)
    return load_settings(**values)


@pytest.fixture
def services(settings, engine: Engine, clock: FrozenClock):  # type: ignore[no-untyped-def]
    from api.services import build_services

    return build_services(settings, engine=engine, clock=clock)


# One app per test worker for each set of settings (the database and spool aside, which only
# the services use): see api.app.attach. Each test gets it with its own services and a fresh state.
_APPS: dict[str, object] = {}


@pytest.fixture
def app(services):  # type: ignore[no-untyped-def]
    from api.app import attach, create_app

    shape = services.settings.model_dump_json(exclude={"database_url", "spool_dir"})
    app = _APPS.get(shape)
    if app is None:
        app = _APPS[shape] = create_app(services=services)
    else:
        attach(app, services)  # type: ignore[arg-type]
    return app


@pytest.fixture
def client(app) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def coordinator(sessions: sessionmaker[Session], clock: FrozenClock) -> tuple[int, str]:
    """A coordinator's (user id, API token)."""
    from outreach.team.users import add_user

    with sessions.begin() as session:
        created = add_user(
            session,
            clock=clock,
            email="coord@example.org",
            name="Coordinatrice Test",
            role="coordinator",
        )
        return created.user.id, created.token


@pytest.fixture
def auth(coordinator: tuple[int, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {coordinator[1]}"}


# The tests that take longest start first, so no worker ends alone on a 30-second test.
# pytest-xdist's worksteal gives each worker a run of the collection order and lets the others
# take from the end of it: the browser tests first keeps most of them on one worker, which then
# starts Chromium once and sets each browser module's live server and sign-ins up once.
_LONGEST_FIRST = (
    "tests/browser/test_every_page.py",
    "tests/browser/",
    "tests/reliability/test_database_down.py",
    "tests/test_bench_smoke.py",
    "tests/reliability/test_kill_serve.py",
    "tests/reliability/",
    "tests/fuzz/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        for position, prefix in enumerate(_LONGEST_FIRST):
            if path.startswith(prefix):
                return position
        return len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the usual order within each rank
