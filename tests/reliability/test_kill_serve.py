"""kill -9 of a running `allervers serve` in the middle of a batch of 400 SMS, then a restart:
each message was handed to Twilio exactly once, or is flagged uncertain; none lost, none doubled.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.doubles.twilio_double import TwilioDouble
from tests.reliability.support import (
    NOW,
    Server,
    add_due_sends,
    free_port,
    out_messages,
    outbox_statuses,
    phone,
    received_by_address,
    serve_env,
    wait_for,
)

# Sent 20 at a time (ALLERVERS_DISPATCH_BATCH). The kill comes after about 150 sends, well inside
# the run: the restart has about 240 left, besides the batch the kill cut.
COUNT = 400
KILL_AFTER = 150  # sends
HANDED_OVER = {"queued", "accepted"}  # Twilio's answer to a create, kept as the message status


@pytest.fixture
def double():
    double = TwilioDouble().start()
    double.latency = 0.004  # slow enough for the kill to land in the middle of the batch
    yield double
    double.stop()


def _done(url: str) -> bool:
    statuses = outbox_statuses(url)
    return statuses["pending"] == statuses["running"] == 0


def check_once_or_uncertain(url: str, double: TwilioDouble, case_ids: list[int]) -> Counter:
    received = received_by_address(double)
    assert set(received) <= {phone(n) for n in case_ids}
    messages = out_messages(url)
    by_case = {}
    for case_id, address, status in messages:
        assert case_id not in by_case, f"case {case_id}: two outbound messages"
        by_case[case_id] = status
        assert address == phone(case_id)
    assert sorted(by_case) == case_ids  # none lost: every household has its message
    outcomes: Counter = Counter()
    for case_id, status in by_case.items():
        count = received[phone(case_id)]
        if status == "uncertain":
            assert count in (0, 1), (case_id, count)
        else:
            assert (status, count) in {(s, 1) for s in HANDED_OVER}, (case_id, status, count)
        outcomes[status if status == "uncertain" else "sent"] += 1
    statuses = outbox_statuses(url)
    assert set(statuses) <= {"done", "uncertain"}, statuses
    assert statuses["uncertain"] == outcomes["uncertain"]
    return outcomes


@pytest.mark.timeout(240)
def test_kill_9_mid_batch_then_restart_sends_each_once_or_flags_it(
    db_url: str, double: TwilioDouble, tmp_path: Path
) -> None:
    case_ids = add_due_sends(db_url, COUNT)
    port = free_port()
    first = Server(serve_env(db_url, tmp_path, port, double, NOW), port, tmp_path / "serve1.log")
    try:
        first.wait_ready()
        wait_for(lambda: len(double.calls) >= KILL_AFTER, limit=60, what="the first sends")
    finally:
        first.kill()  # SIGKILL: no shutdown, no commit of the batch in flight
    received = len(double.sent)
    assert 0 < received < COUNT
    # The restart comes later than the claim lease: the dead process's claims are settled.
    later = NOW + timedelta(minutes=15)
    second = Server(serve_env(db_url, tmp_path, port, double, later), port, tmp_path / "serve2.log")
    try:
        second.wait_ready()
        wait_for(lambda: _done(db_url), limit=120, what="an empty outbox")
    finally:
        second.stop()
    outcomes = check_once_or_uncertain(db_url, double, case_ids)
    assert outcomes["sent"] + outcomes["uncertain"] == COUNT
    assert outcomes["uncertain"] <= 20  # at most one batch was in flight
