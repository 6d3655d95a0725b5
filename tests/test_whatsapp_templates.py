"""WhatsApp's approved templates carry the values their text was rendered with.

Outside the 24-hour window a visit reminder goes out as the approved template, its variables
numbered in the order of the placeholders of the template's msgid ({{1}} worker, {{2}} day,
{{3}} window); the copy sent again after a late temporary failure carries them too; a message
without its values is never sent as a template with holes. Messages go from the outbox through
the real WhatsApp channel to the Twilio double; its status callbacks come back signed to the app.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from messages.templates import Text, template_variables
from outreach.booking import bookings as booking
from outreach.booking.slots import materialise_slots
from outreach.conversation.jobs import send_visit_reminders
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of
from outreach.engine.tick import tick
from outreach.models import Case, InboxItem, Message, OutboxItem, Slot
from outreach.sequences import enrol
from tests.booking_support import add_worker, household, paris
from tests.doubles.twilio_double import TwilioDouble, app_settings
from tests.engine_support import RecordingChannel, dispatcher, run_until
from tests.factories import fiction_phone, make_case
from tests.test_twilio_status import callback

REMINDER_SID = "HX" + "3" * 32
PHONE = "+33639981001"  # 06 39 98 10 01: the first household of tests.booking_support
VISIT = paris(2026, 3, 17, 10)  # Tuesday
REMINDER_DAY = paris(2026, 3, 16, 10, 1)  # Monday, the working day before, after 10:00


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return {
        **app_settings(double.base_url, channels="whatsapp"),
        "TWILIO_WHATSAPP_CONTENT_SIDS": f"visit_reminder={REMINDER_SID}",
    }


def _booked_household_that_wrote_on_whatsapp(services: Any) -> int:
    """A visit on Tuesday 17 March at 10:00 with Camille Roux; the household last wrote on
    WhatsApp on Wednesday 11 March, so the reminder falls outside the 24-hour window."""
    clock = services.clock
    with services.sessions.begin() as session:
        add_worker(session, clock=clock, name="Camille Roux")
        materialise_slots(session, clock=clock)
        case = household(session, clock=clock)
        slot = session.scalars(select(Slot).where(Slot.starts_at == VISIT)).one()
        assert booking.book(session, clock=clock, case=case, slot_id=slot.id) is not None
        session.add(
            Message(
                direction="in",
                channel="whatsapp",
                case_id=case.id,
                address=f"whatsapp:{PHONE}",
                body="OUI",
                status="received",
                processed=True,
                created_at=clock.now(),
            )
        )
        return case.id


def _work_the_outbox(services: Any) -> None:
    tick(dispatcher(services.sessions, services.clock, services.channels))


def _template_calls(double: TwilioDouble) -> list[tuple[str, dict[str, str]]]:
    return [
        (call.params["ContentSid"], json.loads(call.params["ContentVariables"]))
        for call in double.calls
    ]


REMINDER_VARIABLES = {"1": "Camille Roux", "2": "mardi 17 mars", "3": "entre 10 h et 11 h"}


def test_it_numbers_a_template_s_variables_in_the_order_of_its_msgid() -> None:
    assert template_variables("visit_reminder") == ("worker", "day", "window")
    assert template_variables("booking_confirmation") == ("date", "worker", "window")
    assert template_variables("intro") == ("organisation", "phone")
    assert template_variables("checkin_thanks") == ()  # not in the registry: no variables


def test_a_sequence_step_keeps_the_telegram_link_it_was_rendered_with(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock, phones=(fiction_phone(9801),))
        enrol(session, clock=clock, case=case)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(
        sessions, clock, {"sms": sms, "telegram": RecordingChannel("telegram", clock)}
    )
    engine.telegram_bot = "AllerVersBot"
    run_until(engine, clock, clock.now() + timedelta(days=3))

    _, (_, outgoing) = sms.sent[:2]
    link = outgoing.template_values["link"]
    assert link.startswith("https://t.me/AllerVersBot?start=") and link in outgoing.body
    with sessions() as session:
        message = session.scalars(select(Message).where(Message.template == "reminder")).one()
        assert (message.template, message.template_values) == ("reminder", {"link": link})


def test_the_visit_reminder_outside_the_window_goes_as_the_approved_template_with_its_values(
    services, sessions, double
) -> None:
    case_id = _booked_household_that_wrote_on_whatsapp(services)
    services.clock.set(REMINDER_DAY)

    assert send_visit_reminders(sessions, clock=services.clock, enabled=("whatsapp",)) == 1
    _work_the_outbox(services)

    (call,) = double.calls
    assert call.params["To"] == f"whatsapp:{PHONE}"
    assert "Body" not in call.params
    assert _template_calls(double) == [(REMINDER_SID, REMINDER_VARIABLES)]
    with sessions() as session:
        message = session.scalars(
            select(Message).where(Message.case_id == case_id, Message.direction == "out")
        ).one()
        assert (message.template, message.status) == ("visit_reminder", "queued")
        assert message.template_values == {
            "day": "mardi 17 mars",
            "worker": "Camille Roux",
            "window": "entre 10 h et 11 h",
        }


def test_the_copy_sent_again_after_a_late_temporary_failure_keeps_the_values(
    client, services, sessions, double
) -> None:
    _booked_household_that_wrote_on_whatsapp(services)
    services.clock.set(REMINDER_DAY)
    send_visit_reminders(sessions, clock=services.clock, enabled=("whatsapp",))
    _work_the_outbox(services)

    # Twilio accepted it, then the handset was unreachable (30003, temporary): a copy is queued.
    response = callback(client, double, double.sent[0]["sid"], "undelivered", 30003)
    assert response.status_code == 200
    services.clock.advance(timedelta(hours=1))
    _work_the_outbox(services)

    assert _template_calls(double) == [(REMINDER_SID, REMINDER_VARIABLES)] * 2
    with sessions() as session:
        first, copy = session.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id)
        ).all()
        assert first.error_kind == "temporary"
        assert copy.template_values == first.template_values


def test_a_template_message_without_its_values_is_not_sent_as_a_broken_template(
    services, sessions, double
) -> None:
    case_id = _booked_household_that_wrote_on_whatsapp(services)
    services.clock.set(REMINDER_DAY)
    with sessions.begin() as session:
        # As a row written before messages kept their values.
        case = session.get_one(Case, case_id)
        message = write_first(
            session,
            clock=services.clock,
            case=case,
            conversation=conversation_of(session, clock=services.clock, case=case),
            text=Text("visit_reminder", "Rappel : Camille Roux passera chez vous mardi."),
            enabled=("whatsapp",),
        )
        assert message is not None and message.channel == "whatsapp"
        message_id = message.id

    _work_the_outbox(services)

    assert double.calls == []
    with sessions() as session:
        message = session.get_one(Message, message_id)
        assert (message.status, message.error_kind) == ("failed", "window_closed")
        item = session.scalars(select(InboxItem).where(InboxItem.message_id == message_id)).one()
        assert (item.kind, item.note) == ("failed_number", "window_closed")
        assert session.scalars(select(OutboxItem.status)).all() == ["failed"]
