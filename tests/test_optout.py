"""STOP in every spelling opts out on every channel at once; START opts back in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach.engine.tick import ReplyPath
from outreach.models import AuditEvent, Case, ContactPoint, InboxItem, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.replies.optout import keyword
from outreach.sending.channel import DeliveryError, ErrorKind, Inbound
from outreach.sequences import enrol
from tests.engine_support import RecordingChannel, dispatcher, run_until
from tests.factories import make_case

STOP_SPELLINGS = ["STOP", "Stop", "stop.", "ARRET", "ARRÊT", "arrêt", "STOP SMS", "  stop !  "]
_sids = iter(range(10_000))


@pytest.mark.parametrize("body", [*STOP_SPELLINGS, "Arrêt SMS", "stop\n"])
def test_it_recognises_an_opt_out_word(body: str) -> None:
    assert keyword(body) == "opt_out"


@pytest.mark.parametrize(
    "body", ["stop les visites ?", "Je veux que ça stop", "STOPPEZ", "", "arrêtez de m'appeler"]
)
def test_a_sentence_with_stop_is_not_an_opt_out(body: str) -> None:
    assert keyword(body) is None


@pytest.mark.parametrize("body", ["START", "oui", "Oui !", "REPRENDRE", "reprendre."])
def test_it_recognises_an_opt_in_word(body: str) -> None:
    assert keyword(body) == "opt_in"


def _setup(sessions, clock, *, telegram: bool = True):
    sms, telegram_channel = RecordingChannel("sms", clock), RecordingChannel("telegram", clock)
    engine = dispatcher(sessions, clock, {"sms": sms, "telegram": telegram_channel})
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        if telegram:
            case.contact_points.append(
                ContactPoint(
                    kind="telegram",
                    value="4242",
                    sms_capable=False,
                    position=1,
                    created_at=clock.now(),
                )
            )
        session.flush()
        enrol(session, clock=clock, case=case)
        case_id = case.id
    return engine, sms, telegram_channel, case_id


def _write(
    sessions, clock, body: str, *, channel: str = "sms", address: str = "+33639980001"
) -> None:
    with sessions.begin() as session:
        inbound = Inbound(
            channel=channel,
            provider_id=f"IN{next(_sids)}",
            address=address,
            body=body,
            received_at=clock.now(),
        )
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        process_inbound(session, clock=clock, message=message, reply_path=ReplyPath())


@pytest.mark.parametrize("body", STOP_SPELLINGS)
def test_stop_opts_out_on_every_channel_and_confirms_once(sessions, clock, body) -> None:
    engine, sms, telegram, case_id = _setup(sessions, clock)
    run_until(engine, clock, clock.now() + timedelta(hours=1))
    assert len(sms.sent) == 1  # day 0: the introduction by SMS
    _write(sessions, clock, body, channel="telegram", address="4242")
    run_until(engine, clock, clock.now() + timedelta(days=30))
    # One message after the STOP: the confirmation, on Telegram where the STOP came from.
    assert len(sms.sent) == 1 and len(telegram.sent) == 1
    confirmation = telegram.sent[0][1]
    assert "REPRENDRE" in confirmation.body and "plus de messages" in confirmation.body
    assert confirmation.address == "4242"
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert case.opted_out and case.opted_out_at == clock.now() - timedelta(days=30)
        enrolment = session.scalars(select(Enrolment)).one()
        assert (enrolment.status, enrolment.stop_reason) == ("stopped", "opt_out")
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.opt_out"))
        assert (event.case_id, event.detail["channel"]) == (case_id, "telegram")
        assert session.scalars(select(OutboxItem).where(OutboxItem.status == "pending")).all() == []
        assert not session.scalars(select(InboxItem).where(InboxItem.kind == "task")).all()


def test_stop_twice_confirms_once(sessions, clock) -> None:
    engine, sms, _, _ = _setup(sessions, clock)
    _write(sessions, clock, "STOP")
    clock.advance(minutes=5)
    _write(sessions, clock, "stop")
    run_until(engine, clock, clock.now() + timedelta(days=1))
    assert len(sms.sent) == 1


def test_a_sentence_containing_stop_goes_to_a_human(sessions, clock) -> None:
    engine, sms, telegram, case_id = _setup(sessions, clock)
    run_until(engine, clock, clock.now() + timedelta(hours=1))
    _write(sessions, clock, "stop les visites ?")
    run_until(engine, clock, clock.now() + timedelta(days=30))
    assert len(sms.sent) == 1 and len(telegram.sent) == 0
    with sessions() as session:
        assert not session.get_one(Case, case_id).opted_out
        assert session.scalars(select(Enrolment.stop_reason)).one() == "reply"
        assert session.scalars(select(InboxItem.kind)).all() == ["reply"]


@pytest.mark.parametrize("body", ["START", "Oui", "reprendre"])
def test_start_opts_back_in_and_confirms(sessions, clock, body) -> None:
    engine, sms, _, case_id = _setup(sessions, clock)
    _write(sessions, clock, "STOP")
    run_until(engine, clock, clock.now() + timedelta(hours=1))
    _write(sessions, clock, body)
    run_until(engine, clock, clock.now() + timedelta(hours=1))
    assert len(sms.sent) == 2
    assert "de nouveau" in sms.sent[1][1].body and "STOP" in sms.sent[1][1].body
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert not case.opted_out and case.opted_out_at is None
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["case.opt_out", "case.opt_in"]


def test_oui_from_a_household_that_did_not_opt_out_is_just_a_reply(sessions, clock) -> None:
    engine, sms, _, _ = _setup(sessions, clock)
    _write(sessions, clock, "OUI")
    run_until(engine, clock, clock.now() + timedelta(days=1))
    assert sms.sent == []
    with sessions() as session:
        assert session.scalars(select(AuditEvent.action)).all() == []
        assert session.scalars(select(Enrolment.stop_reason)).one() == "reply"


def test_stop_cancels_a_message_waiting_for_a_retry(sessions, clock) -> None:
    engine, sms, _, _case_id = _setup(sessions, clock, telegram=False)
    sms.errors = [DeliveryError(ErrorKind.TEMPORARY, code="busy")]
    run_until(engine, clock, clock.now() + timedelta(seconds=1))
    assert sms.calls == 1 and sms.sent == []
    _write(sessions, clock, "Arrêt")
    run_until(engine, clock, clock.now() + timedelta(days=30))
    assert [outgoing.body[:9] for _, outgoing in sms.sent] == ["Vous ne r"]
    with sessions() as session:
        statuses = session.scalars(
            select(Message.status).where(Message.direction == "out").order_by(Message.id)
        ).all()
        assert statuses == ["canceled", "sent"]


def test_a_provider_opt_out_stops_everything_without_a_confirmation(sessions, clock) -> None:
    engine, sms, _, case_id = _setup(sessions, clock, telegram=False)
    sms.errors = [DeliveryError(ErrorKind.OPTED_OUT, code="21610")]
    run_until(engine, clock, clock.now() + timedelta(days=30))
    assert sms.calls == 1 and sms.sent == []
    with sessions() as session:
        assert session.get_one(Case, case_id).opted_out
        assert session.scalars(select(Enrolment.stop_reason)).one() == "opt_out"
        assert session.scalars(select(AuditEvent.action)).all() == ["case.opt_out"]
