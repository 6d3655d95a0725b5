"""The Twilio double fails for a while (500, 429 with and without Retry-After, connection
resets, connections that time out before the request is sent), then recovers: every message is
eventually sent once, and no retry comes before the backoff policy allows it. A read timeout is
different: Twilio may have taken the message, so it is flagged uncertain for the team and never
resent. The dispatcher runs in-process on a frozen clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.twilio_sms import TwilioSmsChannel
from outreach.clock import FrozenClock
from outreach.db import make_engine, make_session_factory
from outreach.engine.dispatcher import Dispatcher, dispatch_due
from outreach.models.outbox import OutboxItem
from outreach.sending.config import load_engine_config
from outreach.settings import load_settings
from tests.doubles.tcp_proxy import TcpProxy
from tests.doubles.twilio_double import ACCOUNT_SID, AUTH_TOKEN, Failure, TwilioDouble
from tests.reliability.support import NOW, add_due_sends, out_messages, phone, received_by_address

COUNT = 4
FAILING = 6  # the first pass fails entirely, the second in half; then the double recovers

SCENARIOS = {  # the double's failure (it counts down, so a new one per test), Retry-After
    "500": (dict(status=500, body="<html>Internal error</html>"), None),
    "429 with Retry-After": (dict(code=20429, retry_after="300"), 300.0),
    "429 without Retry-After": (dict(code=20429), None),
    "connection reset": (dict(reset=True), None),
}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dispatcher(db_url: str, base_url: str) -> Dispatcher:
    """An in-process dispatcher on a frozen clock, sending SMS to the double (0.5 s timeout)."""
    settings = load_settings(
        ALLERVERS_DATABASE_URL=db_url,
        ALLERVERS_CHANNELS="sms",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER="+33639989999",
        TWILIO_API_BASE_URL=base_url,
    )
    return Dispatcher(
        sessions=make_session_factory(make_engine(db_url)),
        clock=FrozenClock(NOW),
        channels={"sms": TwilioSmsChannel(settings, timeout=0.5)},
        config=load_engine_config(ALLERVERS_RATE_LIMITS="off", ALLERVERS_DISPATCH_BATCH="2"),
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_failing_provider_then_recovering_gets_each_message_sent_once(
    db_url: str, scenario: str
) -> None:
    failure, retry_after = SCENARIOS[scenario]
    double = TwilioDouble().start()
    double.fail_next(Failure(**failure, times=FAILING))  # type: ignore[arg-type]
    case_ids = add_due_sends(db_url, COUNT)
    dispatcher = _dispatcher(db_url, double.base_url)
    try:
        attempts = _dispatch_until_sent(dispatcher, retry_after)
    finally:
        double.stop()
        dispatcher.sessions.kw["bind"].dispose()
    _check_each_sent_once(db_url, double, case_ids)
    assert max(attempts.values()) == 2  # some failed twice before the double recovered
    answered = Counter(call.answered for call in double.calls)
    assert answered[201] == COUNT and answered.total() == COUNT + FAILING


@pytest.mark.timeout(120)
def test_connect_timeouts_then_recovery_get_each_message_sent_once(db_url: str) -> None:
    # Nothing answers the TCP handshake: the request never left, so a retry is safe.
    double = TwilioDouble().start()
    upstream = urlsplit(double.base_url)
    proxy = TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 80)).start()
    case_ids = add_due_sends(db_url, COUNT)
    dispatcher = _dispatcher(db_url, upstream._replace(netloc=f"127.0.0.1:{proxy.port}").geturl())
    proxy.black_hole()
    try:
        attempts = _dispatch_until_sent(dispatcher, None, after_first_pass=proxy.start)
    finally:
        proxy.stop()
        double.stop()
        dispatcher.sessions.kw["bind"].dispose()
    _check_each_sent_once(db_url, double, case_ids)
    assert sorted(attempts.values()) == [1] * COUNT  # each timed out once, then went through
    assert len(double.calls) == COUNT


def _dispatch_until_sent(
    dispatcher: Dispatcher,
    retry_after: float | None,
    *,
    after_first_pass: Callable[[], object] | None = None,
) -> dict[int, int]:
    """Dispatch passes on the frozen clock, each retry checked against the backoff policy;
    the failed attempts of each outbox item."""
    sessions, clock, backoff = dispatcher.sessions, dispatcher.clock, dispatcher.config.backoff
    attempts: dict[int, int] = {}
    for _ in range(10):
        now = clock.now()
        report = dispatch_due(dispatcher)
        assert set(report) <= {"sent", "retry"}, report
        if after_first_pass is not None:
            after_first_pass()
            after_first_pass = None
        with sessions() as session:
            waiting = session.execute(
                select(OutboxItem.id, OutboxItem.attempts, OutboxItem.due_at).where(
                    OutboxItem.status == "pending"
                )
            ).all()
        for row in waiting:
            if attempts.get(row.id) != row.attempts:  # failed in this pass: its backoff
                delay = backoff.delay(row.attempts, retry_after)
                assert _utc(row.due_at) == now + timedelta(seconds=delay), (row, delay)
                attempts[row.id] = row.attempts
        if not waiting:
            return attempts
        next_due = min(_utc(row.due_at) for row in waiting)
        clock.set(next_due - timedelta(seconds=1))  # just before: nothing is retried
        assert dispatch_due(dispatcher).total() == 0
        clock.set(next_due)
    raise AssertionError("messages still waiting after 10 passes")


def _check_each_sent_once(db_url: str, double: TwilioDouble, case_ids: list[int]) -> None:
    assert received_by_address(double) == Counter({phone(n): 1 for n in case_ids})
    messages = out_messages(db_url)
    assert sorted(case_id for case_id, _, _ in messages) == case_ids
    assert {status for _, _, status in messages} == {"queued"}


@pytest.mark.timeout(120)
def test_a_timed_out_send_is_flagged_uncertain_and_never_resent(db_url: str) -> None:
    from outreach.models import InboxItem

    double = TwilioDouble().start()
    double.fail_next(Failure(status=503, hang=1.0, times=2))
    add_due_sends(db_url, COUNT)
    dispatcher = _dispatcher(db_url, double.base_url)
    sessions, clock = dispatcher.sessions, dispatcher.clock
    try:
        reports = [dispatch_due(dispatcher) for _ in range(3)]
        clock.advance(days=2)  # long after any backoff: still nothing is resent
        reports.append(dispatch_due(dispatcher))
        with sessions() as session:
            flagged = list(session.scalars(select(InboxItem.kind)))
            items = Counter(session.scalars(select(OutboxItem.status)))
    finally:
        double.stop()
        dispatcher.sessions.kw["bind"].dispose()
    assert sum(report["uncertain"] for report in reports) == 2
    assert len(double.calls) == COUNT  # two timed out, two sent, none resent
    statuses = Counter(status for _, _, status in out_messages(db_url))
    assert statuses == Counter({"uncertain": 2, "queued": 2})
    assert flagged.count("uncertain_send") == 2
    assert items["uncertain"] == 2
