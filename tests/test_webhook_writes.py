"""A webhook's write transaction never waits long for the database.

SQLite's write lock is really taken by another connection (as a backup or a migration would);
the PostgreSQL connect timeout is read from the parameters really handed to the driver.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from api.webhooks import spool
from api.webhooks import writes as webhook_writes
from api.webhooks.writes import webhook_transaction
from outreach.db import CONNECT_TIMEOUT_S, DEFAULT_LOCK_WAIT_MS, DatabaseBusy, make_engine


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def write_lock(sqlite_url: str) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock until the test releases it."""
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def _write(services: Any, wait: float) -> float:
    began = time.monotonic()
    with webhook_transaction(services, wait=wait) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS probe (n INTEGER)"))
    return time.monotonic() - began


def test_a_locked_sqlite_database_fails_the_write_after_the_wait(
    services: Any, write_lock: sqlite3.Connection
) -> None:
    began = time.monotonic()
    with pytest.raises(spool.DATABASE_DOWN) as raised:
        _write(services, wait=0.3)
    assert 0.25 <= time.monotonic() - began < 2.0
    assert isinstance(raised.value, OperationalError | DatabaseBusy)


def test_after_a_failed_write_the_next_webhooks_skip_the_database_for_a_moment(
    services: Any, write_lock: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_writes, "RETRY_AFTER", 0.5)
    with pytest.raises(spool.DATABASE_DOWN):
        _write(services, wait=0.2)
    began = time.monotonic()
    with pytest.raises(DatabaseBusy):
        _write(services, wait=5.0)  # would wait 5 s on the lock: it does not even try
    assert time.monotonic() - began < 0.1
    write_lock.execute("ROLLBACK")
    time.sleep(0.6)
    assert _write(services, wait=5.0) < 1.0  # tried again, and the database is back


def test_other_transactions_keep_the_long_lock_wait(services: Any) -> None:
    _write(services, wait=0.3)
    with services.sessions.begin() as session:
        busy_ms = session.execute(text("PRAGMA busy_timeout")).scalar_one()
    assert busy_ms == DEFAULT_LOCK_WAIT_MS


def test_webhook_writes_take_turns_and_the_last_in_line_gives_up(
    services: Any, write_lock: sqlite3.Connection
) -> None:
    # The first holds the process lock while it waits for SQLite's lock.
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            _write(services, wait=0.4)
            outcomes.append("stored")
        except spool.DATABASE_DOWN as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - began < 2.0  # nobody waited beyond its own budget
    assert "stored" not in outcomes and len(outcomes) == 3


def test_postgresql_connections_time_out_instead_of_hanging() -> None:
    seen: dict[str, Any] = {}
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none")

    @event.listens_for(engine, "do_connect")
    def capture(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        seen.update(params)
        raise RuntimeError("captured")

    with pytest.raises(RuntimeError, match="captured"):
        engine.connect()
    assert seen["connect_timeout"] == CONNECT_TIMEOUT_S
    explicit = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=30")
    event.listen(explicit, "do_connect", capture)
    with pytest.raises(RuntimeError):
        explicit.connect()
    assert str(seen["connect_timeout"]) == "30"


def test_database_errors_never_quote_the_values(db_url: str) -> None:
    # Tracebacks reach the logs (log.exception): the values of a failed statement must not.
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS probe_unique (v TEXT UNIQUE)"))
            insert = text("INSERT INTO probe_unique (v) VALUES (:v)")
            connection.execute(insert, {"v": "+33639981234 Lucie Fictif"})
            with pytest.raises(IntegrityError) as raised:
                connection.execute(insert, {"v": "+33639981234 Lucie Fictif"})
        assert "Lucie" not in str(raised.value) and "+33639981234" not in str(raised.value)
    finally:
        engine.dispose()
