"""The write transaction of a webhook: short, bounded, and never in the way of the answer.

A provider waits a limited time for our answer (Twilio gives up after 15 s and does not retry an
inbound message), so a webhook must never wait long for the database. On SQLite our webhook
writers take turns on a lock in this process, and a transaction waits at most a few seconds for
SQLite's write lock (held by a backup, a migration, a long import...). When the database is down
or stays locked, the caller gets one of spool.DATABASE_DOWN and keeps the request in the spool;
for the next second the following webhooks go straight to the spool instead of each waiting.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.services import Services
from api.webhooks import spool
from outreach.db import LOCK_WAIT_OPTION, DatabaseBusy

# How long a webhook may wait for SQLite's write lock before spooling the request.
WRITE_WAIT = 5.0  # seconds
# After a failed write, webhooks skip the database this long, then one tries again.
RETRY_AFTER = 1.0  # seconds

_sqlite_writers: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_unavailable_until: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


@contextlib.contextmanager
def webhook_transaction(services: Services, *, wait: float = WRITE_WAIT) -> Iterator[Session]:
    """A webhook's write transaction, committed on exit.

    Raises one of spool.DATABASE_DOWN when the database is unreachable, when SQLite's write lock
    stayed taken for `wait` seconds, or when a write failed so less than RETRY_AFTER ago.
    """
    engine = services.webhook_db
    if time.monotonic() < _unavailable_until.get(engine, 0.0):
        raise DatabaseBusy
    try:
        with _transaction(services, wait) as session:
            yield session
    except spool.DATABASE_DOWN:
        _unavailable_until[engine] = time.monotonic() + RETRY_AFTER
        raise


@contextlib.contextmanager
def _transaction(services: Services, wait: float) -> Iterator[Session]:
    engine = services.webhook_db
    if engine.dialect.name != "sqlite":
        with services.webhook_sessions.begin() as session:
            yield session
        return
    deadline = time.monotonic() + wait
    with sqlite_writer(services, wait=wait):
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        bind = engine.execution_options(**{LOCK_WAIT_OPTION: left_ms})
        with services.webhook_sessions(bind=bind) as session, session.begin():
            yield session


@contextlib.contextmanager
def sqlite_writer(services: Services, *, wait: float | None = None) -> Iterator[None]:
    """On SQLite, our webhook writers take turns on a lock in this process.

    SQLite lets one writer at a time; the others poll with growing sleeps (up to 100 ms each),
    which is what made the slowest webhooks slow. Waiting on a lock wakes up at once instead.
    Other writers (the scheduler, the team UI) still queue on SQLite's own busy timeout.
    With `wait`, gives up after that many seconds (DatabaseBusy).
    """
    engine = services.webhook_db
    if engine.dialect.name != "sqlite":
        yield
        return
    with _registry_lock:
        lock = _sqlite_writers.setdefault(engine, threading.Lock())
    if not lock.acquire(timeout=-1 if wait is None else wait):
        raise DatabaseBusy
    try:
        yield
    finally:
        lock.release()
