"""What the bot does on each line of the table (outreach/conversation/table.py).

Each handler answers the household and returns the next state when it differs from the table's
(None: as the table says), e.g. "the slot was just taken: offer others, stay at slot offered".
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from messages.templates import render_text
from outreach.booking import bookings as booking
from outreach.booking import checkin
from outreach.booking import texts as booking_messages
from outreach.conversation.table import (
    CONSENT_GIVEN,
    FOLLOW_UP,
    SLOT_OFFERED,
    VISIT_BOOKED,
)
from outreach.conversation.turn import Turn
from outreach.models import InboxItem, Message, Visit
from outreach.partners import referrals
from outreach.privacy import consent
from outreach.replies import languages
from outreach.team.tasks import create_task

Handler = Callable[[Turn], str | None]
DIAGNOSTIC = "diagnostic"
CONTRACT = "contract"


# --- consent ---------------------------------------------------------------------------------


def ask_consent(turn: Turn) -> str | None:
    """Yes to help: ask for agreement to the review (or offer dates if already agreed)."""
    if consent.has_consent(turn.session, case_id=turn.case.id, purpose=DIAGNOSTIC):
        return offer_slots(turn)
    turn.say(consent.consent_question(turn.case, public_url=turn.settings.public_url))
    return None


def record_consent(turn: Turn) -> str | None:
    _record(turn, "given")
    return offer_slots(turn)


def record_refusal(turn: Turn) -> str | None:
    """The refusal is recorded and goes to the team's inbox (outreach.privacy.consent)."""
    _record(turn, "refused")
    turn.say(consent.refusal_reply(turn.case, decision="refused"))
    return None


def withdraw_consent(turn: Turn) -> str | None:
    _record(turn, "withdrawn")
    visit = booking.active_visit(turn.session, case_id=turn.case.id)
    if visit is not None:  # no review without agreement: the team decides about the visit
        turn.for_team = True
    turn.say(consent.refusal_reply(turn.case, decision="withdrawn"))
    return None


def respect_refusal(turn: Turn) -> str | None:
    """No to the first message: nothing more is sent; the team decides what to do."""
    _inbox(turn, "refusal", note="declined help")
    turn.say(render_text("consent_refused", turn.case.language))
    return None


def _record(turn: Turn, decision: str) -> None:
    consent.record_answer(
        turn.session,
        clock=turn.clock,
        case=turn.case,
        purpose=DIAGNOSTIC,
        decision=decision,
        reply=turn.reply,
    )


# --- booking ---------------------------------------------------------------------------------


def offer_slots(turn: Turn, *, exclude: tuple[int, ...] = (), after_taken: bool = False) -> str:
    """The three soonest dates; none free: the team arranges the visit by phone."""
    slots = booking.offer_slots(
        turn.session,
        clock=turn.clock,
        case=turn.case,
        config=turn.booking,
        exclude=exclude,
        preference=turn.understanding.preference,
    )
    language = turn.case.language
    text = booking_messages.slot_offer(slots, language, after_taken=after_taken)
    turn.say(text, booking_messages.offer_choices(slots, language) if slots else ())
    turn.conversation.offered_slot_ids = [slot.id for slot in slots]
    if not slots:  # the text says the team will call: the call is a task
        turn.for_team = True
        _task(turn, "phone_call")
        current = booking.active_visit(turn.session, case_id=turn.case.id)
        return VISIT_BOOKED if current is not None else CONSENT_GIVEN
    return SLOT_OFFERED


def offer_other_slots(turn: Turn) -> str | None:
    return offer_slots(turn, exclude=tuple(turn.conversation.offered_slot_ids))


def book_slot(turn: Turn) -> str | None:
    """Option n: book it (or move the visit there); taken meanwhile: other dates. The last
    option, "another time": a person of the team finds one with the household."""
    if (turn.understanding.choice or 0) > len(turn.conversation.offered_slot_ids):
        return hand_over(turn)
    slot_id = _chosen_slot(turn)
    current = booking.active_visit(turn.session, case_id=turn.case.id)
    if current is not None:
        return _move_visit(turn, current, slot_id)
    visit = booking.book(
        turn.session, clock=turn.clock, case=turn.case, slot_id=slot_id, config=turn.booking
    )
    if visit is None:
        return offer_slots(turn, exclude=(slot_id,), after_taken=True)
    turn.conversation.offered_slot_ids = []
    turn.say(booking_messages.booking_confirmation(visit, turn.case.language))
    return None


def _move_visit(turn: Turn, current: Visit, slot_id: int) -> str | None:
    try:
        visit = booking.change(
            turn.session, clock=turn.clock, visit=current, slot_id=slot_id, config=turn.booking
        )
    except booking.TooLate:
        return _too_late(turn)
    if visit is None:
        return offer_slots(turn, exclude=(slot_id,), after_taken=True)
    turn.conversation.offered_slot_ids = []
    turn.say(booking_messages.change_confirmation(visit, turn.case.language))
    return VISIT_BOOKED


def _chosen_slot(turn: Turn) -> int:
    number = turn.understanding.choice or 0
    return turn.conversation.offered_slot_ids[number - 1]


def offer_change(turn: Turn) -> str | None:
    visit = booking.active_visit(turn.session, case_id=turn.case.id)
    if visit is None:
        return offer_slots(turn)
    if not booking.can_change(visit, clock=turn.clock, config=turn.booking):
        return _too_late(turn)
    return offer_slots(turn, exclude=(visit.slot_id,) if visit.slot_id else ())


