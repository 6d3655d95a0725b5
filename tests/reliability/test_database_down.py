"""The database unavailable for 17 s, longer than Twilio's 15 s timeout, during a burst of inbound
Twilio webhooks to a real `allervers serve`: every webhook is acknowledged within Twilio's 15 s,
and once the database is back every message is stored exactly once (Twilio's own retries of the
same MessageSid included).

PostgreSQL becomes unreachable: a TCP proxy in front of it is stopped (connections cut, new ones
refused) and started again on the same port. SQLite is a file, so "down" means its write lock is
taken by another process for the whole outage, as a backup, a migration or a stuck job would.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from outreach.db import make_engine
from outreach.models import Message
from tests.conftest import POSTGRES_ENV
from tests.doubles.tcp_proxy import TcpProxy
from tests.doubles.twilio_double import AUTH_TOKEN, TwilioDouble, inbound_params, signature
from tests.reliability.support import NOW, Server, free_port, serve_env, wait_for

PATH = "/webhooks/twilio/sms"
# Longer than Twilio's 15 s, so a webhook that waited for the database would time out; not much
# longer, as every second of it is a second of the suite.
OUTAGE = 17.0  # seconds
WAVE = 4  # webhooks posted at once, every second of the outage
BEFORE = AFTER = 20
TWILIO_TIMEOUT = 15.0  # seconds: Twilio gives up on a webhook after that


class Outage:
    """Makes the database unavailable and brings it back; `url` is what the server uses."""

    url: str

    def begin(self) -> None:
        raise NotImplementedError

    def end(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class ProxyOutage(Outage):
    def __init__(self, postgres_url: str) -> None:
        real = make_url(postgres_url)
        self.proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432)).start()
        self.url = real.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )

    def begin(self) -> None:
        self.proxy.stop()

    def end(self) -> None:
        self.proxy.start()  # back, on the same port

    def close(self) -> None:
        self.proxy.stop()


class LockOutage(Outage):
    def __init__(self, sqlite_url: str) -> None:
        self.url = sqlite_url
        self.holder = sqlite3.connect(
            sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )

    def begin(self) -> None:
        self.holder.execute("BEGIN IMMEDIATE")

    def end(self) -> None:
        self.holder.execute("ROLLBACK")

    def close(self) -> None:
        if self.holder.in_transaction:
            self.holder.execute("ROLLBACK")
        self.holder.close()


@pytest.fixture
def outages(request: pytest.FixtureRequest) -> Iterator[list[Outage]]:
    """SQLite's outage, and PostgreSQL's when the tests have PostgreSQL (always in CI): the two
    run at the same time, so the suite pays for one outage, not two."""
    made: list[Outage] = [LockOutage(request.getfixturevalue("sqlite_url"))]
    if os.environ.get(POSTGRES_ENV) or os.environ.get("CI"):
        made.append(ProxyOutage(request.getfixturevalue("postgres_url")))
    yield made
    for outage in made:
        outage.close()


def _inbound(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(func.count(), func.count(func.distinct(Message.provider_id)))
            row = connection.execute(query.where(Message.direction == "in")).one()
    finally:
        engine.dispose()
    return row[0], row[1]


@contextmanager
def _server(url: str, folder: Path) -> Iterator[Server]:
    double = TwilioDouble()  # only for its settings: nothing is sent here
    port = free_port()
    env = serve_env(url, folder, port, double, NOW)
    env.update(ALLERVERS_CHANNELS="sandbox", TWILIO_AUTH_TOKEN=AUTH_TOKEN)
    for name in ("TWILIO_API_BASE_URL", "TWILIO_FROM_NUMBER"):
        env.pop(name)
    server = Server(env, port, folder / "serve.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _poster(base: str, http: httpx.Client) -> Callable[[int], tuple[int, float]]:
    url = base + PATH

    def post(n: int) -> tuple[int, float]:
        params = inbound_params(f"SM{n:032x}", f"+3363998{n:04d}", "Oui, jeudi matin")
        headers = {"X-Twilio-Signature": signature(url, params)}
        began = time.monotonic()
        status = http.post(url, data=params, headers=headers).status_code
        return status, time.monotonic() - began

    return post


@pytest.mark.timeout(240)
def test_webhooks_during_a_database_outage_are_acknowledged_and_stored_once(
    outages: list[Outage], tmp_path: Path
) -> None:
    folders = [tmp_path / type(outage).__name__ for outage in outages]
    for folder in folders:
        folder.mkdir()
    with ThreadPoolExecutor(len(outages)) as pool:
        list(pool.map(_outage_scenario, outages, folders))  # re-raises a failed scenario


def _outage_scenario(outage: Outage, folder: Path) -> None:
    # One client for every post (plain http: no certificates to load, which cost 30 ms of CPU
    # per new client, i.e. most of this test's CPU when each post made its own).
    with (
        _server(outage.url, folder) as server,
        ThreadPoolExecutor(16) as pool,
        httpx.Client(timeout=60, verify=False) as http,
    ):
        post = _poster(server.base, http)
        answers = list(pool.map(post, range(BEFORE)))
        outage.begin()
        began, during, numbers = time.monotonic(), [], iter(range(BEFORE, 10_000))
        while time.monotonic() - began < OUTAGE:
            wave = [pool.submit(post, next(numbers)) for _ in range(WAVE)]
            time.sleep(max(0.0, 1.0 - (time.monotonic() - began) % 1.0))
            during += wave
        answers += [future.result() for future in during]
        outage.end()
        posted_during = len(during)
        last = BEFORE + posted_during
        answers += pool.map(post, range(last, last + AFTER))
        answers += pool.map(post, range(BEFORE, last))  # Twilio retries what it posted meanwhile
        total = last + AFTER
        assert [status for status, _ in answers] == [200] * len(answers)
        slowest = max(seconds for _, seconds in answers)
        assert slowest < TWILIO_TIMEOUT, f"a webhook took {slowest:.1f} s to be acknowledged"
        wait_for(lambda: _inbound(outage.url)[0] >= total, limit=60, what="every webhook stored")
    # Counted once the server has stopped (its requests, replays and background tasks finished
    # first): a second copy of any message would be there by now.
    assert _inbound(outage.url) == (total, total)
    assert posted_during >= OUTAGE * WAVE * 0.9
    # The outage was real: what was posted meanwhile went to the spool, then was replayed.
    spooled = server.log_path.read_text().count("database unreachable: inbound")
    assert spooled >= posted_during
