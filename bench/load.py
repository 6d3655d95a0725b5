"""Benchmark: a realistic mix of traffic against `allervers serve` for a fixed time.

    .venv/bin/python bench/load.py [--duration 30] [--clients 6] [--cases 3000] [--smoke]
                                   [--postgres postgresql://postgres@127.0.0.1:5432/test]

Starts the real server (scheduler included) in a subprocess on 127.0.0.1 with a fresh SQLite
file, its SMS channel pointed at the loopback Twilio double (tests/doubles/twilio_double.py) and
its clock fixed on a Wednesday at 10:00 in Paris (the sending window is open). Seeds a few
thousand fictional households: half were written to already (their first SMS awaits its delivery
report, the bot waits for their answer), the other half have their first SMS due now, so the
server's own dispatcher sends all through the run. Then a few concurrent clients send, for a
fixed time, what a team's server sees on a working day:
  - signed Twilio inbound SMS from the households' phones (a few replays of the same MessageSid:
    Twilio retries), and signed status callbacks (sent, then delivered / undelivered / failed)
    for the messages the server really sent and the seeded ones, on the callback URL the app
    builds (?m=<message id>);
  - the team's pages, signed in through the real login form: inbox polling, case list with
    filters and searches, case page, agenda, indicators; and the team JSON API (bearer token).
Prints requests per second and p50 / p99 latency per endpoint with the errors by status code,
the server's memory (RSS when ready, after warm-up, at the end; peak) and CPU, what reached Twilio
meanwhile and the outbox backlog left, and checks that every accepted inbound MessageSid is
stored exactly once and processed, every accepted status recorded, every send recorded.
Exits 1 on any server 5xx, transport error or lost message. All people and numbers are fiction.

With --postgres URL the server runs on PostgreSQL instead: a new database, created on that server
for the run through URL's connection and dropped at the end, even when the run fails. Either
database is migrated by `allervers db upgrade`.

The parts: load_data.py (the fictional world), load_traffic.py (the clients and their requests),
load_callbacks.py (Twilio's delivery reports), load_report.py (the checks and the report);
serving.py and database.py are shared with the other benchmarks.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

from serving import ROOT, Server, cli, cpu_seconds, environment, free_port, machine, memory_mb

sys.path.insert(0, str(ROOT))

from database import Database, sqlite_file, temporary_postgres, wait_processed
from fiction import NOW
from load_callbacks import Reports, feed_reports
from load_data import TEAM, World, seed
from load_report import (
    Checks,
    Run,
    backlog,
    check_stored,
    merged,
    print_figures,
    print_table,
    print_verdict,
    wait_sends_recorded,
    wait_spool_empty,
)
from load_traffic import GROUPS, Client, Shared, make_clients, run, weights

from outreach.clock import PARIS
from tests.doubles.twilio_double import TwilioDouble, app_settings

STOP_WAIT = 10.0  # seconds between SIGTERM and SIGKILL at the end
DEFAULTS = {"duration": 30.0, "warmup": 2.0, "clients": 6, "cases": 3000, "tick": 5.0}
SMOKE = {"duration": 1.5, "warmup": 0.3, "clients": 4, "cases": 150, "tick": 1.0, "due": 30}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, help="seconds of measured load (30)")
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (2)")
    parser.add_argument("--clients", type=int, help="concurrent clients (6)")
    parser.add_argument("--cases", type=int, help="fictional households, 100 to 9000 (3000)")
    parser.add_argument("--due", type=int, help="households whose first SMS is due (half)")
    parser.add_argument("--tick", type=float, help="server's ALLERVERS_TICK_SECONDS (5)")
    parser.add_argument("--rate-limits", help="server's ALLERVERS_RATE_LIMITS (its default)")
    parser.add_argument("--mix", default="", help="e.g. inbound=35,status=35,pages=25,api=5")
    parser.add_argument("--smoke", action="store_true", help="1.5 s on 150 cases: does it run?")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database on this server")
    parser.add_argument("--keep", type=Path, help="keep the SQLite file and server.log here")
    args = parser.parse_args()
    for name, value in {**DEFAULTS, **(SMOKE if args.smoke else {})}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if not 100 <= args.cases <= 9000:
        parser.error("--cases: 100 to 9000 (the fiction range has 10,000 numbers)")
    args.due = args.cases // 2 if args.due is None else args.due
    if not 0 <= args.due <= args.cases - 50:
        parser.error("--due: leave at least 50 households written to (the team writes to them)")
    args.mix = {**GROUPS, **_mix(parser, args.mix)}
    if sum(args.mix.values()) <= 0:
        parser.error("--mix: at least one group with a share")
    return args


def _mix(parser: argparse.ArgumentParser, text: str) -> dict[str, float]:
    mix = {}
    for part in filter(None, text.replace(" ", "").split(",")):
        name, _, value = part.partition("=")
        if name not in GROUPS or not value.replace(".", "", 1).isdigit():
            parser.error(f"--mix: {part!r} (groups: {', '.join(GROUPS)})")
        mix[name] = float(value)
    return mix


def server_settings(double: TwilioDouble, args: argparse.Namespace) -> dict[str, str]:
    settings = {key: str(value) for key, value in app_settings(double.base_url, "sms").items()}
    settings.update(ALLERVERS_NOW=NOW.isoformat(), ALLERVERS_TICK_SECONDS=str(args.tick))
    if args.rate_limits is not None:
        settings["ALLERVERS_RATE_LIMITS"] = args.rate_limits
    return settings


def database(folder: Path, postgres: str | None) -> AbstractContextManager[Database]:
    """The server's database: a temporary one on the PostgreSQL server, or a SQLite file."""
    return temporary_postgres(postgres) if postgres else sqlite_file(folder / "bench.db")


