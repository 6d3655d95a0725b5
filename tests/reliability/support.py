"""Helpers of the fault suite: a real `allervers serve` subprocess on a test database, pointed at
the in-process Twilio double, and fictional households (as many as a test asks) with an SMS due now.

Phones are in the range ARCEP reserves for fiction (06 39 98 xx xx): they reach nobody.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from outreach.db import make_engine, make_session_factory
from outreach.models import Case, ContactPoint, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sequences.loader import SequenceStep
from tests.doubles.twilio_double import ACCOUNT_SID, AUTH_TOKEN, TwilioDouble

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 4, 29, 8, 0, tzinfo=UTC)  # Wednesday 10:00 in Paris: the window is open
ONE_STEP = [SequenceStep(day=0, send="reminder", channels=("sms",)).to_dict()]


def answers_health(
    base: str, process: subprocess.Popen[bytes], *, limit: float, pause: float
) -> bool:
    """Poll `base`/healthz until it answers 200 (True), or the process ends or `limit` seconds
    pass (False). Also used by bench/serving.py."""
    deadline = time.monotonic() + limit
    # One client for the whole wait (plain http, no certificates to load each time).
    with httpx.Client(timeout=1, verify=False) as http:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if http.get(f"{base}/healthz").status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(pause)
    return False


def phone(case_id: int) -> str:
    return f"+3363998{case_id:04d}"


def add_due_sends(url: str, count: int) -> list[int]:
    """`count` households, each in a one-step sequence whose SMS is due at NOW."""
    engine = make_engine(url)
    ids = list(range(1, count + 1))
    with make_session_factory(engine).begin() as session:
        session.execute(
            insert(Case),
            [
                {
                    "id": n, "reference": f"REL-{n:05d}", "status": "contacting",
                    "language": "fr", "opted_out": False, "search_text": "",
                    "created_at": NOW, "updated_at": NOW,
                }
                for n in ids
            ],
        )  # fmt: skip
        session.execute(
            insert(ContactPoint),
            [
                {
                    "case_id": n, "kind": "phone", "value": phone(n), "line_type": "mobile",
                    "sms_capable": True, "state": "ok", "position": 0, "created_at": NOW,
                }
                for n in ids
            ],
        )  # fmt: skip
        session.execute(
            insert(Enrolment),
            [
                {
                    "id": n, "case_id": n, "sequence": "reliability", "version": "1",
                    "steps": ONE_STEP, "status": "active", "next_step": 0, "started_at": NOW,
                    "anchor_at": NOW,
                }
                for n in ids
            ],
        )  # fmt: skip
        session.execute(
            insert(OutboxItem),
            [
                {
                    "kind": "step", "status": "pending", "priority": 10, "send_window": "send",
                    "due_at": NOW, "case_id": n, "enrolment_id": n, "step_index": 0,
                    "skip_channels": [], "attempts": 0, "created_at": NOW,
                }
                for n in ids
            ],
        )  # fmt: skip
    engine.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(url: str, folder: Path, port: int, double: TwilioDouble, now: datetime) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "ALLERVERS_"))
    }
    env.update(
        ALLERVERS_DATABASE_URL=url,
        ALLERVERS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ALLERVERS_SPOOL_DIR=str(folder / "spool"),
        ALLERVERS_CHANNELS="sms",
        ALLERVERS_RATE_LIMITS="off",
        ALLERVERS_TICK_SECONDS="0.2",
        ALLERVERS_DISPATCH_BATCH="20",
        ALLERVERS_NOW=now.isoformat(),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER="+33639989999",
        TWILIO_API_BASE_URL=double.base_url,
        PYTHONPATH=str(ROOT),
    )
    return env


class Server:
    """`allervers serve` in a subprocess; its output goes to a log file."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log_path = log
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from api.cli.main import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=self._log,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, limit: float = 60.0) -> None:
        if answers_health(self.base, self.process, limit=limit, pause=0.1):
            return
        ended = "exited" if self.process.poll() is not None else "did not start"
        raise AssertionError(f"serve {ended}: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def wait_for(condition: Callable[[], bool], *, limit: float, what: str) -> None:
    """Poll until `condition()` holds, at most `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {limit} s waiting for {what}")


def outbox_statuses(url: str) -> Counter[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            ).all()
    finally:
        engine.dispose()
    return Counter({status: count for status, count in rows})


def out_messages(url: str) -> list[tuple[int, str, str]]:
    """(case id, address, status) of every outbound message."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Message.case_id, Message.address, Message.status).where(
                    Message.direction == "out"
                )
            ).all()
    finally:
        engine.dispose()
    return [(row.case_id, row.address, row.status) for row in rows]


def received_by_address(double: TwilioDouble) -> Counter[str]:
    """How many times the double accepted a message to each address."""
    return Counter(message["to"] for message in double.sent)
