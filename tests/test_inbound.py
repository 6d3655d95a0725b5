"""Inbound messages: stored once per provider id, then attached to the right case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from outreach.models import Case, ContactPoint, InboxItem, Message
from outreach.replies.inbound import process_inbound, process_pending, store_inbound
from outreach.sending.channel import Inbound


def _case(session, clock, reference: str, phone: str, *, status: str = "new") -> Case:
    case = Case(reference=reference, status=status, created_at=clock.now(), updated_at=clock.now())
    case.contact_points.append(ContactPoint(kind="phone", value=phone, created_at=clock.now()))
    session.add(case)
    session.flush()
    return case


def _inbound(clock, sid: str = "SM1", address: str = "+33639980001") -> Inbound:
    return Inbound(
        channel="sms", provider_id=sid, address=address, body="Oui", received_at=clock.now()
    )


def _kinds(session) -> list[str]:
    return sorted(session.scalars(select(InboxItem.kind)))


def test_it_stores_a_provider_id_once(session, clock) -> None:
    first, created = store_inbound(session, clock=clock, inbound=_inbound(clock))
    again, created_again = store_inbound(session, clock=clock, inbound=_inbound(clock))
    session.commit()
    assert created and not created_again
    assert first.id == again.id
    assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_it_attaches_a_reply_to_the_case_of_that_number(session, clock) -> None:
    case = _case(session, clock, "C-1", "+33639980001")
    message, _ = store_inbound(session, clock=clock, inbound=_inbound(clock))
    assert process_inbound(session, clock=clock, message=message) is case
    session.commit()
    assert message.case_id == case.id
    assert case.last_contact_at == clock.now()
    assert _kinds(session) == ["reply"]


def test_it_sends_an_unknown_number_to_the_inbox(session, clock) -> None:
    message, _ = store_inbound(session, clock=clock, inbound=_inbound(clock))
    assert process_inbound(session, clock=clock, message=message) is None
    session.commit()
    assert message.case_id is None
    assert _kinds(session) == ["unknown_sender"]


def test_it_picks_the_most_recent_open_case_and_flags_the_others(session, clock) -> None:
    _case(session, clock, "OLD", "+33639980001")
    clock.advance(days=1)
    newest = _case(session, clock, "NEW", "+33639980001")
    clock.advance(days=1)
    _case(session, clock, "CLOSED", "+33639980001", status="closed")
    message, _ = store_inbound(session, clock=clock, inbound=_inbound(clock))
    assert process_inbound(session, clock=clock, message=message) is newest
    session.commit()
    assert _kinds(session) == ["reply", "several_cases"]


def test_processing_twice_changes_nothing(session, clock) -> None:
    _case(session, clock, "C-1", "+33639980001")
    message, _ = store_inbound(session, clock=clock, inbound=_inbound(clock))
    process_inbound(session, clock=clock, message=message)
    clock.advance(timedelta(minutes=5))
    process_inbound(session, clock=clock, message=message)
    session.commit()
    assert _kinds(session) == ["reply"]


def test_it_processes_what_was_stored_but_not_processed(session, clock) -> None:
    _case(session, clock, "C-1", "+33639980001")
    for sid in ("SM1", "SM2"):
        store_inbound(session, clock=clock, inbound=_inbound(clock, sid))
    session.commit()
    assert process_pending(session, clock=clock) == 2
    assert process_pending(session, clock=clock) == 0
    session.commit()
    assert _kinds(session) == ["reply", "reply"]


def test_a_whatsapp_sender_matches_the_phone_contact(session, clock) -> None:
    case = _case(session, clock, "C-1", "+33639980001")
    inbound = Inbound(
        channel="whatsapp",
        provider_id="SMw",
        address="whatsapp:+33639980001",
        body="bonjour",
        received_at=clock.now(),
    )
    message, _ = store_inbound(session, clock=clock, inbound=inbound)
    assert process_inbound(session, clock=clock, message=message) is case


def test_it_stores_nul_bytes_and_overlong_ids_on_every_database(session, clock) -> None:
    long_sid = "SM" + "x" * 200
    inbound = Inbound(
        channel="sms",
        provider_id=long_sid,
        address="+33639980001\x00" + "9" * 100,
        body="Oui\x00 merci",
        received_at=clock.now(),
        raw={"Body\x00": "Oui\x00", "nested": ["a\x00b", {"k": "v\x00"}]},
    )
    first, created = store_inbound(session, clock=clock, inbound=inbound)
    again, created_again = store_inbound(session, clock=clock, inbound=inbound)
    session.commit()
    assert created and not created_again and first.id == again.id
    assert first.body == "Oui merci"
    assert len(first.provider_id or "") == 64
    assert len(first.address) == 64
    assert first.raw == {"Body": "Oui", "nested": ["ab", {"k": "v"}]}


def test_a_status_callback_with_odd_values_is_stored_not_crashed(session, clock) -> None:
    from outreach.models import MessageStatusEvent
    from outreach.sending.channel import StatusReport
    from outreach.sending.status import apply_status

    report = StatusReport(
        channel="sms", provider_id="SM" + "y" * 300, status="delivered\x00" * 5, error_code="9" * 50
    )
    assert apply_status(session, clock=clock, report=report) is False  # no such message
    assert apply_status(session, clock=clock, report=report) is False  # and stored once
    session.commit()
    events = list(session.scalars(select(MessageStatusEvent)))
    assert len(events) == 1
    assert len(events[0].status) <= 20 and "\x00" not in events[0].status
