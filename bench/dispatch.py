"""Benchmark the outbox dispatcher.

    .venv/bin/python bench/dispatch.py [--future 1000000] [--due 10000] [--postgres URL]

(a) Idle tick: 1,000,000 future outbox rows, none due: the cost of one dispatcher pass (and of a
    full tick with crash recovery). Target ≤ 5 ms: an index on (status, due_at), a LIMITed query.
(b) Throughput: 10,000 due SMS through the real Twilio SDK to the loopback Twilio double
    (tests/doubles/twilio_double.py), rate limits off. Target ≥ 300 messages/s on SQLite.
    Beside it, the same 10,000 sends scheduled the naive way, one APScheduler job each in its
    SQLAlchemy job store, measured in the same run: time to schedule, start-up after a restart,
    messages/s and memory. Each approach runs in its own process so memory figures are clean.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from database import temporary_postgres  # noqa: E402
from dispatch_data import (  # noqa: E402
    NOW,
    add_cases,
    add_due_steps,
    add_future_rows,
    add_pending_messages,
    fresh_database,
    sent_count,
)
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from outreach.clock import FrozenClock  # noqa: E402
from outreach.engine.dispatcher import Dispatcher, dispatch_due  # noqa: E402
from outreach.engine.tick import tick  # noqa: E402
from outreach.sending.config import load_engine_config  # noqa: E402

# --- (a) idle tick ----------------------------------------------------------------------------


def idle_tick(url: str, future: int) -> dict[str, object]:
    sessions = fresh_database(url)
    [case_id] = add_cases(sessions, 1)
    started = time.perf_counter()
    add_future_rows(sessions, future, case_id)
    loaded = time.perf_counter() - started
    dispatcher = Dispatcher(
        sessions=sessions,
        clock=FrozenClock(NOW),
        channels={},
        config=load_engine_config(ALLERVERS_RATE_LIMITS="off"),
    )
    dispatch_ms = _timings(lambda: dispatch_due(dispatcher), runs=200)
    tick_ms = _timings(lambda: tick(dispatcher), runs=200)
    return {
        "database": url.split(":", 1)[0],
        "future_rows": future,
        "load_s": round(loaded, 1),
        "dispatch_pass_ms": dispatch_ms,
        "full_tick_ms": tick_ms,
        "plan": _plan(sessions),
    }


def _timings(call: Callable[[], object], runs: int) -> dict[str, float]:
    call()  # warm the connection pool and statement cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median": round(statistics.median(samples), 3),
        "p95": round(samples[int(runs * 0.95)], 3),
        "max": round(samples[-1], 3),
    }


def _plan(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            return "see EXPLAIN on PostgreSQL"
        rows = session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id FROM outbox_item WHERE status = 'pending' "
                "AND due_at <= :now ORDER BY priority, due_at, id LIMIT 50"
            ),
            {"now": NOW.replace(tzinfo=None)},
        ).all()
    return " | ".join(str(row[-1]) for row in rows)


# --- (b) throughput: the outbox -------------------------------------------------------------


def twilio_channel(base_url: str):  # type: ignore[no-untyped-def]
    from bot.twilio_sms import TwilioSmsChannel
    from outreach.settings import load_settings
    from tests.doubles.twilio_double import ACCOUNT_SID, AUTH_TOKEN

    settings = load_settings(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER="+33639980000",
        TWILIO_API_BASE_URL=base_url,
        ALLERVERS_CHANNELS="sms",
    )
    return TwilioSmsChannel(settings)


def outbox_throughput(url: str, due: int, base_url: str) -> dict[str, object]:
    sessions = fresh_database(url)
    case_ids = add_cases(sessions, due)
    started = time.perf_counter()
    add_due_steps(sessions, case_ids)
    scheduled = time.perf_counter() - started
    channel = twilio_channel(base_url)
    started = time.perf_counter()
    dispatcher = Dispatcher(
        sessions=sessions,
        clock=FrozenClock(NOW),
        channels={"sms": channel},
        config=load_engine_config(ALLERVERS_RATE_LIMITS="off", ALLERVERS_DISPATCH_BATCH="100"),
    )
    first = dispatch_due(dispatcher, max_items=1)  # a restart: claims and sends the first batch
    ready = time.perf_counter() - started
    report = first + dispatch_due(dispatcher)
    elapsed = time.perf_counter() - started
    assert report["sent"] == due and sent_count(sessions) == due, dict(report)
    return {
        "approach": "outbox + dispatcher",
        "messages": due,
        "schedule_s": round(scheduled, 2),
        "startup_s (restart to first send)": round(ready, 3),
        "send_s": round(elapsed, 2),
        "messages_per_s": round(due / elapsed),
        "peak_rss_mb": _peak_rss_mb(),
    }


# --- (b) throughput: one APScheduler job per message ----------------------------------------

_naive: dict[str, object] = {}


def naive_send(message_id: int) -> None:
    """The job of the naive way: deliver one message (outbox-then-send all the same)."""
    from outreach.sending.send_now import deliver

    deliver(
        _naive["sessions"],  # type: ignore[arg-type]
        clock=_naive["clock"],  # type: ignore[arg-type]
        channels=_naive["channels"],  # type: ignore[arg-type]
        message_id=message_id,
    )


def apscheduler_throughput(url: str, due: int, base_url: str, store_url: str) -> dict[str, object]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    sessions = fresh_database(url)
    message_ids = add_pending_messages(sessions, add_cases(sessions, due))
    _naive.update(
        sessions=sessions, clock=FrozenClock(NOW), channels={"sms": twilio_channel(base_url)}
    )

    def scheduler() -> BackgroundScheduler:
        return BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=store_url)},
            job_defaults={"misfire_grace_time": None},
        )

    first = scheduler()
    first.start(paused=True)
    started = time.perf_counter()
    run_at = datetime.now(UTC)
    for message_id in message_ids:
        first.add_job(naive_send, "date", run_date=run_at, args=[message_id], id=str(message_id))
    scheduled = time.perf_counter() - started
    first.shutdown(wait=False)  # a restart: the jobs wait in the job store
    second = scheduler()
    started = time.perf_counter()
    second.start()
    ready = None
    while (count := sent_count(sessions)) < due:
        if ready is None and count:
            ready = time.perf_counter() - started  # the first job has run: started up
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    second.shutdown(wait=True)
    return {
        "approach": "one APScheduler job per message (SQLAlchemyJobStore)",
        "messages": due,
        "schedule_s": round(scheduled, 2),
        "startup_s (restart to first send)": round(ready or elapsed, 3),
        "send_s": round(elapsed, 2),
        "messages_per_s": round(due / elapsed),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- orchestration ----------------------------------------------------------------------------


def _child(part: str, *args: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--part", part, *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{part} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--future", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument(
        "--postgres", help="also measure (a) on a temporary database of this PostgreSQL server"
    )
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--double", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(_run_part(args)))
        return
    _orchestrate(args)


def _run_part(args: argparse.Namespace) -> dict[str, object]:
    if args.part == "idle":
        return idle_tick(args.url, args.future)
    if args.part == "outbox":
        return outbox_throughput(args.url, args.due, args.double)
    return apscheduler_throughput(args.url, args.due, args.double, args.store)


def _orchestrate(args: argparse.Namespace) -> None:
    from tests.doubles.twilio_double import TwilioDouble

    with tempfile.TemporaryDirectory(prefix="allervers-bench-") as directory:
        folder = Path(directory)
        idle = _child(
            "idle", "--url", f"sqlite:///{folder / 'idle.db'}", "--future", str(args.future)
        )
        _print("(a) idle tick, SQLite", idle)
        if args.postgres:
            with temporary_postgres(args.postgres) as database:  # never the given database
                _print(
                    "(a) idle tick, PostgreSQL",
                    _child("idle", "--url", database.url, "--future", str(args.future)),
                )
        double = TwilioDouble()
        # The double answers in two writes (headers, body); without TCP_NODELAY, Nagle and the
        # client's delayed ACK add ~40 ms to every keep-alive request. Real Twilio does not.
        double._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        double.start()
        try:
            common = ["--due", str(args.due), "--double", double.base_url]
            outbox = _child("outbox", "--url", f"sqlite:///{folder / 'outbox.db'}", *common)
            _print("(b) outbox + dispatcher, SQLite, Twilio double", outbox)
            naive = _child(
                "naive",
                "--url", f"sqlite:///{folder / 'naive.db'}",
                "--store", f"sqlite:///{folder / 'jobs.db'}",
                *common,
            )  # fmt: skip
            _print("(b) one APScheduler job per message, SQLite, Twilio double", naive)
            print(f"Twilio double accepted {len(double.sent)} messages in all.")
        finally:
            double.stop()


def _print(title: str, figures: dict[str, object]) -> None:
    print(title)
    for key, value in figures.items():
        print(f"  {key}: {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    os.environ.setdefault("ALLERVERS_LOG_LEVEL", "WARNING")
    main()
