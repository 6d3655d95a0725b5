"""Benchmark: signed Twilio inbound webhooks against `allervers serve` on a fresh SQLite file.

    .venv/bin/python bench/webhooks.py [--duration 20] [--workers 4] [--replays 0.1]

Starts the real server (`allervers serve`, scheduler included) in a subprocess on 127.0.0.1 with
a new SQLite database, seeds fictional cases, then posts inbound SMS webhooks signed like Twilio
signs them (twilio's RequestValidator) from a few concurrent httpx workers for a fixed duration;
10% of the posts replay a MessageSid already sent. Prints sustained requests per second, p50 and
p99 latency, and checks the database afterwards: every accepted MessageSid stored exactly once.
Target: >= 300 req/s with p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from serving import ROOT, Server, cli, cpu_seconds, environment, free_port
from sqlalchemy import func, select

sys.path.insert(0, str(ROOT))

from database import wait_processed
from fiction import fiction_phone

from bot.twilio_webhook import SIGNATURE_HEADER, sign
from outreach.db import make_engine
from outreach.models import Case, ContactPoint, InboxItem, Message
from tests.doubles.twilio_double import inbound_params

TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "b" * 32
PATH = "/webhooks/twilio/sms"


@dataclass
class Worker:
    latencies: list[float] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    replays: int = 0
    errors: int = 0


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory(prefix="allervers-bench-") as folder:
        port = free_port()
        env = environment(Path(folder), port, ALLERVERS_CHANNELS="sandbox", TWILIO_AUTH_TOKEN=TOKEN)
        cli(env, "db", "upgrade")
        _seed(env["ALLERVERS_DATABASE_URL"], options.cases)
        server = Server(env, port, Path(folder) / "server.log")
        try:
            server.wait_ready()
            cpu_before = cpu_seconds(server.pid)
            workers, elapsed = _load(server.base, options)
            server_cpu = cpu_seconds(server.pid) - cpu_before
            _, drained = wait_processed(env["ALLERVERS_DATABASE_URL"], limit=120.0)
            drain_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.stop()
        _report(workers, elapsed, env["ALLERVERS_DATABASE_URL"], options)
        requests = max(1, sum(len(worker.latencies) for worker in workers))
        print(f"server CPU    {server_cpu / requests * 1000:.2f} ms a request during the load")
        print(
            f"backlog       all processed {drained:.1f} s after the load stopped "
            f"(server CPU {drain_cpu / requests * 1000:.2f} ms a request in all)"
        )


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients")
    parser.add_argument("--replays", type=float, default=0.1, help="share of replayed sids")
    parser.add_argument("--cases", type=int, default=500, help="fictional cases to seed")
    return parser.parse_args()


def _seed(url: str, cases: int) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for number in range(cases):
            case_id = connection.execute(
                Case.__table__.insert().values(
                    reference=f"BENCH-{number:05d}",
                    status="new",
                    language="fr",
                    opted_out=False,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
            connection.execute(
                ContactPoint.__table__.insert().values(
                    case_id=case_id,
                    kind="phone",
                    value=fiction_phone(number),
                    line_type="mobile",
                    sms_capable=True,
                    state="ok",
                    position=0,
                    created_at=now,
                )
            )
    engine.dispose()


def _load(base: str, options: argparse.Namespace) -> tuple[list[Worker], float]:
    workers = [Worker() for _ in range(options.workers)]
    stop_at = time.monotonic() + options.duration
    threads = [
        threading.Thread(target=_work, args=(base, index, worker, stop_at, options))
        for index, worker in enumerate(workers)
    ]
    started, cpu = time.monotonic(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    print(f"client CPU    {(time.process_time() - cpu) / elapsed:.0%} of one core")
    return workers, elapsed


def _work(
    base: str, index: int, worker: Worker, stop_at: float, options: argparse.Namespace
) -> None:
    rng = random.Random(index)
    url = base + PATH
    sent: list[str] = []
    serial = 0
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < stop_at:
            if sent and rng.random() < options.replays:
                sid = rng.choice(sent)
                worker.replays += 1
            else:
                serial += 1
                sid = f"SM{index:04x}{serial:028x}"
            params = _inbound(sid, rng.randrange(options.cases + options.cases // 10))
            headers = {SIGNATURE_HEADER: sign(TOKEN, url, params)}
            began = time.perf_counter()
            try:
                response = client.post(url, data=params, headers=headers)
            except httpx.HTTPError:
                worker.errors += 1
                continue
            worker.latencies.append(time.perf_counter() - began)
            if response.status_code == 200 and "<Response/>" in response.text:
                worker.accepted.add(sid)
                if sid not in sent:
                    sent.append(sid)
            else:
                worker.errors += 1


def _inbound(sid: str, number: int) -> dict[str, str]:
    """Twilio's form for an SMS from fiction phone `number` (past the seeded cases: unknown)."""
    body = "Oui, je suis disponible jeudi matin"
    return inbound_params(sid, fiction_phone(number), body, AccountSid=ACCOUNT)


def _report(workers: list[Worker], elapsed: float, url: str, options: argparse.Namespace) -> None:
    latencies = sorted(value for worker in workers for value in worker.latencies)
    accepted = set().union(*(worker.accepted for worker in workers))
    requests = len(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(requests - 1, int(requests * 0.99))] * 1000
    rate = requests / elapsed
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = connection.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
        distinct = connection.scalar(
            select(func.count(func.distinct(Message.provider_id))).where(Message.direction == "in")
        )
        processed = connection.scalar(
            select(func.count()).where(Message.direction == "in", Message.processed.is_(True))
        )
        inbox = connection.scalar(select(func.count()).select_from(InboxItem))
        sids = set(connection.scalars(select(Message.provider_id).where(Message.direction == "in")))
    engine.dispose()
    exactly_once = stored == distinct == len(accepted) and sids == accepted
    print(f"workers {options.workers}, {elapsed:.1f} s, {options.replays:.0%} replays")
    print(f"requests      {requests} ({sum(w.replays for w in workers)} replays)")
    print(f"errors        {sum(w.errors for w in workers)}")
    print(f"throughput    {rate:.0f} req/s sustained")
    print(f"latency       p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"accepted sids {len(accepted)}; stored rows {stored}; distinct {distinct}")
    print(f"processed     {processed} (inbox items {inbox})")
    print(f"exactly once  {'yes' if exactly_once else 'NO'}")
    target = rate >= 300 and p99 <= 50
    print(f"target        {'met' if target else 'missed'} (>= 300 req/s, p99 <= 50 ms)")
    if not exactly_once:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
