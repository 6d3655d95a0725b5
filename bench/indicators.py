"""Benchmark: the indicators page at 10,000 households, on SQLite and on PostgreSQL.

    .venv/bin/python bench/indicators.py [--cases 10000] [--rounds 20]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/test]

Seeds the households (bulk inserts; a first message for most, a reply, a held visit, a closed
case with its outcome for some), then times GET /indicators through the whole app (TestClient:
routing, session, the figures kept by the app as the scheduler keeps them, the key figures with
the previous period, every outcome and delay table, the charts and the template) for a team
coordinator and for an evaluator (small cells hidden), over a mix of periods and sectors. The
first request of each scenario counts the figures (the scheduler does this in the background
every few minutes) and is reported apart. Target: p95 ≤ 300 ms. All people are fiction.
With --postgres the same run follows on a temporary PostgreSQL database, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from case_list import NOW, percentile, seed
from database import Database, sqlite_file, temporary_postgres
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from outreach.clock import FrozenClock
from outreach.db import make_engine, transaction
from outreach.migrate import upgrade
from outreach.models import Case, Message, Visit
from outreach.team.passwords import set_password
from outreach.team.users import add_user

PASSWORD = "banc d'essai des indicateurs"
TARGET_MS = 300
SCENARIOS = {
    "everything": "/indicators",
    "one month": "/indicators?start=2026-02&end=2026-02",
    "quarter + change": "/indicators?start=2026-01&end=2026-03",
    "one sector": "/indicators?sector=lens",
    "sector + months": "/indicators?start=2026-02&end=2026-03&sector=arras",
}


def activity(session, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Messages, replies, visits and closings over the seeded households."""
    messages, visits = [], []
    cases = session.execute(select(Case.id, Case.import_month)).all()
    closings = []
    for case_id, _month in cases:
        start = NOW - timedelta(days=rng.randint(20, 70))
        if rng.random() < 0.8:
            messages.append(_message(case_id, "out", start))
            if rng.random() < 0.4:
                reply = start + timedelta(hours=rng.randint(2, 200))
                messages.append(_message(case_id, "in", reply))
                if rng.random() < 0.5:
                    at = reply + timedelta(days=rng.randint(2, 15))
                    visits.append(_visit(case_id, at))
                    if rng.random() < 0.4:
                        closings.append(
                            {"id": case_id, "outcome": rng.choice(("kept_home", "repayment_plan"))}
                        )
    session.execute(insert(Message), messages)
    session.execute(insert(Visit), visits)
    for row in closings:
        case = session.get_one(Case, row["id"])
        case.status, case.outcome, case.closed_at = "closed", row["outcome"], NOW


def _message(case_id: int, direction: str, at):  # type: ignore[no-untyped-def]
    return {
        "direction": direction, "channel": "sms", "case_id": case_id,
        "address": "+33639980000", "body": "…", "processed": True, "created_at": at,
        "status": "delivered" if direction == "out" else "received",
    }  # fmt: skip


def _visit(case_id: int, at):  # type: ignore[no-untyped-def]
    return {
        "case_id": case_id, "starts_at": at, "ends_at": at + timedelta(hours=1),
        "window_starts_at": at, "window_ends_at": at + timedelta(hours=1),
        "time_window": "entre 10 h et 11 h", "status": "held", "created_at": at,
    }  # fmt: skip


def run(database: Database, args: argparse.Namespace, folder: Path) -> float:
    from api.app import create_app
    from api.services import build_services
    from outreach.settings import load_settings

    engine = make_engine(database.url)
    upgrade(engine)
    clock = FrozenClock(NOW)
    started = time.perf_counter()
    services = build_services(
        load_settings(
            ALLERVERS_DATABASE_URL=database.url,
            ALLERVERS_CHANNELS="sandbox",
            ALLERVERS_SPOOL_DIR=str(folder / "spool"),
        ),
        engine=engine,
        clock=clock,
    )
    rng = random.Random(11)
    with transaction(services.sessions) as session:
        seed(session, args.cases, rng)
        activity(session, rng)
        for email, role in (("c@example.org", "coordinator"), ("e@example.org", "evaluator")):
            user = add_user(session, clock=clock, email=email, name=role, role=role).user
            set_password(session, clock=clock, user=user, password=PASSWORD)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    print(f"\n{database.title}: seeded {args.cases:,} households in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    everything: list[float] = []
    print(f"{'who / scenario':<34} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for who in ("c@example.org", "e@example.org"):
        with TestClient(create_app(services=services)) as client:
            login = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            client.post("/login", data={"email": who, "password": PASSWORD, "csrf": csrf})
            for name, url in SCENARIOS.items():
                begin = time.perf_counter()
                assert client.get(url).status_code == 200, url
                first = (time.perf_counter() - begin) * 1000
                timings = []
                for _ in range(args.rounds):
                    begin = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - begin) * 1000)
                    assert response.status_code == 200
                everything += timings
                label = f"{who.split('@')[0]} · {name}"
                print(
                    f"{label:<34} {first:9.0f} {statistics.median(timings):8.1f} "
                    f"{percentile(timings, 0.95):8.1f}"
                )
    p95 = percentile(everything, 0.95)
    print(f"{'ALL':<34} {'':>9} {statistics.median(everything):8.1f} {p95:8.1f}"
          f"  (target p95 ≤ {TARGET_MS})")  # fmt: skip
    services.dispose()
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres", metavar="URL", help="also on a temporary database there")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="allervers-bench-indicators-"))
    results = []
    with sqlite_file(folder / "bench.db") as database:
        results.append(run(database, args, folder))
    if args.postgres:
        with temporary_postgres(args.postgres) as database:
            results.append(run(database, args, folder))
    sys.exit(0 if all(p95 <= TARGET_MS for p95 in results) else 1)


if __name__ == "__main__":
    main()
