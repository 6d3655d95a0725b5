"""SQLite writers of one process take turns, first come first served (outreach.write_turns).

Real SQLite files, real threads: a writer that started waiting is not starved by a stream of
newer writers, and a turn is always given back, however its transaction ended.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from outreach.db import LOCK_WAIT_OPTION, make_engine, make_session_factory, read_transaction
from outreach.write_turns import Turns, turns_for


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'turns.db'}"


@pytest.fixture
def engines(url: str) -> Iterator[tuple[Engine, Engine]]:
    # Two engines on one file, as the app has (the webhooks' pool and the rest).
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE tally (n INTEGER)"))
    yield first, second
    first.dispose()
    second.dispose()


def test_the_turn_goes_to_the_longest_waiter() -> None:
    turns = Turns()
    assert turns.acquire(timeout=1)
    order: list[int] = []

    def wait(number: int) -> None:
        assert turns.acquire(timeout=5)
        order.append(number)
        turns.release()

    threads = []
    for number in range(4):
        thread = threading.Thread(target=wait, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each is in the queue before the next arrives
    turns.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3]


def test_a_waiter_that_gives_up_leaves_the_queue() -> None:
    turns = Turns()
    assert turns.acquire(timeout=1)
    began = time.monotonic()
    assert not turns.acquire(timeout=0.1)
    assert 0.09 <= time.monotonic() - began < 1
    turns.release()
    assert turns.acquire(timeout=0)  # nobody left in the queue holds it


def test_every_engine_of_a_file_shares_one_queue(tmp_path: Path) -> None:
    assert turns_for(str(tmp_path / "a.db")) is turns_for(str(tmp_path / "." / "a.db"))
    assert turns_for(str(tmp_path / "a.db")) is not turns_for(str(tmp_path / "b.db"))
    assert turns_for(":memory:") is not turns_for(":memory:")


def test_a_waiting_writer_is_not_starved_by_newer_ones(engines: tuple[Engine, Engine]) -> None:
    first, second = engines
    stop = threading.Event()
    waited: list[float] = []

    def stream() -> None:  # back-to-back short writes, as webhooks under load
        while not stop.is_set():
            with second.begin() as connection:
                connection.execute(text("INSERT INTO tally VALUES (1)"))
                time.sleep(0.03)  # a write that takes a moment; the lock is free only between

    def late_writer() -> None:
        began = time.monotonic()
        with first.begin() as connection:
            waited.append(time.monotonic() - began)
            connection.execute(text("INSERT INTO tally VALUES (2)"))

    streamer = threading.Thread(target=stream)
    streamer.start()
    time.sleep(0.1)  # the stream is writing...
    writer = threading.Thread(target=late_writer)
    writer.start()  # ...when another writer arrives
    writer.join(timeout=1.5)  # the stream goes on at least this long
    stop.set()
    streamer.join()
    # SQLite's own polling (sleeps of up to 100 ms) loses against a stream of writers until the
    # stream stops; in the queue, the writer goes right after the stream's current write.
    assert waited and waited[0] < 0.25, waited


@pytest.mark.parametrize("ending", ["commit", "rollback", "error", "close"])
def test_the_turn_is_given_back_however_the_transaction_ends(
    engines: tuple[Engine, Engine], ending: str
) -> None:
    first, second = engines
    connection = first.connect()
    transaction = connection.begin()
    connection.execute(text("INSERT INTO tally VALUES (1)"))
    if ending == "commit":
        transaction.commit()
    elif ending == "rollback":
        transaction.rollback()
    elif ending == "error":
        with pytest.raises(OperationalError):
            connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
        transaction.rollback()
    connection.close()
    quick = second.execution_options(**{LOCK_WAIT_OPTION: 200})
    with quick.begin() as other:
        other.execute(text("INSERT INTO tally VALUES (2)"))


def test_a_writer_that_cannot_get_sqlite_s_lock_gives_its_turn_back(
    url: str, engines: tuple[Engine, Engine]
) -> None:
    first, second = engines
    outsider = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")  # another process, say a backup
    quick = first.execution_options(**{LOCK_WAIT_OPTION: 150})
    with pytest.raises(OperationalError), quick.begin():
        pass
    outsider.execute("ROLLBACK")
    outsider.close()
    began = time.monotonic()
    with second.execution_options(**{LOCK_WAIT_OPTION: 1000}).begin() as connection:
        connection.execute(text("INSERT INTO tally VALUES (3)"))
    assert time.monotonic() - began < 0.5


def test_a_read_transaction_takes_no_turn(engines: tuple[Engine, Engine]) -> None:
    first, second = engines
    holder = first.connect()
    holder.begin()
    holder.execute(text("INSERT INTO tally VALUES (1)"))
    began = time.monotonic()
    with read_transaction(make_session_factory(second)) as session:
        session.execute(text("SELECT count(*) FROM tally")).scalar_one()
    assert time.monotonic() - began < 0.5
    holder.rollback()
    holder.close()