def cancel_visit(turn: Turn) -> str | None:
    visit = booking.active_visit(turn.session, case_id=turn.case.id)
    if visit is None:
        return not_understood(turn)
    try:
        booking.cancel(turn.session, clock=turn.clock, visit=visit, config=turn.booking)
    except booking.TooLate:
        return _too_late(turn)
    turn.say(booking_messages.cancel_confirmation(visit, turn.case.language))
    return None


def _too_late(turn: Turn) -> str:
    turn.for_team = True
    _task(turn, "phone_call")  # the text says the team will call
    turn.say(booking_messages.too_late_to_change(turn.case.language))
    return turn.conversation.state


# --- the engagement contract, agreed by message ---------------------------------------------


def record_contract(turn: Turn) -> str | None:
    """YES to the contract's summary: recorded like a consent (the case is then "accompagné")."""
    consent.record_answer(
        turn.session,
        clock=turn.clock,
        case=turn.case,
        purpose=CONTRACT,
        decision="given",
        reply=turn.reply,
    )
    turn.say(render_text("contract_agreed", turn.case.language))
    return None


def contract_declined(turn: Turn) -> str | None:
    """NO: recorded, and a person of the team reads it (the refusal goes to the inbox)."""
    consent.record_answer(
        turn.session,
        clock=turn.clock,
        case=turn.case,
        purpose=CONTRACT,
        decision="refused",
        reply=turn.reply,
    )
    turn.for_team = True
    turn.say(render_text("handed_over", turn.case.language))
    return None


def record_referral(turn: Turn) -> str | None:
    """YES to sharing with the partner named: recorded like a consent; the referral goes."""
    back = referrals.answer_by_message(
        turn.session, clock=turn.clock, case=turn.case, reply=turn.reply, agreed=True
    )
    turn.say(render_text("referral_agreed", turn.case.language))
    return back


def referral_declined(turn: Turn) -> str | None:
    """NO: nothing is shared; recorded, and a person of the team reads it (inbox)."""
    back = referrals.answer_by_message(
        turn.session, clock=turn.clock, case=turn.case, reply=turn.reply, agreed=False
    )
    turn.for_team = True
    turn.say(render_text("consent_refused", turn.case.language))
    return back


# --- check-in --------------------------------------------------------------------------------


def checkin_answer(turn: Turn) -> str | None:
    """1 going well: thanks; 2 need help, 3 situation changed: a task for the team."""
    choice = turn.understanding.choice
    if choice == checkin.NEED_HELP:
        return checkin_need_help(turn)
    _answered(turn)
    if choice == checkin.CHANGED:
        _task(turn, checkin.CHANGED_TASK)
        turn.say(render_text("handed_over", turn.case.language))
        return None
    turn.say(checkin.thanks(turn.case.language))
    return None


def checkin_need_help(turn: Turn) -> str | None:
    _answered(turn)
    _task(turn, checkin.NEED_HELP_TASK)
    turn.say(render_text("handed_over", turn.case.language))
    return None


def _answered(turn: Turn) -> None:
    if turn.conversation.state == FOLLOW_UP:
        turn.conversation.checkin_asked_at = None
        turn.conversation.checkin_reminded_at = None


def _task(turn: Turn, task: str) -> None:
    item = create_task(turn.session, clock=turn.clock, case_id=turn.case.id, task=task)
    item.message_id = turn.reply.id


# --- any state -------------------------------------------------------------------------------


def explain(turn: Turn) -> str | None:
    turn.say(render_text("help", turn.case.language, **turn.settings.identity.values()))
    return None


def change_language(turn: Turn) -> str | None:
    """ "EN", "English", "عربي": write in that language from now on, and say so in it."""
    language = turn.understanding.language or turn.case.language
    languages.set_language(turn.session, clock=turn.clock, case=turn.case, language=language)
    turn.say(languages.language_changed(turn.case))
    return None


def hand_over(turn: Turn) -> str | None:
    """A person of the team reads the reply; the household is told so (not twice in a row)."""
    turn.for_team = True
    if _last_template(turn) != "handed_over":
        turn.say(render_text("handed_over", turn.case.language))
    return None


def not_understood(turn: Turn) -> str | None:
    """Ask again once (the runner hands over the second time)."""
    turn.say(render_text("not_understood", turn.case.language))
    return turn.conversation.state


def _last_template(turn: Turn) -> str | None:
    last_id = turn.conversation.last_bot_message_id
    if last_id is None:
        return None
    return turn.session.scalar(select(Message.template).where(Message.id == last_id))


def _inbox(turn: Turn, kind: str, *, note: str) -> None:
    turn.session.add(
        InboxItem(
            kind=kind,
            case_id=turn.case.id,
            message_id=turn.reply.id,
            note=note,
            created_at=turn.clock.now(),
        )
    )


HANDLERS: dict[str, Handler] = {
    "ask_consent": ask_consent,
    "record_consent": record_consent,
    "record_refusal": record_refusal,
    "withdraw_consent": withdraw_consent,
    "respect_refusal": respect_refusal,
    "offer_slots": offer_slots,
    "offer_other_slots": offer_other_slots,
    "book_slot": book_slot,
    "offer_change": offer_change,
    "cancel_visit": cancel_visit,
    "checkin_answer": checkin_answer,
    "checkin_need_help": checkin_need_help,
    "record_contract": record_contract,
    "contract_declined": contract_declined,
    "record_referral": record_referral,
    "referral_declined": referral_declined,
    "explain": explain,
    "change_language": change_language,
    "hand_over": hand_over,
    "not_understood": not_understood,
}
