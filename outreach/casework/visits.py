"""Visits booked by hand: a worker reached the household on the phone or at the door and books
the visit from the case page, at home or at a meeting place near it.

Same slots and same atomic take as a household's "1" (outreach.booking.bookings), same texts:
the confirmation goes by SMS (or the household's messenger) when it can be written to, and the
reminder of the day before follows by itself. The conversation follows the visit, so the
household can still answer CHANGE or CANCEL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from messages.templates import Text
from outreach.booking import bookings
from outreach.booking import texts as booking_texts
from outreach.booking.config import BookingConfig, current_booking_config
from outreach.booking.places import PlaceError, usable_place
from outreach.booking.slots import available, earliest_start
from outreach.clock import Clock
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import CONSENT_GIVEN, INTERESTED, VISIT_BOOKED
from outreach.models import Case, MeetingPlace, Slot, TeamUser, Visit
from outreach.models.booking import REACHED_BY
from outreach.privacy.consent import has_consent

MAX_SLOTS_SHOWN = 40
# How the worker reached the household (the visit form's choices).
REACHED_BY_LABELS = {
    "phone": N_("on the phone"),
    "door": N_("at the door"),
    "reply": N_("by message"),
}
TAKEN = N_("This time was just taken by another household: choose another one.")


class VisitByHandError(ValueError):
    """The visit cannot be booked as asked; the message (French) says why."""


@dataclass(frozen=True)
class Booked:
    visit: Visit
    texted: bool  # the confirmation was queued to the household


def free_slots(
    session: Session, *, clock: Clock, case: Case, config: BookingConfig | None = None
) -> list[Slot]:
    """The free slots of the case's sector, soonest first, every worker's (not spread out like
    the three offered by SMS: the worker chooses with the household)."""
    config = config or current_booking_config()
    if case.sector_id is None:
        return []
    now = clock.now()
    return list(
        session.scalars(
            select(Slot)
            .where(
                Slot.sector_id == case.sector_id,
                available(now),
                Slot.starts_at >= earliest_start(now, config),
            )
            .order_by(Slot.starts_at, Slot.id)
            .limit(MAX_SLOTS_SHOWN)
        )
    )


def book_by_hand(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    slot_id: int,
    place_id: int | None,
    reached_by: str,
    actor: TeamUser,
    enabled: tuple[str, ...],
    config: BookingConfig | None = None,
) -> Booked:
    if reached_by not in REACHED_BY:
        raise VisitByHandError(gettext("Say how the household was reached."))
    if bookings.active_visit(session, case_id=case.id) is not None:
        raise VisitByHandError(gettext("A visit is already booked: change it instead."))
    place = _place(session, case=case, place_id=place_id)
    where = bookings.Where(place=place, reached_by=reached_by, actor=actor)
    visit = bookings.book(
        session, clock=clock, case=case, slot_id=slot_id, config=config, where=where
    )
    if visit is None:
        raise VisitByHandError(gettext(TAKEN))
    # The worker just spoke with the household (on the phone, at the door): an exchange.
    case.last_contact_at = max(filter(None, (case.last_contact_at, clock.now())))
    text = booking_texts.booking_confirmation(visit, case.language)
    return Booked(
        visit=visit, texted=_tell(session, clock=clock, case=case, text=text, enabled=enabled)
    )


def change_by_hand(
    session: Session,
    *,
    clock: Clock,
    visit: Visit,
    slot_id: int,
    place_id: int | None,
    actor: TeamUser,
    enabled: tuple[str, ...],
    config: BookingConfig | None = None,
) -> Booked:
    """Another time or another place (or both), agreed with the household."""
    case = session.get_one(Case, visit.case_id)
    if not visit.active:
        raise VisitByHandError(gettext("This visit is no longer booked."))
    place = _place(session, case=case, place_id=place_id)
    same = visit.slot_id == slot_id and visit.place_id == (place.id if place else None)
    if same:
        return Booked(visit=visit, texted=False)
    new = bookings.change(
        session, clock=clock, visit=visit, slot_id=slot_id, config=config, actor=actor, place=place
    )
    if new is None:
        raise VisitByHandError(gettext(TAKEN))
    text = booking_texts.change_confirmation(new, case.language)
    return Booked(
        visit=new, texted=_tell(session, clock=clock, case=case, text=text, enabled=enabled)
    )


def cancel_by_hand(
    session: Session,
    *,
    clock: Clock,
    visit: Visit,
    actor: TeamUser,
    enabled: tuple[str, ...],
) -> bool:
    """Cancel the visit and tell the household (it can ask for a new date by answering YES).
    False if the visit was no longer booked."""
    case = session.get_one(Case, visit.case_id)
    if not bookings.cancel(session, clock=clock, visit=visit, actor=actor):
        return False
    conversation = conversation_of(session, clock=clock, case=case)
    consented = has_consent(session, case_id=case.id, purpose="diagnostic")
    # YES then offers dates (consent given) or asks for the consent first.
    move(conversation, clock=clock, state=CONSENT_GIVEN if consented else INTERESTED)
    text = booking_texts.cancel_confirmation(visit, case.language)
    write_first(
        session, clock=clock, case=case, conversation=conversation, text=text, enabled=enabled
    )
    return True


def _tell(
    session: Session, *, clock: Clock, case: Case, text: Text, enabled: tuple[str, ...]
) -> bool:
    """The household's confirmation, when it can be written to; its conversation follows the
    visit so that CHANGE and CANCEL by reply still work. True if a message was queued."""
    conversation = conversation_of(session, clock=clock, case=case)
    message = write_first(
        session, clock=clock, case=case, conversation=conversation, text=text, enabled=enabled
    )
    move(conversation, clock=clock, state=VISIT_BOOKED)
    return message is not None


def _place(session: Session, *, case: Case, place_id: int | None) -> MeetingPlace | None:
    if place_id is None:
        return None
    try:
        return usable_place(session, place_id=place_id, sector_id=case.sector_id)
    except PlaceError as error:
        raise VisitByHandError(str(error)) from None
