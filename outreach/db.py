"""Engine and session set-up for SQLite (WAL, foreign keys) and PostgreSQL."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from outreach.write_turns import TurnTakingConnection, turns_for

# How long a SQLite write transaction waits for the write lock (another writer, a backup...)
# before failing with "database is locked". A connection option, so one caller can wait less:
# `engine.execution_options(**{LOCK_WAIT_OPTION: 2000})`.
LOCK_WAIT_OPTION = "sqlite_lock_wait_ms"
DEFAULT_LOCK_WAIT_MS = 30_000
CONNECT_TIMEOUT_S = 5  # PostgreSQL
_LOCK_WAIT_SET = "allervers_lock_wait_ms"  # what the pooled connection's busy_timeout is now
# A connection option: this transaction only reads (SQLite: BEGIN DEFERRED, no write lock).
READ_ONLY_OPTION = "allervers_read_only"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL has."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose errors never quote the statement's values (names, phones, message texts):
    a traceback in the logs stays free of personal data."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        seconds = DEFAULT_LOCK_WAIT_MS / 1000
        connect_args = {"timeout": seconds, "factory": TurnTakingConnection}
        engine = create_engine(url, connect_args=connect_args, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A server that stopped answering (network cut, not refused) must not hang a webhook forever.
    connect_args = dict(kwargs.pop("connect_args", {}))
    if "connect_timeout" not in make_url(url).query:
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return create_engine(
        url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True, **kwargs
    )


def _ensure_sqlite_folder(url: str) -> None:
    """Create the database's folder, and the file itself readable by its owner only (0600):
    it holds households' names, phones and messages. SQLite gives its -wal and -shm files the
    main file's permissions, so they are 0600 too."""
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:" and not path.startswith("file:"):
        target = Path(path).expanduser().resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_RDONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, TurnTakingConnection):
        rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
        dbapi_connection.turns = turns_for(next((r[2] for r in rows if r[1] == "main"), ""))
    # pysqlite's own transaction handling is switched off so that BEGIN is ours (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={DEFAULT_LOCK_WAIT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: writers queue (outreach.write_turns, then
    # busy_timeout for other processes) instead of failing later with "database is locked" when
    # a read turns into a write.
    # A read transaction (read_transaction) takes no lock: WAL readers never wait for a writer.
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN DEFERRED")
        return
    wait = int(connection.get_execution_options().get(LOCK_WAIT_OPTION, DEFAULT_LOCK_WAIT_MS))
    dbapi_connection = connection.connection.dbapi_connection
    turn_taker = isinstance(dbapi_connection, TurnTakingConnection)
    began = time.monotonic()
    if turn_taker:
        dbapi_connection.take_turn(wait)
    try:
        # What is left of the wait goes to SQLite's own lock (another process may hold it).
        waited_ms = int((time.monotonic() - began) * 1000)
        left = max(1, wait - waited_ms) if waited_ms else wait
        if connection.info.get(_LOCK_WAIT_SET, DEFAULT_LOCK_WAIT_MS) != left:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={left}")
            connection.info[_LOCK_WAIT_SET] = left
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if turn_taker:
            dbapi_connection.end_turn()
        raise


class DatabaseBusy(Exception):
    """The database's write lock stayed taken longer than the caller could wait."""


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that reads, and writes only a little (the audit of what it read, when a
    token was last used): the reads run in a read transaction, which on SQLite takes no write
    lock, so a page never waits behind the dispatcher or a webhook and never makes them wait.
    What it added or changed is then written in its own short write transaction.

    The session does not flush on its own (autoflush off); a query does not see the rows it
    added. Any error writes nothing.
    """
    session = factory(autoflush=False)
    try:
        session.connection(execution_options={READ_ONLY_OPTION: True})
        yield session
        added, changed = _pending_writes(session)
        session.rollback()  # the read transaction wrote nothing: ending it costs nothing
        if added or changed:
            with transaction(factory) as writer:
                writer.add_all(added)
                for model, key, values in changed:
                    row = writer.get(model, key)
                    for name, value in values.items():
                        setattr(row, name, value)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _pending_writes(
    session: Session,
) -> tuple[list[object], list[tuple[type, Any, dict[str, Any]]]]:
    """The objects a read transaction added, and the column values it changed on loaded rows."""
    added = list(session.new)
    changed = []
    for row in session.dirty:
        state = inspect(row)
        values = {
            attr.key: attr.value
            for attr in state.attrs
            if attr.key in state.mapper.column_attrs and attr.history.has_changes()
        }
        if values:
            changed.append((type(row), state.identity, values))
    if session.deleted:
        raise RuntimeError("a read transaction cannot delete rows")
    return added, changed


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def refresh_statistics(session: Session, models: Iterable[type[Any]]) -> None:
    """After a bulk write, refresh PostgreSQL's planner statistics of these tables, in the
    transaction that wrote them (so they are kept or rolled back with the rows).

    Why: until autovacuum analyses a table (a minute or so after a large change), the planner
    guesses its size and spread, and some lists take several times longer; a team opens the case
    list right after an import. PostgreSQL's manual advises it after loading data ("Populating a
    Database", https://www.postgresql.org/docs/15/populate.html#POPULATE-ANALYZE). ANALYZE takes
    a lock that lets readers and writers through. On SQLite, which keeps no statistics unless
    asked and whose plans here are chosen without them, nothing is done.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        session.execute(text(f'ANALYZE "{model.__table__.name}"'))
