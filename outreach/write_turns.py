"""The write transactions of one process take turns on a SQLite file, first come first served.

SQLite lets one writer at a time. A writer that finds the lock taken polls it with growing sleeps
(up to 100 ms each), so under load a waiting writer keeps losing to newer ones: the team's "send
now" waited up to a second behind a stream of webhooks. Here every connection of the process to
the same file first queues on one lock, and the writer at the head of the queue is handed the turn
the moment the previous one ends. SQLite's own lock still guards against other processes (the
command line, a backup), so correctness never rests on this queue.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from pathlib import Path

from sqlalchemy.exc import OperationalError


class Turns:
    """A first-come, first-served lock: release hands it to the longest waiter."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._queue: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            ticket = threading.Lock()
            ticket.acquire()
            self._queue.append(ticket)
        if ticket.acquire(timeout=max(0.0, timeout)):
            return True  # handed over: the lock stayed held, now for us
        with self._guard:
            if ticket in self._queue:
                self._queue.remove(ticket)
                return False
        return True  # handed over just as the wait ran out

    def release(self) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().release()
            else:
                self._held = False


_by_file: dict[str, Turns] = {}
_by_file_guard = threading.Lock()


def turns_for(database: str) -> Turns:
    """The queue of a database file, shared by every engine of this process (an in-memory or
    URI-named database gets its own)."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return Turns()
    key = str(Path(database).expanduser().resolve())
    with _by_file_guard:
        return _by_file.setdefault(key, Turns())


class TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection that takes its turn before a write transaction and gives it back when
    the transaction ends (commit, rollback, close), whatever ended it."""

    turns: Turns | None = None  # set when connected (outreach.db)
    has_turn = False

    def take_turn(self, wait_ms: int) -> None:
        if self.turns is None or self.has_turn:
            return
        if not self.turns.acquire(timeout=wait_ms / 1000):
            busy = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, busy)
        self.has_turn = True

    def end_turn(self) -> None:
        if self.has_turn and self.turns is not None:
            self.has_turn = False
            self.turns.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
