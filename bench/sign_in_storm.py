"""Benchmark: a storm of wrong sign-ins against `allervers serve`, and what it does to the rest.

    .venv/bin/python bench/sign_in_storm.py [--postgres URL] [--count 10 --count 30]

For each database and storm size: a fresh database, one fictional team member, the real server
on 127.0.0.1 (the loopback Twilio double behind it); N wrong sign-ins for that member sent at
once while one client polls /healthz every 50 ms and another posts a signed Twilio webhook every
100 ms. Prints the sign-in answers, /healthz and webhook latencies (p50, max), and how many
passwords were actually checked before the lock (audit trail).
Targets (issue #13): no 5xx, /healthz max <= 1 s, webhook max <= 2 s, exactly 5 checks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

from database import sqlite_file, temporary_postgres
from serving import ROOT, machine

sys.path.insert(0, str(ROOT))

from sqlalchemy import select

from outreach.clock import FrozenClock
from outreach.db import make_engine, make_session_factory
from outreach.migrate import upgrade
from outreach.models import AuditEvent
from tests.doubles.twilio_double import TwilioDouble
from tests.reliability.support import NOW, Server, free_port, serve_env
from tests.reliability.test_sign_in_storm import storm
from tests.web_support import make_member


def run(url: str, folder: Path, count: int) -> str:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    member = make_member(sessions, FrozenClock(NOW), email="tempete@example.org")
    double = TwilioDouble().start()
    port = free_port()
    server = Server(serve_env(url, folder, port, double, NOW), port, folder / "server.log")
    try:
        server.wait_ready()
        sign_ins, health, webhooks = storm(server, member.email, count)
    finally:
        server.stop()
        double.stop()
    with sessions() as session:
        actions = Counter(session.scalars(select(AuditEvent.action)).all())
    engine.dispose()
    checked = actions["auth.login_failed"] + actions["auth.locked"]
    return (
        f"  {count:>2} at once  sign-ins {dict(sorted(sign_ins.items()))}; passwords checked "
        f"{checked} (locked: {actions['auth.locked']})\n"
        f"              /healthz {len(health.seconds)} polls, p50 "
        f"{statistics.median(health.seconds) * 1000:.0f} ms, max "
        f"{max(health.seconds) * 1000:.0f} ms, statuses {dict(health.statuses)}\n"
        f"              webhooks {len(webhooks.seconds)} posts, p50 "
        f"{statistics.median(webhooks.seconds) * 1000:.0f} ms, max "
        f"{max(webhooks.seconds) * 1000:.0f} ms, statuses {dict(webhooks.statuses)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a temporary database)")
    parser.add_argument("--count", type=int, action="append", help="storm size (repeatable)")
    arguments = parser.parse_args()
    counts = arguments.count or [10, 30]
    print("Sign-in storm against `allervers serve`")
    print(f"  machine     {machine()}")
    for count in counts:
        with tempfile.TemporaryDirectory() as folder:
            if arguments.postgres:
                context = temporary_postgres(arguments.postgres)
            else:
                context = sqlite_file(Path(folder) / "storm.db")
            with context as database:
                if count == counts[0]:
                    print(f"  database    {database.title}")
                print(run(database.url, Path(folder), count))


if __name__ == "__main__":
    main()
