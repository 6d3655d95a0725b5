"""The database under a benchmark's server: a SQLite file, or a temporary PostgreSQL database
created for the run and dropped after it; and the benchmark's own reads while the server runs.

Import it once the project's root is on sys.path (it uses the app's models).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from outreach.db import make_engine, normalise_url
from outreach.models import Message


@dataclass(frozen=True)
class Database:
    url: str  # ALLERVERS_DATABASE_URL
    title: str  # which database, for the report's header


@contextmanager
def sqlite_file(path: Path) -> Iterator[Database]:
    """A fresh SQLite file at `path` (an older one is removed); kept after the run."""
    path.unlink(missing_ok=True)
    yield Database(f"sqlite:///{path}", "SQLite")


@contextmanager
def temporary_postgres(server_url: str) -> Iterator[Database]:
    """A new, empty database on the PostgreSQL server of `server_url`, dropped at the end.

    `server_url` names a database to connect to for CREATE and DROP DATABASE (the maintenance
    connection); the benchmark never writes to it. The drop also runs when the run fails, and
    ends the connections a killed server may have left.
    """
    name = f"allervers_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        version = _create(admin, name)
        url = make_url(normalise_url(server_url)).set(database=name)
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        try:
            yield Database(
                url.render_as_string(hide_password=False),
                f"PostgreSQL {version} (temporary database {name} on {where})",
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _create(admin: Engine, name: str) -> str:
    """CREATE DATABASE `name`; the server's version."""
    try:
        with admin.connect() as connection:
            version = str(connection.scalar(text("SHOW server_version"))).split()[0]
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        raise SystemExit(f"--postgres: cannot create a database there: {error.orig}") from None
    return version


def reader(url: str) -> Engine:
    """An engine for the checks: plain reads, never BEGIN IMMEDIATE (the server's write lock)."""
    return create_engine(normalise_url(url))


def poll(url: str, count: Callable[[Connection], int], limit: float) -> tuple[int, float]:
    """Ask `count` every 0.1 s until it says 0 or `limit` seconds passed: (last count, seconds)."""
    engine = reader(url)
    started = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                left = count(connection)
            if not left or time.monotonic() - started > limit:
                return left, time.monotonic() - started
            time.sleep(0.1)
    finally:
        engine.dispose()


def wait_processed(url: str, limit: float) -> tuple[int, float]:
    """(inbound messages still not processed, seconds waited): the server stores a webhook, then
    its conversation turn runs."""
    query = select(func.count()).where(Message.direction == "in", Message.processed.is_(False))
    return poll(url, lambda connection: connection.scalar(query) or 0, limit)
