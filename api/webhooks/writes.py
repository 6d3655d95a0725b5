"""The write transaction of a webhook: short, bounded, and never in the way of the answer.

A provider waits a limited time for our answer (Twilio gives up after 15 s and does not retry an
inbound message), so a webhook must never wait long for the database. On SQLite a webhook's
transaction waits at most a few seconds for its turn to write (outreach.db: the writers of this
process take turns, then SQLite's own lock, held by a backup, a migration, a long import...).
When the database is down or stays locked, the caller gets one of spool.DATABASE_DOWN and keeps
the request in the spool; for the next second the following webhooks go straight to the spool
instead of each waiting.
"""

from __future__ import annotations

import contextlib
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

_unavailable_until: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


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
    bind = engine.execution_options(**{LOCK_WAIT_OPTION: max(1, int(wait * 1000))})
    with services.webhook_sessions(bind=bind) as session, session.begin():
        yield session