def main() -> None:
    args = options()
    # A SIGTERM unwinds like Ctrl-C: the server is stopped and a temporary database dropped.
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    with tempfile.TemporaryDirectory(prefix="allervers-bench-") as directory:
        folder = args.keep or Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        with database(folder, args.postgres) as db:
            print(
                f"Aller-Vers under a realistic load: `allervers serve`, {db.title}, "
                "the loopback Twilio double"
            )
            print(f"machine     {machine()}")
            double = TwilioDouble().start()
            try:
                failed = bench(folder, db.url, double, args)
            finally:
                double.stop()
    sys.exit(1 if failed else 0)


def bench(folder: Path, url: str, double: TwilioDouble, args: argparse.Namespace) -> bool:
    """Migrate, seed, serve, load, check and report; True when the run failed."""
    port = free_port()
    env = environment(folder, port, **server_settings(double, args), ALLERVERS_DATABASE_URL=url)
    cli(env, "db", "upgrade")
    world = seed(url, args.cases, args.due)
    _print_setup(world, args)
    server = Server(env, port, folder / "server.log")
    checks = Checks()
    try:
        server.wait_ready()
        measured, clients = drive(server, double, world, url, args)
        checks.spool_left = wait_spool_empty(folder / "spool", limit=60)
        checks.unprocessed, checks.processed_after = wait_processed(url, limit=60)
        sids = {message["sid"] for message in double.sent}
        checks.sends, checks.sends_missing = len(sids), wait_sends_recorded(url, sids, limit=15)
    finally:
        stopped = server.stop(limit=STOP_WAIT)
    check_stored(url, clients, checks)
    print()
    print_table(measured)
    print()
    replays = (measured.tallies["inbound"].replays, measured.tallies["status"].replays)
    print_figures(measured, checks, replays)
    return print_verdict(measured, checks, server.log_path, stopped, STOP_WAIT)


def _print_setup(world: World, args: argparse.Namespace) -> None:
    contacted = sum(h.contacted for h in world.households)
    print(
        f"setup       {len(world.households)} fictional households: {contacted} written to "
        f"({len(world.seeded)} SMS awaiting a delivery report), {world.due} with their first "
        f"SMS due now; {len(TEAM)} team members; {args.clients} clients"
    )
    limits = args.rate_limits if args.rate_limits is not None else "server default"
    mix = ", ".join(f"{name} {share:g}" for name, share in args.mix.items())
    print(
        f"run         {args.duration:g} s measured after {args.warmup:g} s of warm-up; mix (%) "
        f"{mix}; clock {NOW.astimezone(PARIS):%a %Y-%m-%d %H:%M} Paris; tick {args.tick:g} s; "
        f"rate limits: {limits}"
    )


def drive(
    server: Server, double: TwilioDouble, world: World, url: str, args: argparse.Namespace
) -> tuple[Run, list[Client]]:
    """Sign in, warm up, then the measured load; the figures around it."""
    fragile = {h.phone for h in world.households if h.fragile}
    reports = Reports(server.base, double, world.seeded, fragile)
    writable = [h for h in world.households if h.writable]
    shared = Shared(server.base, world, reports, writable)
    clients = make_clients(shared, args.clients)
    shares = weights(args.mix)
    ready = memory_mb(server.pid)
    memory = {"ready": ready["rss"], "ready peak": ready["peak"]}
    stop = threading.Event()
    feeder = feed_reports(reports, stop)
    run(clients, shares, args.warmup, tour=False)
    for client in clients:
        client.reset()
    memory["warm"], cpu_start = memory_mb(server.pid)["rss"], cpu_seconds(server.pid)
    sent_start, client_start = len(double.sent), time.process_time()
    elapsed = run(clients, shares, args.duration, tour=True)
    client_cpu = (time.process_time() - client_start) / elapsed
    cpu, sent, end = cpu_seconds(server.pid), len(double.sent), memory_mb(server.pid)
    memory.update(end=end["rss"], peak=end["peak"])
    stop.set()
    feeder.join()
    for client in clients:
        client.http.close()
    team_sent = sum(client.team_sent for client in clients)
    figures = Run(
        elapsed, merged(clients), memory, cpu - cpu_start, client_cpu, sent - sent_start,
        team_sent, backlog(url),
    )  # fmt: skip
    return figures, clients


if __name__ == "__main__":
    main()
