"""After the run of bench/load.py: what the database and the server's log say, and the report.

Checks that every accepted inbound MessageSid is stored exactly once and processed, every
accepted status callback recorded, every send recorded with its Twilio id; then prints the
per-endpoint table, the figures and the result.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from database import poll, reader
from fiction import NOW
from load_traffic import ENDPOINTS, Client, Tally
from sqlalchemy import func, select

from bot.twilio_client import STATUS_NAMES
from outreach.models import Message, MessageStatusEvent, OutboxItem

# --- after the run: what the database says ------------------------------------------------------


@dataclass
class Checks:
    inbound_accepted: int = 0
    inbound_stored: int = 0
    inbound_distinct: int = 0
    inbound_exactly_once: bool = False
    unprocessed: int = 0
    processed_after: float = 0.0
    spool_left: int = 0  # webhooks still waiting in the spool on disk at the end
    status_accepted: int = 0
    status_missing: int = 0
    sends: int = 0
    sends_missing: int = 0

    @property
    def lost(self) -> bool:
        return (
            not self.inbound_exactly_once
            or self.unprocessed > 0
            or self.spool_left > 0
            or self.status_missing > 0
            or self.sends_missing > 0
        )


def wait_spool_empty(spool: Path, limit: float) -> int:
    """Webhooks spooled on disk (the database was busy) and not replayed after `limit` s."""
    deadline = time.monotonic() + limit
    while (left := len(list(spool.glob("twilio_*/*.json")))) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def wait_sends_recorded(url: str, sids: set[str], limit: float) -> int:
    """How many sids the double accepted are still not on a message (after at most `limit`)."""
    query = select(Message.provider_id).where(Message.direction == "out")
    return poll(url, lambda connection: len(sids - set(connection.scalars(query))), limit)[0]


def check_stored(url: str, clients: list[Client], checks: Checks) -> None:
    """Every accepted MessageSid stored exactly once; every accepted status recorded."""
    accepted = set().union(*(client.accepted_inbound for client in clients))
    statuses = set().union(*(client.accepted_status for client in clients))
    engine = reader(url)
    with engine.connect() as connection:
        inbound = list(
            connection.scalars(select(Message.provider_id).where(Message.direction == "in"))
        )
        pairs = select(MessageStatusEvent.provider_id, MessageStatusEvent.status)
        events = {(sid, status) for sid, status in connection.execute(pairs)}
    engine.dispose()
    checks.inbound_accepted = len(accepted)
    checks.inbound_stored, checks.inbound_distinct = len(inbound), len(set(inbound))
    checks.inbound_exactly_once = len(inbound) == len(set(inbound)) and set(inbound) == accepted
    checks.status_accepted = len(statuses)
    checks.status_missing = sum(
        (sid, STATUS_NAMES.get(status, status)) not in events for sid, status in statuses
    )


def backlog(url: str) -> dict[str, int]:
    """Outbox rows left: due and pending, pending for later, running; messages not sent."""
    engine = reader(url)
    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            ).all()
        )
        due = connection.scalar(
            select(func.count()).where(OutboxItem.status == "pending", OutboxItem.due_at <= NOW)
        )
        waiting = connection.scalar(
            select(func.count()).where(
                Message.direction == "out", Message.status.in_(("pending", "sending"))
            )
        )
    engine.dispose()
    due = due or 0
    return {
        "due": due,
        "later": rows.get("pending", 0) - due,
        "running": rows.get("running", 0),
        "messages": waiting or 0,
    }


@dataclass(frozen=True)
class ServerLog:
    errors: int  # ERROR lines
    spooled: int  # webhooks written to the spool on disk instead of the database
    tracebacks: int
    first: str  # the first traceback, with the line before it


def server_log(path: Path) -> ServerLog:
    lines = path.read_text(errors="replace").splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("Traceback")]
    return ServerLog(
        errors=sum(" ERROR " in line for line in lines),
        spooled=sum(line.endswith(" spooled") and " WARNING " in line for line in lines),
        tracebacks=len(starts),
        first="\n".join(lines[max(0, starts[0] - 1) : starts[0] + 40]) if starts else "",
    )


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Run:
    """What was measured around the timed load."""

    elapsed: float
    tallies: dict[str, Tally]
    memory: dict[str, float]  # MB: RSS when ready, after warm-up, at the end; peaks (VmHWM)
    server_cpu: float
    client_cpu: float
    sent: int  # messages the Twilio double accepted during the run
    team_sent: int  # of which the team API sent at once, outside the dispatcher
    backlog: dict[str, int]


def merged(clients: list[Client]) -> dict[str, Tally]:
    total: dict[str, Tally] = {kind: Tally() for kind in ENDPOINTS}
    for client in clients:
        for kind, tally in client.tallies.items():
            total[kind].latencies += tally.latencies
            total[kind].errors.update(tally.errors)
            total[kind].replays += tally.replays
    return total


def print_table(run: Run) -> None:
    everything = Tally()
    print(f"{'endpoint':<32} {'requests':>8} {'share':>6} {'req/s':>7} {'p50 ms':>7} "
          f"{'p99 ms':>7}  errors")  # fmt: skip
    requests = sum(_count(tally) for tally in run.tallies.values())
    for kind, tally in run.tallies.items():
        everything.latencies += tally.latencies
        everything.errors.update(tally.errors)
        print(_line(ENDPOINTS[kind], tally, run.elapsed, requests))
    print(_line("all", everything, run.elapsed, requests))


def _count(tally: Tally) -> int:
    return len(tally.latencies) + sum(
        count for code, count in tally.errors.items() if not code.isdigit()
    )


def _line(name: str, tally: Tally, elapsed: float, requests: int) -> str:
    count = _count(tally)
    latencies = sorted(tally.latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0
    errors = " ".join(f"{code}:{n}" for code, n in sorted(tally.errors.items())) or "0"
    share = count / max(1, requests)
    return (
        f"{name:<32} {count:>8} {share:>6.1%} {count / elapsed:>7.1f} {p50:>7.1f} {p99:>7.1f}"
        f"  {errors}"
    )


def print_figures(run: Run, checks: Checks, replays: tuple[int, int]) -> None:
    left, mb = run.backlog, run.memory
    print(
        f"inbound     {checks.inbound_accepted} MessageSids accepted ({replays[0]} replays sent); "
        f"stored {checks.inbound_stored}, distinct {checks.inbound_distinct}: exactly once "
        f"{'yes' if checks.inbound_exactly_once else 'NO'}; "
        + (
            f"all processed {checks.processed_after:.1f} s after the load"
            if not checks.unprocessed
            else f"{checks.unprocessed} NOT processed"
        )
        + (f"; {checks.spool_left} LEFT in the spool" if checks.spool_left else "")
    )
    print(
        f"status      {checks.status_accepted} (sid, status) callbacks accepted ({replays[1]} "
        f"replays sent); not recorded: {checks.status_missing}"
    )
    print(
        f"dispatcher  {run.sent} messages reached the Twilio double during the run "
        f"({run.sent / run.elapsed:.1f} msg/s; {run.team_sent} of them sent at once by the team "
        f"API); of {checks.sends} accepted in all, not recorded with their Twilio id: "
        f"{checks.sends_missing}"
    )
    print(
        f"backlog     outbox after the run: {left['due']} due rows pending, {left['running']} "
        f"running, {left['later']} for later; {left['messages']} messages pending or sending"
    )
    print(
        f"server      RSS {mb['ready']:.1f} MB when ready, {mb['warm']:.1f} MB after warm-up, "
        f"{mb['end']:.1f} MB at the end, peak {mb['peak']:.1f} MB (VmHWM; {mb['ready peak']:.1f} "
        "MB when ready); "
        f"CPU {run.server_cpu:.1f} s over {run.elapsed:.1f} s ({run.server_cpu / run.elapsed:.0%} "
        "of one core)"
    )
    print(f"client      CPU {run.client_cpu:.0%} of one core (same machine, with the double)")


def print_verdict(run: Run, checks: Checks, log: Path, stopped: float, stop_wait: float) -> bool:
    """Print the log's figures and the result; True when the run failed.

    `stopped`: the seconds the server took to stop; it was killed if that reached `stop_wait`.
    """
    found = server_log(log)
    late = stopped >= stop_wait
    killed = f", killed: still running {stop_wait:g} s after SIGTERM" if late else ""
    print(
        f"log         {found.errors} ERROR lines, {found.tracebacks} tracebacks, "
        f"{found.spooled} webhooks spooled (database busy); stopped in {stopped:.1f} s{killed}"
    )
    codes = Counter[str]()
    for tally in run.tallies.values():
        codes.update(tally.errors)
    reasons = [
        *(f"{n} answers {code}" for code, n in codes.items() if code.startswith("5")),
        *(f"{n} {code}" for code, n in codes.items() if not code.isdigit()),
        *(["lost or duplicated messages"] if checks.lost else []),
    ]
    if found.first:
        print("first traceback of the server's log:\n" + found.first)
    print(f"result      {'FAILED: ' + ', '.join(reasons) if reasons else 'OK'}")
    return bool(reasons)
