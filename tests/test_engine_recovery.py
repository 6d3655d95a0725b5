"""Crashes and restarts: nothing lost, nothing sent twice without a trace."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.clock import PARIS
from outreach.db import make_engine, make_session_factory
from outreach.engine.tick import tick
from outreach.models import InboxItem, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sending.outbox import claim_due
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, dispatcher, run_until
from tests.factories import make_case

START = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)  # a Wednesday
ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ["2026-04-29 Wed 10:00", "2026-05-02 Sat 09:00", "2026-05-09 Sat 10:00"]


def _enrol(sessions, clock, count: int = 1) -> None:
    with sessions.begin() as session:
        for _ in range(count):
            enrol(session, clock=clock, case=make_case(session, clock=clock))


def test_a_restart_in_the_middle_loses_and_doubles_nothing(db_url, clock) -> None:
    clock.set(START)
    first_engine = make_engine(db_url)
    sessions = make_session_factory(first_engine)
    sms = RecordingChannel("sms", clock)
    _enrol(sessions, clock)
    run_until(dispatcher(sessions, clock, {"sms": sms}), clock, START + timedelta(days=3))
    first_engine.dispose()  # the process stops; only the database remains
    second_engine = make_engine(db_url)
    sessions = make_session_factory(second_engine)
    run_until(dispatcher(sessions, clock, {"sms": sms}), clock, START + timedelta(days=20))
    second_engine.dispose()
    assert sms.times() == EXPECTED


def test_rows_claimed_by_a_process_that_died_are_taken_back_after_the_lease(
    sessions, clock
) -> None:
    clock.set(START)
    _enrol(sessions, clock, count=3)
    with sessions.begin() as session:  # a dispatcher claims, then dies before doing anything
        assert len(claim_due(session, now=clock.now(), token="dead", limit=10)) == 3
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    tick(engine)
    assert sms.sent == []  # still within the lease: maybe it is only slow
    clock.advance(minutes=11)
    report = tick(engine)
    assert report["reconciled_released"] == 3 and report["sent"] == 3
    assert len({outgoing.message_id for _, outgoing in sms.sent}) == 3


def test_a_crash_between_the_provider_call_and_the_commit_is_flagged_not_resent(
    db_url, sessions, clock, tmp_path
) -> None:
    clock.set(START)
    _enrol(sessions, clock)
    handed_over = tmp_path / "provider.log"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.engine_crash_child",
            db_url,
            START.isoformat(),
            str(handed_over),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 17, child.stderr
    [message_id] = [int(line) for line in handed_over.read_text().split()]
    with sessions() as session:
        assert session.get_one(Message, message_id).status == "sending"
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    clock.advance(minutes=5)
    tick(engine)  # within the lease: left alone
    clock.advance(minutes=10)
    report = tick(engine)
    assert report["reconciled_uncertain"] == 1
    run_until(engine, clock, START + timedelta(days=20))
    assert sms.times() == EXPECTED[1:]  # day 0 was never sent again; the sequence went on
    with sessions() as session:
        assert session.get_one(Message, message_id).status == "uncertain"
        first = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).first()
        assert first.status == "uncertain"
        flags = session.scalars(select(InboxItem).where(InboxItem.kind == "uncertain_send")).all()
        assert [(flag.message_id, flag.case_id) for flag in flags] == [(message_id, first.case_id)]


def test_a_message_left_sending_without_an_outbox_row_is_flagged(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        session.add(
            Message(
                direction="out",
                channel="sms",
                case_id=case.id,
                address="+33639980001",
                body="Bonjour",
                status="sending",
                created_at=clock.now(),
                status_at=clock.now(),
            )
        )
    engine = dispatcher(sessions, clock, {"sms": RecordingChannel("sms", clock)})
    clock.advance(minutes=11)
    assert tick(engine)["reconciled_uncertain"] == 1
    with sessions() as session:
        assert session.scalars(select(Message.status)).one() == "uncertain"


def test_a_committed_message_that_nobody_delivered_is_queued(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        session.add(
            Message(
                direction="out",
                channel="sms",
                case_id=case.id,
                address="+33639980001",
                body="Bonjour",
                status="pending",
                created_at=clock.now(),
            )
        )
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    clock.advance(minutes=11)
    report = tick(engine)
    assert (report["reconciled_requeued"], report["sent"]) == (1, 1)
    assert tick(engine)["sent"] == 0


def test_a_broken_row_holds_up_only_itself(sessions, clock) -> None:
    clock.set(START)
    _enrol(sessions, clock, count=3)
    with sessions.begin() as session:  # a row the engine cannot run (a corrupted copy of steps)
        broken = session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
        broken.steps = []
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    report = tick(engine)
    assert (report["sent"], report["error"]) == (2, 1)
    clock.advance(minutes=11)
    assert tick(engine)["error"] == 1  # taken back after the lease, still broken, never sent
    assert len(sms.sent) == 2


@pytest.mark.postgres
def test_two_reconcilers_at_once_flag_each_message_once_and_keep_its_row_uncertain(
    postgres_url, clock
) -> None:
    # One reconciler is half-way through the rows of a dead dispatcher when another one (another
    # process, or this one's catch-up job) runs: each message is flagged once, by one of them.
    from outreach.engine.dispatcher import _prepare_batch
    from outreach.engine.reconcile import _settle, reconcile
    from outreach.sending.outbox import stale_claims

    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    clock.set(START)
    _enrol(sessions, clock, count=5)
    engine_dispatcher = dispatcher(sessions, clock, {"sms": RecordingChannel("sms", clock)})
    with sessions.begin() as session:
        ids = claim_due(session, now=clock.now(), token="dead", limit=10)
    _prepare_batch(engine_dispatcher, ids, "dead")  # messages `sending`; then the process died
    clock.advance(minutes=11)
    config = engine_dispatcher.config
    lease = timedelta(seconds=config.claim_lease_seconds)
    try:
        with sessions.begin() as first:
            claimed = stale_claims(first, now=clock.now(), lease=lease)
            assert len(claimed) == 5
            _settle(first, now=clock.now(), item=claimed[0], config=config)
            with sessions.begin() as second:  # meanwhile
                reconcile(second, clock=clock, config=config)
            for item in claimed[1:]:
                _settle(first, now=clock.now(), item=item, config=config)
        with sessions() as session:
            statuses = session.execute(select(Message.status).where(Message.direction == "out"))
            items = session.scalars(select(OutboxItem.status).where(OutboxItem.id.in_(ids)))
            flagged = session.scalars(
                select(InboxItem.message_id).where(InboxItem.kind == "uncertain_send")
            ).all()
            assert [row[0] for row in statuses] == ["uncertain"] * 5
            assert list(items) == ["uncertain"] * 5
            assert sorted(flagged) == sorted(set(flagged)) and len(flagged) == 5
    finally:
        engine.dispose()
