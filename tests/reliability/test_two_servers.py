"""Two `allervers serve` processes on PostgreSQL, one outbox: no message is sent twice."""

from __future__ import annotations

from collections import Counter
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

COUNT = 300


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_two_servers_on_the_same_outbox_send_each_message_once(
    postgres_url: str, tmp_path: Path
) -> None:
    double = TwilioDouble().start()
    double.latency = 0.01  # long enough for both servers to be at work
    case_ids = add_due_sends(postgres_url, COUNT)
    servers = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = serve_env(postgres_url, tmp_path / name, port, double, NOW)
            servers.append(Server(env, port, tmp_path / f"serve-{name}.log"))
        for server in servers:
            server.wait_ready()
        wait_for(
            lambda: outbox_statuses(postgres_url) == Counter(done=COUNT),
            limit=120,
            what="every row done",
        )
    finally:
        for server in servers:
            server.stop()
        double.stop()
    assert received_by_address(double) == Counter({phone(n): 1 for n in case_ids})
    messages = out_messages(postgres_url)
    assert sorted(case_id for case_id, _, _ in messages) == case_ids
    assert {status for _, _, status in messages} <= {"queued", "accepted"}
    # Both took part: the rows were shared, not run by one while the other idled.
    handed = [s.log_path.read_text().count("messages handed to their channels") for s in servers]
    assert all(handed), handed
