"""The default first-contact sequence on a moving clock: exact times, window, holidays, stops."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from outreach.clock import PARIS
from outreach.engine.tick import ReplyPath
from outreach.models import ContactPoint, InboxItem, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, dispatcher, paris, run_until
from tests.factories import make_case

# Wednesday 29 April 2026, 10:00 in Paris; Friday 1 May and Friday 8 May are public holidays.
START = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)
END = START + timedelta(days=20)


def _enrolled_case(sessions, clock, *, whatsapp: bool = False) -> int:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        if whatsapp:
            case.contact_points.append(
                ContactPoint(
                    kind="whatsapp", value="+33639980001", position=1, created_at=clock.now()
                )
            )
            session.flush()
        enrol(session, clock=clock, case=case)
        return case.id


def _tasks(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        items = session.scalars(
            select(InboxItem).where(InboxItem.kind == "task").order_by(InboxItem.id)
        )
        return [(item.note, paris(item.created_at)) for item in items]


def _reply(sessions, clock, body: str, sid: str = "SM-reply") -> None:
    with sessions.begin() as session:
        message, _ = store_inbound(
            session,
            clock=clock,
            inbound=Inbound(
                channel="sms",
                provider_id=sid,
                address="+33639980001",
                body=body,
                received_at=clock.now(),
            ),
        )
        process_inbound(session, clock=clock, message=message, reply_path=ReplyPath())


def test_it_runs_the_whole_sequence_on_a_silent_household(sessions, clock) -> None:
    clock.set(START)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    case_id = _enrolled_case(sessions, clock)
    run_until(engine, clock, END)
    assert sms.times() == [
        "2026-04-29 Wed 10:00",  # day 0: introduction
        "2026-05-02 Sat 09:00",  # day 2 is Friday 1 May (holiday): next opening
        "2026-05-09 Sat 10:00",  # day 10: last message
    ]
    # Day 4 (WhatsApp) is skipped: no WhatsApp number; tasks on day 7 and day 14.
    assert _tasks(sessions) == [
        ("phone_call", "2026-05-06 Wed 10:00"),
        ("door_knock", "2026-05-13 Wed 10:00"),
    ]
    bodies = [outgoing.body for _, outgoing in sms.sent]
    assert all("STOP" in body and "gratuit" in body for body in bodies)
    assert all(outgoing.address == "+33639980001" for _, outgoing in sms.sent)
    with sessions() as session:
        enrolment = session.scalars(select(Enrolment).where(Enrolment.case_id == case_id)).one()
        assert (enrolment.status, enrolment.next_step) == ("finished", 7)
        statuses = session.scalars(select(OutboxItem.status).order_by(OutboxItem.id)).all()
        # The letter is for households with no mobile: passed over without an outbox row.
        assert statuses == ["done", "done", "skipped", "done", "done", "done"]


def test_it_sends_day_four_on_whatsapp_when_the_household_has_it(sessions, clock) -> None:
    clock.set(START)
    sms, whatsapp = RecordingChannel("sms", clock), RecordingChannel("whatsapp", clock)
    engine = dispatcher(sessions, clock, {"sms": sms, "whatsapp": whatsapp})
    _enrolled_case(sessions, clock, whatsapp=True)
    run_until(engine, clock, END)
    assert whatsapp.times() == ["2026-05-04 Mon 09:00"]  # day 4 is Sunday 3 May
    assert whatsapp.sent[0][1].address == "whatsapp:+33639980001"
    assert whatsapp.sent[0][1].template == "whatsapp_hello"
    assert len(sms.sent) == 3


def test_every_send_is_inside_the_window(sessions, clock) -> None:
    # Enrolled on a Saturday evening: day 0 is Monday 09:00, every later step keeps 09:00.
    clock.set(datetime(2026, 3, 7, 19, 30, tzinfo=PARIS))
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    _enrolled_case(sessions, clock)
    run_until(engine, clock, clock.now() + timedelta(days=20))
    assert sms.times() == ["2026-03-09 Mon 09:00", "2026-03-11 Wed 09:00", "2026-03-19 Thu 09:00"]
    for when, _ in sms.sent:
        local = when.astimezone(PARIS)
        assert local.weekday() < 6 and 9 <= local.hour < 19


def test_a_reply_stops_the_sequence(sessions, clock) -> None:
    clock.set(START)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(sessions, clock, {"sms": sms})
    case_id = _enrolled_case(sessions, clock)
    run_until(engine, clock, START + timedelta(days=3))
    assert len(sms.sent) == 2
    _reply(sessions, clock, "C'est pour quoi ?")
    run_until(engine, clock, END)
    assert len(sms.sent) == 2
    assert _tasks(sessions) == []
    with sessions() as session:
        enrolment = session.scalars(select(Enrolment).where(Enrolment.case_id == case_id)).one()
        assert (enrolment.status, enrolment.stop_reason) == ("stopped", "reply")
        kinds = session.scalars(select(InboxItem.kind).where(InboxItem.case_id == case_id)).all()
        assert kinds == ["reply"]  # a human reads it


def test_it_enrols_a_case_only_once(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        first = enrol(session, clock=clock, case=case)
        again = enrol(session, clock=clock, case=case)
        assert first is not None and again is not None and first.id == again.id
        assert session.scalars(select(OutboxItem)).all().__len__() == 1
        assert case.status == "contacting"


def test_it_does_not_enrol_an_opted_out_household(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock, opted_out=True)
        assert enrol(session, clock=clock, case=case) is None


def test_a_sequence_message_is_written_as_a_message_row(sessions, clock) -> None:
    clock.set(START)
    engine = dispatcher(sessions, clock, {"sms": RecordingChannel("sms", clock)})
    case_id = _enrolled_case(sessions, clock)
    run_until(engine, clock, START + timedelta(hours=1))
    with sessions() as session:
        [message] = session.scalars(select(Message)).all()
        assert (message.case_id, message.status, message.template) == (case_id, "sent", "intro")
        assert message.provider_id.startswith("sms-")


def test_with_no_channel_switched_on_the_team_tasks_still_come(sessions, clock) -> None:
    # A team can run on tasks alone (no provider account yet): the phone calls and door knocks
    # of the sequence still reach its inbox.
    clock.set(START)
    engine = dispatcher(sessions, clock, {})
    _enrolled_case(sessions, clock)
    run_until(engine, clock, END)
    assert [note for note, _ in _tasks(sessions)] == ["phone_call", "door_knock"]
