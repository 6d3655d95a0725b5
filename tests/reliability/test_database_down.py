"""PostgreSQL unreachable for a few seconds during a burst of inbound Twilio webhooks to a real
`allervers serve`: every webhook is acknowledged, and once the database is back every message is
stored exactly once (Twilio's own retries of the same MessageSid included)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from outreach.db import make_engine
from outreach.models import Message
from tests.doubles.twilio_double import AUTH_TOKEN, TwilioDouble, inbound_params, signature
from tests.reliability.support import NOW, Server, free_port, serve_env, wait_for
from tests.reliability.tcp_proxy import TcpProxy

PATH = "/webhooks/twilio/sms"
PER_PHASE = 20


def _inbound(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(func.count(), func.count(func.distinct(Message.provider_id)))
            row = connection.execute(query.where(Message.direction == "in")).one()
    finally:
        engine.dispose()
    return row[0], row[1]


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_webhooks_during_a_database_outage_are_acknowledged_and_stored_once(
    postgres_url: str, tmp_path: Path
) -> None:
    real = make_url(postgres_url)
    proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432)).start()
    via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    double = TwilioDouble()  # only for its settings: nothing is sent here
    port = free_port()
    env = serve_env(via_proxy, tmp_path, port, double, NOW)
    env.update(ALLERVERS_CHANNELS="sandbox", TWILIO_AUTH_TOKEN=AUTH_TOKEN)
    for name in ("TWILIO_API_BASE_URL", "TWILIO_FROM_NUMBER"):
        env.pop(name)
    server = Server(env, port, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}{PATH}"
    sids = [f"SM{n:032x}" for n in range(3 * PER_PHASE)]

    def post(n: int) -> int:
        params = inbound_params(sids[n], f"+3363998{n:04d}", "Oui, jeudi matin")
        headers = {"X-Twilio-Signature": signature(url, params)}
        return httpx.post(url, data=params, headers=headers, timeout=30).status_code

    try:
        server.wait_ready()
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, range(PER_PHASE)))
            proxy.stop()  # the database is gone
            answers += pool.map(post, range(PER_PHASE, 2 * PER_PHASE))
            time.sleep(1)
            proxy.start()  # back, on the same port
            answers += pool.map(post, range(2 * PER_PHASE, 3 * PER_PHASE))
            answers += pool.map(post, range(PER_PHASE, 2 * PER_PHASE))  # Twilio retries
        assert answers == [200] * (4 * PER_PHASE)
        wait_for(
            lambda: _inbound(postgres_url)[0] >= 3 * PER_PHASE,
            limit=60,
            what="every webhook stored",
        )
        time.sleep(0.5)  # a second copy would show up now
    finally:
        server.stop()
        proxy.stop()
    assert _inbound(postgres_url) == (3 * PER_PHASE, 3 * PER_PHASE)
    # The outage was real: the webhooks posted meanwhile went to the spool, then were replayed.
    assert server.log_path.read_text().count("database unreachable: inbound") >= PER_PHASE
