"""Provider failures: the next channel after a permanent one, backoff after a temporary one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from outreach.clock import PARIS
from outreach.engine.dispatcher import dispatch_due
from outreach.models import Case, ContactPoint, InboxItem, Message
from outreach.models.outbox import OutboxItem
from outreach.sending.channel import DeliveryError, ErrorKind
from outreach.sending.send_now import best_route, deliver, queue_message
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, dispatcher, engine_config, paris, run_until
from tests.factories import make_case

START = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)  # a Wednesday


def _case(sessions, clock, *, whatsapp: bool = True, enrolled: bool = True) -> int:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        if whatsapp:
            case.contact_points.append(
                ContactPoint(
                    kind="whatsapp", value="+33639980001", position=1, created_at=clock.now()
                )
            )
            session.flush()
        if enrolled:
            enrol(session, clock=clock, case=case)
        return case.id


def test_a_dead_number_hands_the_step_to_the_next_channel_at_once(sessions, clock) -> None:
    clock.set(START)
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.CANNOT_RECEIVE, code="30006")])
    whatsapp = RecordingChannel("whatsapp", clock)
    engine = dispatcher(sessions, clock, {"sms": sms, "whatsapp": whatsapp})
    _case(sessions, clock)
    run_until(engine, clock, START + timedelta(days=20))
    assert sms.calls == 1 and sms.sent == []  # never retried, never used again
    assert whatsapp.times() == [
        "2026-04-29 Wed 10:00",  # day 0, straight after the SMS failure
        "2026-05-02 Sat 09:00",  # day 2
        "2026-05-04 Mon 09:00",  # day 4
        "2026-05-09 Sat 10:00",  # day 10
    ]
    with sessions() as session:
        point = session.scalars(select(ContactPoint).where(ContactPoint.kind == "phone")).one()
        assert point.state == "cannot_receive"
        kinds = session.scalars(select(InboxItem.kind).order_by(InboxItem.id)).all()
        assert kinds == ["failed_number", "task", "task"]


def test_a_permanent_error_skips_the_channel_for_that_step_only(sessions, clock) -> None:
    clock.set(START)
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.PERMANENT, code="21617")])
    whatsapp = RecordingChannel("whatsapp", clock)
    engine = dispatcher(sessions, clock, {"sms": sms, "whatsapp": whatsapp})
    _case(sessions, clock)
    run_until(engine, clock, START + timedelta(days=3))
    assert whatsapp.times() == ["2026-04-29 Wed 10:00"]
    assert sms.times() == ["2026-05-02 Sat 09:00"]  # day 2 tries SMS first again


def test_without_another_channel_the_step_fails_and_the_sequence_goes_on(sessions, clock) -> None:
    clock.set(START)
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.PERMANENT, code="21617")])
    engine = dispatcher(sessions, clock, {"sms": sms})
    _case(sessions, clock, whatsapp=False)
    run_until(engine, clock, START + timedelta(days=3))
    assert sms.times() == ["2026-05-02 Sat 09:00"]
    with sessions() as session:
        first = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).first()
        assert (first.status, first.skip_channels) == ("skipped", ["sms"])


def test_temporary_errors_are_retried_with_exponential_backoff(sessions, clock) -> None:
    clock.set(START)
    busy = DeliveryError(ErrorKind.TEMPORARY, code="429")
    sms = RecordingChannel("sms", clock, [busy, busy, busy])
    engine = dispatcher(sessions, clock, {"sms": sms})
    _case(sessions, clock, whatsapp=False)
    run_until(engine, clock, START + timedelta(hours=1))
    assert [when - START for when in sms.attempted_at] == [
        timedelta(0),
        timedelta(seconds=60),
        timedelta(seconds=60 + 120),
        timedelta(seconds=60 + 120 + 240),
    ]
    assert len(sms.sent) == 1
    with sessions() as session:
        [message] = session.scalars(select(Message)).all()  # one row, retried in place
        assert message.status == "sent"
        item = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).first()
        assert (item.status, item.attempts) == ("done", 4)


def test_backoff_is_capped_and_honours_retry_after(sessions, clock) -> None:
    clock.set(START)
    config = engine_config(ALLERVERS_RETRY_BASE="60", ALLERVERS_RETRY_CAP="300")
    errors = [DeliveryError(ErrorKind.TEMPORARY, code="503")] * 5
    errors.append(DeliveryError(ErrorKind.TEMPORARY, code="429", retry_after=900))
    sms = RecordingChannel("sms", clock, errors)
    engine = dispatcher(sessions, clock, {"sms": sms}, config)
    _case(sessions, clock, whatsapp=False)
    run_until(engine, clock, START + timedelta(hours=2))
    gaps = [b - a for a, b in zip(sms.attempted_at, sms.attempted_at[1:], strict=False)]
    assert [gap.total_seconds() for gap in gaps] == [60, 120, 240, 300, 300, 900]


def test_it_gives_up_after_the_last_retry_and_tries_the_next_channel(sessions, clock) -> None:
    clock.set(START)
    config = engine_config(ALLERVERS_RETRY_MAX="3")
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.TEMPORARY, code="503")] * 10)
    whatsapp = RecordingChannel("whatsapp", clock)
    engine = dispatcher(sessions, clock, {"sms": sms, "whatsapp": whatsapp}, config)
    _case(sessions, clock)
    run_until(engine, clock, START + timedelta(hours=1))
    assert sms.calls == 3
    assert whatsapp.times() == ["2026-04-29 Wed 10:03"]  # after 60 s + 120 s
    with sessions() as session:
        statuses = session.scalars(select(Message.status).order_by(Message.id)).all()
        assert statuses == ["failed", "sent"]


def test_a_retry_that_falls_outside_the_window_waits_for_the_morning(sessions, clock) -> None:
    clock.set(datetime(2026, 4, 29, 18, 59, 30, tzinfo=PARIS))
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.TEMPORARY, code="503")])
    engine = dispatcher(sessions, clock, {"sms": sms})
    _case(sessions, clock, whatsapp=False)
    run_until(engine, clock, clock.now() + timedelta(days=1))
    assert [paris(when) for when in sms.attempted_at] == [
        "2026-04-29 Wed 18:59",
        "2026-04-30 Thu 09:00",
    ]


def test_a_team_message_that_failed_for_now_is_retried_by_the_dispatcher(sessions, clock) -> None:
    sms = RecordingChannel("sms", clock, [DeliveryError(ErrorKind.TEMPORARY, code="503")])
    case_id = _case(sessions, clock, whatsapp=False, enrolled=False)
    with sessions.begin() as session:
        case = session.get_one(Case, case_id)
        message = queue_message(
            session, clock=clock, case=case, route=best_route(case, ("sms",)), body="Bonjour"
        )
        message_id = message.id
    deliver(sessions, clock=clock, channels={"sms": sms}, message_id=message_id)
    assert sms.calls == 1
    engine = dispatcher(sessions, clock, {"sms": sms})
    assert dispatch_due(engine)["sent"] == 0  # not before its backoff
    clock.advance(seconds=60)
    assert dispatch_due(engine)["sent"] == 1
    with sessions() as session:
        assert session.get_one(Message, message_id).status == "sent"
