"""The conversation row of a case: loaded (and locked) for one reply, kept in step with visits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.conversation.table import (
    FIRST_CONTACT,
    REMINDED,
    SLOT_OFFERED,
    VISIT_BOOKED,
    VISITED,
)
from outreach.models import Case, Conversation, Visit

_AROUND_A_VISIT = (VISIT_BOOKED, REMINDED)


def conversation_of(session: Session, *, clock: Clock, case: Case) -> Conversation:
    """The case's conversation, locked for this transaction (one reply at a time), or a new one."""
    found = session.scalar(
        select(Conversation).where(Conversation.case_id == case.id).with_for_update()
    )
    if found is not None:
        return found
    conversation = Conversation(
        case_id=case.id,
        state=FIRST_CONTACT,
        asked_again=False,
        offered_slot_ids=[],
        updated_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(conversation)
    except IntegrityError:  # a second reply of the same household created it meanwhile
        return session.scalars(
            select(Conversation).where(Conversation.case_id == case.id).with_for_update()
        ).one()
    return conversation


def move(conversation: Conversation, *, clock: Clock, state: str) -> None:
    conversation.state = state
    conversation.updated_at = clock.now()


def keep_in_step(session: Session, *, clock: Clock, conversation: Conversation) -> None:
    """The team may book, cancel or mark a visit outside the conversation: follow it."""
    visit = session.scalar(
        select(Visit)
        .where(Visit.case_id == conversation.case_id)
        .order_by(Visit.starts_at.desc(), Visit.id.desc())
        .limit(1)
    )
    if visit is None:
        return
    if visit.status in ("held", "no_show") and conversation.state in _AROUND_A_VISIT:
        move(conversation, clock=clock, state=VISITED)
    elif visit.active and conversation.state not in (*_AROUND_A_VISIT, SLOT_OFFERED):
        state = REMINDED if visit.status == "reminded" else VISIT_BOOKED
        move(conversation, clock=clock, state=state)
